"""`message.*` webhook events: messages change state in bulk, so their deliveries are written in bulk too.

A batch's chunk of 100 sent messages is one `message.sent` delivery per subscribed endpoint, its payload listing
the messages, written by one INSERT … SELECT over the account's endpoints for every event of the chunk at once
(not a record_event per message). A batch asks once whether the account has any active endpoint subscribed to a
message event (`wanted`); when none is, nothing more is done or asked. Status callbacks and tracking (one message
at a time) go straight to the one INSERT, which writes nothing for an account without such an endpoint.

The deliveries are written in the caller's transaction and sent by `webhooks.deliver` after it commits, like
every other event's (app/services/webhooks.py).
"""
import json
import uuid
from datetime import datetime

from sqlalchemy import String, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from app.extensions import db
from app.models import WebhookEndpoint, utcnow
from app.services.dispatch import enqueue_after_commit

# What became of a message, as an endpoint subscribes to it ("message.*" takes them all).
MESSAGE_EVENTS = (
    "message.sent",  # the provider took it
    "message.failed",  # refused, undeliverable, or retries spent (reason given)
    "message.bounced",  # refused for good: the message failed and the address is suppressed
    "message.skipped",  # not sent: no consent, a suppressed address, the frequency cap, no WhatsApp window
    "message.delivered",  # WhatsApp: Twilio reports it delivered
    "message.read",  # WhatsApp: read
    "message.opened",  # email: the open pixel, the first time
    "message.clicked",  # email: a tracked link, every click (with its URL)
    "message.unsubscribed",  # email: the customer unsubscribed through the message's link
)

_INSERT = text("""
INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_id, event, payload, status)
SELECT gen_random_uuid(), e.account_id, e.id, v.event_id, v.event, v.payload::jsonb, 'pending'
  FROM unnest(:event_ids, :events, :payloads) AS v(event_id, event, payload)
  JOIN webhook_endpoints AS e
    ON e.account_id = :account AND e.active AND e.events && ARRAY[v.event, 'message.*', '*']::varchar(80)[]
RETURNING id
""").bindparams(bindparam("account", type_=UUID(as_uuid=True)),
                bindparam("event_ids", type_=ARRAY(UUID(as_uuid=True))),
                bindparam("events", type_=ARRAY(String)), bindparam("payloads", type_=ARRAY(String)))


def wanted(account_id) -> frozenset[str]:
    """The message events some active endpoint of the account subscribes to (empty: emit nothing)."""
    rows = db.session.scalars(select(WebhookEndpoint.events).where(WebhookEndpoint.account_id == account_id,
                                                                   WebhookEndpoint.active.is_(True))).all()
    subscribed = {event for events in rows for event in events}
    if subscribed & {"*", "message.*"}:
        return frozenset(MESSAGE_EVENTS)
    return frozenset(subscribed & set(MESSAGE_EVENTS))


def item(message_id, *, customer_id=None, channel: str | None = None, to: str | None = None,
         at: datetime | None = None, **more) -> dict:
    """One message as a payload lists it."""
    return {"id": str(message_id), "customer_id": str(customer_id) if customer_id else None, "channel": channel,
            "to": to, "at": _iso(at or utcnow()), **{k: v for k, v in more.items() if v is not None}}


def emit(account_id, events: dict[str, list[dict]], *, campaign_id=None) -> int:
    """Deliveries of `events` ({"message.sent": [item, ...], ...}) for every active endpoint of the account
    subscribed to each, in one statement; sent after commit. How many deliveries were written."""
    events = {name: items for name, items in events.items() if items}
    if not events:
        return 0
    now = utcnow()
    ids = [uuid.uuid4() for _ in events]
    payloads = [json.dumps({
        "event": name, "event_id": str(event_id), "account_id": str(account_id), "occurred_at": _iso(now),
        "actor_id": None, "subject": {"type": "campaign", "id": str(campaign_id)} if campaign_id else None,
        "data": {"campaign_id": str(campaign_id) if campaign_id else None, "count": len(items), "messages": items},
    }, separators=(",", ":"), ensure_ascii=False) for (name, items), event_id in zip(events.items(), ids)]
    created = db.session.execute(_INSERT, {"account": account_id, "event_ids": ids, "events": list(events),
                                           "payloads": payloads}).scalars().all()
    for delivery_id in created:
        enqueue_after_commit("webhooks.deliver", str(delivery_id))
    return len(created)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")
