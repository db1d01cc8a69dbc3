"""Finding 13: an Idempotency-Key stands for the whole request, uploaded files included."""
import io

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, ImportJob
from app.services import idempotency
from tests.audience.test_imports import CSV, run, upload
from tests.security.import_fixtures import _import_storage, _no_task_left_behind, _settle_imports  # noqa: F401

OTHER_CSV = "email\nsomeone.else@example.com\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_different_file_under_a_used_key_is_refused_not_replayed(owner_api):
    first = upload(owner_api, CSV, headers={"Idempotency-Key": "imp-1"})
    other = upload(owner_api, OTHER_CSV, headers={"Idempotency-Key": "imp-1"})
    assert first.status_code == 202
    assert other.status_code == 422 and other.json["type"] == "ValidationError"
    assert "Idempotency-Key" in other.json["details"]
    assert count(ImportJob) == 1
    run(first)
    assert count(Customer) == 3  # the first file's rows only


def test_the_same_file_and_fields_replay_whatever_the_multipart_boundary(owner_api):
    # The test client picks a new random boundary for each request, as an HTTP library retrying would.
    first = upload(owner_api, CSV, tags="spring", headers={"Idempotency-Key": "imp-2"})
    again = upload(owner_api, CSV, tags="spring", headers={"Idempotency-Key": "imp-2"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == first.json["id"]
    assert count(ImportJob) == 1
    job = run(first)  # the hash rewound the upload: the stored file is whole
    assert (job.status.value, job.created_count) == ("completed", 3)


def test_the_same_file_with_other_form_fields_under_a_used_key_is_refused(owner_api):
    assert upload(owner_api, CSV, mode="upsert", headers={"Idempotency-Key": "imp-3"}).status_code == 202
    changed = upload(owner_api, CSV, mode="create", headers={"Idempotency-Key": "imp-3"})
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json["details"]
    renamed = upload(owner_api, CSV, filename="other-name.csv", headers={"Idempotency-Key": "imp-3"})
    assert renamed.status_code == 422


def test_the_fingerprint_streams_files_and_rewinds_them():
    from werkzeug.datastructures import FileStorage, MultiDict

    big = io.BytesIO(b"x" * (3 * idempotency.FILE_CHUNK + 7))
    files = MultiDict([("file", FileStorage(big, filename="a.csv"))])
    one = idempotency.request_fingerprint("POST", "/p?", form=MultiDict([("mode", "upsert")]), files=files)
    assert big.tell() == 0
    # One byte changed at the end of the last chunk, same name and length: a different request.
    shifted = io.BytesIO(b"x" * (3 * idempotency.FILE_CHUNK + 6) + b"y")
    two = idempotency.request_fingerprint("POST", "/p?", form=MultiDict([("mode", "upsert")]),
                                          files=MultiDict([("file", FileStorage(shifted, filename="a.csv"))]))
    assert one != two
    assert idempotency.request_fingerprint("POST", "/p?", form=MultiDict([("a", "bc")])) != \
        idempotency.request_fingerprint("POST", "/p?", form=MultiDict([("ab", "c")]))
