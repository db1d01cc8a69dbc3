"""Audience work that runs in the background: customer imports."""
from celery import shared_task

from app.services import imports


@shared_task(name="audience.import_customers")
def import_customers(import_id: str) -> dict | None:
    """Import a queued file in batches, writing progress per batch; a re-run resumes and never writes twice."""
    job = imports.run_import(import_id)
    if job is None:
        return None
    return {"status": job.status.value, "created": job.created_count, "updated": job.updated_count,
            "rejected": job.error_count}
