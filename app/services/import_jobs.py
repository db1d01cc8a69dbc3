"""Import jobs outside a run: failing one with the reason, and the beat check that keeps imports moving."""
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Account, ActivityEvent, ImportJob, ImportStatus, utcnow
from app.services.activity import record_event
from app.services.dispatch import enqueue_after_commit

STALE_AFTER = timedelta(minutes=10)  # a running import without progress this long has lost its worker
MAX_RESTARTS = 2


def fail_import(job_id, *, reason: str) -> None:
    """Mark an unfinished job failed with `reason`; a finished one is left alone."""
    db.session.rollback()
    open_states = [ImportStatus.QUEUED, ImportStatus.RUNNING]
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status.in_(open_states)).values(
        status=ImportStatus.FAILED, message=reason[:1000], finished_at=func.coalesce(ImportJob.finished_at, utcnow())))
    db.session.commit()


def recover_stalled_imports() -> dict[str, int]:
    """Every minute from beat: imports that stopped moving are resumed, or failed with the reason.

    A running import without progress for STALE_AFTER (its worker died, or was killed at its time limit) is
    queued again and resumes after its last committed batch; after MAX_RESTARTS such restarts it fails instead,
    so a file that kills its worker cannot do so forever. A queued import nobody picked up for STALE_AFTER (its
    message lost) is sent again; a second delivery of a message is harmless (the claim is atomic).
    """
    stale_before = utcnow() - STALE_AFTER
    counts = {"restarted": 0, "failed": 0, "resent": 0}
    # SKIP LOCKED: a row being updated by a live writer is busy, hence not stalled.
    stalled = db.session.scalars(select(ImportJob).where(
        ImportJob.status == ImportStatus.RUNNING, ImportJob.updated_at < stale_before,
    ).order_by(ImportJob.updated_at).limit(100).with_for_update(skip_locked=True)).all()
    for job in stalled:
        account = db.session.get(Account, job.account_id)
        restarts = db.session.scalar(_events(job, "import.restarted").with_only_columns(func.count()))
        if restarts >= MAX_RESTARTS:
            job.status, job.finished_at = ImportStatus.FAILED, utcnow()
            job.message = (f"The import stopped making progress {restarts + 1} times (its worker stopped or ran out "
                           "of time) and was given up. Rows imported so far are kept: import the file again to "
                           "add the rest.")
            record_event(account, None, "import.failed", job, {"reason": "stalled"})
            counts["failed"] += 1
        else:
            job.status, job.updated_at = ImportStatus.QUEUED, utcnow()
            record_event(account, None, "import.restarted", job, {"restart": restarts + 1,
                                                                  "processed_rows": job.processed_rows})
            enqueue_after_commit("audience.import_customers", str(job.id))
            counts["restarted"] += 1
    lost = db.session.scalars(select(ImportJob).where(
        ImportJob.status == ImportStatus.QUEUED, ImportJob.updated_at < stale_before,
    ).order_by(ImportJob.updated_at).limit(100).with_for_update(skip_locked=True)).all()
    for job in lost:
        # At most once per STALE_AFTER. updated_at is left alone: it says since when the job waits (/health).
        if _last_event(job, "import.resent") > stale_before:
            continue
        record_event(db.session.get(Account, job.account_id), None, "import.resent", job)
        enqueue_after_commit("audience.import_customers", str(job.id))
        counts["resent"] += 1
    db.session.commit()
    return counts


def _events(job: ImportJob, name: str):
    return select(ActivityEvent).where(ActivityEvent.subject_type == ImportJob.__tablename__,
                                       ActivityEvent.subject_id == str(job.id), ActivityEvent.name == name)


def _last_event(job: ImportJob, name: str):
    latest = db.session.scalar(_events(job, name).with_only_columns(func.max(ActivityEvent.created_at)))
    return latest or utcnow() - 100 * STALE_AFTER
