"""Opens, clicks and unsubscribes, through tokens signed with SECRET_KEY: a forged or altered token is unknown."""
import uuid
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from app.errors import NotFound
from app.extensions import db
from app.models import Account, Customer, Message, utcnow
from app.services import customers, message_events, unit_of_work
from app.services.activity import record_event
from app.services.messaging_render import Links

OPEN, CLICK, UNSUBSCRIBE = "messaging.open", "messaging.click", "messaging.unsubscribe"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(kind: str, message_id: uuid.UUID, url: str | None = None) -> str:
    payload = [message_id.hex] if url is None else [message_id.hex, url]
    return _serializer(kind).dumps(payload)


def read_token(kind: str, token: str) -> tuple[uuid.UUID, str | None]:
    """The message (and URL) a token names; NotFound for anything we did not sign, exactly as for a missing page."""
    try:
        payload = _serializer(kind).loads(token)
        message_id = uuid.UUID(hex=payload[0])
        url = payload[1] if len(payload) > 1 else None
    except (BadSignature, ValueError, TypeError, IndexError, AttributeError):
        raise NotFound("Not found") from None
    return message_id, url


class LinkMaker:
    """The tracking URLs of one message, as the renderer asks for them."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    def for_message(self, message_id: uuid.UUID) -> Links:
        cache: dict[str, str] = {}

        def click(url: str) -> str:
            if url not in cache:
                cache[url] = f"{self.base}/t/c/{make_token(CLICK, message_id, url)}"
            return cache[url]

        return Links(pixel=f"{self.base}/t/o/{make_token(OPEN, message_id)}",
                     unsubscribe=f"{self.base}/u/{make_token(UNSUBSCRIBE, message_id)}", click=click)


@unit_of_work
def record_open(token: str) -> None:
    """Count an open of the message: first and last time, and how many (one statement, no read first)."""
    message_id, _ = read_token(OPEN, token)
    now = utcnow()
    row = db.session.execute(update(Message).where(Message.id == message_id).values(
        open_count=Message.open_count + 1, opened_first_at=func.coalesce(Message.opened_first_at, now),
        opened_last_at=now).returning(*_EVENT_COLUMNS, Message.open_count)).first()
    if row is not None and row.open_count == 1:  # the first open only: mail programs load the pixel again and again
        _emit("message.opened", row, at=now)


@unit_of_work
def record_click(token: str) -> str:
    """Count a click and give the URL to redirect to: only a URL we signed into this token, while rendering."""
    message_id, url = read_token(CLICK, token)
    if not url or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise NotFound("Not found")
    now = utcnow()
    found = db.session.execute(update(Message).where(Message.id == message_id).values(
        click_count=Message.click_count + 1, clicked_first_at=func.coalesce(Message.clicked_first_at, now),
        clicked_last_at=now,
        # A click means the message was opened, even with images blocked.
        opened_first_at=func.coalesce(Message.opened_first_at, now)).returning(*_EVENT_COLUMNS)).first()
    if found is None:
        raise NotFound("Not found")
    _emit("message.clicked", found, at=now, url=url)
    return url


def unsubscribe_target(token: str) -> tuple[Message, Customer]:
    """The message and customer an unsubscribe token names (for the confirmation page)."""
    message_id, _ = read_token(UNSUBSCRIBE, token)
    row = db.session.execute(select(Message, Customer).join(Customer, Customer.id == Message.customer_id)
                             .where(Message.id == message_id)).first()
    if row is None:
        raise NotFound("Not found")
    return row[0], row[1]


@unit_of_work
def unsubscribe(token: str, *, source: str = "unsubscribe link") -> Customer:
    """Withdraw the customer's consent for the message's channel; every later send skips them."""
    message, customer = unsubscribe_target(token)
    if customers.set_consent(customer, channel=message.channel, granted=False, source=source):
        account = db.session.get(Account, customer.account_id)
        record_event(account, None, "customer.unsubscribed", customer,
                     {"channel": message.channel, "campaign_id": str(message.campaign_id), "source": source})
        _emit("message.unsubscribed", message, at=utcnow())
    return customer


_EVENT_COLUMNS = (Message.id, Message.account_id, Message.campaign_id, Message.customer_id, Message.channel,
                  Message.to_address)


def _emit(event: str, message, *, at, **more) -> None:
    """The message.* webhook event, in one statement that writes nothing unless an endpoint subscribes to it."""
    message_events.emit(message.account_id, {event: [message_events.item(
        message.id, customer_id=message.customer_id, channel=message.channel, to=message.to_address, at=at,
        **more)]}, campaign_id=message.campaign_id)
