"""API keys: made by owners, shown once, stored as a digest, usable as Bearer or X-API-Key, scoped, revocable."""
import hashlib

from sqlalchemy import select

from app.extensions import db
from app.models import ActivityEvent, ApiKey
from tests.factories import add_member, make_user, own_account


def _make(owner_api, scope="read", name="Storefront"):
    made = owner_api.post("/api-keys", json={"name": name, "scope": scope})
    assert made.status_code == 201, made.json
    return made.json


def _with_key(api, key, header="bearer"):
    other = api.__class__(api.client)
    other.headers = {"Authorization": f"Bearer {key}"} if header == "bearer" else {"X-API-Key": key}
    return other


def test_a_key_is_shown_once_and_kept_only_as_a_digest(owner_api):
    made = _make(owner_api)
    assert made["key"].startswith("chk_") and made["prefix"] == made["key"][:12] and made["scope"] == "read"
    row = db.session.scalar(select(ApiKey))
    assert row.key_hash == hashlib.sha256(made["key"].encode()).hexdigest()
    assert made["key"] not in str([getattr(row, c.key) for c in ApiKey.__table__.columns])
    listed = owner_api.get("/api-keys")
    assert listed.json["total"] == 1 and "key" not in listed.json["api_keys"][0]
    assert made["key"] not in listed.get_data(as_text=True)


def test_a_read_key_reads_the_account_as_bearer_or_x_api_key_but_cannot_write(api, owner_api):
    campaign = owner_api.post("/campaigns", json={"name": "Visible", "budget": 10, "channel": "email"}).json
    key = _make(owner_api, "read")["key"]
    for header in ("bearer", "x-api-key"):
        client = _with_key(api, key, header)
        listed = client.get("/campaigns")
        assert listed.status_code == 200 and [c["id"] for c in listed.json["campaigns"]] == [campaign["id"]]
        assert client.post("/campaigns", json={"name": "No", "budget": 1, "channel": "email"}).status_code == 403


def test_a_write_key_writes_as_an_editor_and_its_changes_are_attributed_to_its_owner(api, owner_api, user):
    client = _with_key(api, _make(owner_api, "write")["key"])
    made = client.post("/campaigns", json={"name": "By key", "budget": 10, "channel": "email"})
    assert made.status_code == 201
    event = db.session.scalar(select(ActivityEvent).where(ActivityEvent.name == "campaign.created"))
    assert event.actor_id == user.id
    # Owners' settings stay out of reach of any key.
    assert client.get("/webhooks").status_code == 403
    assert client.post("/api-keys", json={"name": "More"}).status_code == 403


def test_a_revoked_key_stops_at_once(api, owner_api):
    made = _make(owner_api)
    client = _with_key(api, made["key"])
    assert client.get("/campaigns").status_code == 200  # now cached by this process
    revoked = owner_api.delete(f"/api-keys/{made['id']}")
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    answer = client.get("/campaigns")
    assert answer.status_code == 401 and answer.json["type"] == "UnauthorizedError"
    assert owner_api.delete(f"/api-keys/{made['id']}").status_code == 409


def test_use_is_recorded_once_a_minute_and_audited_once_an_hour(api, owner_api):
    made = _make(owner_api)
    client = _with_key(api, made["key"])
    for _ in range(3):
        assert client.get("/campaigns").status_code == 200
    assert owner_api.get(f"/api-keys/{made['id']}").json["last_used_at"]
    used = db.session.scalars(select(ActivityEvent).where(ActivityEvent.name == "api_key.used")).all()
    assert len(used) == 1 and used[0].data["prefix"] == made["prefix"]
    names = [e.name for e in db.session.scalars(select(ActivityEvent).order_by(ActivityEvent.created_at))]
    assert "api_key.created" in names


def test_only_owners_manage_keys(api, owner_api, user):
    editor = make_user()
    add_member(own_account(user), editor, "editor")
    as_editor = api.login(editor).in_account(own_account(user))
    assert as_editor.get("/api-keys").status_code == 403
    assert as_editor.post("/api-keys", json={"name": "Mine"}).status_code == 403


def test_bad_input_answers_422(owner_api):
    assert owner_api.post("/api-keys", json={"name": ""}).status_code == 422
    assert owner_api.post("/api-keys", json={"name": "x", "scope": "admin"}).status_code == 422
