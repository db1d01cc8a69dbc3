"""Audience work that runs in the background: customer imports, and the check that keeps them moving."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from app.services import imports

# 1M rows import in about a minute here: most of an hour means something is wrong. The hard limit stays under
# the broker's visibility timeout (celeryconfig), so a running import's message is not handed to a second worker.
IMPORT_SOFT_LIMIT = 3300
IMPORT_HARD_LIMIT = IMPORT_SOFT_LIMIT + 120


@shared_task(bind=True, name="audience.import_customers", soft_time_limit=IMPORT_SOFT_LIMIT,
             time_limit=IMPORT_HARD_LIMIT)
def import_customers(self, import_id: str) -> dict | None:
    """Import a queued file in batches, writing progress per batch; a re-run resumes and never writes twice.

    Any failure leaves the job failed with the reason and the account's import lock released (see run_import).
    """
    def stop_reason(exc: BaseException) -> str | None:
        if not isinstance(exc, SoftTimeLimitExceeded):
            return None
        # The limit this run had: its own if the caller set one, else the task's.
        seconds = (self.request.timelimit or (None, None))[1] or self.soft_time_limit
        took = f"{seconds // 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"
        return (f"The import took longer than {took} and was stopped. Rows imported so far are kept: import the "
                "file again to add the rest.")

    job = imports.run_import(import_id, stop_reason=stop_reason)
    if job is None:
        return None
    return {"status": job.status.value, "created": job.created_count, "updated": job.updated_count,
            "rejected": job.error_count}


@shared_task(name="audience.recover_stalled_imports", soft_time_limit=50, time_limit=60)
def recover_stalled_imports() -> dict:
    """Every minute from beat: resume imports whose worker stopped (or fail them after repeated stops)."""
    return imports.recover_stalled_imports()
