"""Normalisation of customer fields, shared by the API, the pages and imports: one answer for one input."""
import functools
import re
import zoneinfo
from datetime import datetime, timezone

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

# Plain ASCII addresses (nearly every row of a real file) skip email-validator, which costs ~20 µs a call.
# The pattern accepts only what email-validator accepts; anything else goes through the validator.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FAST_EMAIL = re.compile(rf"^({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?)$")
_SPECIAL_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "test"}
_TRUE = {"1", "true", "yes", "y", "si", "sí", "s", "x", "on", "opt-in", "optin", "granted", "t", "verdadero"}
_FALSE = {"0", "false", "no", "n", "off", "opt-out", "optout", "withdrawn", "f", "falso", "unsubscribed"}
TAG_RE = re.compile(r"^[\w][\w .:/-]{0,63}$")


class FieldError(ValueError):
    """One field's value is not acceptable; the message says why, for people."""


def normalize_email(value: str) -> str:
    value = value.strip()
    match = _FAST_EMAIL.match(value)
    if match and len(value) <= 254 and len(match.group(1)) <= 64 \
            and match.group(2).rsplit(".", 1)[-1].lower() not in _SPECIAL_TLDS:
        return value.lower()
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise FieldError(str(exc)) from None


def normalize_phone(value: str, region: str | None) -> str:
    """E.164 (`+34600111222`), reading national numbers in the account's default region."""
    value = value.strip()
    try:
        number = phonenumbers.parse(value, (region or "US").upper())
    except phonenumbers.NumberParseException:
        raise FieldError("Not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError("Not a valid phone number for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=512)
def normalize_language(value: str) -> str:
    code = value.strip().replace("_", "-").split("-")[0].lower()
    lang = (pycountry.languages.get(alpha_2=code) if len(code) == 2 else
            pycountry.languages.get(alpha_3=code) if len(code) == 3 else None)
    if lang is None:
        try:
            lang = pycountry.languages.lookup(value.strip())
        except LookupError:
            raise FieldError("Unknown language; use an ISO 639 code such as 'en' or 'es'.") from None
    return getattr(lang, "alpha_2", None) or lang.alpha_3


@functools.lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in zoneinfo.available_timezones()}


def normalize_timezone(value: str) -> str:
    zone = _zones().get(value.strip().lower())
    if zone is None:
        raise FieldError("Unknown time zone; use an IANA name such as 'Europe/Madrid'.")
    return zone


@functools.lru_cache(maxsize=1024)
def normalize_country(value: str) -> str:
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        raise FieldError("Unknown country; use an ISO 3166 code such as 'ES'.") from None


def normalize_tags(values) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[,;|]", values)
    tags = set()
    for raw in values:
        tag = str(raw).strip().lower()
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise FieldError(f"Invalid tag {tag!r}: letters, digits, spaces and . : / - _ only, at most 64.")
        tags.add(tag)
    return sorted(tags)


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError("Expected yes/no (true/false, 1/0, sí/no).")


def check_point(lon: float, lat: float) -> tuple[float, float]:
    if not (-180.0 <= lon <= 180.0):
        raise FieldError("Longitude must be between -180 and 180.")
    if not (-90.0 <= lat <= 90.0):
        raise FieldError("Latitude must be between -90 and 90.")
    return lon, lat


def point_wkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def parse_datetime(value) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise FieldError("Expected a date or time such as 2026-01-31 or 2026-01-31T10:00:00Z.") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
