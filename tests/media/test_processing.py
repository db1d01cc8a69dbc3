"""Processing: thumbnails and metadata, status and progress, failures, idempotency, a real worker."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import ActivityEvent, MediaFile
from app.services import media_processing
from app.tasks.media import process_file as process_task
from tests.conftest import wait_for
from tests.media import samples


def _uploaded(upload, data, name):
    response = upload(data, name)
    assert response.status_code == 202, response.json
    return response.json["file_id"]


def _reload(file_id) -> MediaFile:
    db.session.expire_all()
    return db.session.get(MediaFile, file_id)


def test_image_gets_dimensions_and_an_upright_thumbnail_without_metadata(upload, storage_dir, owner_api):
    # Orientation 6: the camera was turned; the picture is seen rotated 90° clockwise (64x48 stored -> 48x64 seen).
    file_id = _uploaded(upload, samples.image("JPEG", size=(640, 480), exif_orientation=6, gps=True), "cam.jpg")
    assert media_processing.process_file(file_id).value == "ready"
    media = _reload(file_id)
    assert (media.width, media.height) == (480, 640)
    assert media.meta["exif_orientation"] == 6 and media.meta["format"] == "JPEG"
    thumb = Image.open(storage_dir / media.thumbnail_key)
    assert thumb.format == "JPEG" and max(thumb.size) == 320 and thumb.size == (240, 320)
    assert not thumb.getexif() and "exif" not in thumb.info
    # The blue marker was top-left of the stored pixels; after turning it is top-right.
    assert thumb.getpixel((thumb.width - 10, 10))[2] > 200 and thumb.getpixel((10, 10))[0] > 200
    status = owner_api.get(f"/media/{file_id}/status").json
    assert status == {"file_id": file_id, "status": "ready", "progress": 100, "message": "Ready", "error": None}


def test_transparent_png_thumbnail_is_flattened_on_white(upload, storage_dir):
    out = io.BytesIO()
    Image.new("RGBA", (100, 50), (0, 0, 0, 0)).save(out, "PNG")
    file_id = _uploaded(upload, out.getvalue(), "clear.png")
    media_processing.process_file(file_id)
    thumb = Image.open(storage_dir / _reload(file_id).thumbnail_key)
    assert thumb.mode == "RGB" and thumb.getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("name,data,expected", [
    ("a.wav", samples.wav(seconds=1.5), {"duration": 1.5}),
    ("a.mp3", samples.mp3(frames=100), {"duration": pytest.approx(2.61, abs=0.05)}),
    ("a.mp4", samples.mp4(seconds=2.5), {"duration": 2.5}),
    ("a.pdf", samples.pdf(pages=3), {"page_count": 3}),
], ids=["wav", "mp3", "mp4", "pdf"])
def test_other_kinds_get_their_metadata(upload, name, data, expected):
    file_id = _uploaded(upload, data, name)
    assert media_processing.process_file(file_id).value == "ready"
    media = _reload(file_id)
    for field, value in expected.items():
        assert getattr(media, field) == value
    assert media.thumbnail_key is None and media.processed_at is not None


def test_pdf_title_is_kept_in_metadata(upload):
    file_id = _uploaded(upload, samples.pdf(title="Spring catalogue"), "c.pdf")
    media_processing.process_file(file_id)
    assert _reload(file_id).meta["title"] == "Spring catalogue"


@pytest.mark.parametrize("name,data", [("a.webm", samples.webm()), ("a.ogg", samples.ogg())], ids=["webm", "ogg"])
def test_a_duration_that_cannot_be_read_cheaply_leaves_the_file_ready(upload, name, data):
    file_id = _uploaded(upload, data, name)
    assert media_processing.process_file(file_id).value == "ready"
    media = _reload(file_id)
    assert media.duration is None and media.meta == {"duration_read": False}


@pytest.mark.parametrize("name,data", [
    ("broken.jpg", samples.image("JPEG")[:40]),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
    ("broken.pdf", b"%PDF-1.7\n garbage without any objects"),
], ids=["jpeg", "png", "pdf"])
def test_content_that_cannot_be_decoded_fails_with_the_reason_kept(upload, owner_api, name, data):
    file_id = _uploaded(upload, data, name)
    assert media_processing.process_file(file_id).value == "failed"
    status = owner_api.get(f"/media/{file_id}/status").json
    assert status["status"] == "failed" and status["message"] == "Processing failed"
    assert status["error"] and "could not be read" in status["error"]
    event = db.session.scalar(select(ActivityEvent).where(ActivityEvent.name == "media.processed"))
    assert event.data["status"] == "failed"


def test_a_missing_stored_file_fails_processing(upload, storage_dir, caplog):
    file_id = _uploaded(upload, samples.image("JPEG"), "a.jpg")
    key = _reload(file_id).storage_key
    (storage_dir / key).unlink()
    assert media_processing.process_file(file_id).value == "failed"
    # People read a reason; the storage's own words (with the key) go to the log.
    assert _reload(file_id).error == media_processing.STORAGE_FAILED
    assert f"No stored file {key}" in caplog.text


def test_processing_twice_reports_media_processed_once(upload):
    file_id = _uploaded(upload, samples.image("PNG"), "a.png")
    assert process_task.run(file_id) == "ready"
    assert process_task.run(file_id) is None
    events = db.session.scalars(select(ActivityEvent).where(ActivityEvent.name == "media.processed")).all()
    assert len(events) == 1 and events[0].data["width"] == 64


def test_processing_a_deleted_file_does_nothing(upload, owner_api):
    file_id = _uploaded(upload, samples.image("PNG"), "a.png")
    assert owner_api.delete(f"/media/{file_id}").status_code == 204
    assert process_task.run(file_id) is None


def test_status_shows_processing_and_progress_between_steps(upload, owner_api):
    file_id = _uploaded(upload, samples.image("GIF"), "a.gif")
    assert owner_api.get(f"/media/{file_id}/status").json["status"] == "uploading"
    media_processing.start_processing(file_id)
    status = owner_api.get(f"/media/{file_id}/status").json
    assert status["status"] == "processing" and status["progress"] == 10 and status["message"] == "Processing image..."


@pytest.mark.worker
def test_a_real_worker_processes_the_upload_from_the_media_queue(celery_worker, upload, owner_api):
    file_id = _uploaded(upload, samples.image("WEBP", size=(800, 600)), "banner.webp")
    status = wait_for(lambda: (s := owner_api.get(f"/media/{file_id}/status").json)["status"] == "ready" and s,
                      timeout=20)
    assert status["progress"] == 100
    item = owner_api.get(f"/media/{file_id}").json
    assert (item["width"], item["height"]) == (800, 600) and item["thumbnail_url"]
    assert owner_api.client.get(item["thumbnail_url"]).status_code == 200


def test_the_task_is_routed_to_the_media_queue(app):
    celery = app.extensions["celery"]
    route = celery.amqp.router.route({}, "media.process_file")
    assert route["queue"].name == "media"


def test_temporary_storage_errors_are_retried_then_the_file_is_processed(upload, monkeypatch):
    from app.integrations import RetryableIntegrationError
    from app.integrations.storage import LocalDiskStorage

    file_id = _uploaded(upload, samples.image("JPEG"), "a.jpg")
    real_open, calls = LocalDiskStorage.open, []

    def flaky_open(self, key):
        calls.append(key)
        if len(calls) <= 2:
            raise RetryableIntegrationError("disk busy", retry_after=0)
        return real_open(self, key)

    monkeypatch.setattr(LocalDiskStorage, "open", flaky_open)
    assert process_task.apply(args=[file_id]).get() == "ready"  # eager: retries run at once
    assert len(calls) == 3 and _reload(file_id).status.value == "ready"


def test_storage_that_keeps_failing_marks_the_file_failed_after_the_last_retry(upload, monkeypatch):
    from app.integrations import RetryableIntegrationError
    from app.integrations.storage import LocalDiskStorage

    file_id = _uploaded(upload, samples.image("JPEG"), "a.jpg")

    def broken_open(self, key):
        raise RetryableIntegrationError("disk gone", retry_after=0)

    monkeypatch.setattr(LocalDiskStorage, "open", broken_open)
    process_task.apply(args=[file_id])
    media = _reload(file_id)
    assert media.status.value == "failed" and "Storage kept failing: disk gone" in media.error
