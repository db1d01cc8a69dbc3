"""Finding 3: /health says whether workers answer and how long the oldest job has waited, and stays fast."""
import io
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from app import create_app
from app.extensions import db
from app.models import ImportJob, utcnow
from app.services import imports
from tests.audience.test_imports import CSV
from tests.factories import own_account
from tests.security.import_fixtures import _import_storage, _no_task_left_behind, _settle_imports  # noqa: F401


def timed_health(client):
    started = time.perf_counter()
    response = client.get("/health")
    return response, time.perf_counter() - started


@pytest.mark.worker
def test_health_reports_that_workers_answer_without_waiting_for_the_timeout(client, celery_worker):
    response, took = timed_health(client)
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert response.json["workers"]["status"] == "ok", response.json["workers"]
    assert took < 1.0  # the first answer ends the ping


def test_health_reports_no_worker_within_its_short_timeout_and_still_answers_200():
    # A control exchange no worker listens on: the broadcast reaches nobody, as when every worker is down.
    app = create_app({"ENV": "testing", "HEALTH_WORKER_TIMEOUT": 0.5,
                      "CELERY": {"control_exchange": f"nobody-{uuid.uuid4().hex}"}})
    response, took = timed_health(app.test_client())
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert response.json["workers"] == {"status": "down", "error": "No worker answered within 0.5 s"}
    assert 0.5 <= took < 1.5
    again, took = timed_health(app.test_client())  # polled again: the answer is reused for a few seconds
    assert again.json["workers"] == response.json["workers"] and took < 0.4


def test_health_reports_how_long_the_oldest_queued_import_has_waited(client, user):
    account = own_account(user)
    waiting = [imports.create_import(account, actor=user, stream=io.BytesIO(CSV.encode()), filename=f"{n}.csv",
                                     enqueue=False) for n in range(2)]
    db.session.execute(update(ImportJob).where(ImportJob.id == waiting[0].id).values(
        updated_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    response = client.get("/health")
    assert response.status_code == 200
    queued = response.json["waiting"]["imports"]
    assert queued["waiting"] == 2 and 7190 < queued["oldest_age_s"] < 7300
    assert response.json["waiting"]["media"] == {"waiting": 0, "oldest_age_s": None}
