"""AI content batches, on the default queue (they wait on the provider, not on a core)."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from app.errors import DomainError
from app.integrations import IntegrationError, RetryableIntegrationError
from app.services import ai_content
from app.tasks import release_session
from app.tasks.retry import backoff

JOB_SOFT_LIMIT = 900  # a batch of a few dozen provider calls of up to OPENAI_TIMEOUT each


@shared_task(bind=True, name="ai.generate_product_content", max_retries=4, default_retry_delay=10,
             soft_time_limit=JOB_SOFT_LIMIT, time_limit=JOB_SOFT_LIMIT + 30)
def generate_product_content(self, job_id: str) -> str:
    """Write every channel × language of a content job; a rerun skips the pieces already written.

    A provider that keeps failing for a while (429, 5xx, timeouts) is retried with backoff (app/tasks/retry.py);
    retries spent, an unusable answer, a spent budget or anything else leave the job failed with the reason.
    """
    try:
        ai_content.run_content_job(job_id)
    except RetryableIntegrationError as exc:
        release_session()
        backoff(self, exc)
        ai_content.fail_content_job(job_id, reason=f"The AI provider kept failing: {exc}")
        return "failed"
    except (DomainError, IntegrationError) as exc:
        release_session()
        details = getattr(exc, "details", None)
        ai_content.fail_content_job(job_id, reason=f"{exc}" + (f" {details}" if details else ""))
        return "failed"
    except SoftTimeLimitExceeded:
        release_session()
        ai_content.fail_content_job(job_id, reason=f"The batch took longer than {JOB_SOFT_LIMIT} s.")
        return "failed"
    except Exception as exc:  # noqa: BLE001 - the job says it failed; the traceback goes to the log
        release_session()
        current_app.logger.exception("ai.generate_product_content failed for %s", job_id)
        ai_content.fail_content_job(job_id, reason=f"Stopped on an unexpected error ({exc.__class__.__name__}).")
        return "failed"
    return "completed"
