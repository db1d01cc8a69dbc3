"""Fixtures for the import tests here: the audience ones (temporary storage, no import outliving its test), and no
task left in the broker or running in the session's worker when the test ends, to surprise a later test."""
import pytest
import redis

from tests.audience.conftest import _import_storage, _settle_imports  # noqa: F401 - re-exported fixtures
from tests.conftest import wait_for


@pytest.fixture(autouse=True)
def _no_task_left_behind(app, _settle_imports):  # noqa: F811 - the fixture above, requested by name
    yield
    from celery.worker import state

    wait_for(lambda: not state.active_requests and not state.reserved_requests, timeout=30)
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
