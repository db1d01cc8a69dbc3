"""Running an import (the task's work): read and validate batches, merge them on two writer connections."""
import json
import logging
import threading
import time
import zlib
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from queue import Empty, Full, Queue
from typing import Callable, Iterator

from flask import current_app
from psycopg2.extras import execute_values
from sqlalchemy import and_, func, or_, text, update
from sqlalchemy.exc import OperationalError

from app.errors import DomainError, UpstreamError, ValidationError
from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.storage import local_copy, storage_from_config
from app.models import Account, ImportJob, ImportStatus, utcnow
from app.services import import_files
from app.services.activity import record_event
from app.services.import_jobs import STALE_AFTER, fail_import
from app.services.import_merge import write_batch
from app.services.import_rows import RowError, RowParser, copy_line

log = logging.getLogger(__name__)


def _batches(job: ImportJob, path: str, size: int) -> Iterator[list[tuple[int, list[str]]]]:
    batch = []
    for row in import_files.iter_rows(path, _file_info(job)):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _file_info(job: ImportJob) -> import_files.FileInfo:
    return import_files.FileInfo(job.file_format, job.headers, encoding=job.encoding, delimiter=job.delimiter)


def run_import(job_id, *, on_progress: Callable[[ImportJob], None] | None = None,
               stop_reason: Callable[[BaseException], str | None] | None = None) -> ImportJob | None:
    """Import a queued job's rows; resumes after the last committed batch if run again; safe to run twice.

    Not one unit of work on purpose: every batch commits with its progress, so a failure keeps whole batches only.
    This thread reads and validates batch n+1 while a writer thread (own session) merges batch n in PostgreSQL.
    Whatever stops it (an unreadable file, a time limit, a bug), the job ends failed with the reason and the
    account's import lock is released. `stop_reason` lets the caller word an exception it knows (the task's time
    limit), so the job is failed once, with the right reason.
    """
    # Claim the job in one statement: a second delivery of the task finds it taken and leaves. A job whose
    # worker died (no progress for STALE_AFTER) is taken over and resumes after its last committed batch.
    claimed = db.session.execute(
        update(ImportJob).where(ImportJob.id == job_id, or_(
            ImportJob.status == ImportStatus.QUEUED,
            and_(ImportJob.status == ImportStatus.RUNNING, ImportJob.updated_at < utcnow() - STALE_AFTER)))
        .values(status=ImportStatus.RUNNING, updated_at=utcnow())
    ).rowcount
    db.session.commit()
    job = db.session.get(ImportJob, job_id)
    if not claimed or job is None:
        return job
    lock = writer = None
    stack = ExitStack()
    try:
        # Imports into one account take turns: two imports of one file must not both insert a row.
        lock = _AccountLock(job)
        db.session.refresh(job)
        if job.status != ImportStatus.RUNNING:  # finished by a run that held the lock before us
            return job
        account = db.session.get(Account, job.account_id)
        job.started_at = job.started_at or utcnow()
        _analyze()
        # The source is fetched from storage once, to a temporary file this run reads (the web process that
        # took the upload may be on another machine); it goes when the run ends.
        source = stack.enter_context(_local_source(job))
        if job.processed_rows == 0:
            _count(job, source)
        db.session.commit()
        parser = RowParser(job.headers, job.mapping, account.default_region or "US", tags=job.tags)
        seen_email: dict[str, int] = {}
        seen_phone: dict[str, int] = {}
        if not job.done_batches:
            job.batch_size = current_app.config["IMPORT_BATCH_SIZE"]
            db.session.commit()
        done = set(job.done_batches)
        ctx = dict(account_id=account.id, language=account.language or "en", mode=job.mode.value,
                   source=f"import:{job.filename}"[:80])
        writer = _BatchWriters(current_app._get_current_object(), job.id, ctx, on_progress, source)
        for number, batch in enumerate(_batches(job, source, job.batch_size)):
            lines, rejected = [], []
            for line, cells in batch:
                try:
                    values = parser.parse(cells)
                    _check_duplicate(values, line, seen_email, seen_phone)
                except RowError as exc:
                    rejected.append((line, str(exc), cells))
                    continue
                lines.append(copy_line(line, values))
            if number in done:  # committed by an earlier run: only rebuild the duplicate detection
                continue
            if not writer.put((number, lines, rejected, len(batch))):
                break  # a writer failed; its error is raised below
        writer.finish()
        return _complete(job_id, account)
    except DomainError as exc:  # e.g. an unreadable file: the job says why; nothing to retry
        _stop(writer, job_id, exc)
        return db.session.get(ImportJob, job_id)
    except BaseException as exc:
        _stop(writer, job_id, exc, (stop_reason and stop_reason(exc)) or None)
        raise
    finally:
        stack.close()
        # After the job's final status is committed, so a run waiting for the lock finds the job finished.
        if lock is not None:
            lock.release()


