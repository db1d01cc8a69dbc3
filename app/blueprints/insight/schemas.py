"""Shapes of the dashboard, activity and audit feeds."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.services.audit import describe


class PeriodArgsSchema(ma.Schema):
    since = ma.fields.Date(load_default=None, metadata={"description": "First day (UTC), default 29 days before until"})
    until = ma.fields.Date(load_default=None, metadata={"description": "Last day (UTC), default today"})


class EventSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String(metadata={"description": "What happened, as a code (campaign.created)"})
    description = ma.fields.Function(describe, metadata={"description": "The same in words, in your language"})
    account_id = ma.fields.UUID(allow_none=True)
    actor_id = ma.fields.UUID(allow_none=True)
    actor = ma.fields.Function(lambda e: e.actor.full_name or e.actor.username if e.actor else None)
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    created_at = UTCDateTime()


class EventQueryArgsSchema(PaginationArgsSchema):
    actor_id = ma.fields.UUID(load_default=None)
    event = ma.fields.String(load_default=None, validate=validate.Regexp(r"^[a-z_]+(\.([a-z_]+|\*))?$"),
                             metadata={"description": "An event (campaign.created) or a domain's (campaign.*)"})
    subject_type = ma.fields.String(load_default=None, validate=validate.Length(max=40))
    subject_id = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    since = UTCDateTime(load_default=None)
    until = UTCDateTime(load_default=None)


class AuditQueryArgsSchema(EventQueryArgsSchema):
    account_id = ma.fields.UUID(load_default=None, metadata={"description": "Platform admins: one account only"})


class PromoFigureSchema(ma.Schema):
    id = ma.fields.UUID()
    title = ma.fields.String()
    ends_at = UTCDateTime()
    stock = ma.fields.Integer(metadata={"description": "Units left to hold"})
    held = ma.fields.Integer(metadata={"description": "Units under live holds"})


class NotificationBriefSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    title = ma.fields.String()
    is_read = ma.fields.Boolean()
    created_at = UTCDateTime()


class DashboardSchema(ma.Schema):
    since = ma.fields.Date()
    until = ma.fields.Date()
    campaigns_by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    budget = ma.fields.Float(metadata={"description": "Budget of the account's campaigns"})
    spend = ma.fields.Float(metadata={"description": "Spent in the period"})
    views = ma.fields.Integer()
    clicks = ma.fields.Integer()
    conversions = ma.fields.Integer()
    ctr = ma.fields.Float(allow_none=True, metadata={"description": "clicks / views, %"})
    conversion_rate = ma.fields.Float(allow_none=True, metadata={"description": "conversions / clicks, %"})
    messages = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                              metadata={"description": "sent, opened, clicked in the period"})
    promos = ma.fields.List(ma.fields.Nested(PromoFigureSchema), metadata={"description": "Active now"})
    customers_total = ma.fields.Integer()
    audience = ma.fields.Function(lambda f: [{"day": d.isoformat(), "new_customers": n} for d, n in f.audience])
    daily = ma.fields.Function(lambda f: [{"day": d.isoformat(), "views": v, "clicks": c, "conversions": k}
                                          for d, v, c, k in f.daily])
    notifications = ma.fields.List(ma.fields.Nested(NotificationBriefSchema))
