"""Shapes of customers, tags, imports and segments in the API."""
import marshmallow as ma
from marshmallow import validate

from app import json_limits
from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fastdump import FastDumpSchema
from app.blueprints.fields import UTCDateTime
from app.models import CHANNELS, ImportMode
from app.services import customers as customer_service
from app.services.customer_fields import FieldError, check_point


def _attribute_limits(value) -> None:
    # Free-form JSONB on every customer row: kept small and shallow (the request guard caps the body as a whole).
    try:
        json_limits.check_field(value, max_depth=4, max_bytes=16_000, max_items=500)
    except json_limits.JsonLimitError as exc:
        raise ma.ValidationError(f"{exc.where}: {exc.message}" if exc.where else exc.message) from None


class PointField(ma.fields.Field):
    """A point as `{"type": "point", "coordinates": [lon, lat]}` ; `name` and `address` are allowed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or str(value.get("type", "")).lower() != "point":
            raise ma.ValidationError('Expected {"type": "point", "coordinates": [lon, lat]}.')
        coords = value.get("coordinates")
        if (not isinstance(coords, (list, tuple)) or len(coords) != 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords)):
            raise ma.ValidationError("coordinates must be two numbers: [longitude, latitude].")
        try:
            lon, lat = check_point(float(coords[0]), float(coords[1]))
        except FieldError as exc:
            raise ma.ValidationError(str(exc)) from None
        return {"type": "point", "coordinates": [lon, lat]}

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class ConsentSchema(ma.Schema):
    email = ma.fields.Boolean(allow_none=True)
    whatsapp = ma.fields.Boolean(allow_none=True)
    push = ma.fields.Boolean(allow_none=True)


def _consent(customer) -> dict:
    return {c: bool(customer.consent(c)) for c in CHANNELS}


_TIMESTAMP = UTCDateTime()  # one field for every row: building one per value was a third of a list's dump


def _consent_details(customer) -> dict:
    state = {True: "granted", False: "withdrawn", None: "unknown"}
    return {c: {"status": state[customer.consent(c)],
                "changed_at": _TIMESTAMP._serialize(getattr(customer, f"{c}_consent_at"), None, None),
                "source": getattr(customer, f"{c}_consent_source")} for c in CHANNELS}


class CustomerSchema(FastDumpSchema):
    id = ma.fields.UUID(dump_only=True)
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True, metadata={"description": "E.164"})
    language = ma.fields.String()
    timezone = ma.fields.String(allow_none=True)
    location = ma.fields.Function(customer_service.location_of)
    city = ma.fields.String(allow_none=True)
    country = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    consent = ma.fields.Function(_consent, metadata={"description": "True only where consent is granted"})
    consent_details = ma.fields.Function(_consent_details)
    orders_count = ma.fields.Integer()
    last_order_at = UTCDateTime(allow_none=True)
    behaviour = ma.fields.Function(customer_service.behaviour_of, metadata={"description": "new, frequent, returning"})
    attributes = ma.fields.Dict()
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class CustomerWriteSchema(ma.Schema):
    first_name = ma.fields.String(validate=validate.Length(max=100), allow_none=True)
    last_name = ma.fields.String(validate=validate.Length(max=100), allow_none=True)
    email = ma.fields.String(validate=validate.Length(max=254), allow_none=True)
    phone = ma.fields.String(validate=validate.Length(max=40), allow_none=True)
    language = ma.fields.String(validate=validate.Length(max=20), allow_none=True)
    timezone = ma.fields.String(validate=validate.Length(max=64), allow_none=True)
    location = PointField(allow_none=True)
    city = ma.fields.String(validate=validate.Length(max=120), allow_none=True)
    country = ma.fields.String(validate=validate.Length(max=60), allow_none=True)
    tags = ma.fields.List(ma.fields.String(validate=validate.Length(max=64)), validate=validate.Length(max=100))
    consent = ma.fields.Nested(ConsentSchema)
    consent_source = ma.fields.String(validate=validate.Length(min=1, max=80),
                                      metadata={"description": "Where the consent came from (default 'api')"})
    orders_count = ma.fields.Integer(validate=validate.Range(min=0, max=10_000_000))
    last_order_at = UTCDateTime(allow_none=True)
    attributes = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(min=1, max=64)),
                                validate=_attribute_limits,
                                metadata={"description": "Free-form: at most 16,000 bytes, nested 4 deep"})


class CustomerQueryArgsSchema(PaginationArgsSchema):
    search = ma.fields.String(validate=validate.Length(max=100))
    tag = ma.fields.String(validate=validate.Length(max=64))
    language = ma.fields.String(validate=validate.Length(max=8))
    consent = ma.fields.String(validate=validate.OneOf(CHANNELS))
    behaviour = ma.fields.String(validate=validate.OneOf(customer_service.BEHAVIOURS))
    sort = ma.fields.String(load_default="-created_at", validate=validate.OneOf(
        [f"{p}{k}" for k in customer_service.SORTS for p in ("", "-")]))


class CustomerFiltersSchema(ma.Schema):
    search = ma.fields.String(validate=validate.Length(max=100))
    tag = ma.fields.String(validate=validate.Length(max=64))
    language = ma.fields.String(validate=validate.Length(max=8))
    consent = ma.fields.String(validate=validate.OneOf(CHANNELS))
    behaviour = ma.fields.String(validate=validate.OneOf(customer_service.BEHAVIOURS))


class TagRequestSchema(ma.Schema):
    customer_ids = ma.fields.List(ma.fields.UUID(), validate=validate.Length(min=1, max=10_000),
                                  metadata={"description": "These customers; or give `filters` instead"})
    filters = ma.fields.Nested(CustomerFiltersSchema, metadata={"description": "Every customer matching these"})
    add = ma.fields.List(ma.fields.String(validate=validate.Length(max=64)), load_default=list)
    remove = ma.fields.List(ma.fields.String(validate=validate.Length(max=64)), load_default=list)

    @ma.validates_schema
    def _one_target(self, data, **kwargs):
        if ("customer_ids" in data) == ("filters" in data):
            raise ma.ValidationError("Give either customer_ids or filters.", "customer_ids")


class TagResultSchema(ma.Schema):
    updated = ma.fields.Integer()


class OrderSchema(ma.Schema):
    ordered_at = UTCDateTime(load_default=None)


class ImportRowErrorSchema(ma.Schema):
    line = ma.fields.Integer()
    reason = ma.fields.String()
    data = ma.fields.List(ma.fields.Raw())


class ImportJobSchema(ma.Schema):
    id = ma.fields.UUID()
    status = ma.fields.Function(lambda j: j.status.value)
    filename = ma.fields.String()
    file_format = ma.fields.String()
    mode = ma.fields.Function(lambda j: j.mode.value)
    mapping = ma.fields.Dict()
    tags = ma.fields.List(ma.fields.String())
    headers = ma.fields.List(ma.fields.String())
    progress = ma.fields.Float(metadata={"description": "Percent of rows done"})
    total_rows = ma.fields.Integer()
    processed_rows = ma.fields.Integer()
    created = ma.fields.Integer(attribute="created_count")
    updated = ma.fields.Integer(attribute="updated_count")
    unchanged = ma.fields.Integer(attribute="unchanged_count")
    skipped = ma.fields.Integer(attribute="skipped_count")
    rejected = ma.fields.Integer(attribute="error_count")
    message = ma.fields.String(allow_none=True)
    created_at = UTCDateTime()
    started_at = UTCDateTime(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)


class ImportJobDetailSchema(ImportJobSchema):
    errors = ma.fields.List(ma.fields.Nested(ImportRowErrorSchema),
                            metadata={"description": "Rejected rows, by line (the first 1,000; all via /errors)"})


class ImportFormSchema(ma.Schema):
    mode = ma.fields.Enum(ImportMode, by_value=True, load_default=ImportMode.UPSERT)
    mapping = ma.fields.String(metadata={"description": 'JSON object column → field, e.g. {"Correo": "email"}'})
    tags = ma.fields.String(metadata={"description": "Comma-separated tags for every imported customer"})


class ImportFileSchema(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportQueryArgsSchema(PaginationArgsSchema):
    pass


class SegmentSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String()
    description = ma.fields.String()
    rules = ma.fields.Dict(metadata={"description": 'Rule tree: {"match": "all"|"any", "conditions": [...]}'})
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


RULES_EXAMPLE = {"match": "all", "conditions": [
    {"field": "language", "op": "eq", "value": "es"},
    {"field": "tags", "op": "contains", "value": "vip"},
    {"field": "location", "op": "within_km", "value": {"point": [-3.7038, 40.4168], "km": 5}}]}


class SegmentCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = ma.fields.String(load_default="", validate=validate.Length(max=2000))
    rules = ma.fields.Dict(required=True, metadata={"example": RULES_EXAMPLE, "description": (
        "Conditions {field, op, value} or nested groups. Fields: first_name, last_name, email, phone, language, "
        "timezone, city, country, orders_count, last_order_at, created_at, tags, behaviour (new|frequent|returning), "
        "consent.email|whatsapp|push, attributes.<key>, location (op within_km, value {point: [lon, lat], km})")})


class SegmentUpdateSchema(SegmentCreateSchema):
    name = ma.fields.String(validate=validate.Length(min=1, max=120))
    description = ma.fields.String(validate=validate.Length(max=2000))
    rules = ma.fields.Dict()


class SegmentRulesSchema(ma.Schema):
    rules = ma.fields.Dict(required=True, metadata={"example": RULES_EXAMPLE})


class SegmentCountSchema(ma.Schema):
    count = ma.fields.Integer()


class SegmentPreviewSchema(ma.Schema):
    count = ma.fields.Integer()
    customers = ma.fields.List(ma.fields.Nested(CustomerSchema))


class SegmentQueryArgsSchema(PaginationArgsSchema):
    pass