@contextmanager
def _local_source(job: ImportJob) -> Iterator[str]:
    try:
        with local_copy(storage_from_config(current_app.config), job.file_path) as path:
            yield path
    # The storage's own words (keys, hosts) go to the log; the job says what a person can do.
    except RetryableIntegrationError as exc:
        log.warning("Import %s: storage failed: %s", job.id, exc)
        raise UpstreamError("The uploaded file could not be read from storage; import it again") from exc
    except IntegrationError as exc:
        log.warning("Import %s: storage failed: %s", job.id, exc)
        raise ValidationError("The uploaded file is no longer stored; import it again") from exc


def _count(job: ImportJob, path: str) -> None:
    """Confirm the encoding on the whole file and count its rows, up to one past IMPORT_MAX_ROWS."""
    if job.file_format == "csv":
        job.encoding = import_files.confirm_encoding(path, job.encoding or "utf-8")
    limit = current_app.config["IMPORT_MAX_ROWS"]
    job.total_rows = import_files.count_rows(path, _file_info(job), stop_after=limit)
    if job.total_rows > limit:
        raise ValidationError("The file has too many rows", details={"file": [
            f"More than {limit} rows: split the file (at most {limit} rows per import)."]})


def _complete(job_id, account: Account) -> ImportJob:
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    job.status, job.finished_at = ImportStatus.COMPLETED, utcnow()
    job.total_rows = max(job.total_rows, job.processed_rows)
    record_event(account, None, "import.completed", job, {"created": job.created_count, "updated": job.updated_count,
                                                          "rejected": job.error_count})
    db.session.commit()
    return job


def _stop(writer, job_id, exc: BaseException, reason: str | None = None) -> None:
    if writer is not None:
        writer.abort()
    db.session.rollback()
    fail_import(job_id, reason=reason or _reason(exc))


def _reason(exc: BaseException) -> str:
    if not isinstance(exc, DomainError):
        return "The import stopped on an unexpected error."
    detail = ((exc.details or {}).get("file") or [""])[0]
    return f"{exc.message}: {detail}" if detail and detail not in exc.message else exc.message


class _AccountLock:
    """A session-level advisory lock per account on a connection of its own, held for a whole import.

    Taken by polling, not by a blocking pg_advisory_lock: a blocked C call cannot be interrupted by the task's
    time limit, and the waiting job keeps its updated_at fresh so the stalled-import check leaves it alone.
    """

    POLL_SECONDS = 0.5
    HEARTBEAT = timedelta(seconds=30)

    def __init__(self, job: ImportJob):
        self.key = zlib.crc32(f"import:{job.account_id}".encode())
        self.connection = db.engine.connect()
        try:
            beat, waited = utcnow(), False
            while not self._try():
                if utcnow() - beat >= self.HEARTBEAT:
                    beat, waited = utcnow(), True
                    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
                        updated_at=beat, message="Waiting for another import of this account to finish."))
                    db.session.commit()
                time.sleep(self.POLL_SECONDS)
            if waited:
                db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(message=None))
                db.session.commit()
        except BaseException:
            self.connection.invalidate()  # ends the database session: nothing it held survives
            self.connection.close()
            raise

    def _try(self) -> bool:
        taken = self.connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        self.connection.commit()
        return bool(taken)

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self.connection.commit()
        except Exception:  # noqa: BLE001 - the database went away: drop the connection, and the lock with it
            self.connection.invalidate()
        finally:
            # Back to the pool only once unlocked: the pool's reset does not end the session nor its locks.
            self.connection.close()
            self.connection = None


