"""Shapes of webhook endpoints and deliveries."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.models import DeliveryStatus

EVENTS_FIELD = dict(validate=validate.Length(min=1, max=60), metadata={
    "description": "Event names (campaign.created), a domain's wildcard (campaign.*) or * for every event"})


class WebhookSchema(ma.Schema):
    id = ma.fields.UUID()
    url = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    events = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()
    secret_hint = ma.fields.Function(lambda e: "…" + e.secret[-4:], metadata={
        "description": "The secret's last characters; the secret itself is shown only when it is set"})
    disabled_reason = ma.fields.String(allow_none=True)
    consecutive_failures = ma.fields.Integer()
    last_success_at = UTCDateTime(allow_none=True)
    last_failure_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(metadata={"description": "Shown this once: keep it to verify X-Webhook-Signature"})


class WebhookCreateSchema(ma.Schema):
    url = ma.fields.String(required=True, validate=validate.Length(min=8, max=2048))
    events = ma.fields.List(ma.fields.String(validate=validate.Length(max=80)), required=True, **EVENTS_FIELD)
    secret = ma.fields.String(load_default=None, validate=validate.Length(min=16, max=200), metadata={
        "description": "Signs every delivery; left out, one is made and answered once"})
    description = ma.fields.String(load_default=None, validate=validate.Length(max=200))
    active = ma.fields.Boolean(load_default=True)


class WebhookUpdateSchema(ma.Schema):
    url = ma.fields.String(validate=validate.Length(min=8, max=2048))
    events = ma.fields.List(ma.fields.String(validate=validate.Length(max=80)), **EVENTS_FIELD)
    secret = ma.fields.String(validate=validate.Length(min=16, max=200))
    description = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    active = ma.fields.Boolean(metadata={"description": "Turning it on again clears its failure count"})


class DeliverySchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Sent as X-Webhook-Id"})
    webhook_id = ma.fields.UUID(attribute="endpoint_id")
    event = ma.fields.String()
    status = ma.fields.Enum(DeliveryStatus, by_value=True)
    attempts = ma.fields.Integer()
    response_status = ma.fields.Integer(allow_none=True)
    response_body = ma.fields.String(allow_none=True, metadata={"description": "The answer's first KB"})
    error = ma.fields.String(allow_none=True)
    duration_ms = ma.fields.Integer(allow_none=True)
    next_attempt_at = UTCDateTime(allow_none=True)
    last_attempt_at = UTCDateTime(allow_none=True)
    delivered_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    payload = ma.fields.Raw(metadata={"description": "The JSON body as signed"})


class DeliveryQueryArgsSchema(PaginationArgsSchema):
    status = ma.fields.Enum(DeliveryStatus, by_value=True, load_default=None)
