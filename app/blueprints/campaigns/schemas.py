"""Shapes of campaigns, their stats and metrics. Field rules live in services.campaign_rules (shared with pages)."""
import marshmallow as ma
from marshmallow import validate
from webargs.fields import DelimitedList

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fastdump import FastDumpSchema
from app.blueprints.fields import UTCDateTime
from app.models import CampaignStatus, Channel, Priority


class Money(ma.fields.Decimal):
    """NUMERIC(12,2) out as a JSON number with two decimals."""

    def __init__(self, **kwargs):
        super().__init__(places=2, as_string=False, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


class TargetLocationSchema(FastDumpSchema):
    type = ma.fields.String(metadata={"example": "point"})
    coordinates = ma.fields.List(ma.fields.Float(), metadata={"example": [-3.7038, 40.4168]})
    name = ma.fields.String()
    address = ma.fields.String()


class DemographicsSchema(FastDumpSchema):
    age = ma.fields.String(metadata={"example": "25-35"})
    gender = ma.fields.String(metadata={"enum": ["all", "male", "female", "other"]})
    interests = ma.fields.List(ma.fields.String())


class CampaignSchema(FastDumpSchema):
    id = ma.fields.UUID()
    account_id = ma.fields.UUID()
    user_id = ma.fields.UUID(attribute="created_by_id", allow_none=True)
    name = ma.fields.String()
    description = ma.fields.String()
    channel = ma.fields.String()
    budget = Money()
    currency = ma.fields.String()
    keywords = ma.fields.List(ma.fields.String())
    start_date = UTCDateTime(allow_none=True)
    end_date = UTCDateTime(allow_none=True)
    timezone = ma.fields.String()
    priority = ma.fields.String()
    status = ma.fields.String()
    allowed_statuses = ma.fields.List(ma.fields.String(), metadata={"description": "Legal next statuses"})
    demographics = ma.fields.Nested(DemographicsSchema)
    target_locations = ma.fields.List(ma.fields.Nested(TargetLocationSchema))
    media_files = ma.fields.List(ma.fields.UUID())
    audience = ma.fields.Dict()
    content = ma.fields.Dict()
    ads_status = ma.fields.String(allow_none=True, metadata={"enum": ["PENDING", "PROCESSING", "ACTIVE", "FAILED"]})
    external_id = ma.fields.String(allow_none=True, metadata={"example": "AMZ-04217"})
    last_synced_at = UTCDateTime(allow_none=True)
    sync_error = ma.fields.String(allow_none=True)
    sync_attempts = ma.fields.Integer()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    views_count = ma.fields.Integer()
    clicks_count = ma.fields.Integer()
    conversions_count = ma.fields.Integer()


_DESCRIPTIONS = {
    "keywords": "A list, or a comma-separated string",
    "budget": "Greater than 0, at most two decimals",
    "end_date": "After start_date",
}


def _input_fields(required: bool) -> dict:
    # Loose types here, strict rules in the service: pages and the CLI get the very same checks and messages.
    fields = {
        "name": ma.fields.String(required=required),
        "description": ma.fields.String(allow_none=True),
        "channel": ma.fields.String(metadata={"enum": [c.value for c in Channel], "default": "amazon_ads"}),
        "budget": ma.fields.Raw(required=required, metadata={"type": "number", "example": 3000.0}),
        "currency": ma.fields.String(metadata={"example": "USD"}),
        "keywords": ma.fields.Raw(metadata={"oneOf": [{"type": "array", "items": {"type": "string"}},
                                                      {"type": "string"}]}),
        "start_date": ma.fields.Raw(allow_none=True, metadata={"type": "string", "format": "date-time"}),
        "end_date": ma.fields.Raw(allow_none=True, metadata={"type": "string", "format": "date-time"}),
        "timezone": ma.fields.String(metadata={"example": "Europe/Madrid"}),
        "priority": ma.fields.String(metadata={"enum": [p.value for p in Priority]}),
        "status": ma.fields.String(metadata={"enum": [s.value for s in CampaignStatus]}),
        "demographics": ma.fields.Raw(allow_none=True, metadata={"type": "object"}),
        "target_locations": ma.fields.Raw(allow_none=True, metadata={"type": "array", "items": {"type": "object"}}),
        "media_files": ma.fields.Raw(allow_none=True, metadata={"type": "array", "items": {"type": "string"}}),
        "audience": ma.fields.Raw(allow_none=True, metadata={"type": "object"}),
        "content": ma.fields.Raw(allow_none=True, metadata={"type": "object"}),
    }
    for key, text in _DESCRIPTIONS.items():
        fields[key].metadata["description"] = text
    return fields


CampaignCreateSchema = ma.Schema.from_dict(_input_fields(True), name="CampaignCreateSchema")
CampaignUpdateSchema = ma.Schema.from_dict(_input_fields(False), name="CampaignUpdateSchema")


class StatusChangeSchema(ma.Schema):
    new_status = ma.fields.String(required=True, validate=validate.OneOf([s.value for s in CampaignStatus]))


class CampaignQueryArgsSchema(PaginationArgsSchema):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in CampaignStatus]))
    channel = ma.fields.String(validate=validate.OneOf([c.value for c in Channel]))
    priority = ma.fields.String(validate=validate.OneOf([p.value for p in Priority]))
    search = ma.fields.String(validate=validate.Length(max=200))
    start_date = UTCDateTime(metadata={"description": "Campaigns starting at or after"})
    end_date = UTCDateTime(metadata={"description": "Campaigns ending at or before"})
    sort = ma.fields.String(load_default="-created_at", validate=validate.Length(max=100),
                            metadata={"description": "created_at, updated_at, name, budget, start_date, end_date, "
                                                     "priority, status; prefix - for descending"})


