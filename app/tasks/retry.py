"""The one retry policy of every task: integrations raise RetryableIntegrationError for temporary failures, and
the task hands it to backoff(), which schedules the next try or tells it to give up and record why."""
import random

from celery import Task

from app.integrations import RetryableIntegrationError

MAX_DELAY = 300.0  # seconds: no wait between two tries is longer than this


def delay(retries: int, *, base: float, cap: float = MAX_DELAY, retry_after: float | None = None) -> float:
    """Seconds before try `retries + 1`: about base·2^retries (between half and all of it, so workers that failed
    together do not come back together), at most `cap`, and never sooner than the service's Retry-After."""
    ceiling = min(cap, base * 2 ** retries)
    jittered = ceiling / 2 + random.uniform(0, ceiling / 2)
    return max(jittered, retry_after or 0.0)


def backoff(task: Task, exc: RetryableIntegrationError, *, base: float | None = None,
            max_retries: int | None = None) -> None:
    """Retry `task` later (raises celery's Retry) while it has retries left; returns once they are spent, so the
    caller marks its row failed with the reason.

    `base` defaults to the task's `default_retry_delay`, `max_retries` to the task's own. Use inside the task:

        except RetryableIntegrationError as exc:
            backoff(self, exc)
            mark_failed(row_id, reason=str(exc))
    """
    max_retries = task.max_retries if max_retries is None else max_retries
    if max_retries is not None and task.request.retries >= max_retries:
        return
    base = task.default_retry_delay if base is None else base
    countdown = delay(task.request.retries, base=base, retry_after=getattr(exc, "retry_after", None))
    raise task.retry(exc=exc, countdown=countdown, max_retries=max_retries)
