"""Export jobs: PDF reports are asked for here, rendered by a task, kept through storage and fetched by a signed link.

A PDF is never rendered in a request (WeasyPrint takes seconds and hundreds of MB): asking answers a queued job,
`reports.render_pdf` claims it (one conditional UPDATE, so a task delivered twice renders once), reports its
progress on the row, stores the file under exports/<account>/<job>.pdf and notifies whoever asked. CSV exports are
streamed by the request itself (reports_csv) and only logged here.
"""
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.storage import storage_from_config
from app.models import Account, ExportJob, ExportStatus, User, utcnow
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.dispatch import enqueue_after_commit
from app.services.notifications import notify_members
from app.services.pagination import Page, paginate

PDF_KINDS = ("campaigns",)
DOWNLOAD_TTL = 3600  # seconds a download link stays valid


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in filters.items() if v not in (None, "")}


def filters_of(job: ExportJob) -> dict[str, Any]:
    """The job's list filters as the list services take them (dates back to datetimes)."""
    return {k: datetime.fromisoformat(v) if k in ("start_date", "end_date") else v for k, v in job.filters.items()}


@unit_of_work
def log_csv_export(account: Account, *, actor: User, kind: str, filters: dict[str, Any]) -> None:
    """Audit a CSV download (streamed by the request) before its first byte is sent."""
    record_event(account, actor, "report.exported", None, {"kind": kind, "format": "csv", "filters": _jsonable(filters)})


@unit_of_work
def request_pdf(account: Account, *, actor: User, kind: str = "campaigns", filters: dict[str, Any] | None = None
                ) -> ExportJob:
    """Queue a PDF report of `kind` with the list's filters; the task renders it."""
    if kind not in PDF_KINDS:
        raise ValidationError(details={"format": [f"PDF reports exist for: {', '.join(PDF_KINDS)}"]})
    job = ExportJob(account_id=account.id, kind=kind, format="pdf", filters=_jsonable(filters or {}),
                    status=ExportStatus.QUEUED, progress=0, message="Waiting for a worker", requested_by=actor.id)
    db.session.add(job)
    db.session.flush()
    record_event(account, actor, "report.requested", job, {"kind": kind, "format": "pdf", "filters": job.filters})
    enqueue_after_commit("reports.render_pdf", str(job.id))
    return job


def get_export(account: Account, export_id) -> ExportJob:
    return get_owned(ExportJob, account, export_id, label="Export")


def list_exports(account: Account, *, page: int = 1, size: int = 10) -> Page:
    stmt = select(ExportJob).where(ExportJob.account_id == account.id).order_by(
        ExportJob.created_at.desc(), ExportJob.id)
    return paginate(stmt, page=page, size=size)


@unit_of_work
def claim(job_id) -> ExportJob | None:
    """Move a queued job to running; None when it is not queued (done, running elsewhere, gone)."""
    moved = db.session.execute(update(ExportJob).where(ExportJob.id == job_id,
                                                       ExportJob.status == ExportStatus.QUEUED)
                               .values(status=ExportStatus.RUNNING, started_at=utcnow(), progress=5,
                                       message="Reading the figures")
                               .execution_options(synchronize_session=False)).rowcount
    return db.session.get(ExportJob, job_id, populate_existing=True) if moved else None


@unit_of_work
def requeue(job_id) -> None:
    """Put a running job back in the queue for its task's retry (a temporary storage failure)."""
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING)
                       .values(status=ExportStatus.QUEUED, message="Retrying shortly")
                       .execution_options(synchronize_session=False))


@unit_of_work
def report_progress(job_id, progress: int, message: str) -> None:
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING)
                       .values(progress=progress, message=message).execution_options(synchronize_session=False))


@unit_of_work
def complete(job: ExportJob, *, data: bytes, filename: str) -> ExportJob:
    """Store the rendered file and tell whoever asked that it is ready."""
    key = f"exports/{job.account_id}/{job.id}.pdf"
    storage_from_config(current_app.config).save(key, io.BytesIO(data), "application/pdf")
    job.status, job.progress, job.message = ExportStatus.COMPLETED, 100, "Ready"
    job.storage_key, job.filename, job.size, job.completed_at = key, filename, len(data), utcnow()
    if job.requested_by:
        notify_members(job.account, kind="report.ready", params={"filename": filename}, link="/reports",
                       member=job.requested_by)
    return job


@unit_of_work
def fail(job_id, *, reason: str) -> None:
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id,
                                               ExportJob.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING]))
                       .values(status=ExportStatus.FAILED, error=reason[:2000], message="Failed")
                       .execution_options(synchronize_session=False))


# --- Signed, expiring download links (the link is the permission, so it can be opened from a notification).

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="export-download")


def download_token(job: ExportJob) -> str:
    return _serializer().dumps(str(job.id))


@dataclass
class Download:
    job: ExportJob
    url: str | None = None  # a presigned URL on S3: the bytes never pass through the app
    stream: BinaryIO | None = None


def open_download(token: str) -> Download:
    """The finished export a signed token names; Forbidden once expired, NotFound if tampered, unknown or gone."""
    try:
        job_id = _serializer().loads(token, max_age=DOWNLOAD_TTL)
    except SignatureExpired as exc:
        raise Forbidden("This link has expired; open Reports for a fresh one") from exc
    except BadSignature as exc:
        raise NotFound("The requested resource was not found") from exc
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != ExportStatus.COMPLETED or not job.storage_key:
        raise NotFound("The requested resource was not found")
    storage = storage_from_config(current_app.config)
    try:
        url = storage.download_url(job.storage_key, filename=job.filename, content_type="application/pdf",
                                   expires=DOWNLOAD_TTL)
        return Download(job, url=url) if url else Download(job, stream=storage.open(job.storage_key))
    except IntegrationError as exc:
        raise NotFound("The stored file is missing") from exc
