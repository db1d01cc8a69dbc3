"""Shapes of API keys."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.fields import UTCDateTime
from app.models import ApiKeyScope


class ApiKeySchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "The key's first characters, to tell keys apart"})
    scope = ma.fields.Enum(ApiKeyScope, by_value=True, metadata={
        "description": "read: what a viewer may do; write: what an editor may do"})
    created_by = ma.fields.UUID()
    last_used_at = UTCDateTime(allow_none=True, metadata={"description": "Recorded at most once a minute"})
    revoked_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class ApiKeyCreatedSchema(ApiKeySchema):
    key = ma.fields.String(metadata={"description": "The key itself, shown this once: send it as "
                                                   "`Authorization: Bearer <key>` or `X-API-Key: <key>`"})


class ApiKeyCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    scope = ma.fields.Enum(ApiKeyScope, by_value=True, load_default=ApiKeyScope.READ)