class DetailArgsSchema(ma.Schema):
    include = DelimitedList(ma.fields.String(validate=validate.OneOf(["periods", "sites"])), load_default=[],
                            metadata={"description": "Breakdowns to add: `periods` (per month) and/or `sites`, "
                                                     "comma-separated, e.g. `periods,sites`"})


class StatsSchema(FastDumpSchema):
    campaign_id = ma.fields.UUID()
    views = ma.fields.Integer()
    clicks = ma.fields.Integer()
    conversions = ma.fields.Integer()
    ctr = ma.fields.Float(allow_none=True, metadata={"description": "clicks / views, %"})
    conversion_rate = ma.fields.Float(allow_none=True, metadata={"description": "conversions / clicks, %"})
    cost_per_click = ma.fields.Float(allow_none=True)
    cost_per_conversion = ma.fields.Float(allow_none=True)
    total_spent = ma.fields.Float()
    last_updated = UTCDateTime(allow_none=True)


class MetricRowSchema(FastDumpSchema):
    key = ma.fields.String(metadata={"description": "The day, week start, month start or site"})
    start_date = ma.fields.Date()
    end_date = ma.fields.Date()
    views = ma.fields.Integer()
    clicks = ma.fields.Integer()
    conversions = ma.fields.Integer()
    spend = ma.fields.Float()
    ctr = ma.fields.Float(allow_none=True)
    conversion_rate = ma.fields.Float(allow_none=True)
    cost_per_click = ma.fields.Float(allow_none=True)
    cost_per_conversion = ma.fields.Float(allow_none=True)


class MetricsArgsSchema(ma.Schema):
    group_by = ma.fields.String(load_default="day",
                                validate=validate.OneOf(["day", "week", "month", "period", "site"]))


class MetricsSchema(ma.Schema):
    campaign_id = ma.fields.UUID()
    group_by = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(MetricRowSchema))


class PeriodSchema(MetricRowSchema):
    period = ma.fields.String(metadata={"example": "2024-01"})

    class Meta:
        exclude = ("key",)


class SiteSchema(MetricRowSchema):
    site = ma.fields.String()

    class Meta:
        exclude = ("key", "start_date", "end_date")


class CampaignDetailSchema(CampaignSchema):
    stats = ma.fields.Nested(StatsSchema)
    periods = ma.fields.List(ma.fields.Nested(PeriodSchema))
    sites = ma.fields.List(ma.fields.Nested(SiteSchema))
