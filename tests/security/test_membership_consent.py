"""Finding 2: nobody is made a member without consent; nothing about a user leaks to an account they never joined."""
from app.extensions import db
from app.models import Membership
from tests.factories import add_member, make_user, own_account


def test_an_owner_cannot_add_an_existing_user_directly(owner_api, user):
    victim = make_user(username="victim")
    account = own_account(user)
    response = owner_api.post(f"/accounts/{account.id}/members", json={"user": "victim", "role": "viewer"})
    assert response.status_code == 405
    assert db.session.query(Membership).filter_by(user_id=victim.id, account_id=account.id).count() == 0


def test_inviting_reveals_nothing_about_whether_the_person_has_an_account(owner_api, user):
    victim = make_user(username="victim", email="victim@example.com")
    account = own_account(user)
    known = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "victim@example.com"})
    unknown = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 201
    assert set(known.json) == set(unknown.json)
    assert str(victim.id) not in known.get_data(as_text=True) and "victim" not in known.json["email"].replace(
        "victim@example.com", "")
    members = owner_api.get(f"/accounts/{account.id}/members").get_data(as_text=True)
    assert "victim" not in members and str(victim.id) not in members


def test_invitation_is_accepted_only_by_the_person_it_addresses(api, owner_api, user):
    make_user(username="invitee", email="invitee@example.com")
    mallory = make_user(username="mallory")
    account = own_account(user)
    invitation = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "invitee@example.com"}).json
    mallory_api = api.login(mallory)
    assert mallory_api.get("/invitations").json["total"] == 0
    assert mallory_api.post(f"/invitations/{invitation['id']}/accept").status_code == 404
    assert mallory_api.get(f"/accounts/{account.id}").status_code == 404


def test_joining_elsewhere_never_changes_where_calls_without_x_account_id_land(api, user):
    # The attacker's account is the oldest, which used to make it everyone's default.
    attacker_account = own_account(user)
    victim = make_user(username="victim")
    add_member(attacker_account, victim, "editor")
    victim_api = api.login(victim)
    created = victim_api.post("/campaigns", json={"name": "Mine", "budget": 10})
    assert created.status_code == 201
    assert victim_api.get("/accounts").json["accounts"][0]["id"] == str(own_account(victim).id)
    assert api.login(user).in_account(attacker_account).get("/campaigns").json["total"] == 0


def test_a_member_can_leave_but_the_sole_owner_cannot(api, user):
    account = own_account(user)
    member = make_user(username="member")
    add_member(account, member, "viewer")
    member_api = api.login(member)
    assert member_api.delete(f"/accounts/{account.id}/members/{member.id}").status_code == 204
    assert member_api.get(f"/accounts/{account.id}").status_code == 404
    sole = api.login(user).delete(f"/accounts/{account.id}/members/{user.id}")
    assert sole.status_code == 409


def test_another_accounts_invitations_are_not_found(api, owner_api, user):
    account = own_account(user)
    invitation = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "x@example.com"}).json
    stranger = api.login(make_user(username="stranger"))
    assert stranger.get(f"/accounts/{account.id}/invitations").status_code == 404
    assert stranger.delete(f"/accounts/{account.id}/invitations/{invitation['id']}").status_code == 404
    assert owner_api.get(f"/accounts/{account.id}/invitations").json["total"] == 1


def test_inviting_the_same_address_twice_keeps_one_open_invitation(owner_api, user):
    account = own_account(user)
    owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "Twice@Example.com", "role": "viewer"})
    again = owner_api.post(f"/accounts/{account.id}/invitations", json={"email": "twice@example.com",
                                                                        "role": "editor"})
    listing = owner_api.get(f"/accounts/{account.id}/invitations").json
    assert again.status_code == 201 and listing["total"] == 1 and listing["invitations"][0]["role"] == "editor"
