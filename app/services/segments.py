"""Segments: a rule tree compiled to one SQL statement over customers; counts, previews and streamed ids."""
import uuid
from datetime import timedelta
from typing import Any, Iterator

from sqlalchemy import ColumnElement, Select, and_, cast, false, func, not_, or_, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import Numeric, String

from app import json_limits
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import CHANNELS, Account, Customer, Segment, User
from app.services import customer_fields as cf
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.customers import BEHAVIOURS, behaviour_clause
from app.services.names import check_name, name_key
from app.services.pagination import Page, paginate
from app.services.search import LIKE_ESCAPE, contains_pattern, prefix_pattern

MAX_DEPTH = 5
MAX_CONDITIONS = 50
# The rule tree as JSON: 5 nested groups take 10 levels, a condition and its value (within_km) 3 more.
RULES_MAX_JSON_DEPTH = 16
RULES_MAX_BYTES = 128_000
STRING_FIELDS = ("first_name", "last_name", "email", "phone", "language", "timezone", "city", "country")
NUMBER_FIELDS = ("orders_count",)
TIME_FIELDS = ("last_order_at", "created_at")
OPS = {
    "string": ("eq", "ne", "in", "not_in", "contains", "not_contains", "starts_with", "exists"),
    "number": ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists"),
    "time": ("gt", "gte", "lt", "lte", "within_days", "before_days", "exists"),
    "tags": ("contains", "not_contains", "in", "all", "exists"),
    "consent": ("eq", "ne"),
    "behaviour": ("eq", "ne", "in"),
    "attribute": ("eq", "ne", "in", "contains", "gt", "gte", "lt", "lte", "exists"),
    "location": ("within_km", "exists"),
}


