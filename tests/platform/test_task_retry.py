"""The one retry policy of tasks (app/tasks/retry.py): exponential backoff with jitter, never sooner than the
service's Retry-After, as many retries as the task allows; then the task is told to give up."""
from types import SimpleNamespace

import pytest
from celery.exceptions import Retry

from app.integrations import RetryableIntegrationError
from app.tasks.retry import MAX_DELAY, backoff, delay


class FakeTask:
    """What backoff() uses of a bound Celery task: its request's retry count, its limits, and retry()."""

    def __init__(self, retries: int, *, max_retries=5, default_retry_delay=5):
        self.request = SimpleNamespace(retries=retries)
        self.max_retries, self.default_retry_delay = max_retries, default_retry_delay
        self.retried = []

    def retry(self, *, exc, countdown, max_retries):
        self.retried.append((countdown, max_retries))
        return Retry(exc=exc, when=countdown)


def test_delays_double_with_jitter_between_half_and_all_and_stop_at_the_cap():
    for retries in range(6):
        delays = [delay(retries, base=2) for _ in range(200)]
        ceiling = 2 * 2 ** retries
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 10  # jittered: workers failing together spread out
    assert all(MAX_DELAY / 2 <= delay(30, base=2) <= MAX_DELAY for _ in range(50))


def test_retry_after_is_a_floor_never_a_ceiling():
    assert delay(0, base=1, retry_after=30) == 30
    assert 8 <= delay(4, base=1, retry_after=0.5) <= 16


def test_backoff_schedules_the_next_try_with_the_tasks_own_base_and_limit():
    task = FakeTask(retries=2, default_retry_delay=5)
    with pytest.raises(Retry):
        backoff(task, RetryableIntegrationError("busy"))
    (countdown, max_retries), = task.retried
    assert 10 <= countdown <= 20 and max_retries == 5

    hinted = FakeTask(retries=0)
    with pytest.raises(Retry):
        backoff(hinted, RetryableIntegrationError("slow down", status=429, retry_after=42))
    assert hinted.retried[0][0] == 42


def test_backoff_returns_once_retries_are_spent_so_the_task_records_the_failure():
    task = FakeTask(retries=5, max_retries=5)
    assert backoff(task, RetryableIntegrationError("gone")) is None and task.retried == []
    # A limit given by the caller (from configuration) wins over the task's.
    configured = FakeTask(retries=3, max_retries=None)
    assert backoff(configured, RetryableIntegrationError("gone"), max_retries=3) is None
    with pytest.raises(Retry):
        backoff(FakeTask(retries=2, max_retries=None), RetryableIntegrationError("busy"), base=0.1, max_retries=3)
