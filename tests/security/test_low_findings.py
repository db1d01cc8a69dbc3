"""Finding 14, the low ones about data: no server paths in processing errors, no other account's media in a
campaign, no 500 for a segment date before the year 1 in UTC."""
import io
import logging

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ActivityEvent, Campaign, MediaFile
from app.services import media_processing
from tests.factories import make_user
from tests.media import samples


@pytest.fixture
def media_upload(app, tmp_path, monkeypatch):
    """Upload through the API into a temporary storage directory; processing is run by the test itself."""
    from app.services import dispatch

    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setattr(dispatch, "enqueue", lambda name, *args, **options: None)

    def send(api, data: bytes, name: str) -> str:
        response = api.post("/media/upload", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 202, response.json
        return response.json["file_id"]

    return send


def test_a_processing_failure_shows_a_reason_without_server_paths(owner_api, media_upload, tmp_path, caplog):
    storage = str(tmp_path / "storage")
    broken = {"broken.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "broken.jpg": samples.image("JPEG")[:40],
              "broken.pdf": b"%PDF-1.7\n garbage without any objects"}
    ids = {name: media_upload(owner_api, data, name) for name, data in broken.items()}
    with caplog.at_level(logging.WARNING):
        for file_id in ids.values():
            assert media_processing.process_file(file_id).value == "failed"
    for name, file_id in ids.items():
        shown = [owner_api.get(f"/media/{file_id}/status").get_data(as_text=True),
                 owner_api.get(f"/media/{file_id}").get_data(as_text=True)]
        for text in shown:
            assert storage not in text and "/tmp" not in text and "BufferedReader" not in text, text
        assert "could not be read" in owner_api.get(f"/media/{file_id}/status").json["error"]
    for event in db.session.scalars(select(ActivityEvent).where(ActivityEvent.name == "media.processed")):
        assert storage not in str(event.data)
    # The detail is not lost: the log has the decoder's own words, path included.
    assert storage in caplog.text
    # A reason handed in from elsewhere (a task) is shown without any path it carries.
    other = media_upload(owner_api, samples.image("PNG"), "fine.png")
    media_processing.fail_processing(other, f"Storage kept failing: cannot open {storage}/x/y.png")
    assert storage not in owner_api.get(f"/media/{other}/status").json["error"]


def test_another_accounts_media_ids_are_refused_as_unknown_in_a_campaign(api, owner_api, media_upload):
    mine = media_upload(owner_api, samples.image("PNG"), "mine.png")
    stranger_api = api.login(make_user(username="stranger"))
    theirs = media_upload(stranger_api, samples.image("PNG"), "theirs.png")
    missing = "6f1f77bc-f86c-4d79-9439-0110000000ff"

    response = owner_api.post("/campaigns", json={"name": "Mixed", "budget": 10, "media_files": [mine, theirs]})
    assert response.status_code == 422 and response.json["type"] == "ValidationError"
    assert response.json["details"]["media_files"] == [f"Unknown media file ids: {theirs}"]
    response = owner_api.post("/campaigns", json={"name": "Mixed", "budget": 10, "media_files": [theirs, missing]})
    assert response.json["details"]["media_files"] == [f"Unknown media file ids: {theirs}, {missing}"]
    assert db.session.scalar(select(Campaign)) is None

    created = owner_api.post("/campaigns", json={"name": "Mine", "budget": 10, "channel": "display",
                                                 "media_files": [mine]})
    assert created.status_code == 201 and created.json["media_files"] == [mine]
    response = owner_api.patch(f"/campaigns/{created.json['id']}", json={"media_files": [mine, theirs]})
    assert response.status_code == 422 and theirs in response.json["details"]["media_files"][0]
    db.session.expire_all()
    assert [str(i) for i in db.session.scalar(select(Campaign)).media_files] == [mine]
    assert db.session.get(MediaFile, theirs) is not None  # the other account's file is untouched


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00+06:00",
                                   "9999-12-31T23:59:59-14:00"])
def test_a_segment_date_outside_the_calendar_in_utc_is_refused_with_422(owner_api, value):
    for op in ("gt", "lte"):
        rules = {"match": "all", "conditions": [{"field": "last_order_at", "op": op, "value": value}]}
        for path, body in (("/segments", {"name": f"Old {op}", "rules": rules}), ("/segments/count", {"rules": rules})):
            response = owner_api.post(path, json=body)
            assert response.status_code == 422 and response.json["type"] == "ValidationError", response.json
            assert "out of range" in str(response.json["details"])
    fine = {"match": "all", "conditions": [{"field": "last_order_at", "op": "gt", "value": "0001-01-02T00:00:00+14:00"}]}
    assert owner_api.post("/segments/count", json={"rules": fine}).json == {"count": 0}


@pytest.mark.parametrize("query", ["until=0001-01-01", "since=0001-01-01&until=0001-01-05", "until=9999-12-31",
                                   "since=9999-12-31"])
def test_a_dashboard_period_at_the_calendars_edge_is_a_422_not_a_500(owner_api, query):
    """Found by the OpenAPI fuzzer: the default start 29 days before 0001-01-01 overflowed Python's dates."""
    response = owner_api.get(f"/dashboard?{query}")
    assert response.status_code == 422 and response.json["type"] == "ValidationError", response.json
    assert "Must be between 1970-01-01 and 9998-12-31" in str(response.json["details"])
    assert owner_api.get("/dashboard?since=1970-01-01&until=1970-01-31").status_code == 200


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=9999-12-31", "since=0001-01-01"])
def test_the_logs_page_ignores_a_day_past_the_calendars_edge(client, user, query):
    from tests.factories import sign_in

    sign_in(client, user)
    assert client.get(f"/logs?{query}").status_code == 200
