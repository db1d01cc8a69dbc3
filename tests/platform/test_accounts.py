"""Accounts, memberships and the role matrix: viewers read, editors write, owners manage; others see 404."""
import pytest

from app.extensions import db
from app.models import ActivityEvent
from tests.factories import add_member, make_user, own_account


@pytest.fixture
def agency(app):
    return make_user(username="agency", role="agency")


def test_agency_creates_client_accounts_and_works_in_them_with_x_account_id(api, agency):
    agency_api = api.login(agency)
    created = agency_api.post("/accounts", json={"name": "Café Aroma", "timezone": "Europe/Madrid"})
    assert created.status_code == 201 and created.json["timezone"] == "Europe/Madrid"
    listing = agency_api.get("/accounts").json
    assert {a["name"] for a in listing["accounts"]} == {"agency", "Café Aroma"}
    client_api = agency_api.in_account(created.json["id"])
    assert client_api.get(f"/accounts/{created.json['id']}/members").json["members"][0]["role"] == "owner"


def test_store_owner_cannot_create_client_accounts(owner_api):
    response = owner_api.post("/accounts", json={"name": "Second store"})
    assert response.status_code == 403 and response.json["type"] == "ForbiddenError"


def test_another_accounts_object_is_404_not_403(api, user, agency):
    foreign = own_account(user)
    agency_api = api.login(agency)
    for response in (agency_api.get(f"/accounts/{foreign.id}"), agency_api.patch(f"/accounts/{foreign.id}", json={"name": "x"}),
                     agency_api.get(f"/accounts/{foreign.id}/members")):
        assert response.status_code == 404 and response.json["type"] == "NotFoundError"
    # The header is checked too: naming someone else's account is a 404 on any endpoint that uses it.
    assert agency_api.in_account(foreign.id).get("/users/me").status_code == 200


def test_unknown_or_malformed_account_id_is_404(owner_api):
    assert owner_api.get("/accounts/00000000-0000-0000-0000-000000000000").status_code == 404
    assert owner_api.get("/accounts/not-a-uuid").status_code == 404


@pytest.mark.parametrize("role, can_read, can_manage", [("viewer", True, False), ("editor", True, False),
                                                       ("owner", True, True)])
def test_role_matrix_on_account_settings_and_members(api, user, role, can_read, can_manage):
    account = own_account(user)
    member = make_user(username=f"member-{role}")
    add_member(account, member, role)
    member_api = api.login(member).in_account(account.id)
    assert (member_api.get(f"/accounts/{account.id}").status_code == 200) == can_read
    rename = member_api.patch(f"/accounts/{account.id}", json={"name": "Renamed"})
    assert rename.status_code == (200 if can_manage else 403)
    invite = member_api.post(f"/accounts/{account.id}/invitations", json={"email": "new@example.com"})
    assert invite.status_code == (201 if can_manage else 403)


def test_invited_user_joins_on_accepting_and_owner_removes_them_but_not_the_last_owner(api, owner_api, user):
    account = own_account(user)
    helper = make_user(username="helper")
    invited = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "Helper@Example.com",
                                                                          "role": "editor"})
    assert invited.status_code == 201 and invited.json["status"] == "pending" and invited.json["role"] == "editor"
    assert owner_api.get(f"/accounts/{account.id}/members").json["total"] == 1  # not a member until they accept
    helper_api = api.login(helper)
    mine = helper_api.get("/invitations").json["invitations"]
    assert [i["account_name"] for i in mine] == [account.name]
    joined = helper_api.post(f"/invitations/{mine[0]['id']}/accept")
    assert joined.status_code == 200 and joined.json["role"] == "editor"
    assert owner_api.get(f"/accounts/{account.id}/members").json["total"] == 2
    assert owner_api.delete(f"/accounts/{account.id}/members/{helper.id}").status_code == 204
    last_owner = owner_api.delete(f"/accounts/{account.id}/members/{user.id}")
    assert last_owner.status_code == 409 and last_owner.json["type"] == "ConflictError"


def test_owner_changes_a_role_but_the_last_owner_cannot_step_down(owner_api, user):
    account = own_account(user)
    helper = make_user(username="helper")
    add_member(account, helper, "viewer")
    promoted = owner_api.patch(f"/accounts/{account.id}/members/{helper.id}", json={"role": "editor"})
    assert promoted.status_code == 200 and promoted.json["role"] == "editor"
    demoted = owner_api.patch(f"/accounts/{account.id}/members/{user.id}", json={"role": "viewer"})
    assert demoted.status_code == 409


def test_an_invalid_invitation_email_is_422_and_writes_nothing(owner_api, user):
    account = own_account(user)
    response = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "nobody", "role": "owner"})
    assert response.status_code == 422 and "email" in response.json["details"]
    assert owner_api.get(f"/accounts/{account.id}/invitations").json["total"] == 0


def test_account_changes_are_in_the_activity_log(owner_api, user):
    account = own_account(user)
    owner_api.patch(f"/accounts/{account.id}", json={"name": "Lucía's Shop"})
    event = db.session.query(ActivityEvent).filter_by(name="account.updated").one()
    assert event.account_id == account.id and event.actor_id == user.id and event.data == {"fields": ["name"]}
