"""Finding 3: every task has time limits, and a task stopped by one (or by any error) records why it stopped."""
import io
import os
import subprocess
import sys
import uuid
import zlib

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import ImportJob, ImportStatus, MediaFile
from app.services import imports
from app.tasks import TASK_MODULES
from app.tasks.media import process_file as process_task
from tests.audience.test_imports import CSV
from tests.conftest import wait_for
from tests.factories import own_account
from tests.media import samples
from tests.media.conftest import storage_dir  # noqa: F401 - autouse: media files in a temp dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_every_task_has_a_soft_and_a_hard_time_limit(app):
    celery = app.extensions["celery"]
    names = [name for name, task in celery.tasks.items() if task.__module__ in TASK_MODULES]
    assert "audience.import_customers" in names and "media.process_file" in names
    for name in names:
        task = celery.tasks[name]
        soft = task.soft_time_limit or celery.conf.task_soft_time_limit
        hard = task.time_limit or celery.conf.task_time_limit
        assert soft and hard and soft < hard, (name, soft, hard)


@pytest.mark.worker
def test_an_import_stopped_at_its_time_limit_ends_failed_with_the_reason_and_holds_nothing(app, user, tmp_path):
    """A real prefork worker (time limits need one): the import waits for its account's lock past its limit."""
    account = own_account(user)
    job = imports.create_import(account, actor=user, stream=io.BytesIO(CSV.encode()), filename="c.csv",
                                enqueue=False)
    # Another import of the account holds its lock for longer than this one may run.
    key = {"key": zlib.crc32(f"import:{account.id}".encode())}
    holder = db.engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:key)"), key)
    holder.commit()
    queue = f"time-limits-{uuid.uuid4().hex[:8]}"  # only this worker listens: the session's thread worker has none
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "wsgi.celery", "worker", "--pool=prefork",
         "--concurrency=1", "-Q", queue, "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
        cwd=ROOT, env=dict(os.environ, ENV="testing", STORAGE_DIR=app.config["STORAGE_DIR"]), stdout=log, stderr=log)
    try:
        app.extensions["celery"].signature("audience.import_customers", args=[str(job.id)]).apply_async(
            queue=queue, soft_time_limit=2, time_limit=20)

        def finished():
            db.session.expire_all()
            found = db.session.get(ImportJob, job.id)
            return found if found.status == ImportStatus.FAILED else None

        failed = wait_for(finished, timeout=60, interval=0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), key)  # a pooled connection keeps it otherwise
        holder.commit()
        holder.close()
        log.close()
    assert failed.message == ("The import took longer than 2 seconds and was stopped. Rows imported so far are "
                              "kept: import the file again to add the rest."), open(tmp_path / "worker.log").read()
    assert failed.finished_at is not None
    # Nothing of the stopped run is held: the next import of the account runs at once.
    again = imports.create_import(account, actor=user, stream=io.BytesIO(CSV.encode()), filename="c.csv",
                                  enqueue=False)
    assert imports.run_import(again.id).status == ImportStatus.COMPLETED


def test_a_media_file_whose_processing_crashes_ends_failed_with_the_reason(upload, monkeypatch):
    response = upload(samples.image("JPEG"), "a.jpg")
    assert response.status_code == 202
    file_id = response.json["file_id"]

    def crash(*args, **kwargs):
        raise MemoryError("decoder ran out of memory")

    monkeypatch.setattr("app.services.media_processing.analyse", crash)
    assert process_task.run(file_id) == "failed"
    db.session.expire_all()
    media = db.session.get(MediaFile, file_id)
    assert media.status.value == "failed"  # it stayed "processing" for ever
    assert media.error == "Processing stopped on an unexpected error (MemoryError)."
