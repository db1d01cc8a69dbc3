"""Twilio's calls to us: status callbacks move WhatsApp messages on; inbound messages open the 24-hour window,
and an opt-out word withdraws WhatsApp consent."""
import unicodedata

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from app.extensions import db
from app.integrations.whatsapp import PERMANENT_RECIPIENT_ERRORS
from app.models import Account, Customer, Message, MessageStatus, Suppression, WhatsAppWindow, utcnow
from app.services import customers, message_events, unit_of_work
from app.services.activity import record_event

OPT_OUT_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BAJA", "PARAR", "ALTO", "DETENER",
                 "CANCELAR", "ARRET", "ARRETER", "DESABONNER", "SAIR", "PARE"}
# Twilio's statuses and the ones they may follow: a late "delivered" never turns a "read" back.
MOVES = {
    "delivered": (MessageStatus.DELIVERED, (MessageStatus.SENDING, MessageStatus.SENT)),
    "read": (MessageStatus.READ, (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED)),
    "failed": (MessageStatus.FAILED, (MessageStatus.SENDING, MessageStatus.SENT)),
    "undelivered": (MessageStatus.FAILED, (MessageStatus.SENDING, MessageStatus.SENT)),
}


@unit_of_work
def record_status(params: dict) -> str | None:
    """Apply one status callback (MessageSid, MessageStatus, ErrorCode) to the message Twilio names."""
    move = MOVES.get((params.get("MessageStatus") or "").lower())
    sid = params.get("MessageSid")
    if move is None or not sid:
        return None  # queued, sending, sent: nothing we do not know already
    target, sources = move
    now = utcnow()
    values = {"status": target, "updated_at": now}
    if target == MessageStatus.DELIVERED:
        values["delivered_at"] = now
    elif target == MessageStatus.READ:
        values.update(read_at=now, delivered_at=func.coalesce(Message.delivered_at, now))
    else:
        code = params.get("ErrorCode")
        values.update(failed_at=now, reason=f"Twilio reported {params['MessageStatus']}"
                      + (f" (error {code})" if code else ""))
    row = db.session.execute(update(Message).where(Message.provider_id == sid, Message.status.in_(sources))
                             .values(**values).returning(Message.account_id, Message.channel, Message.to_address,
                                                         Message.id, Message.customer_id, Message.campaign_id,
                                                         Message.reason)).first()
    if row is not None:  # one statement, writing nothing unless an endpoint of the account subscribes to it
        message_events.emit(row.account_id, {f"message.{target.value}": [message_events.item(
            row.id, customer_id=row.customer_id, channel=row.channel, to=row.to_address, at=now,
            reason=row.reason if target == MessageStatus.FAILED else None)]}, campaign_id=row.campaign_id)
    if row is not None and target == MessageStatus.FAILED and _code(params) in PERMANENT_RECIPIENT_ERRORS:
        db.session.execute(insert(Suppression).values(
            account_id=row.account_id, channel=row.channel, address=row.to_address,
            reason=f"Twilio error {_code(params)}").on_conflict_do_nothing())
    return target.value if row is not None else None


@unit_of_work
def record_inbound(params: dict) -> dict:
    """A customer wrote to us: every customer with that number gets an open window; an opt-out word withdraws
    their WhatsApp consent (every account sending from our number hears the STOP)."""
    phone = (params.get("From") or "").removeprefix("whatsapp:").strip()
    if not phone:
        return {"customers": 0, "opted_out": False}
    now = utcnow()
    found = db.session.scalars(select(Customer).where(Customer.phone == phone)).all()
    for customer in found:
        db.session.execute(insert(WhatsAppWindow).values(
            customer_id=customer.id, account_id=customer.account_id, last_inbound_at=now)
            .on_conflict_do_update(index_elements=["customer_id"], set_={"last_inbound_at": now}))
    word = _word(params.get("Body") or "")
    opted_out = word in OPT_OUT_WORDS
    if opted_out:
        for customer in found:
            if customers.set_consent(customer, channel="whatsapp", granted=False, source=f"whatsapp reply {word}"):
                record_event(db.session.get(Account, customer.account_id), None, "customer.unsubscribed", customer,
                             {"channel": "whatsapp", "source": f"whatsapp reply {word}"})
    return {"customers": len(found), "opted_out": opted_out}


def _word(body: str) -> str:
    text = unicodedata.normalize("NFKD", body.strip()).encode("ascii", "ignore").decode()
    return text.strip(" .!¡").upper()


def _code(params: dict) -> int | None:
    try:
        return int(params.get("ErrorCode"))
    except (TypeError, ValueError):
        return None
