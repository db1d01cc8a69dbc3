"""Shapes of a campaign's send, its messages and logs, and notifications."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.models import MessageStatus


class ScheduleSchema(ma.Schema):
    send_at = ma.fields.String(required=True, validate=validate.Length(max=64), metadata={
        "example": "2026-12-24T09:00:00",
        "description": "ISO 8601; a time without an offset is the wall-clock time in `timezone`"})
    timezone = ma.fields.String(validate=validate.Length(max=64), metadata={
        "example": "Europe/Madrid", "description": "IANA time zone; the campaign's when absent"})
    local_time = ma.fields.Boolean(load_default=False, metadata={
        "description": "Deliver at send_at's wall-clock time in each customer's own time zone (the account's when "
                       "they have none); the send starts when the first zone reaches it"})


class CountsSchema(ma.Schema):
    total = ma.fields.Integer()
    queued = ma.fields.Integer()
    sending = ma.fields.Integer()
    sent = ma.fields.Integer()
    delivered = ma.fields.Integer()
    read = ma.fields.Integer()
    failed = ma.fields.Integer()
    skipped = ma.fields.Integer()
    accepted = ma.fields.Integer(metadata={"description": "Taken by the provider: sent, delivered or read"})
    opened = ma.fields.Integer()
    clicked = ma.fields.Integer()


class SendStateSchema(ma.Schema):
    campaign_id = ma.fields.UUID()
    status = ma.fields.String(metadata={
        "enum": ["not_scheduled", "scheduled", "sending", "completed", "failed", "cancelled"]})
    channel = ma.fields.String()
    send_at = UTCDateTime(allow_none=True)
    timezone = ma.fields.String()
    send_at_local = ma.fields.String(metadata={"description": "send_at in `timezone`, with its offset"})
    local_time = ma.fields.Boolean(metadata={"description": "Delivered at send_at's wall time in each customer's zone"})
    started_at = UTCDateTime(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)
    error = ma.fields.String(allow_none=True)
    recipients = ma.fields.Integer()
    batches = ma.fields.Integer()
    counts = ma.fields.Nested(CountsSchema)
    open_rate = ma.fields.Float(allow_none=True, metadata={"description": "opened / accepted, %"})
    click_rate = ma.fields.Float(allow_none=True, metadata={"description": "clicked / accepted, %"})


class MessageSchema(ma.Schema):
    id = ma.fields.UUID()
    campaign_id = ma.fields.UUID()
    customer_id = ma.fields.UUID()
    channel = ma.fields.String()
    language = ma.fields.String()
    to_address = ma.fields.String()
    status = ma.fields.Function(lambda m: m.status.value, metadata={"enum": [s.value for s in MessageStatus]})
    reason = ma.fields.String(allow_none=True)
    provider_id = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer()
    sent_at = UTCDateTime(allow_none=True)
    failed_at = UTCDateTime(allow_none=True)
    delivered_at = UTCDateTime(allow_none=True)
    read_at = UTCDateTime(allow_none=True)
    opened_first_at = UTCDateTime(allow_none=True)
    opened_last_at = UTCDateTime(allow_none=True)
    open_count = ma.fields.Integer()
    clicked_first_at = UTCDateTime(allow_none=True)
    clicked_last_at = UTCDateTime(allow_none=True)
    click_count = ma.fields.Integer()
    created_at = UTCDateTime()


class MessageQueryArgsSchema(PaginationArgsSchema):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in MessageStatus]))
    channel = ma.fields.String(validate=validate.OneOf(["email", "whatsapp"]))
    to = ma.fields.String(validate=validate.Length(max=254), metadata={
        "description": "Only messages whose address contains this text (case-insensitive)"})


class LogSchema(ma.Schema):
    id = ma.fields.UUID()
    event = ma.fields.Function(lambda e: e.name.removeprefix("messaging."), metadata={
        "example": "batch_done", "description": "scheduled, send_requested, started, batch_done, batch_failed, "
                                                "completed, failed, cancelled, or test_sent (a test to one address)"})
    data = ma.fields.Dict()
    actor_id = ma.fields.UUID(allow_none=True)
    created_at = UTCDateTime()


class NotificationSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String(metadata={"example": "messaging.completed"})
    title = ma.fields.String()
    body = ma.fields.String()
    link = ma.fields.String(allow_none=True)
    is_read = ma.fields.Boolean()
    read_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class ReadAllSchema(ma.Schema):
    marked = ma.fields.Integer(metadata={"description": "How many were unread"})
