"""The segment builder's words: fields and operators as a marketer says them, and which operators fit which field.

The rule compiler (app/services/segments.py) speaks codes (`orders_count`, `gte`, `within_km`); the builder shows
"Orders" "is at least". Its script (static/segments.js) reads builder_config() to offer, per field, only the
operators the compiler accepts for it, and the hint for the value.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.segments import OPS, field_kind

FIELD_LABELS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "email": _l("Email"), "phone": _l("Phone"),
    "language": _l("Language"), "timezone": _l("Time zone"), "city": _l("City"), "country": _l("Country"),
    "tags": _l("Tags"), "behaviour": _l("Behaviour"), "consent.email": _l("Email consent"),
    "consent.whatsapp": _l("WhatsApp consent"), "consent.push": _l("Push consent"), "orders_count": _l("Orders"),
    "last_order_at": _l("Last order"), "created_at": _l("Added on"), "location": _l("Location"),
}
OP_LABELS = {
    "eq": _l("is"), "ne": _l("is not"), "in": _l("is one of"), "not_in": _l("is none of"),
    "contains": _l("contains"), "not_contains": _l("does not contain"), "starts_with": _l("starts with"),
    "gt": _l("is more than"), "gte": _l("is at least"), "lt": _l("is less than"), "lte": _l("is at most"),
    "all": _l("has all of"), "within_days": _l("in the last … days"), "before_days": _l("more than … days ago"),
    "within_km": _l("within … km of"), "exists": _l("is set"),
}
# Where a kind reads better with its own word for an operator.
KIND_OP_LABELS = {
    "time": {"gt": _l("is after"), "gte": _l("is on or after"), "lt": _l("is before"), "lte": _l("is on or before")},
    "tags": {"contains": _l("include"), "not_contains": _l("do not include"), "in": _l("include any of"),
             "all": _l("include all of"), "exists": _l("are set")},
}
LIST_HINT = _l("comma-separated")
HINTS = {
    "string": _l("text"), "number": _l("a number"), "time": _l("a date, like 2025-12-31"), "tags": _l("a tag"),
    "consent": _l("granted, withdrawn or unknown"), "behaviour": _l("new, frequent or returning"),
    "attribute": _l("text or a number"), "location": "",
}
OP_HINTS = {"in": LIST_HINT, "not_in": LIST_HINT, "all": LIST_HINT, "within_days": _l("days"),
            "before_days": _l("days"), "exists": _l("yes or no")}
VALUE_SUGGESTIONS = {"consent": ("granted", "withdrawn", "unknown"), "behaviour": ("new", "frequent", "returning"),
                     "exists": ("yes", "no")}


def kind_of(field: str | None) -> str | None:
    try:
        return field_kind(field) if field else None
    except ValueError:
        return None


def field_label(field: str) -> str:
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    if field.startswith("attributes."):
        return _("Attribute “%(name)s”", name=field.split(".", 1)[1])
    return field


def op_label(op: str, kind: str | None = None) -> str:
    return str(KIND_OP_LABELS.get(kind, {}).get(op) or OP_LABELS.get(op, op))


def op_choices(field: str | None) -> list[tuple[str, str]]:
    """The operators that fit `field` (every one while no field is chosen), in words."""
    kind = kind_of(field)
    ops = OPS[kind] if kind else tuple(OP_LABELS)
    return [(op, op_label(op, kind)) for op in ops]


def field_choices(extra: list[str] = ()) -> list[tuple[str, str]]:
    """Every field, and custom attributes a saved segment uses (so they survive a save)."""
    return [("", "—")] + [(f, field_label(f)) for f in list(FIELD_LABELS) + [e for e in extra if e not in FIELD_LABELS]]


def hint(field: str | None, op: str | None) -> str:
    return str(OP_HINTS.get(op) or HINTS.get(kind_of(field) or "string", ""))


def builder_config() -> dict:
    """For static/segments.js: each kind's operators in words and value hints, each field's kind."""
    kinds = {kind: {"ops": [[op, op_label(op, kind)] for op in ops], "hint": str(HINTS.get(kind, "")),
                    "suggest": list(VALUE_SUGGESTIONS.get(kind, ()))}
             for kind, ops in OPS.items()}
    return {"kinds": kinds, "fields": {f: kind_of(f) for f in FIELD_LABELS}, "attribute_kind": "attribute",
            "op_hints": {op: str(text) for op, text in OP_HINTS.items()}, "exists": list(VALUE_SUGGESTIONS["exists"])}


def row_message(field: str | None, op: str | None, message: str) -> str:
    """A compiler message about one row, in the builder's words and the page's language.

    The row shows its field and operator, so "orders_count gte: value must be a number." reads "value must be a
    number."; an operator that does not fit the field is said with the words the row shows.
    """
    if message.startswith("Operator "):
        return _("“%(op)s” does not apply to %(field)s: pick another operator.",
                 op=op_label(op or "", kind_of(field)), field=field_label(field or ""))
    if message.startswith("Unknown field"):
        return _("Pick a field from the list.")
    prefix = f"{field} {op}: "
    text = message[len(prefix):] if message.startswith(prefix) else message
    return _(text)
