"""Sending one webhook delivery: claim a try, sign, POST, record the answer, schedule the next try or give up.

A try is claimed with one conditional UPDATE (two workers holding the same task cannot both send it; a worker
that died mid-try leaves a lease that expires), committed before the network call so no row lock is held while
a receiver takes its time. 2xx succeeds; 5xx, 408, 429, timeouts and network failures are tried again later with
the one backoff policy (app/tasks/retry.delay, handed in by the task: exponential with jitter, Retry-After as a
floor) for about a day;
any other answer fails the delivery at once. WEBHOOKS_DISABLE_AFTER failed deliveries in a row disable the
endpoint and notify the account's members.
"""
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations import webhook_http
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow
from app.services import locked, unit_of_work
from app.services.activity import record_event
from app.services.dispatch import enqueue_after_commit
from app.services.notifications import notify_members

# (retries so far, Retry-After or None) -> seconds to wait: the task passes the one policy (app/tasks/retry.delay).
Backoff = Callable[[int, float | None], float]

# Retries sooner than this go straight to the broker with a countdown; later ones wait for beat's sweep (a Redis
# broker redelivers tasks whose countdown outlives its visibility timeout, which would send them twice).
COUNTDOWN_LIMIT = 600.0
MAX_LOGGED_BODY = 1024


@dataclass
class Claimed:
    id: uuid.UUID
    attempt: int
    event: str
    body: bytes
    url: str
    secret: str


def signature(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + HMAC-SHA256 of `<id>.<timestamp>.<body>` with the endpoint's secret (X-Webhook-Signature)."""
    message = f"{delivery_id}.{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


@unit_of_work
def claim(delivery_id) -> Claimed | None:
    """Take the next try of a due delivery (or one whose worker's lease ran out); None when there is none."""
    now = func.now()
    lease = timedelta(seconds=current_app.config["WEBHOOKS_LEASE_SECONDS"])
    row = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, or_(
            and_(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now),
            and_(WebhookDelivery.status == DeliveryStatus.SENDING, WebhookDelivery.lease_until < now)))
        .values(status=DeliveryStatus.SENDING, attempts=WebhookDelivery.attempts + 1, lease_until=now + lease,
                last_attempt_at=now)
        .returning(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.event, WebhookDelivery.payload,
                   WebhookDelivery.endpoint_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    endpoint = db.session.get(WebhookEndpoint, row.endpoint_id)
    if not endpoint.active and row.event != "webhook.test":
        _close(row.id, DeliveryStatus.FAILED, error="The endpoint is disabled")
        return None
    return Claimed(row.id, row.attempts, row.event, body_of(row.payload), endpoint.url, endpoint.secret)


def deliver(delivery_id: str, *, backoff: Backoff) -> str:
    """One try of the delivery: what became of it (`succeeded`, `retrying`, `failed`, or `skipped` when it was
    not due or already taken). Safe to run twice: only the worker that claims the try sends it."""
    try:
        delivery_id = uuid.UUID(str(delivery_id))
    except ValueError:
        return "skipped"
    claimed = claim(delivery_id)
    if claimed is None:
        return "skipped"
    timestamp = int(time.time())
    headers = {"X-Webhook-Event": claimed.event, "X-Webhook-Id": str(claimed.id),
               "X-Webhook-Timestamp": str(timestamp),
               "X-Webhook-Signature": signature(claimed.secret, str(claimed.id), timestamp, claimed.body)}
    config = current_app.config
    try:
        answer = webhook_http.post(claimed.url, claimed.body, headers, timeout=config["WEBHOOKS_TIMEOUT"],
                                   allow_private=config["WEBHOOKS_ALLOW_PRIVATE"])
    except RetryableIntegrationError as exc:
        return record_try(claimed, backoff, error=str(exc), retryable=True, retry_after=exc.retry_after)
    except IntegrationError as exc:  # an address we never send to: no retry will change that
        return record_try(claimed, backoff, error=str(exc), retryable=False)
    ok = 200 <= answer.status < 300
    retryable = answer.status >= 500 or answer.status in webhook_http.RETRYABLE_STATUSES
    return record_try(claimed, backoff, status=answer.status, body=answer.body, duration_ms=answer.duration_ms, ok=ok,
                      retryable=retryable, retry_after=answer.retry_after,
                      error=None if ok else f"The receiver answered {answer.status}")


@unit_of_work
def record_try(claimed: Claimed, backoff: Backoff, *, ok: bool = False, retryable: bool, status: int | None = None, body: str = "",
               duration_ms: int | None = None, error: str | None = None, retry_after: float | None = None) -> str:
    """Write what the try gave and move the delivery on: done, the next try scheduled, or failed for good."""
    config = current_app.config
    values = dict(response_status=status, response_body=body[:MAX_LOGGED_BODY] if body else None,
                  duration_ms=duration_ms, error=(error or "")[:500] or None, lease_until=None)
    if ok:
        _close(claimed.id, DeliveryStatus.SUCCEEDED, delivered_at=func.now(), **values)
        db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == _endpoint_id(claimed.id))
                           .values(consecutive_failures=0, last_success_at=func.now()))
        return "succeeded"
    if retryable and claimed.attempt < config["WEBHOOKS_MAX_ATTEMPTS"]:
        wait = backoff(claimed.attempt - 1, retry_after)
        moved = _close(claimed.id, DeliveryStatus.PENDING, next_attempt_at=func.now() + timedelta(seconds=wait),
                       **values)
        if moved and wait <= COUNTDOWN_LIMIT:
            enqueue_after_commit("webhooks.deliver", str(claimed.id), countdown=wait)
        return "retrying"
    if _close(claimed.id, DeliveryStatus.FAILED, **values):
        _count_failure(_endpoint_id(claimed.id))
    return "failed"


def _close(delivery_id, status: DeliveryStatus, **values) -> bool:
    # Only the try in progress moves it: a redelivery by hand or a deletion in between wins.
    return bool(db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                      WebhookDelivery.status == DeliveryStatus.SENDING)
        .values(status=status, **values).execution_options(synchronize_session=False)).rowcount)


def _endpoint_id(delivery_id):
    return db.session.scalar(select(WebhookDelivery.endpoint_id).where(WebhookDelivery.id == delivery_id))


def _count_failure(endpoint_id) -> None:
    """One more failed delivery in a row; at WEBHOOKS_DISABLE_AFTER the endpoint is disabled and members told."""
    limit = current_app.config["WEBHOOKS_DISABLE_AFTER"]
    endpoint = db.session.scalar(locked(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)))
    if endpoint is None:
        return
    endpoint.consecutive_failures += 1
    endpoint.last_failure_at = utcnow()
    if endpoint.active and endpoint.consecutive_failures >= limit:
        endpoint.active = False
        endpoint.disabled_reason = f"{endpoint.consecutive_failures} deliveries in a row failed"
        record_event(endpoint.account, None, "webhook.disabled", endpoint,
                     {"url": endpoint.url, "failures": endpoint.consecutive_failures})
        notify_members(endpoint.account, kind="webhook.disabled", link=f"/settings/webhooks/{endpoint.id}",
                       params={"url": endpoint.url, "failures": endpoint.consecutive_failures})


def due_deliveries(limit: int = 500) -> list[str]:
    """Deliveries whose next try is due, or whose worker's lease ran out (beat sends each to a worker)."""
    stmt = (select(WebhookDelivery.id).where(or_(
        and_(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= func.now()),
        and_(WebhookDelivery.status == DeliveryStatus.SENDING, WebhookDelivery.lease_until < func.now())))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit))
    return [str(i) for i in db.session.scalars(stmt)]
