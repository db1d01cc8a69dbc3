"""API keys cannot be forged, reach another account, outlive their owner's membership, or act for the person."""
import pytest

from app.services import members
from tests.factories import add_member, make_user, own_account


def _key(owner_api, scope="write"):
    return owner_api.post("/api-keys", json={"name": "k", "scope": scope}).json


def _client(api, raw):
    other = api.__class__(api.client)
    other.headers = {"X-API-Key": raw}
    return other


@pytest.mark.parametrize("raw", ["chk_", "chk_" + "A" * 43, "chk_" + "x" * 500, "not-a-key", "chk_\u202eabc"])
def test_forged_and_malformed_keys_are_401_never_500(api, owner_api, raw):
    _key(owner_api)
    answer = _client(api, raw).get("/campaigns")
    assert answer.status_code == 401, answer.json
    bearer = api.__class__(api.client)
    bearer.headers = {"Authorization": f"Bearer {raw}"}
    assert bearer.get("/campaigns").status_code == 401


def test_a_key_cannot_reach_another_account_even_one_its_owner_belongs_to(api, owner_api, user):
    other_owner = make_user(username="other")
    other_account = own_account(other_owner)
    add_member(other_account, user, "owner")
    client = _client(api, _key(owner_api)["key"])
    assert client.get("/campaigns", headers={"X-Account-Id": str(other_account.id)}).status_code == 404
    assert client.get("/campaigns", headers={"X-Account-Id": str(own_account(user).id)}).status_code == 200


def test_a_key_stops_when_its_owner_leaves_the_account(api, user):
    boss = make_user(username="boss")
    account = own_account(boss)
    add_member(account, user, "owner")
    mine = api.login(user).in_account(account)
    client = _client(api, _key(mine)["key"])
    assert client.get("/campaigns").status_code == 200
    members.remove_member(account, actor=boss, user_id=user.id)
    assert client.get("/campaigns").status_code == 401


def test_a_key_is_capped_by_its_owners_role(api, user):
    boss = make_user(username="boss2")
    account = own_account(boss)
    add_member(account, user, "owner")
    mine = api.login(user).in_account(account)
    client = _client(api, _key(mine, "write")["key"])
    members.change_member_role(account, actor=boss, user_id=user.id, role=members.MemberRole.VIEWER)
    assert client.get("/campaigns").status_code == 200
    assert client.post("/campaigns", json={"name": "No", "budget": 1, "channel": "email"}).status_code == 403


def test_a_key_cannot_act_for_the_person(api, owner_api):
    client = _client(api, _key(owner_api)["key"])
    assert client.get("/users/me").status_code == 403
    assert client.put("/users/me", json={"full_name": "Hijacked"}).status_code == 403
    assert client.post("/users/me/password", json={"current_password": "x", "new_password": "y" * 12}).status_code == 403
    assert client.get("/accounts").status_code == 403
    assert client.post("/accounts", json={"name": "Side business"}).status_code == 403


def test_other_accounts_keys_are_404(api, owner_api):
    made = _key(owner_api)
    stranger = api.login(make_user(username="stranger"))
    assert stranger.get(f"/api-keys/{made['id']}").status_code == 404
    assert stranger.delete(f"/api-keys/{made['id']}").status_code == 404
