"""Webhook endpoints: subscriptions to an account's events, and the deliveries every matching event creates.

Every `record_event` of an account reaches `_queue_deliveries` (the `event_recorded` signal) inside the unit of
work that made the change: one INSERT ... SELECT writes a delivery for each active endpoint subscribed to it, so
the deliveries exist if and only if the change commits, and the task that sends them is queued after commit
(app/services/webhook_delivery.py sends, signs, retries).
"""
import secrets
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import String, cast, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, array

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations import webhook_http
from app.models import Account, ActivityEvent, DeliveryStatus, User, WebhookDelivery, WebhookEndpoint, utcnow
from app.services import get_owned, unit_of_work
from app.services.activity import event_recorded, record_event
from app.services.dispatch import enqueue_after_commit
from app.services.message_events import MESSAGE_EVENTS
from app.services.pagination import Page, paginate

# The events an endpoint can subscribe to (a domain's "<domain>.*" and "*" take every one of that domain / all).
EVENT_TYPES = (
    "campaign.created", "campaign.updated", "campaign.deleted", "campaign.status_changed", "campaign.synced",
    "campaign.sync_failed", "campaign.media_changed",
    "customer.created", "customer.updated", "customer.deleted", "customer.unsubscribed", "customers.tagged",
    "segment.created", "segment.updated", "segment.deleted",
    "import.created", "import.completed", "import.failed",
    "media.uploaded", "media.processed", "media.updated", "media.deleted",
    "messaging.scheduled", "messaging.started", "messaging.completed", "messaging.failed", "messaging.cancelled",
    "product.created", "product.updated", "product.deleted",
    "store.created", "store.updated", "store.deleted",
    "store_product.created", "store_product.updated", "store_product.adjusted", "store_product.deleted",
    "promo.created", "promo.updated", "promo.activated", "promo.cancelled",
    "reservation.confirmed", "reservation.cancelled",
    "ai.suggestions_generated", "ai.content_generated", "ai.content_updated",
) + MESSAGE_EVENTS  # written in bulk by app/services/message_events.py, not by record_event
DOMAINS = frozenset(name.split(".")[0] for name in EVENT_TYPES)
TEST_EVENT = "webhook.test"
_ENUM = WebhookDelivery.__table__.c.status.type


def check_events(events: list[str]) -> list[str]:
    """The subscription cleaned up (deduplicated, in order); ValidationError naming the unknown ones."""
    events = list(dict.fromkeys(e.strip() for e in events if e and e.strip()))
    unknown = [e for e in events if e != "*" and e not in EVENT_TYPES
               and not (e.endswith(".*") and e[:-2] in DOMAINS)]
    if not events or unknown:
        message = f"Unknown events: {', '.join(unknown)}" if unknown else "Subscribe to at least one event"
        raise ValidationError(details={"events": [message]})
    return events


def check_url(url: str) -> str:
    """A URL we may send to now; 422 for a private, loopback or link-local destination or an unknown host."""
    url = (url or "").strip()
    try:
        webhook_http.resolve(url, allow_private=current_app.config["WEBHOOKS_ALLOW_PRIVATE"])
    except RetryableIntegrationError as exc:
        raise ValidationError(details={"url": [f"The host could not be resolved ({exc})"[:300]]}) from None
    except IntegrationError as exc:
        raise ValidationError(details={"url": [str(exc)]}) from None
    return url


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@unit_of_work
def create_endpoint(account: Account, *, actor: User, url: str, events: list[str], secret: str | None = None,
                    description: str | None = None, active: bool = True) -> WebhookEndpoint:
    """Subscribe `url` to `events`; without a secret one is made (shown to the caller once)."""
    count = db.session.scalar(select(func.count()).where(WebhookEndpoint.account_id == account.id))
    if count >= current_app.config["WEBHOOKS_PER_ACCOUNT"]:
        raise Conflict(f"An account has at most {current_app.config['WEBHOOKS_PER_ACCOUNT']} webhook endpoints")
    endpoint = WebhookEndpoint(account_id=account.id, url=check_url(url), events=check_events(events),
                               secret=secret or new_secret(), description=description, active=active,
                               created_by=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    record_event(account, actor, "webhook.created", endpoint, {"url": endpoint.url, "events": endpoint.events})
    return endpoint


@unit_of_work
def update_endpoint(endpoint: WebhookEndpoint, *, actor: User, **changes) -> WebhookEndpoint:
    """Change the URL, events, secret, description or active flag; turning it on again clears its failures."""
    if "url" in changes:
        endpoint.url = check_url(changes["url"])
    if "events" in changes:
        endpoint.events = check_events(changes["events"])
    if changes.get("secret"):
        endpoint.secret = changes["secret"]
    if "description" in changes:
        endpoint.description = changes["description"]
    if "active" in changes and changes["active"] != endpoint.active:
        endpoint.active = changes["active"]
        if endpoint.active:
            endpoint.consecutive_failures, endpoint.disabled_reason = 0, None
    record_event(endpoint.account, actor, "webhook.updated", endpoint,
                 {"changed": sorted(k for k in changes if k != "secret") + (["secret"] if changes.get("secret") else [])})
    return endpoint


@unit_of_work
def delete_endpoint(endpoint: WebhookEndpoint, *, actor: User) -> None:
    """Remove the endpoint and its delivery log; tries already queued find nothing and stop."""
    record_event(endpoint.account, actor, "webhook.deleted", endpoint, {"url": endpoint.url})
    db.session.delete(endpoint)


def get_endpoint(account: Account, endpoint_id) -> WebhookEndpoint:
    return get_owned(WebhookEndpoint, account, endpoint_id, label="Webhook")


def list_endpoints(account: Account, *, page: int = 1, size: int = 10) -> Page:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.account_id == account.id).order_by(
        WebhookEndpoint.created_at, WebhookEndpoint.id)
    return paginate(stmt, page=page, size=size)


