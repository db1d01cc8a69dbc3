"""The rules a campaign's fields must meet, shared by the API, the pages, the CLI and the admin."""
import re
import uuid
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from app import json_limits
from app.errors import ValidationError
from app.models import CampaignStatus, Channel, Priority
from app.services.names import check_name

MAX_BUDGET = Decimal("9999999999.99")
GENDERS = ("all", "male", "female", "other")
AGE = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|\+)\s*$")
TEXT_LIMITS = {"name": 200, "description": 5000}
# JSON-typed fields kept as JSONB for the messaging channels: bounded so one campaign cannot hold megabytes or a
# tree too deep to walk. content is {"<language>": {"subject", "body"} | {"content_sid", "variables"}}.
JSON_FIELD_LIMITS = {"audience": {"max_depth": 4, "max_bytes": 8_000},
                     "content": {"max_depth": 6, "max_bytes": 256_000}}
FIELDS = ("name", "description", "channel", "budget", "currency", "keywords", "start_date", "end_date", "timezone",
          "priority", "status", "demographics", "target_locations", "media_files", "audience", "content")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Normalise `data` (only the keys present); ValidationError naming every bad field at once."""

    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    unknown = sorted(set(data) - set(FIELDS))
    for key in unknown:
        errors[key] = ["Unknown field"]
    for key in FIELDS:
        if key not in data:
            continue
        try:
            _check_strings(data[key])
            out[key] = CLEANERS[key](data[key])
        except ValueError as exc:
            errors[key] = [str(exc)]
    start, end = out.get("start_date"), out.get("end_date")
    if start is not None and end is not None and end <= start:
        errors["end_date"] = ["Must be after start_date"]
    if creating:
        for key in ("name", "budget"):
            if data.get(key) in (None, "") and key not in errors:
                errors[key] = ["This field is required"]
    if errors:
        raise ValidationError("Validation error", details=errors)
    return out


def _check_strings(value, depth: int = 0) -> None:
    """Text PostgreSQL cannot store (NUL, lone surrogates) is refused as bad input, not met as a 500."""
    if depth > 20:
        raise ValueError("Nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("Must be valid Unicode text") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_strings(k, depth + 1)
            _check_strings(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_strings(v, depth + 1)


def check_dates(start: datetime | None, end: datetime | None) -> None:

    if start is not None and end is not None and end <= start:
        raise ValidationError("Validation error", details={"end_date": ["Must be after start_date"]})


def _name(value) -> str:
    value = _text(value, "name").strip()
    if not value:
        raise ValueError("This field is required")
    return check_name(value)  # no bidi controls, no look-alike letters of two scripts in one word


def _text(value, field: str = "description") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("Must be a string")
    if len(value) > TEXT_LIMITS[field]:
        raise ValueError(f"At most {TEXT_LIMITS[field]} characters")
    return value


def _choice(enum_cls):
    allowed = [m.value for m in enum_cls]

    def clean(value) -> str:
        if isinstance(value, enum_cls):
            return value.value
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise ValueError(f"Must be one of: {', '.join(allowed)}")
        return value.strip().lower()

    return clean


def _budget(value) -> Decimal:
    if value is None or isinstance(value, bool):
        raise ValueError("Must be a number greater than 0")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("Must be a number greater than 0") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("Must be greater than 0")
    if amount > MAX_BUDGET:
        raise ValueError(f"At most {MAX_BUDGET}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("At most two decimals")
    return amount.quantize(Decimal("0.01"))


def _currency(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise ValueError("Must be a three-letter ISO 4217 code, e.g. USD")
    return value.strip().upper()


def _keywords(value) -> list[str]:
    # Seed 000 sends "python,django,ads"; the API also takes a list.
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValueError("Must be a list of strings or a comma-separated string")
    words, seen = [], set()
    for word in (k.strip() for k in value):
        if len(word) > 100:
            raise ValueError("Each keyword is at most 100 characters")
        if word and word.lower() not in seen:
            seen.add(word.lower())
            words.append(word)
    if len(words) > 200:
        raise ValueError("At most 200 keywords")
    return words


def _datetime(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time.min)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("Must be an ISO 8601 date or date-time") from None
    else:
        raise ValueError("Must be an ISO 8601 date or date-time")
    try:
        parsed = parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("Date out of range") from None
    if not 1900 <= parsed.year <= 2200:
        raise ValueError("Must be between the years 1900 and 2200")
    return parsed


def _timezone(value) -> str:
    if not isinstance(value, str) or value not in _zones():
        raise ValueError("Must be an IANA time zone, e.g. Europe/Madrid")
    return value


def _demographics(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("Must be an object with age, gender and interests")
    extra = set(value) - {"age", "gender", "interests"}
    if extra:
        raise ValueError(f"Unknown keys: {', '.join(sorted(extra))}")
    out: dict[str, Any] = {}
    if value.get("age") not in (None, ""):
        match = AGE.match(str(value["age"]))
        if not match:
            raise ValueError('age must look like "25-35" or "65+"')
        low, high = int(match.group(1)), int(match.group(2)) if match.group(2) else None
        if low < 13 or low > 120 or (high is not None and (high < low or high > 120)):
            raise ValueError("age must be a range between 13 and 120, low to high")
        out["age"] = f"{low}-{high}" if high is not None else f"{low}+"
    if value.get("gender") not in (None, ""):
        if value["gender"] not in GENDERS:
            raise ValueError(f"gender must be one of: {', '.join(GENDERS)}")
        out["gender"] = value["gender"]
    if value.get("interests") is not None:
        interests = value["interests"]
        if isinstance(interests, str):
            interests = [i for i in interests.split(",")]
        if not isinstance(interests, list) or not all(isinstance(i, str) for i in interests):
            raise ValueError("interests must be a list of strings")
        out["interests"] = [i.strip() for i in interests if i.strip()][:50]
    return out


def clean_location(loc, index: int) -> dict:
    """A GeoJSON-like point of seed 002: {"type": "point", "coordinates": [lon, lat], "name", "address"}."""
    where = f"Location {index + 1}"
    if not isinstance(loc, dict):
        raise ValueError(f"{where}: must be an object")
    if str(loc.get("type", "")).lower() != "point":
        raise ValueError(f'{where}: type must be "point"')
    coords = loc.get("coordinates")
    if (not isinstance(coords, (list, tuple)) or len(coords) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords)):
        raise ValueError(f"{where}: coordinates must be [longitude, latitude]")
    lon, lat = float(coords[0]), float(coords[1])
    if not -180 <= lon <= 180:
        raise ValueError(f"{where}: longitude must be between -180 and 180")
    if not -90 <= lat <= 90:
        raise ValueError(f"{where}: latitude must be between -90 and 90")
    out = {"type": "point", "coordinates": [lon, lat]}
    for key in ("name", "address"):
        if loc.get(key) is not None:
            if not isinstance(loc[key], str) or len(loc[key]) > 200:
                raise ValueError(f"{where}: {key} must be a string of at most 200 characters")
            out[key] = loc[key]
    extra = set(loc) - {"type", "coordinates", "name", "address"}
    if extra:
        raise ValueError(f"{where}: unknown keys {', '.join(sorted(extra))}")
    return out


def _locations(value) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("Must be a list of points")
    if len(value) > 100:
        raise ValueError("At most 100 locations")
    return [clean_location(loc, i) for i, loc in enumerate(value)]


def _media(value) -> list[uuid.UUID]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("Must be a list of media file ids")
    try:
        return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in value]
    except ValueError:
        raise ValueError("Every media file id must be a UUID") from None


def _json_object(field: str):
    limits = JSON_FIELD_LIMITS[field]

    def clean(value) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("Must be an object")
        json_limits.check_field(value, **limits)  # a JsonLimitError is a ValueError: reported on the field
        return value

    return clean


CLEANERS = {
    "name": _name, "description": _text, "channel": _choice(Channel), "budget": _budget, "currency": _currency,
    "keywords": _keywords, "start_date": _datetime, "end_date": _datetime, "timezone": _timezone,
    "priority": _choice(Priority), "status": _choice(CampaignStatus), "demographics": _demographics,
    "target_locations": _locations, "media_files": _media, "audience": _json_object("audience"), "content": _json_object("content"),
}
