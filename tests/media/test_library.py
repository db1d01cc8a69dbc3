"""Listing, reading, attaching, deleting, and signed downloads."""
import uuid

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from app.extensions import db
from app.models import ActivityEvent, MediaFile
from app.services import media_processing
from tests.media import samples

from tests.media.conftest import CAMPAIGN


def _upload(upload, data, name, **form):
    response = upload(data, name, **form)
    assert response.status_code == 202, response.json
    return response.json["file_id"]


def test_list_answers_seed_002_shape_with_filters_and_paging_headers(upload, owner_api, campaign):
    image = _upload(upload, samples.image("JPEG"), "a.jpg", campaign_id=CAMPAIGN)
    _upload(upload, samples.pdf(), "b.pdf", campaign_id=CAMPAIGN)
    _upload(upload, samples.wav(), "c.wav")
    media_processing.process_file(image)

    everything = owner_api.get("/media?page=1&size=2")
    assert everything.status_code == 200
    assert (everything.json["total"], everything.json["pages"], len(everything.json["files"])) == (3, 2, 2)
    assert everything.headers["X-Total-Count"] == "3" and everything.headers["X-Per-Page"] == "2"

    listed = owner_api.get(f"/media?campaign_id={CAMPAIGN}&file_type=image").json
    assert listed["total"] == 1
    item = listed["files"][0]
    seed_keys = {"id", "filename", "original_filename", "file_type", "mime_type", "size", "url", "thumbnail_url",
                 "status", "upload_date", "processed_date", "user_id", "campaign_id"}
    assert seed_keys <= set(item)
    assert item["status"] == "ready" and item["campaign_id"] == CAMPAIGN and item["upload_date"].endswith("Z")
    assert item["thumbnail_url"] and item["url"] != item["thumbnail_url"]
    assert owner_api.get("/media?status=ready").json["total"] == 1
    assert owner_api.get("/media?status=uploading&file_type=audio").json["total"] == 1


@pytest.mark.parametrize("query", ["file_type=spreadsheet", "status=done", "campaign_id=nope", "size=101", "page=0",
                                   "page=99999999999999999999"])
def test_bad_filters_are_422(owner_api, query):
    response = owner_api.get(f"/media?{query}")
    assert response.status_code == 422 and response.json["details"]


def test_another_accounts_file_is_404_everywhere(upload, stranger_api):
    file_id = _upload(upload, samples.image("JPEG"), "a.jpg")
    for method, path in (("GET", ""), ("GET", "/status"), ("DELETE", ""), ("PATCH", "")):
        response = stranger_api.request(method, f"/media/{file_id}{path}", json={"campaign_id": None})
        assert response.status_code == 404, (method, path)
        assert response.json["type"] == "NotFoundError"
    assert stranger_api.get("/media").json["total"] == 0
    assert db.session.get(MediaFile, file_id) is not None


def test_unknown_id_is_404(owner_api):
    assert owner_api.get(f"/media/{uuid.uuid4()}").status_code == 404


def test_attach_and_detach_a_campaign(upload, owner_api, campaign):
    file_id = _upload(upload, samples.image("PNG"), "a.png")
    attached = owner_api.patch(f"/media/{file_id}", json={"campaign_id": CAMPAIGN})
    assert attached.status_code == 200 and attached.json["campaign_id"] == CAMPAIGN
    detached = owner_api.patch(f"/media/{file_id}", json={"campaign_id": None})
    assert detached.json["campaign_id"] is None
    assert owner_api.patch(f"/media/{file_id}", json={"campaign_id": "x"}).status_code == 422


def test_delete_removes_the_row_and_the_stored_files(upload, owner_api, storage_dir):
    file_id = _upload(upload, samples.image("JPEG"), "a.jpg")
    media_processing.process_file(file_id)
    url = owner_api.get(f"/media/{file_id}").json["url"]
    media = db.session.get(MediaFile, file_id)
    stored = [storage_dir / media.storage_key, storage_dir / media.thumbnail_key]
    assert all(p.exists() for p in stored)
    db.session.expire_all()

    assert owner_api.delete(f"/media/{file_id}").status_code == 204
    assert not any(p.exists() for p in stored)
    assert owner_api.get(f"/media/{file_id}").status_code == 404
    assert owner_api.client.get(url).status_code == 404
    assert db.session.scalar(select(ActivityEvent).where(ActivityEvent.name == "media.deleted")) is not None


def test_delete_is_refused_while_a_scheduled_campaign_uses_the_file(upload, owner_api, campaign, storage_dir):
    owner_api.patch(f"/campaigns/{CAMPAIGN}/status", json={"new_status": "scheduled"})
    file_id = _upload(upload, samples.image("JPEG"), "a.jpg", campaign_id=CAMPAIGN)
    refused = owner_api.delete(f"/media/{file_id}")
    assert refused.status_code == 409 and refused.json["details"]["campaigns"] == [CAMPAIGN]
    assert (storage_dir / db.session.get(MediaFile, file_id).storage_key).exists()

    owner_api.patch(f"/campaigns/{CAMPAIGN}/status", json={"new_status": "cancelled"})
    assert owner_api.delete(f"/media/{file_id}").status_code == 204


def test_attaching_to_a_campaign_of_another_account_is_422(upload, owner_api, stranger_api):
    theirs = stranger_api.post("/campaigns", json={"name": "Theirs", "budget": 5, "channel": "display"}).json["id"]
    response = upload(samples.image("JPEG"), "a.jpg", campaign_id=theirs)
    assert response.status_code == 422 and "campaign_id" in response.json["details"]


def test_signed_url_serves_the_file_without_login_and_refuses_tampering(upload, owner_api, client):
    data = samples.pdf()
    file_id = _upload(upload, data, "cat.pdf")
    url = owner_api.get(f"/media/{file_id}").json["url"]
    served = client.get(url)
    assert served.status_code == 200 and served.data == data
    assert served.mimetype == "application/pdf" and "cat.pdf" in served.headers["Content-Disposition"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    token = url.rsplit("/", 1)[1]
    assert client.get(url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))).status_code == 404


def test_signed_url_expires(upload, owner_api, client, monkeypatch):
    file_id = _upload(upload, samples.image("JPEG"), "a.jpg")
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_000_000_000)  # signed in 2001
    url = owner_api.get(f"/media/{file_id}").json["url"]
    monkeypatch.undo()
    expired = client.get(url)
    assert expired.status_code == 403 and b"expired" in expired.data



@pytest.mark.parametrize("method,path,kwargs", [
    ("POST", "/media/upload", {"json": {"file": "x"}}),
    ("POST", "/media/upload", {"data": "not multipart", "content_type": "text/plain"}),
    ("PATCH", "/media/{id}", {"json": {}}),
    ("PATCH", "/media/{id}", {"data": "{", "content_type": "application/json"}),
    ("GET", "/media/not-a-uuid", {}),
    ("GET", "/media/{id}/status?x=1", {}),
])
def test_malformed_requests_get_an_envelope_never_a_500(upload, owner_api, method, path, kwargs):
    file_id = _upload(upload, samples.image("JPEG"), "a.jpg")
    response = owner_api.request(method, path.format(id=file_id), **kwargs)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json["status_code"] == response.status_code
