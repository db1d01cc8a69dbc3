"""Media on the S3 backend, end to end against a real S3-compatible server: the web process and the worker have
different STORAGE_DIRs, so only the bucket can carry the file between them."""
import urllib.request

from PIL import Image

from app import create_app
from app.extensions import db
from app.models import MediaFile
from tests.factories import sign_in
from tests.media import samples
from tests.storage_server import bucket_keys


def worker_app(settings: dict, storage_dir):
    """Another process's app, as a worker on another machine has it: same database and bucket, its own disk."""
    worker = create_app("testing")
    worker.config.update(settings, STORAGE_DIR=str(storage_dir))
    return worker


def test_upload_processed_by_a_worker_elsewhere_then_served_by_presigned_redirect(
        upload, owner_api, client, user, s3_storage, storage_dir, tmp_path, queued):
    data = samples.image("JPEG", size=(640, 480))
    response = upload(data, "Playa de Málaga.jpg")
    assert response.status_code == 202, response.json
    file_id = response.json["file_id"]
    stored = db.session.get(MediaFile, file_id)
    assert bucket_keys(s3_storage) == [stored.storage_key] and queued == [("media.process_file", (file_id,))]

    worker = worker_app(s3_storage, tmp_path / "worker-disk")
    with worker.app_context():
        assert worker.extensions["celery"].tasks["media.process_file"].apply(args=[file_id]).get() == "ready"
        db.session.remove()
    db.session.expire_all()
    media = db.session.get(MediaFile, file_id)
    assert (media.status.value, media.width, media.height) == ("ready", 640, 480)
    assert bucket_keys(s3_storage) == sorted([media.storage_key, media.thumbnail_key])
    # Neither machine's disk kept a file: the bucket carried it (and the worker's copy was temporary).
    assert not any(p.is_file() for p in storage_dir.rglob("*")) and not (tmp_path / "worker-disk").exists()

    # The signed link answers with a redirect to a presigned URL: the bytes never pass through the web process.
    shown = owner_api.get(f"/media/{file_id}").json
    answer = client.get(shown["url"])
    assert answer.status_code == 302 and answer.location.startswith(s3_storage["STORAGE_S3_ENDPOINT"])
    with urllib.request.urlopen(answer.location) as fetched:
        assert fetched.read() == data and fetched.headers["Content-Type"] == "image/jpeg"
        assert f'filename="{media.filename}"' in fetched.headers["Content-Disposition"]
    listed = owner_api.get("/media").json["files"][0]
    with urllib.request.urlopen(client.get(listed["thumbnail_url"]).location) as fetched:
        assert Image.open(fetched).size == (320, 240)

    # The library page lets the browser load those redirected images and media from the bucket (its CSP).
    sign_in(client, user)
    page = client.get("/media")
    endpoint = s3_storage["STORAGE_S3_ENDPOINT"]
    assert page.status_code == 200 and f"img-src 'self' data: blob: {endpoint};" in \
        page.headers["Content-Security-Policy"] and f"media-src 'self' {endpoint}" in page.headers["Content-Security-Policy"]

    assert owner_api.delete(f"/media/{file_id}").status_code == 204
    assert bucket_keys(s3_storage) == []
