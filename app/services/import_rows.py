"""One imported row: cells → validated, normalised staging values (or the reason it is rejected)."""
import json
from datetime import datetime

from app.services import customer_fields as cf
from app.services import import_phone
from app.services.csv_safe import unescape_cell

# Order of the staging table's input columns (COPY writes them in this order).
STAGE_COLUMNS = ("line", "email", "phone", "first_name", "last_name", "language", "timezone", "city", "country",
                 "lon", "lat", "tags", "consent_email", "consent_whatsapp", "consent_push", "orders_count",
                 "last_order_at", "attributes")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# Fields with few distinct values in a file: each value is normalised once per import (answer or error kept).
CACHED_FIELDS = ("language", "timezone", "country", "tags", "consent_email", "consent_whatsapp", "consent_push",
                 "last_order_at")
_CACHE_LIMIT = 10_000


class RowError(ValueError):
    pass


class _Refused(str):
    """A cached refusal: the reason, raised afresh as a FieldError each time the value comes back."""


def _cached(normaliser):
    seen: dict = {}

    def normalise(raw: str):
        answer = seen.get(raw)
        if answer is None:
            try:
                answer = normaliser(raw)
            except (cf.FieldError, ValueError) as exc:
                answer = _Refused(str(exc))
            if len(seen) < _CACHE_LIMIT:
                seen[raw] = answer
        if type(answer) is _Refused:
            raise cf.FieldError(answer)
        return answer
    return normalise


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _datetime(text: str) -> datetime:
    if "/" not in text:  # neither day-first format can match (strptime failing twice cost more than the parse)
        return cf.parse_datetime(text)
    for fmt in ("%d/%m/%Y", "%d/%m/%Y %H:%M"):
        try:
            return cf.parse_datetime(datetime.strptime(text, fmt))
        except ValueError:
            continue
    return cf.parse_datetime(text)


def _count(text: str) -> int:
    value = int(_number(text))
    if value < 0 or value > 10_000_000:
        raise cf.FieldError("Must be a whole number from 0.")
    return value


class RowParser:
    """Built once per import from the headers and the mapping; `parse(cells)` runs for every row."""

    def __init__(self, headers: list[str], mapping: dict[str, str], region: str, tags=()):
        # The job's tags are merged here, so new rows need no array work in SQL.
        self.job_tags = set(tags)
        position = {h: i for i, h in enumerate(headers)}
        self.fields = {f: position[c] for c, f in mapping.items() if f and not f.startswith("attributes.")}
        self.attributes = {f.split(".", 1)[1]: position[c] for c, f in mapping.items()
                           if f and f.startswith("attributes.")}
        self.region = region
        self.normalisers = {
            "email": cf.normalize_email, "phone": lambda v: import_phone.normalize_phone(v, region),
            "language": cf.normalize_language, "timezone": cf.normalize_timezone, "country": cf.normalize_country,
            "tags": cf.normalize_tags, "consent_email": cf.parse_bool, "consent_whatsapp": cf.parse_bool,
            "consent_push": cf.parse_bool, "latitude": _number, "longitude": _number, "orders_count": _count,
            "last_order_at": _datetime,
        }
        for name in CACHED_FIELDS:
            self.normalisers[name] = _cached(self.normalisers[name])
        # (field, cell index, normaliser or None) in mapping order: the per-row loop looks nothing up.
        self.plan = [(name, index, self.normalisers.get(name)) for name, index in self.fields.items()]

    def parse(self, cells: list[str]) -> dict:
        values, errors = {}, []
        width = len(cells)
        for name, index, normaliser in self.plan:
            raw = cells[index].strip() if index < width else ""
            if not raw:
                continue
            if raw[0] == "'":  # '+34... as our rejected-rows download (or a spreadsheet) writes text
                raw = unescape_cell(raw)
            if "\x00" in raw:  # PostgreSQL text cannot hold it; the csv module lets it through
                errors.append(f"{name}: contains a NUL character.")
                continue
            try:
                values[name] = normaliser(raw) if normaliser else raw[:100]
            except (cf.FieldError, ValueError) as exc:
                errors.append(f"{name}: {exc}")
        if errors:
            raise RowError("; ".join(errors))
        if "email" not in values and "phone" not in values:
            raise RowError("No valid email or phone.")
        if "full_name" in values:
            first, _, last = values.pop("full_name").partition(" ")
            values.setdefault("first_name", first)
            values.setdefault("last_name", last.strip())
        lat, lon = values.pop("latitude", None), values.pop("longitude", None)
        if (lat is None) != (lon is None):
            raise RowError("location: give both latitude and longitude.")
        if lat is not None:
            try:
                values["lon"], values["lat"] = cf.check_point(lon, lat)
            except cf.FieldError as exc:
                raise RowError(f"location: {exc}") from None
        if self.job_tags:
            values["tags"] = sorted(self.job_tags.union(values.get("tags", ())))
        if self.attributes:
            attrs = {k: unescape_cell(cells[i].strip()) for k, i in self.attributes.items()
                     if i < width and cells[i].strip()}
            if any("\x00" in v for v in attrs.values()):
                raise RowError("attributes: contains a NUL character.")
            if attrs:
                values["attributes"] = attrs
        return values


def _text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _tags(value: list[str]) -> str:
    return "{" + ",".join(f'"{t}"' for t in value) + "}"  # tags hold no quote nor backslash (TAG_RE)


def _attributes(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)


def _bool(value: bool) -> str:
    return "t" if value else "f"


def _iso(value: datetime) -> str:
    return value.isoformat()


# How each staging column is written in COPY text format (the parser gives each field one type).
_FORMATS = tuple((name, {"tags": _tags, "attributes": _attributes, "lon": repr, "lat": repr, "orders_count": repr,
                         "last_order_at": _iso, "consent_email": _bool, "consent_whatsapp": _bool,
                         "consent_push": _bool}.get(name, _text)) for name in STAGE_COLUMNS[1:])


def copy_line(line: int, values: dict) -> str:
    """One line of COPY text format for the staging table."""
    out = [str(line)]
    get = values.get
    for name, write in _FORMATS:
        value = get(name)
        out.append("\\N" if value is None else write(value))
    return "\t".join(out) + "\n"
