"""The activity log and the audit log: filters, words, who may read which."""
from app.services import campaigns
from tests.factories import add_member, make_user, own_account


def test_activity_is_filtered_and_told_in_words(owner_api, user):
    account = own_account(user)
    campaigns.create_campaign(account, actor=user, name="Spring", budget=10, channel="email")
    owner_api.post("/customers", json={"first_name": "Ana", "email": "ana@example.com"})
    events = owner_api.get("/logs?event=campaign.*").json["events"]
    assert [e["name"] for e in events] == ["campaign.created"]
    assert events[0]["description"] == "owner created the campaign “Spring”"
    everything = owner_api.get("/logs").json
    assert {"campaign.created", "customer.created"} <= {e["name"] for e in everything["events"]}
    mine = owner_api.get(f"/logs?actor_id={user.id}&subject_type=campaigns").json["events"]
    assert [e["name"] for e in mine] == ["campaign.created"]
    assert owner_api.get("/logs?since=2099-01-01T00:00:00Z").json["total"] == 0
    assert owner_api.get("/logs?event=DROP TABLE").status_code == 422
    assert owner_api.get("/logs?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z").status_code == 422


def test_words_follow_the_readers_language(api):
    lucia = make_user(username="lucia", full_name="Lucía", language="es")
    campaigns.create_campaign(own_account(lucia), actor=lucia, name="Otoño", budget=10, channel="email")
    spanish = api.login(lucia).get("/logs?event=campaign.*").json["events"][0]["description"]
    assert spanish == "Lucía creó la campaña «Otoño»"


def test_the_audit_log_is_for_owners_and_platform_admins(api, owner_api, user):
    account = own_account(user)
    viewer = make_user(username="vera")
    add_member(account, viewer, "editor")
    owner_api.post("/api-keys", json={"name": "BI"})
    own = owner_api.get("/audit").json["events"]
    assert "api_key.created" in {e["name"] for e in own} and all(e["account_id"] == str(account.id) for e in own)
    assert api.login(viewer).in_account(account).get("/audit").status_code == 403
    admin = api.login(make_user(username="root", role="admin"))
    every = admin.get("/audit").json["events"]
    assert "auth.login" in {e["name"] for e in every}  # sign-ins belong to no account: admins only
    assert admin.get(f"/audit?account_id={account.id}&event=api_key.*").json["total"] == 1


def test_an_owner_cannot_read_another_accounts_audit_through_account_id(api, owner_api):
    other = make_user(username="other")
    api.login(other).post("/api-keys", json={"name": "theirs"})
    leaked = owner_api.get(f"/audit?account_id={own_account(other).id}").json["events"]
    assert all(e["account_id"] != str(own_account(other).id) for e in leaked)
