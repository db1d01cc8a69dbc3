"""Marshmallow fields with the API's conventions (UTC timestamps ending in Z)."""
from datetime import datetime, timezone

import marshmallow as ma


class UTCDateTime(ma.fields.DateTime):
    """ISO 8601 in UTC with a `Z`, as every timestamp of the API; naive input is read as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
        except OverflowError:  # e.g. 9999-12-31T23:59-05:00 is past the last representable UTC instant
            raise ma.ValidationError("Date out of range") from None
