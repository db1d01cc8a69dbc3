"""Imports go through storage: the web process stores the upload, a worker anywhere fetches it once. On the S3
backend, end to end against a real S3-compatible server, with web and worker on different STORAGE_DIRs (so only
the bucket can carry the file); on the local backend, a source that is gone fails the job with the reason."""
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Customer, ImportJob
from app.services import imports
from tests.factories import own_account
from tests.storage_server import bucket_keys

CSV = ("email,phone,first name\n"
       "ana@example.com,+34612345678,Ana\n"
       "not-an-email,,Bob\n"
       "carla@example.com,+14155550101,Carla\n")


def run_on_worker(settings: dict, storage_dir, task: str, *args):
    """Run a task in another app, as a worker on another machine has it: same database and bucket, its own disk."""
    worker = create_app("testing")
    worker.config.update(settings, STORAGE_DIR=str(storage_dir))
    with worker.app_context():
        try:
            return worker.extensions["celery"].tasks[task].apply(args=args).get()
        finally:
            db.session.remove()


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name,content", [
    ("people.csv", CSV.encode()),
    ("people.xlsx", xlsx([["email", "phone", "first name"], ["ana@example.com", "+34612345678", "Ana"],
                          ["not-an-email", None, "Bob"], ["carla@example.com", "+14155550101", "Carla"]])),
], ids=["csv", "xlsx"])
def test_an_upload_is_imported_by_a_worker_on_another_machine_through_s3(
        owner_api, app, s3_storage, tmp_path, monkeypatch, queued, name, content):
    web_disk, worker_disk = tmp_path / "web-disk", tmp_path / "worker-disk"
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(web_disk))
    response = owner_api.post("/customers/import", data={"file": (io.BytesIO(content), name)},
                              content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    job_id = response.json["id"]
    assert bucket_keys(s3_storage) == [imports.source_key(job_id)]
    assert queued == [("audience.import_customers", (job_id,))]

    result = run_on_worker(s3_storage, worker_disk, "audience.import_customers", job_id)
    assert result == {"status": "completed", "created": 2, "updated": 0, "rejected": 1}
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert (job.total_rows, job.processed_rows) == (3, 3)
    assert sorted(db.session.scalars(select(Customer.email))) == ["ana@example.com", "carla@example.com"]
    # The rejected rows come from the database, wherever the file is.
    rejected = owner_api.get(f"/imports/{job_id}/errors.csv").get_data(as_text=True).splitlines()
    assert rejected[0] == "line,reason,email,phone,first name" and rejected[1].startswith("3,")
    # No disk kept the file: the web side checked it in a temporary file, the worker read a temporary copy.
    assert not web_disk.exists() and not worker_disk.exists()


def test_a_refused_upload_is_never_stored(owner_api, s3_storage):
    response = owner_api.post("/customers/import", data={"file": (io.BytesIO(b"name,city\nAna,Lima\n"), "x.csv")},
                              content_type="multipart/form-data")
    assert response.status_code == 422 and bucket_keys(s3_storage) == []


def test_a_too_large_upload_is_the_one_too_large_error(owner_api, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_MB", 0)
    response = owner_api.post("/customers/import", data={"file": (io.BytesIO(CSV.encode()), "c.csv")},
                              content_type="multipart/form-data")
    assert response.status_code == 413 and response.json["type"] == "PayloadTooLargeError"
    assert response.json["details"] == {"file": ["At most 0 MB."]}


def test_an_import_whose_stored_file_is_gone_fails_with_the_reason(user, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path))
    job = imports.create_import(own_account(user), actor=user, stream=io.BytesIO(CSV.encode()), filename="c.csv",
                                enqueue=False)
    (tmp_path / imports.source_key(job.id)).unlink()
    job = imports.run_import(job.id)
    assert job.status.value == "failed" and job.message == "The uploaded file is no longer stored; import it again"
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
