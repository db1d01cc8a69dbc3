"""Helpers for webhook tests: an owner's API, an endpoint on the local receiver, signature checks as a receiver."""
import hashlib
import hmac

import pytest

from tests.factories import own_account

SECRET = "a-receiver-secret-of-some-length"


def verify(received, secret: str = SECRET) -> bool:
    """What the README tells receivers to do: recompute the HMAC over id.timestamp.body and compare."""
    headers = received.headers
    message = f"{headers['X-Webhook-Id']}.{headers['X-Webhook-Timestamp']}.".encode() + received.body
    expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Webhook-Signature"])


@pytest.fixture
def account(user):
    return own_account(user)


@pytest.fixture
def subscribe(owner_api, webhook_receiver):
    """Create an endpoint on the local receiver for `events`; answers the created JSON."""

    def make(events=("campaign.*",), path="/hook", **fields):
        response = owner_api.post("/webhooks", json={"url": webhook_receiver.url + path, "events": list(events),
                                                     "secret": SECRET, **fields})
        assert response.status_code == 201, response.json
        return response.json

    return make
