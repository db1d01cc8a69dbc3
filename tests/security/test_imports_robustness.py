"""Finding 3: one bad file must not stop imports for good.

A file that fails mid-import ends its job failed with the reason and releases the account's import lock, so the
next import of that account runs; an import whose worker died is resumed (or failed) by the beat check.
"""
import io
from datetime import timedelta

import pytest
from sqlalchemy import text, update

import celeryconfig
from app.extensions import db
from app.models import Account, ImportJob, ImportStatus, utcnow
from app.services import import_files, imports
from app.services.activity import record_event
from app.tasks.audience import recover_stalled_imports
from tests.audience.factories import finished_import
from tests.audience.test_imports import CSV, upload
from tests.conftest import wait_for
from tests.factories import own_account
from tests.security.import_fixtures import _import_storage, _no_task_left_behind, _settle_imports  # noqa: F401


def advisory_locks() -> int:
    """Advisory locks held in this test's database (the server is shared with other test runs)."""
    return db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                                  "(SELECT oid FROM pg_database WHERE datname = current_database())"))


def over_the_limit_past_the_head() -> bytes:
    good = "".join(f"user{i:05d}@example.com,ok\n" for i in range(50_000))
    content = ("email,notes\n" + good + 'bad@example.com,"' + "x" * 140_000 + '"\nlast@example.com,ok\n').encode()
    assert len(content) - 140_000 > import_files.HEAD_BYTES  # the request's head check cannot see it
    return content


@pytest.mark.worker
def test_a_file_that_fails_in_the_task_ends_failed_and_the_accounts_next_import_runs(owner_api, celery_worker):
    response = upload(owner_api, over_the_limit_past_the_head())
    assert response.status_code == 202, response.json
    job = finished_import(response.json["id"], timeout=60)
    assert job.status == ImportStatus.FAILED, (job.status, job.message)
    assert job.message == ("The file cannot be read: Line 50002: a field is longer than 131,072 characters "
                           "(is a quote left open?).")
    assert job.finished_at is not None
    # The account's lock goes just after the failure is committed (a run waiting for it then finds the job done).
    wait_for(lambda: advisory_locks() == 0, timeout=10)
    following = upload(owner_api, CSV)  # the probe's next import blocked a worker for ever
    assert following.status_code == 202
    done = finished_import(following.json["id"], timeout=30)
    assert (done.status, done.created_count) == (ImportStatus.COMPLETED, 3), done.message


def test_an_error_while_preparing_the_import_fails_the_job_and_releases_the_lock(user):
    job = imports.create_import(own_account(user), actor=user, stream=io.BytesIO(over_the_limit_past_the_head()),
                                filename="bad.csv", enqueue=False)
    assert job.status == ImportStatus.QUEUED
    finished = imports.run_import(job.id)  # counting the rows meets the bad field
    assert finished.status == ImportStatus.FAILED and "Line 50002:" in finished.message
    assert finished.processed_rows == 0 and advisory_locks() == 0


@pytest.mark.worker
def test_an_import_whose_worker_died_is_resumed_by_the_beat_check(user, celery_worker):
    account = own_account(user)
    stalled = imports.create_import(account, actor=user, stream=io.BytesIO(CSV.encode()), filename="a.csv",
                                    enqueue=False)
    lost = imports.create_import(account, actor=user, stream=io.BytesIO(CSV.replace("ana", "ann").encode()),
                                 filename="b.csv", enqueue=False)
    hour_ago = utcnow() - timedelta(hours=1)
    # One was claimed by a worker that died (running, no progress); the other's message never reached a worker.
    db.session.execute(update(ImportJob).where(ImportJob.id == stalled.id).values(
        status=ImportStatus.RUNNING, updated_at=hour_ago, started_at=hour_ago))
    db.session.execute(update(ImportJob).where(ImportJob.id == lost.id).values(updated_at=hour_ago))
    db.session.commit()
    assert recover_stalled_imports() == {"restarted": 1, "failed": 0, "resent": 1}
    for job_id in (stalled.id, lost.id):
        job = finished_import(job_id, timeout=30)
        assert job.status == ImportStatus.COMPLETED, job.message
    assert recover_stalled_imports() == {"restarted": 0, "failed": 0, "resent": 0}
    assert {"task": "audience.recover_stalled_imports", "schedule": 60.0} in celeryconfig.beat_schedule.values()


def test_an_import_that_keeps_stalling_is_failed_with_the_reason(user):
    account = own_account(user)
    job = imports.create_import(account, actor=user, stream=io.BytesIO(CSV.encode()), filename="a.csv",
                                enqueue=False)
    for restart in (1, 2):  # restarted twice already, and each time its worker died again
        record_event(db.session.get(Account, account.id), None, "import.restarted", job, {"restart": restart})
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        status=ImportStatus.RUNNING, updated_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    assert recover_stalled_imports() == {"restarted": 0, "failed": 1, "resent": 0}
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.message.startswith("The import stopped making progress 3 times")


def test_a_running_import_that_moved_recently_is_left_alone(user):
    job = imports.create_import(own_account(user), actor=user, stream=io.BytesIO(CSV.encode()), filename="a.csv",
                                enqueue=False)
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        status=ImportStatus.RUNNING, updated_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert recover_stalled_imports() == {"restarted": 0, "failed": 0, "resent": 0}
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(status=ImportStatus.FAILED))
    db.session.commit()