def list_deliveries(endpoint: WebhookEndpoint, *, page: int = 1, size: int = 10,
                    status: DeliveryStatus | None = None) -> Page:
    """The endpoint's delivery log, newest first."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return paginate(stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id), page=page, size=size)


def get_delivery(endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery:
    return get_owned(WebhookDelivery, endpoint.account, delivery_id, WebhookDelivery.endpoint_id == endpoint.id,
                     label="Delivery")


@unit_of_work
def redeliver(delivery: WebhookDelivery, *, actor: User) -> WebhookDelivery:
    """Send a finished delivery again (same id and payload, a fresh set of tries); 409 while it is still going."""
    moved = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery.id,
                                      WebhookDelivery.status.in_([DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED]))
        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=func.now(), lease_until=None, error=None)
    ).rowcount
    if not moved:
        raise Conflict("This delivery is still being tried; wait for it to finish")
    if not delivery.endpoint.active:
        raise Conflict("The endpoint is disabled; turn it on before redelivering")
    db.session.refresh(delivery)
    record_event(delivery.endpoint.account, actor, "webhook.redelivered", delivery.endpoint,
                 {"delivery_id": str(delivery.id), "event": delivery.event})
    enqueue_after_commit("webhooks.deliver", str(delivery.id))
    return delivery


@unit_of_work
def send_test(endpoint: WebhookEndpoint, *, actor: User) -> WebhookDelivery:
    """Queue a `webhook.test` ping to the endpoint (sent even while it is disabled, to check a fix)."""
    now = utcnow()
    delivery = WebhookDelivery(account_id=endpoint.account_id, endpoint_id=endpoint.id, event=TEST_EVENT,
                               status=DeliveryStatus.PENDING, attempts=0, created_at=now, next_attempt_at=now,
                               payload=_payload(TEST_EVENT, uuid.uuid4(), endpoint.account_id, now, actor_id=actor.id,
                                                data={"message": "A test delivery from Campaign Hub"}))
    db.session.add(delivery)
    db.session.flush()
    enqueue_after_commit("webhooks.deliver", str(delivery.id))
    return delivery


def _payload(event: str, event_id, account_id, at: datetime, *, actor_id=None, subject_type=None, subject_id=None,
             data=None) -> dict:
    return {
        "event": event, "event_id": str(event_id), "account_id": str(account_id),
        "occurred_at": at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "actor_id": str(actor_id) if actor_id else None,
        "subject": {"type": subject_type, "id": subject_id} if subject_type else None,
        "data": data or {},
    }


@event_recorded.connect
def _queue_deliveries(activity: ActivityEvent) -> None:
    """One delivery per active endpoint of the account subscribed to the event, written in the caller's
    transaction (one statement, whether or not anyone subscribed), each sent by a task after commit."""
    domain = activity.name.split(".")[0]
    if activity.account_id is None or domain not in DOMAINS:
        return  # sign-ins, members, keys and webhooks themselves are not published
    at = utcnow()  # not activity.created_at: a server default, reading it would cost a query
    payload = _payload(activity.name, activity.id, activity.account_id, at, actor_id=activity.actor_id,
                       subject_type=activity.subject_type, subject_id=activity.subject_id, data=activity.data)
    wanted = cast(array([activity.name, f"{domain}.*", "*"]), ARRAY(String(80)))
    rows = select(func.gen_random_uuid(), WebhookEndpoint.account_id, WebhookEndpoint.id, literal(activity.id),
                  literal(activity.name), literal(payload, JSONB), literal(DeliveryStatus.PENDING, _ENUM)).where(
        WebhookEndpoint.account_id == activity.account_id, WebhookEndpoint.active.is_(True),
        WebhookEndpoint.events.overlap(wanted))
    created = db.session.execute(insert(WebhookDelivery).from_select(
        ["id", "account_id", "endpoint_id", "event_id", "event", "payload", "status"], rows)
        .returning(WebhookDelivery.id)).scalars().all()
    for delivery_id in created:
        enqueue_after_commit("webhooks.deliver", str(delivery_id))