class _BatchWriters:
    """Two threads, each with its own session, merge validated batches; one transaction per batch.

    Two because PostgreSQL does most of the work (index upkeep, above all the GiST index) on one core per
    connection, while this machine has two. Batches hold disjoint emails and phones (duplicates were rejected
    before), so the writers do not wait on each other except for a customer matched by different rows.
    """

    WRITERS = 2
    RETRIES = 3

    def __init__(self, app, job_id, ctx: dict, on_progress, source: str):
        self.source = source  # the local copy of the file, read again only for rows PostgreSQL rejected
        self.queue: Queue = Queue(maxsize=self.WRITERS * 2)
        self.error: BaseException | None = None
        self.progress_lock = threading.Lock()
        self.analyzed_at = 2500
        # Guessed from the last batch written: a batch of mostly new customers is inserted before it is matched.
        self.insert_first = ctx["mode"] != "update_only"
        self.all_new = self.insert_first  # the last batch created every row: try a plain insert of the next
        self.threads = [threading.Thread(target=self._run, args=(app, job_id, ctx, on_progress), daemon=True)
                        for _ in range(self.WRITERS)]
        for thread in self.threads:
            thread.start()

    def put(self, item) -> bool:
        while self.error is None:
            try:
                self.queue.put(item, timeout=0.5)
                return True
            except Full:
                continue
        return False

    def finish(self) -> None:
        for _ in self.threads:
            self.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        self.error = self.error or RuntimeError("aborted")
        for thread in self.threads:
            thread.join()

    def _run(self, app, job_id, ctx: dict, on_progress) -> None:
        with app.app_context():
            try:
                job = db.session.get(ImportJob, job_id)
                db.session.commit()
                while self.error is None:
                    try:
                        item = self.queue.get(timeout=0.5)
                    except Empty:
                        continue
                    if item is None:
                        return
                    self._write(job, ctx, item)
                    if on_progress:
                        with self.progress_lock:
                            on_progress(job)
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which fails the job
                db.session.rollback()
                self.error = exc
            finally:
                db.session.remove()

    def _write(self, job: ImportJob, ctx: dict, item) -> None:
        number, lines, rejected, rows = item
        for attempt in range(self.RETRIES):
            try:
                created = _commit_batch(job, dict(ctx, insert_first=self.insert_first, all_new=self.all_new), number,
                                        lines, rejected, rows, source=self.source)
                if lines and ctx["mode"] != "update_only":
                    self.insert_first = created * 2 >= len(lines)
                    self.all_new = created == len(lines)
                break
            except OperationalError as exc:
                # Two rows of the file matched the same customers in opposite order: PostgreSQL picked a victim.
                db.session.rollback()
                if getattr(exc.orig, "pgcode", None) != "40P01" or attempt == self.RETRIES - 1:
                    raise
        with self.progress_lock:
            grown = job.created_count >= 2 * self.analyzed_at
            if grown:
                self.analyzed_at = job.created_count
        if grown:
            _analyze()


def _analyze() -> None:
    # The planner must know how big the account has grown: with stale statistics a new account looks empty and
    # the per-row email/phone lookups pick the account_id index and scan the whole account (quadratic).
    db.session.execute(text("ANALYZE customers (account_id, email, phone)"))
    db.session.commit()


def _check_duplicate(values: dict, line: int, seen_email: dict, seen_phone: dict) -> None:
    email, phone = values.get("email"), values.get("phone")
    if email is not None and email in seen_email:
        raise RowError(f"Duplicate of line {seen_email[email]} (same email).")
    if phone is not None and phone in seen_phone:
        raise RowError(f"Duplicate of line {seen_phone[phone]} (same phone).")
    if email is not None:
        seen_email[email] = line
    if phone is not None:
        seen_phone[phone] = line


def _commit_batch(job: ImportJob, ctx: dict, number: int, lines: list[str], rejected: list, batch_rows: int, *,
                  source: str) -> int:
    """Write one batch and its progress in one transaction; the number of customers it created."""
    result = write_batch(copy_text="".join(lines), **ctx) if lines else None
    errors = [(line, reason, cells) for line, reason, cells in rejected]
    if result is not None:
        by_line = {}
        if result.rejected:
            wanted = {line for line, _ in result.rejected}
            by_line = {line: cells for line, cells in _cells_for(job, source, wanted)}
        errors += [(line, reason, by_line.get(line, [])) for line, reason in result.rejected]
    if errors:
        cursor = db.session.connection().connection.driver_connection.cursor()
        execute_values(cursor, "INSERT INTO import_row_errors (import_id, line, reason, data) VALUES %s",
                       [(str(job.id), line, reason, json.dumps(_printable(cells))) for line, reason, cells in errors],
                       page_size=1000)
        cursor.close()
    counts = dict(processed_rows=ImportJob.processed_rows + batch_rows, error_count=ImportJob.error_count + len(errors))
    if result is not None:
        counts.update(created_count=ImportJob.created_count + result.created,
                      updated_count=ImportJob.updated_count + result.updated,
                      unchanged_count=ImportJob.unchanged_count + result.unchanged,
                      skipped_count=ImportJob.skipped_count + result.skipped)
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        updated_at=utcnow(), done_batches=func.array_append(ImportJob.done_batches, number), **counts))
    db.session.commit()
    db.session.refresh(job)
    return result.created if result is not None else 0


def _printable(cells: list[str]) -> list[str]:
    # A rejected row is kept as read, except NUL, which PostgreSQL cannot store (shown as U+FFFD).
    return [c.replace("\x00", "\ufffd") for c in cells] if any("\x00" in c for c in cells) else cells


def _cells_for(job: ImportJob, path: str, lines: set[int]) -> Iterator[tuple[int, list[str]]]:
    # Rare path (conflicts found in SQL): read the local copy again for those lines' cells.
    for line, cells in import_files.iter_rows(path, _file_info(job)):
        if line in lines:
            yield line, cells
