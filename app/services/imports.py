"""Customer imports: accept a file, map its columns, run it in batches with progress, report rejected rows."""
import io
import os
import tempfile
import uuid
from typing import IO, Iterator

from flask import current_app
from sqlalchemy import Select, select

from app.errors import Conflict, PayloadTooLarge, UpstreamError, ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.storage import storage_from_config
from app.models import Account, ImportJob, ImportMode, ImportRowError, ImportStatus, User
from app.services import customer_fields as cf
from app.services import csv_safe, get_owned, import_files, unit_of_work
from app.services.activity import record_event
from app.services.dispatch import enqueue_after_commit
from app.services.pagination import Page, paginate
from app.services.read_models import RowView
# The tasks' entry points, re-exported.
from app.services.import_jobs import fail_import, recover_stalled_imports  # noqa: F401
from app.services.import_runner import run_import  # noqa: F401

DETAIL_ERRORS = 1000


def source_key(job_id) -> str:
    """Where an import's uploaded file is kept in storage (web and workers share nothing else)."""
    return f"imports/{job_id}/source"


def _spool_upload(stream: IO[bytes], out: IO[bytes], limit: int) -> int:
    size = 0
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB",
                                  details={"file": [f"At most {limit // (1024 * 1024)} MB."]})
        out.write(chunk)
    out.flush()
    return size


def check_mapping(mapping: dict, headers: list[str]) -> dict[str, str]:
    """Keep the mapped columns; 422 naming the bad ones; an email or phone column is required."""
    errors, clean, used = [], {}, set()
    for column, target in (mapping or {}).items():
        if not target:
            continue
        if column not in headers:
            errors.append(f"Column {column!r} is not in the file.")
        elif target not in import_files.FIELDS and not (
                target.startswith("attributes.") and 1 < len(target) - 11 <= 64):
            errors.append(f"Column {column!r}: unknown field {target!r}.")
        elif target in used:
            errors.append(f"Field {target!r} is mapped twice.")
        else:
            clean[column] = target
            used.add(target)
    if errors:
        raise ValidationError("The column mapping is not valid", details={"mapping": errors})
    if not used & {"email", "phone"}:
        raise ValidationError("The file needs an email or a phone column",
                              details={"mapping": ["Map a column to email or to phone."]})
    return clean


def check_row_count(rows: int, *, declared: bool = False) -> None:
    """ValidationError if `rows` is over IMPORT_MAX_ROWS (`declared`: the sheet says so, it was not counted)."""
    limit = current_app.config["IMPORT_MAX_ROWS"]
    if rows > limit:
        what = f"The sheet declares {rows} rows" if declared else f"{rows} rows"
        raise ValidationError("The file has too many rows", details={"file": [f"{what}; at most {limit} per import."]})


@unit_of_work
def create_import(account: Account, *, actor: User | None, stream: IO[bytes], filename: str,
                  mode: ImportMode = ImportMode.UPSERT, mapping: dict | None = None, tags=None,
                  start: bool = True, enqueue: bool = True) -> ImportJob:
    """Store and inspect an uploaded CSV/XLSX; with `start`, queue it (mapping guessed from headers if not given).

    `enqueue=False` leaves the queued job to the caller (the CLI runs it in-process with a progress bar).
    """
    job_id = uuid.uuid4()
    name = os.path.basename(filename or "upload")[:200] or "upload"
    limit = current_app.config["IMPORT_MAX_MB"] * 1024 * 1024
    # The upload is checked in a temporary file of this process, and only a file worth importing is stored.
    with tempfile.NamedTemporaryFile(prefix="campaignhub-import-") as spooled:
        size = _spool_upload(stream, spooled, limit)
        try:
            # Only the head is read here (headers, samples, a first check), whatever the file's size: counting and
            # reading every row is the task's work, so a big or hostile file never holds a web worker.
            info = import_files.inspect(spooled.name)
            if info.rows_known:
                check_row_count(info.row_estimate, declared=info.format == "xlsx")
            guessed = import_files.guess_mapping(info.headers)
            clean = check_mapping(mapping if mapping is not None else guessed, info.headers) if start else guessed
            tags = cf.normalize_tags(tags or [])
        except cf.FieldError as exc:
            raise ValidationError(details={"tags": [str(exc)]}) from None
        spooled.seek(0)
        try:
            storage_from_config(current_app.config).save(source_key(job_id), spooled, "application/octet-stream")
        except IntegrationError as exc:
            raise UpstreamError("The file could not be stored; try again") from exc
    job = ImportJob(id=job_id, account_id=account.id, created_by_id=actor.id if actor else None, filename=name,
                    file_format=info.format, file_path=source_key(job_id), file_size=size, encoding=info.encoding,
                    delimiter=info.delimiter, headers=info.headers, sample=info.sample, mapping=clean,
                    mode=mode, tags=tags, status=ImportStatus.QUEUED if start else ImportStatus.DRAFT,
                    total_rows=info.row_estimate)
    db.session.add(job)
    db.session.flush()
    record_event(account, actor, "import.created", job, {"filename": name, "mode": mode.value})
    if start and enqueue:
        enqueue_after_commit("audience.import_customers", str(job.id))
    return job


@unit_of_work
def start_import(job: ImportJob, *, actor: User | None, mapping: dict, mode: ImportMode, tags=()) -> ImportJob:
    """Confirm a draft import's columns, mode and tags (the wizard's second step) and queue it."""
    if job.status != ImportStatus.DRAFT:
        raise Conflict("This import has already started")
    try:
        job.tags = cf.normalize_tags(tags or [])
    except cf.FieldError as exc:
        raise ValidationError(details={"tags": [str(exc)]}) from None
    job.mapping = check_mapping(mapping, job.headers)
    job.mode = mode
    job.status = ImportStatus.QUEUED
    record_event(db.session.get(Account, job.account_id), actor, "import.started", job)
    enqueue_after_commit("audience.import_customers", str(job.id))
    return job


def get_import(account: Account, import_id) -> ImportJob:
    return get_owned(ImportJob, account, import_id, label="Import")


def import_detail(account: Account, import_id) -> RowView:
    """One import of the account with its first rejected rows (`errors`), as the API's detail shows it."""
    job = get_import(account, import_id)
    return RowView(job, errors=first_errors(job))


def list_imports(account: Account, *, page: int, size: int) -> Page:
    """A page of the account's imports, newest first."""
    return paginate(select(ImportJob).where(ImportJob.account_id == account.id)
                    .order_by(ImportJob.created_at.desc(), ImportJob.id), page=page, size=size)


def list_row_errors(job: ImportJob, *, page: int, size: int) -> Page:
    """A page of an import's rejected rows, by line."""
    return paginate(row_errors_query(job), page=page, size=size)


def row_errors_query(job: ImportJob) -> Select:
    return select(ImportRowError).where(ImportRowError.import_id == job.id).order_by(ImportRowError.line)


def first_errors(job: ImportJob, limit: int = DETAIL_ERRORS) -> list[ImportRowError]:
    return db.session.scalars(row_errors_query(job).limit(limit)).all()


def rejected_rows_csv(job: ImportJob) -> Iterator[str]:
    """The rejected rows as CSV (line, reason, then the row as read), streamed, to fix and upload again."""
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer)  # the rows are as customers typed them: no formulas may run
    writer.writerow(["line", "reason", *job.headers])
    last = 0
    while True:
        rows = db.session.scalars(row_errors_query(job).where(ImportRowError.line > last).limit(2000)).all()
        for row in rows:
            writer.writerow([row.line, row.reason, *row.data])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < 2000:
            return
        last = rows[-1].line
