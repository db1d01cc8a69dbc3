"""Idempotency keys at the service level: claims are atomic, in-flight repeats wait, old keys are purged."""
from datetime import timedelta

import pytest

from app.errors import Conflict
from app.extensions import db
from app.models import IdempotencyKey, utcnow
from app.services import idempotency

KEY = dict(caller="user:1:", key="k-1", method="POST", path="/api/v1/things")


def test_a_repeat_while_the_first_is_in_flight_is_told_to_retry(app):
    assert idempotency.claim(fingerprint="abc", **KEY) is None
    with pytest.raises(Conflict) as error:
        idempotency.claim(fingerprint="abc", **KEY)
    assert error.value.headers["Retry-After"] == "1"


def test_a_stored_answer_is_returned_to_repeats(app):
    idempotency.claim(fingerprint="abc", **KEY)
    idempotency.store(status_code=201, body='{"id": 1}', headers={"Location": "/x"}, **KEY)
    stored = idempotency.claim(fingerprint="abc", **KEY)
    assert (stored.status_code, stored.body, stored.headers) == (201, '{"id": 1}', {"Location": "/x"})


def test_keys_older_than_a_day_are_purged(app):
    idempotency.claim(fingerprint="abc", **KEY)
    db.session.query(IdempotencyKey).update({"created_at": utcnow() - timedelta(hours=25)})
    db.session.commit()
    assert idempotency.purge_expired() == 1
    assert idempotency.claim(fingerprint="other", **KEY) is None
