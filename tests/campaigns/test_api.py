"""Campaign CRUD, filters, lifecycle and bad input through the REST API."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ActivityEvent, Campaign
from tests.campaigns.conftest import add_metrics
from tests.factories import add_member, make_user, own_account

SEED_002_BODY = {
    "name": "Nueva Campaña", "description": "Descripción de la campaña", "budget": 3000.00, "channel": "display",
    "start_date": "2024-02-01T00:00:00Z", "end_date": "2024-02-28T23:59:59Z", "priority": "medium",
    "demographics": {"age": "25-35", "gender": "all", "interests": ["technology", "business"]},
    "target_locations": [{"type": "point", "coordinates": [-3.7038, 40.4168], "name": "Madrid",
                          "address": "Madrid, España"}],
    "media_files": [],
}


def create(api, **fields):
    body = {"name": fields.pop("name", "Spring sale"), "budget": fields.pop("budget", 500), "channel": "display"}
    body.update(fields)
    response = api.post("/campaigns", json=body)
    assert response.status_code == 201, response.json
    return response.json


def events(name):
    return db.session.scalars(select(ActivityEvent).where(ActivityEvent.name == name)).all()


def test_seed_002_create_body_works_as_written(owner_api):
    response = owner_api.post("/campaigns", json=SEED_002_BODY)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "draft" and body["channel"] == "display" and body["budget"] == 3000.0
    assert body["start_date"] == "2024-02-01T00:00:00Z" and body["end_date"] == "2024-02-28T23:59:59Z"
    assert body["target_locations"][0]["coordinates"] == [-3.7038, 40.4168]
    assert body["demographics"]["interests"] == ["technology", "business"]
    assert (body["views_count"], body["clicks_count"], body["conversions_count"]) == (0, 0, 0)
    assert body["ads_status"] is None and body["user_id"]
    assert events("campaign.created")[0].subject_id == body["id"]


def test_seed_000_body_creates_an_amazon_ads_campaign_with_keywords_split(owner_api, app):
    app.config["AMAZON_ADS_LATENCY"] = 0.5  # a worker of an earlier test may push it, but not before we look
    body = owner_api.post("/campaigns", json={"name": "Test Campaign", "budget": 100,
                                              "keywords": "python,django,ads"}).json
    assert body["channel"] == "amazon_ads" and body["keywords"] == ["python", "django", "ads"]
    assert body["ads_status"] == "PENDING" and body["external_id"] is None


def test_get_put_patch_and_by_name(owner_api):
    created = create(owner_api, name="Black Friday")
    assert owner_api.get(f"/campaigns/{created['id']}").json["name"] == "Black Friday"
    assert owner_api.get("/campaigns/by-name/black friday").json["id"] == created["id"]
    # Seed 002's PUT body: a subset of fields, status included.
    put = owner_api.put(f"/campaigns/{created['id']}", json={"name": "Campaña Actualizada", "budget": 4000.00,
                                                           "status": "active"})
    assert put.status_code == 200, put.json
    assert (put.json["name"], put.json["budget"], put.json["status"]) == ("Campaña Actualizada", 4000.0, "active")
    patched = owner_api.patch(f"/campaigns/{created['id']}", json={"keywords": ["a", "b"], "priority": "high"})
    assert patched.json["keywords"] == ["a", "b"] and patched.json["priority"] == "high"
    assert [e.name for e in events("campaign.status_changed")] == ["campaign.status_changed"]
    assert len(events("campaign.updated")) == 2


def test_list_filters_search_sort_and_pages(owner_api):
    create(owner_api, name="Alpha shoes", budget=100, priority="low", description="Summer footwear")
    create(owner_api, name="Beta bikes", budget=300, priority="high", channel="email",
           start_date="2024-03-01T00:00:00Z", end_date="2024-03-31T00:00:00Z")
    gamma = create(owner_api, name="Gamma SHOES", budget=200, priority="high")
    owner_api.patch(f"/campaigns/{gamma['id']}/status", json={"new_status": "active"})

    def names(query):
        response = owner_api.get(f"/campaigns?{query}")
        assert response.status_code == 200, response.json
        return [c["name"] for c in response.json["campaigns"]]

    assert names("search=shoes&sort=name") == ["Alpha shoes", "Gamma SHOES"]
    assert names("search=FOOTWEAR") == ["Alpha shoes"]
    assert names("status=active") == ["Gamma SHOES"]
    assert names("channel=email") == ["Beta bikes"]
    assert names("priority=high&sort=-budget") == ["Beta bikes", "Gamma SHOES"]
    assert names("sort=budget") == ["Alpha shoes", "Gamma SHOES", "Beta bikes"]
    assert names("start_date=2024-02-15T00:00:00Z&end_date=2024-04-01T00:00:00Z") == ["Beta bikes"]
    page = owner_api.get("/campaigns?size=2&page=2&sort=name")
    assert page.json["total"] == 3 and page.json["pages"] == 2 and [c["name"] for c in page.json["campaigns"]] == [
        "Gamma SHOES"]
    assert page.headers["X-Total-Count"] == "3" and page.headers["X-Current-Page"] == "2"
    assert owner_api.get("/campaigns?sort=colour").status_code == 422
    assert owner_api.get("/campaigns?status=sleeping").json["details"]["status"]


def test_list_counters_come_from_metrics(owner_api):
    campaign = create(owner_api)
    add_metrics(campaign["id"], [(date(2024, 1, 1), "a.com", 1000, 40, 5, 100),
                                 (date(2024, 1, 2), "b.com", 250, 5, 3, 20)])
    listed = owner_api.get("/campaigns").json["campaigns"][0]
    assert (listed["views_count"], listed["clicks_count"], listed["conversions_count"]) == (1250, 45, 8)


@pytest.mark.parametrize("path,move,expected", [
    (["active"], "scheduled", 409), (["scheduled", "active", "paused", "active", "finished"], "active", 409),
    (["cancelled"], "active", 409), (["active", "paused", "finished"], None, 200), (["scheduled", "cancelled"], None, 200),
])
def test_lifecycle(owner_api, path, move, expected):
    campaign = create(owner_api)
    for status in path:
        response = owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": status})
        assert response.status_code == 200, response.json
    if move:
        response = owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": move})
        assert response.status_code == expected
        assert response.json["type"] == "ConflictError"
        assert "allowed" in response.json["error"] and "allowed" in response.json["details"]


def test_illegal_move_names_the_allowed_ones(owner_api):
    campaign = create(owner_api)
    response = owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "paused"})
    assert response.status_code == 409
    assert response.json["details"]["allowed"] == ["scheduled", "active", "cancelled"]
    assert owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "bogus"}).status_code == 422


def test_delete_is_soft_refused_while_active_and_frees_the_name(owner_api):
    campaign = create(owner_api, name="Going away")
    owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "active"})
    refused = owner_api.delete(f"/campaigns/{campaign['id']}")
    assert refused.status_code == 409 and refused.json["details"]["allowed"] == ["cancelled"]
    owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "cancelled"})
    assert owner_api.delete(f"/campaigns/{campaign['id']}").status_code == 204
    assert owner_api.get(f"/campaigns/{campaign['id']}").status_code == 404
    assert db.session.get(Campaign, campaign["id"]).deleted_at is not None
    assert [e.subject_id for e in events("campaign.deleted")] == [campaign["id"]]
    assert owner_api.post("/campaigns", json={"name": "going AWAY", "budget": 1, "channel": "display"}).status_code == 201


@pytest.mark.parametrize("body,field,status", [
    ({"budget": 0}, "budget", 422), ({"budget": -5}, "budget", 422), ({"budget": "abc"}, "budget", 422),
    ({"budget": 10.555}, "budget", 422),
    ({"start_date": "2024-02-10T00:00:00Z", "end_date": "2024-02-01T00:00:00Z"}, "end_date", 422),
    ({"channel": "fax"}, "channel", 422), ({"priority": "urgent"}, "priority", 422),
    ({"status": "finished"}, "status", 422), ({"status": "sleeping"}, "status", 422),
    ({"target_locations": [{"type": "point", "coordinates": [200, 40]}]}, "target_locations", 422),
    ({"target_locations": [{"type": "polygon", "coordinates": [1, 2]}]}, "target_locations", 422),
    ({"target_locations": [{"type": "point", "coordinates": "1,2"}]}, "target_locations", 422),
    ({"target_locations": {"type": "point"}}, "target_locations", 422),
    ({"demographics": {"age": "old"}}, "demographics", 422), ({"timezone": "Mars/Base"}, "timezone", 422),
    ({"media_files": ["not-a-uuid"]}, "media_files", 422), ({"colour": "red"}, "colour", 422),
    ({"name": ""}, "name", 422),
])
def test_bad_input_names_the_field_and_writes_nothing(owner_api, body, field, status):
    payload = {"name": "Bad one", "budget": 10, "channel": "display", **body}
    response = owner_api.post("/campaigns", json=payload)
    assert response.status_code == status, response.json
    assert response.json["type"] == "ValidationError" and field in response.json["details"]
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
    assert not events("campaign.created")


def test_missing_required_fields(owner_api):
    response = owner_api.post("/campaigns", json={})
    assert response.status_code == 422 and {"name", "budget"} <= set(response.json["details"])


def test_a_name_taken_in_the_account_is_409_but_free_in_another(owner_api, client):
    create(owner_api, name="Summer")
    response = owner_api.post("/campaigns", json={"name": "SUMMER", "budget": 5, "channel": "display"})
    assert response.status_code == 409 and "name" in response.json["details"]
    other = create(owner_api, name="Winter")
    renamed = owner_api.patch(f"/campaigns/{other['id']}", json={"name": "summer"})
    assert renamed.status_code == 409 and "name" in renamed.json["details"]
    from tests.factories import ApiClient
    stranger = ApiClient(client).login(make_user(username="stranger"))
    response = stranger.post("/campaigns", json={"name": "Summer", "budget": 5})
    assert response.status_code == 201, response.json


def test_bad_update_writes_nothing(owner_api):
    campaign = create(owner_api, start_date="2024-01-01T00:00:00Z")
    response = owner_api.patch(f"/campaigns/{campaign['id']}", json={"budget": 99, "end_date": "2023-12-01"})
    assert response.status_code == 422 and "end_date" in response.json["details"]
    assert owner_api.get(f"/campaigns/{campaign['id']}").json["budget"] == 500.0


def test_another_accounts_campaign_is_404_everywhere(owner_api, client):
    from tests.factories import ApiClient
    campaign = create(owner_api)
    stranger = ApiClient(client).login(make_user(username="stranger"))
    cid = campaign["id"]
    for method, path, body in (("GET", f"/campaigns/{cid}", None), ("PUT", f"/campaigns/{cid}", {"budget": 1}),
                               ("PATCH", f"/campaigns/{cid}", {"budget": 1}), ("DELETE", f"/campaigns/{cid}", None),
                               ("PATCH", f"/campaigns/{cid}/status", {"new_status": "active"}),
                               ("GET", f"/campaigns/{cid}/stats", None), ("GET", f"/campaigns/{cid}/metrics", None),
                               ("POST", f"/campaigns/{cid}/sync", None), ("GET", "/campaigns/by-name/Spring sale", None)):
        response = stranger.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.json)
        assert response.json["type"] == "NotFoundError"
    assert stranger.get("/campaigns").json["total"] == 0


def test_viewers_read_but_cannot_write(owner_api, user, client):
    from tests.factories import ApiClient
    campaign = create(owner_api)
    viewer = make_user(username="viewer")
    account = own_account(user)
    add_member(account, viewer, "viewer")
    viewer_api = ApiClient(client).login(viewer).in_account(account)
    assert viewer_api.get(f"/campaigns/{campaign['id']}").status_code == 200
    assert viewer_api.post("/campaigns", json={"name": "x", "budget": 1}).status_code == 403
    assert viewer_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "active"}).status_code == 403


def test_anonymous_gets_401(api):
    assert api.get("/campaigns").status_code == 401
    assert api.post("/campaigns", json={"name": "x", "budget": 1}).json["type"] == "UnauthorizedError"


@pytest.mark.parametrize("body,field", [
    ({"budget": 2.3e215}, "budget"), ({"budget": "NaN"}, "budget"), ({"budget": 1e-300}, "budget"),
    ({"start_date": "9999-12-31T23:00:00-05:00"}, "start_date"), ({"end_date": "0001-01-01T00:00:00+05:00"}, "end_date"),
    ({"name": "bad\ud8ae"}, "name"), ({"description": "nul\x00"}, "_input"),
    ({"demographics": {"\ud8ae": 1}}, "demographics"), ({"content": {"en": {"body": "\x00"}}}, "_input"),
])
def test_fuzzer_findings_are_422_not_500(owner_api, body, field):
    response = owner_api.post("/campaigns", json={"name": "Edge", "budget": 1, "channel": "display", **body})
    assert response.status_code == 422 and field in response.json["details"], response.json


def test_odd_query_values_are_422_or_404_not_500(owner_api):
    assert owner_api.get("/campaigns?start_date=9999-12-31T23:59:59-23:00").status_code == 422
    assert owner_api.get("/campaigns/by-name/%00").status_code == 404
    assert owner_api.get("/campaigns?page=100000000000000000000").status_code == 422


def test_beat_starts_scheduled_campaigns_and_finishes_ended_ones(owner_api, app):
    from app.tasks.campaigns import advance_lifecycle
    due = create(owner_api, name="Due", status="scheduled", start_date="2020-01-01T00:00:00Z",
                 end_date="2199-01-01T00:00:00Z")
    later = create(owner_api, name="Later", status="scheduled", start_date="2199-01-01T00:00:00Z")
    over = create(owner_api, name="Over", start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")
    owner_api.patch(f"/campaigns/{over['id']}/status", json={"new_status": "active"})
    owner_api.patch(f"/campaigns/{over['id']}/status", json={"new_status": "paused"})
    assert advance_lifecycle.apply().get() == {"started": 1, "finished": 1}
    status = {c["name"]: c["status"] for c in owner_api.get("/campaigns").json["campaigns"]}
    assert status == {"Due": "active", "Later": "scheduled", "Over": "finished"}
    assert advance_lifecycle.apply().get() == {"started": 0, "finished": 0}
    moved = [e.data for e in events("campaign.status_changed") if e.data.get("by") == "schedule"]
    assert sorted((m["from"], m["to"]) for m in moved) == [("paused", "finished"), ("scheduled", "active")]
    assert later["status"] == "scheduled" and due["status"] == "scheduled"
