"""Uploads: type from content, limits, names, storage, events."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ActivityEvent, MediaFile
from tests.factories import add_member, make_user
from tests.media import samples

KINDS = [
    ("photo.jpg", samples.image("JPEG"), "image", "image/jpeg", "jpg"),
    ("logo.png", samples.image("PNG"), "image", "image/png", "png"),
    ("banner.webp", samples.image("WEBP"), "image", "image/webp", "webp"),
    ("anim.gif", samples.image("GIF"), "image", "image/gif", "gif"),
    ("clip.mp4", samples.mp4(), "video", "video/mp4", "mp4"),
    ("clip.webm", samples.webm(), "video", "video/webm", "webm"),
    ("jingle.mp3", samples.mp3(), "audio", "audio/mpeg", "mp3"),
    ("jingle.ogg", samples.ogg(), "audio", "audio/ogg", "ogg"),
    ("jingle.wav", samples.wav(), "audio", "audio/wav", "wav"),
    ("catalogue.pdf", samples.pdf(), "document", "application/pdf", "pdf"),
]


@pytest.mark.parametrize("name,data,file_type,mime,ext", KINDS, ids=[k[0] for k in KINDS])
def test_each_accepted_kind_is_stored_and_answered_as_seed_002(upload, storage_dir, account, name, data, file_type,
                                                              mime, ext):
    response = upload(data, name, file_type=file_type)
    assert response.status_code == 202, response.json
    body = response.json
    assert set(body) == {"file_id", "filename", "url", "status", "message"}
    assert body["status"] == "uploading" and body["message"] == "File uploaded successfully, processing started"
    assert body["filename"] == name.rsplit(".", 1)[0] + "." + ext
    assert "/media/download/" in body["url"]
    assert response.headers["Location"].endswith(f"/api/v1/media/{body['file_id']}/status")
    media = db.session.get(MediaFile, body["file_id"])
    assert (media.file_type.value, media.mime_type, media.size) == (file_type, mime, len(data))
    assert media.account_id == account.id and media.original_filename == name
    stored = storage_dir / media.storage_key
    assert stored.read_bytes() == data
    assert media.storage_key == f"{account.id}/{media.id}.{ext}"


def test_type_is_read_from_content_not_from_the_name_or_header(upload):
    response = upload(samples.image("PNG"), "holiday.pdf")
    assert response.status_code == 202
    media = db.session.get(MediaFile, response.json["file_id"])
    assert media.file_type.value == "image" and media.mime_type == "image/png"
    assert media.filename == "holiday.png"  # the extension follows the content


@pytest.mark.parametrize("data", [b"<?php system($_GET['c']); ?>", b"MZ\x90\x00" + b"\0" * 200,
                                  b"PK\x03\x04" + b"\0" * 100, b"<svg xmlns='http://www.w3.org/2000/svg'/>"],
                         ids=["php", "exe", "zip", "svg"])
def test_unknown_or_unaccepted_content_is_415_even_with_an_image_name(upload, data):
    response = upload(data, "innocent.jpg")
    assert response.status_code == 415
    assert response.json["type"] == "UnsupportedMediaTypeError" and response.json["status_code"] == 415
    assert "file" in response.json["details"]
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_declared_type_contradicting_the_content_is_422(upload, storage_dir):
    response = upload(samples.pdf(), "catalogue.jpg", file_type="image")
    assert response.status_code == 422
    assert response.json["type"] == "ValidationError"
    assert "document" in response.json["details"]["file_type"][0]
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0
    assert not any(storage_dir.rglob("*.*"))


def test_file_over_max_upload_mb_is_413_in_the_envelope(app, upload, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    big = samples.image("PNG") + b"\0" * (1024 * 1024)
    response = upload(big, "huge.png")
    assert response.status_code == 413
    assert response.json["type"] == "PayloadTooLargeError" and "1 MB" in response.json["error"]
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_request_over_the_transport_limit_is_413_in_the_envelope(app, upload, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = upload(samples.image("JPEG", size=(400, 400)) + b"\0" * 4096, "huge.jpg")
    assert response.status_code == 413
    assert response.json["type"] == "PayloadTooLargeError" and response.json["status_code"] == 413


@pytest.mark.parametrize("name,expected", [
    ("../../../etc/passwd.jpg", "etc_passwd.jpg"),
    ("/absolute/path/x.jpg", "absolute_path_x.jpg"),
    ("....jpg", "jpg.jpg"),
    ("....", "file.jpg"),
    ("mi imagen ñandú.jpeg", "mi_imagen_nandu.jpg"),
    ("a" * 300 + ".jpg", "a" * 100 + ".jpg"),
    ("evil\x00.php\x01.jpg", "evil.php.jpg"),
])
def test_path_traversal_names_are_sanitised_and_never_reach_the_disk(upload, storage_dir, account, name, expected):
    response = upload(samples.image("JPEG"), name)
    assert response.status_code == 202, response.json
    assert response.json["filename"] == expected
    media = db.session.get(MediaFile, response.json["file_id"])
    assert media.original_filename == "".join(c for c in name if c.isprintable())[:255]
    files = [p for p in storage_dir.rglob("*") if p.is_file()]
    assert files == [storage_dir / str(account.id) / f"{media.id}.jpg"]


def test_missing_file_and_bad_fields_are_422_with_details(owner_api):
    response = owner_api.post("/media/upload", data={"campaign_id": "nope", "file_type": "spreadsheet"},
                              content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.json["details"] or {"campaign_id", "file_type"} <= set(response.json["details"])


def test_empty_file_is_422(upload):
    response = upload(b"", "empty.jpg")
    assert response.status_code == 422 and "file" in response.json["details"]


def test_upload_records_media_uploaded_and_keeps_campaign_id(upload, account, user, queued, campaign):
    campaign_id = str(campaign.id)
    response = upload(samples.image("JPEG"), "a.jpg", campaign_id=campaign_id)
    media = db.session.get(MediaFile, response.json["file_id"])
    assert str(media.campaign_id) == campaign_id and media.uploaded_by == user.id
    event = db.session.scalar(select(ActivityEvent).where(ActivityEvent.name == "media.uploaded"))
    assert event.account_id == account.id and event.actor_id == user.id and event.subject_id == str(media.id)
    assert event.data["file_type"] == "image"
    assert queued == [("media.process_file", (str(media.id),))]


def test_viewers_cannot_upload_and_anonymous_callers_get_401(api, account, upload):
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    as_viewer = api.login(viewer).in_account(account)
    assert upload(samples.image("JPEG"), "a.jpg", client=as_viewer).status_code == 403
    assert upload(samples.image("JPEG"), "a.jpg", client=api).status_code == 401


def test_safe_filename_treats_backslashes_as_separators_and_forces_the_content_extension():
    from app.services.media_content import safe_filename

    assert safe_filename("..\\..\\windows\\win.ini", "png") == "windows_win.png"
    assert safe_filename("C:\\Users\\ana\\foto.JPG", "jpg") == "C_Users_ana_foto.jpg"
    assert safe_filename(None, "pdf") == "file.pdf"
