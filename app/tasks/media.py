"""Media processing, on the `media` queue."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from app.integrations import RetryableIntegrationError
from app.services import media_processing
from app.tasks import release_session
from app.tasks.retry import backoff

PROCESS_SOFT_LIMIT = 300  # a thumbnail or a metadata read: minutes mean a hostile or broken file


@shared_task(bind=True, name="media.process_file", max_retries=5, default_retry_delay=5,
             soft_time_limit=PROCESS_SOFT_LIMIT, time_limit=PROCESS_SOFT_LIMIT + 30)
def process_file(self, file_id: str) -> str | None:
    """Make the thumbnail and read the metadata of one file; safe to run twice.

    Storage that fails for a while is retried (5 s, 10 s, 20 s ... with jitter, see app/tasks/retry.py); whatever
    else stops it (its time limit, a decoder crash), and storage that keeps failing, leave the file failed with
    the reason, not processing.
    """
    try:
        status = media_processing.process_file(file_id)
    except RetryableIntegrationError as exc:
        backoff(self, exc)
        media_processing.fail_processing(file_id, f"Storage kept failing: {exc}")
        return "failed"
    except SoftTimeLimitExceeded:
        release_session()
        media_processing.fail_processing(file_id, f"Processing took longer than {PROCESS_SOFT_LIMIT} s.")
        return "failed"
    except Exception as exc:  # noqa: BLE001 - the file says it failed; the traceback goes to the log
        release_session()
        current_app.logger.exception("media.process_file failed for %s", file_id)
        media_processing.fail_processing(file_id, f"Processing stopped on an unexpected error "
                                                  f"({exc.__class__.__name__}).")
        return "failed"
    return status.value if status else None
