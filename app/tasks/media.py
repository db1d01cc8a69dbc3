"""Media processing, on the `media` queue."""
import random

from celery import shared_task

from app.integrations import RetryableIntegrationError
from app.services import media_processing


@shared_task(bind=True, name="media.process_file", max_retries=5)
def process_file(self, file_id: str) -> str | None:
    """Make the thumbnail and read the metadata of one file; safe to run twice."""
    try:
        status = media_processing.process_file(file_id)
    except RetryableIntegrationError as exc:
        if self.request.retries >= self.max_retries:
            media_processing.fail_processing(file_id, f"Storage kept failing: {exc}")
            return "failed"
        # The service's own hint wins; else exponential backoff with jitter (5 s, 10 s, 20 s ... at most 5 min).
        backoff = min(300, 2 ** self.request.retries * 5) * random.uniform(0.5, 1.5)
        countdown = exc.retry_after if exc.retry_after is not None else backoff
        raise self.retry(exc=exc, countdown=countdown)
    return status.value if status else None
