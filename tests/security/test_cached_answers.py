"""Answers served from the per-process answer cache (app.blueprints.answers) keep the API's scope: a detail that
its own account has made hot is still a 404 to every other account, and to its own account once deleted; a page's
kept list is only ever its own account's."""
from app.services import campaigns, members
from tests.factories import add_member, make_user, own_account, sign_in


def test_a_cached_detail_is_not_served_to_another_account(api, owner_api, user):
    campaign = owner_api.post("/campaigns", json={"name": "Hot", "budget": 10, "channel": "email"}).json
    for _ in range(3):  # rendered once, then served from the cache
        etag = owner_api.get(f"/campaigns/{campaign['id']}").headers["ETag"]
    stranger = api.login(make_user(username="stranger"))
    answer = stranger.get(f"/campaigns/{campaign['id']}")
    assert answer.status_code == 404 and answer.json["type"] == "NotFoundError"
    # Nor does the owner's ETag: the fingerprint is only read in the caller's own account.
    assert stranger.get(f"/campaigns/{campaign['id']}", headers={"If-None-Match": etag}).status_code == 404
    # Naming the owner's account does not help a user who is not a member of it.
    assert stranger.in_account(own_account(user)).get(f"/campaigns/{campaign['id']}").status_code == 404


def test_a_removed_member_stops_getting_the_cached_detail(api, owner_api, user):
    account = own_account(user)
    campaign = owner_api.post("/campaigns", json={"name": "Hot", "budget": 10, "channel": "email"}).json
    member = make_user(username="member")
    add_member(account, member, "viewer")
    member_api = api.login(member).in_account(account)
    assert member_api.get(f"/campaigns/{campaign['id']}").status_code == 200
    members.remove_member(account, actor=user, user_id=member.id)
    assert member_api.get(f"/campaigns/{campaign['id']}").status_code == 404


def test_a_malformed_id_is_a_404_not_a_500(owner_api):
    assert owner_api.get("/campaigns/not-a-uuid").status_code == 404


def test_a_kept_campaigns_page_list_is_never_another_accounts(app, user):
    campaigns.create_campaign(own_account(user), actor=user, name="Owner secret plan", budget=10, channel="email")
    stranger = make_user(username="stranger")
    campaigns.create_campaign(own_account(stranger), actor=stranger, name="Stranger own", budget=10, channel="email")
    owner_client, stranger_client = sign_in(app.test_client(), user), sign_in(app.test_client(), stranger)
    for _ in range(2):  # rendered once, then kept
        assert "Owner secret plan" in owner_client.get("/campaigns?search=plan").get_data(as_text=True)
    # The same filters, language and zone from another account: its own (empty) list, not the kept one.
    seen = stranger_client.get("/campaigns?search=plan").get_data(as_text=True)
    assert "secret plan" not in seen and "No campaign matches" in seen
    assert "Stranger own" in stranger_client.get("/campaigns").get_data(as_text=True)