class RuleError(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message


def field_kind(field: str) -> str:
    if field in STRING_FIELDS:
        return "string"
    if field in NUMBER_FIELDS:
        return "number"
    if field in TIME_FIELDS:
        return "time"
    if field in ("tags", "behaviour", "location"):
        return field
    if field.startswith("consent.") and field.split(".", 1)[1] in CHANNELS:
        return "consent"
    if field.startswith("attributes.") and 0 < len(field) - 11 <= 64:
        return "attribute"
    raise ValueError(f"Unknown field {field!r}.")


def compile_rules(rules: Any) -> ColumnElement[bool]:
    """The rule tree as one SQL boolean over `customers`; ValidationError naming the bad condition."""
    counter = [0]
    try:
        json_limits.check_field(rules, max_depth=RULES_MAX_JSON_DEPTH, max_bytes=RULES_MAX_BYTES)
    except json_limits.JsonLimitError as exc:
        where = f"rules.{exc.where}" if exc.where and not exc.where.startswith("[") else f"rules{exc.where}"
        raise ValidationError(f"Invalid segment rules: {exc.message}", details={"rules": {where: [exc.message]}}) \
            from None
    try:
        return _group(rules, "rules", 1, counter)
    except RuleError as exc:
        raise ValidationError(f"Invalid segment rule at {exc.path}: {exc.message}",
                              details={"rules": {exc.path: [exc.message]}}) from None


def _group(node: Any, path: str, depth: int, counter: list[int]) -> ColumnElement[bool]:
    if not isinstance(node, dict) or not isinstance(node.get("conditions"), list):
        raise RuleError(path, 'Expected {"match": "all" | "any", "conditions": [...]}.')
    match = node.get("match", "all")
    if match not in ("all", "any"):
        raise RuleError(f"{path}.match", "match must be 'all' or 'any'.")
    if depth > MAX_DEPTH:
        raise RuleError(path, f"Groups nest at most {MAX_DEPTH} deep.")
    parts = []
    for i, child in enumerate(node["conditions"]):
        child_path = f"{path}.conditions[{i}]"
        if isinstance(child, dict) and "conditions" in child:
            parts.append(_group(child, child_path, depth + 1, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_CONDITIONS:
                raise RuleError(child_path, f"At most {MAX_CONDITIONS} conditions.")
            parts.append(_condition(child, child_path))
    if not parts:  # an empty "all" is everyone, an empty "any" is no one
        return true() if match == "all" else false()
    return and_(*parts) if match == "all" else or_(*parts)


def _condition(node: Any, path: str) -> ColumnElement[bool]:
    if not isinstance(node, dict) or "field" not in node or "op" not in node:
        raise RuleError(path, 'Expected {"field", "op", "value"} or a nested group.')
    field, op, value = node["field"], node["op"], node.get("value")
    try:
        kind = field_kind(str(field))
        if op not in OPS[kind]:
            raise ValueError(f"Operator {op!r} does not apply to {field}; use one of: {', '.join(OPS[kind])}.")
        return _COMPILERS[kind](str(field), op, value)
    except (ValueError, TypeError, OverflowError, cf.FieldError) as exc:
        raise RuleError(path, f"{field} {op}: {exc}" if not str(exc).startswith(("Unknown", "Operator")) else str(exc))


def _list(value, convert=lambda v: v) -> list:
    if not isinstance(value, list) or not value or len(value) > 1000:
        raise ValueError("value must be a non-empty list (at most 1,000 items).")
    return [convert(v) for v in value]


def _scalar(value, kind: str):
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("value must be a number.")
        return value
    if kind == "time":
        try:
            return cf.parse_datetime(value)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the year 1 in UTC
            raise ValueError("value is out of range: use a date between the years 1 and 9999.") from None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("value must be text.")
    return str(value)


def _normalise(field: str, value: str) -> str:
    # Compare like with like: values in rules are normalised as the stored ones are.
    if field == "email":
        return value.strip().lower()
    if field in ("language", "country") and len(value) <= 3:
        return value.strip().lower() if field == "language" else value.strip().upper()
    return value


def _exists(column, value) -> ColumnElement[bool]:
    return column.is_not(None) if value in (None, True) else column.is_(None)


def _column_condition(field: str, op: str, value) -> ColumnElement[bool]:
    column = getattr(Customer, field)
    kind = field_kind(field)
    if op == "exists":
        return _exists(column, value)
    if op == "within_days":
        return column >= func.now() - timedelta(days=_days(value))
    if op == "before_days":
        return column < func.now() - timedelta(days=_days(value))
    if op in ("in", "not_in"):
        items = _list(value, lambda v: _normalise(field, _scalar(v, kind)) if kind == "string" else _scalar(v, kind))
        clause = column.in_(items)
        return clause if op == "in" else not_(func.coalesce(clause, False))
    scalar = _scalar(value, kind)
    scalar = _normalise(field, scalar) if kind == "string" else scalar
    if op == "contains":
        return column.ilike(contains_pattern(scalar), escape=LIKE_ESCAPE)
    if op == "not_contains":
        return not_(func.coalesce(column.ilike(contains_pattern(scalar), escape=LIKE_ESCAPE), False))
    if op == "starts_with":
        return column.ilike(prefix_pattern(scalar), escape=LIKE_ESCAPE)
    return _compare(column, op, scalar)


def _compare(column, op: str, value) -> ColumnElement[bool]:
    return {"eq": lambda: column == value, "ne": lambda: column.is_distinct_from(value),
            "gt": lambda: column > value, "gte": lambda: column >= value,
            "lt": lambda: column < value, "lte": lambda: column <= value}[op]()


def _days(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 36500:
        raise ValueError("value must be a whole number of days.")
    return value


def _tags_condition(field: str, op: str, value) -> ColumnElement[bool]:
    tags_type = ARRAY(String(64))
    if op == "exists":
        return func.cardinality(Customer.tags) > 0 if value in (None, True) else func.cardinality(Customer.tags) == 0
    if op in ("in", "all"):
        wanted = cf.normalize_tags(_list(value, str))
        # && and @> on the array use the GIN index.
        return Customer.tags.overlap(cast(wanted, tags_type)) if op == "in" else Customer.tags.contains(
            cast(wanted, tags_type))
    tag = cf.normalize_tags([_scalar(value, "string")])
    if not tag:
        raise ValueError("value must be a tag.")
    has = Customer.tags.contains(cast(tag, tags_type))
    return has if op == "contains" else not_(has)


def _consent_condition(field: str, op: str, value) -> ColumnElement[bool]:
    column = getattr(Customer, f"{field.split('.', 1)[1]}_consent")
    states = {True: column.is_(True), "granted": column.is_(True), False: column.is_not(True),
              "withdrawn": column.is_(False), "unknown": column.is_(None)}
    if isinstance(value, str):
        value = value.lower()
    if value not in states:
        raise ValueError("value must be true, false, 'granted', 'withdrawn' or 'unknown'.")
    return states[value] if op == "eq" else not_(states[value])


def _behaviour_condition(field: str, op: str, value) -> ColumnElement[bool]:
    values = _list(value, str) if op == "in" else [_scalar(value, "string")]
    for v in values:
        if v not in BEHAVIOURS:
            raise ValueError(f"value must be one of: {', '.join(BEHAVIOURS)}.")
    clause = or_(*[func.coalesce(behaviour_clause(v), False) for v in values])
    return not_(clause) if op == "ne" else clause


def _attribute_condition(field: str, op: str, value) -> ColumnElement[bool]:
    key = field.split(".", 1)[1]
    text_value = Customer.attributes[key].astext
    if op == "exists":
        return Customer.attributes.has_key(key) if value in (None, True) else not_(Customer.attributes.has_key(key))
    if op in ("gt", "gte", "lt", "lte"):
        number = _scalar(value, "number")
        # Only values that look like numbers take part; others never match instead of failing the query.
        numeric = func.cast(func.nullif(func.substring(text_value, r"^\s*(-?\d+(?:\.\d+)?)\s*$"), ""), Numeric)
        return _compare(numeric, op, number)
    if op == "in":
        return text_value.in_(_list(value, lambda v: _json_text(v)))
    if op == "contains":
        return text_value.ilike(contains_pattern(_scalar(value, "string")), escape=LIKE_ESCAPE)
    return _compare(text_value, op, _json_text(value))


def _json_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (dict, list)):
        raise ValueError("value must be text, a number or true/false.")
    return str(value)


def _location_condition(field: str, op: str, value) -> ColumnElement[bool]:
    if op == "exists":
        return _exists(Customer.location, value)
    if not isinstance(value, dict) or "point" not in value or "km" not in value:
        raise ValueError('value must be {"point": [lon, lat], "km": n}.')
    point, km = value["point"], value["km"]
    if isinstance(point, dict):
        point = point.get("coordinates")
    if (not isinstance(point, list) or len(point) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in point)):
        raise ValueError("point must be [longitude, latitude].")
    lon, lat = cf.check_point(float(point[0]), float(point[1]))
    if isinstance(km, bool) or not isinstance(km, (int, float)) or not 0 < km <= 20000:
        raise ValueError("km must be a number above 0 (at most 20,000).")
    # Native geography column + GiST index: ST_DWithin in metres, no cast on the column.
    centre = func.ST_GeogFromText(f"SRID=4326;POINT({lon!r} {lat!r})")
    return func.ST_DWithin(Customer.location, centre, float(km) * 1000.0)


_COMPILERS = {"string": _column_condition, "number": _column_condition, "time": _column_condition,
              "tags": _tags_condition, "consent": _consent_condition, "behaviour": _behaviour_condition,
              "attribute": _attribute_condition, "location": _location_condition}


# --- segments and their audiences --------------------------------------------------------------------------------

def get_segment(account: Account, segment_id) -> Segment:
    return get_owned(Segment, account, segment_id)


def _segments_query(account: Account) -> Select:
    return select(Segment).where(Segment.account_id == account.id).order_by(Segment.name, Segment.id)


def list_segments(account: Account, *, page: int, size: int) -> Page:
    """A page of the account's saved segments, by name."""
    return paginate(_segments_query(account), page=page, size=size)


def segment_choices(account: Account, *, limit: int = 500) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the account's segments by name, for a picker."""
    return [tuple(row) for row in db.session.execute(
        _segments_query(account).with_only_columns(Segment.id, Segment.name).limit(limit))]


def count_each(account: Account, saved: list[Segment]) -> dict[uuid.UUID, int]:
    """How many customers each of these segments matches: one pass over the account's customers, one
    `count(*) FILTER (WHERE rules)` per segment, instead of one statement per segment."""
    if not saved:
        return {}
    db.session.execute(text(COUNT_SETTINGS))
    counts = db.session.execute(select(*(func.count().filter(compile_rules(s.rules)) for s in saved))
                                .select_from(Customer).where(Customer.account_id == account.id)).one()
    return {s.id: count for s, count in zip(saved, counts)}


def matching_query(account: Account, rules: dict) -> Select:
    """Customers of `account` matching `rules`: one statement, indexes used as they are."""
    return select(Customer).where(Customer.account_id == account.id, compile_rules(rules))


# For the count's transaction only. JIT compiling the count of a large account cost 4-370 ms here (planned once,
# run once: never repaid), and the default 4 MB bitmap turns lossy past ~60,000 heap pages, so every row of those
# pages is checked again.
COUNT_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '32MB'"


def count_matching(account: Account, rules: dict) -> int:
    """How many customers of `account` match `rules`: one statement."""
    where = compile_rules(rules)
    db.session.execute(text(COUNT_SETTINGS))
    return db.session.scalar(select(func.count()).select_from(Customer).where(Customer.account_id == account.id, where))


def preview(account: Account, rules: dict, *, limit: int = 10) -> dict:
    """How many customers match, and the newest few."""
    first = db.session.scalars(matching_query(account, rules).order_by(Customer.created_at.desc(), Customer.id)
                               .limit(limit)).all()
    return {"count": count_matching(account, rules), "customers": first}


def eligible_customers_query(account: Account, segment: Segment | None = None, channel: str | None = None) -> Select:
    """Ids of the customers a send may reach: in the segment (or everyone), with consent and an address for channel."""
    stmt = select(Customer.id).where(Customer.account_id == account.id)
    if segment is not None:
        stmt = stmt.where(compile_rules(segment.rules))
    if channel is not None:
        if channel not in CHANNELS:
            raise ValidationError(details={"channel": [f"Must be one of: {', '.join(CHANNELS)}."]})
        stmt = stmt.where(getattr(Customer, f"{channel}_consent").is_(True))
        if channel == "email":
            stmt = stmt.where(Customer.email.is_not(None))
        elif channel == "whatsapp":
            stmt = stmt.where(Customer.phone.is_not(None))
    return stmt


def segment_customer_ids(segment: Segment, *, channel: str | None = None,
                         batch_size: int = 5000) -> Iterator[uuid.UUID]:
    """Yield the ids of a segment's customers in id order, a batch at a time (keyset, never OFFSET)."""
    account = db.session.get(Account, segment.account_id)
    base = eligible_customers_query(account, segment, channel).order_by(Customer.id)
    last = None
    while True:
        stmt = base if last is None else base.where(Customer.id > last)
        ids = db.session.scalars(stmt.limit(batch_size)).all()
        yield from ids
        if len(ids) < batch_size:
            return
        last = ids[-1]


@unit_of_work
def create_segment(account: Account, *, actor: User | None, name: str, rules: dict,
                   description: str = "") -> Segment:
    """Save a segment; its rules are checked now and evaluated whenever it is used."""
    compile_rules(rules)
    name = _clean_name(account, name)
    segment = Segment(account_id=account.id, name=name, rules=rules, description=description or "")
    db.session.add(segment)
    _flush_unique(name)
    record_event(account, actor, "segment.created", segment, {"name": segment.name})
    return segment


@unit_of_work
def update_segment(segment: Segment, *, actor: User | None, **changes) -> Segment:
    """Rename a segment or change its rules."""
    account = segment.account
    if changes.get("rules") is not None:
        compile_rules(changes["rules"])
    if changes.get("name") is not None:
        changes["name"] = _clean_name(account, changes["name"], exclude=segment.id)
    for key in ("name", "rules", "description"):
        if key in changes and changes[key] is not None:
            setattr(segment, key, changes[key])
    _flush_unique(segment.name)
    record_event(account, actor, "segment.updated", segment, {"name": segment.name})
    return segment


@unit_of_work
def delete_segment(segment: Segment, *, actor: User | None) -> None:
    """Delete a saved segment (its customers stay)."""
    record_event(segment.account, actor, "segment.deleted", segment, {"name": segment.name})
    db.session.delete(segment)


def _clean_name(account: Account, name: str, *, exclude: uuid.UUID | None = None) -> str:
    """The name as kept; 422 if it cannot be a name, 409 if it is (or looks the same as) another segment's."""
    try:
        name = check_name(name)
    except ValueError as exc:
        raise ValidationError(details={"name": [str(exc)]}) from None
    stmt = select(Segment.name).where(Segment.account_id == account.id, name_key(Segment.name) == name_key(name))
    if exclude is not None:
        stmt = stmt.where(Segment.id != exclude)
    taken = db.session.scalar(stmt)
    if taken is not None:
        raise Conflict("A segment with this name already exists", details={"name": [
            "Another segment of this account has this name." if taken.lower() == name.lower()
            else f"Looks the same as the segment '{taken}' of this account."]})
    return name


def _flush_unique(name: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("A segment with this name already exists",
                       details={"name": ["Another segment of this account has this name."]}) from None
