"""The segment builder's rows ⇄ the rule tree: plain text values read as the field's kind expects."""
import json

from flask_babel import gettext as _

from app import json_limits
from app.blueprints.geolocation.picker import picked_place
from app.errors import ValidationError
from app.services.segments import RULES_MAX_BYTES, RULES_MAX_JSON_DEPTH, field_kind

LIST_OPS = ("in", "not_in", "all")


def _scalar(text: str, kind: str):
    text = text.strip()
    if kind in ("number", "attribute"):
        try:
            return int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            return text
    if kind == "consent" and text.lower() in ("true", "false", "yes", "no"):
        return text.lower() in ("true", "yes")
    return text


def row_value(field: str, op: str, text: str):
    """A row's text box as the rule's value: lists comma-separated, a radius as "lon, lat, km"."""
    try:
        kind = field_kind(field)
    except ValueError:
        kind = "string"
    text = text or ""
    if op == "exists":
        return text.strip().lower() not in ("false", "no", "0")
    if op in ("within_days", "before_days"):
        return int(text) if text.strip().isdigit() else text
    if op == "within_km":
        parts = [p.strip() for p in text.replace(";", ",").split(",")]
        try:
            lon, lat, km = (float(p) for p in parts)
        except ValueError:
            return text  # the compiler names the problem
        return {"point": [lon, lat], "km": km}
    if op in LIST_OPS:
        return [_scalar(p, kind) for p in text.split(",") if p.strip()]
    return _scalar(text, kind)


def rules_from_form(form, *, resolve: bool = True) -> dict:
    """The rule tree from the advanced JSON box if filled, else from the rows with a field.

    A radius row takes the place picked in its location picker (a typed name is looked up when `resolve`;
    while counting live only a picked place counts) and keeps the place's name beside its point.
    """
    raw = (form.rules_json.data or "").strip()
    if raw:
        try:
            # Within the limits of a JSON body: text nested thousands deep must not exhaust the parser.
            rules = json_limits.loads(raw, max_depth=RULES_MAX_JSON_DEPTH, max_bytes=RULES_MAX_BYTES)
        except ValueError as exc:
            raise ValidationError("The rules are not valid JSON", details={"rules_json": [str(exc)]}) from None
        return rules
    conditions, errors = [], {}
    for row in form.conditions:
        if not row.field.data:
            continue
        if row.op.data == "within_km" and (row.place.data or row.km.data is not None or not row.value.data):
            value = _radius(row, resolve, errors)
        else:
            value = row_value(row.field.data, row.op.data, row.value.data)
        conditions.append({"field": row.field.data, "op": row.op.data, "value": value})
    if errors:
        raise ValidationError("Validation error", details=errors)
    return {"match": form.match.data or "all", "conditions": conditions}


def row_indexes(form) -> list[int]:
    """Which row each condition of rules_from_form came from (rows without a field are skipped)."""
    return [i for i, row in enumerate(form.conditions) if row.field.data]


def _radius(row, resolve: bool, errors: dict) -> dict | None:
    picker = {row.place.name: row.place.data or "", f"{row.place.name}_lat": _text(row.place_lat.data),
              f"{row.place.name}_lon": _text(row.place_lon.data)}
    try:
        centre = picked_place(picker, row.place.name, resolve=resolve)
    except ValidationError as exc:
        errors.update(exc.details)
        return None
    if centre is None:
        errors[row.place.name] = [_("Pick the place at the centre.")]
    elif row.km.data is None:
        errors[row.km.name] = [_("How many km around the place?")]
    else:
        return {"point": centre["coordinates"], "km": row.km.data, "name": centre["full_name"]}
    return None


def _text(value) -> str:
    if isinstance(value, dict) and "point" in value:
        return ", ".join(str(v) for v in [*value["point"], value.get("km", "")])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def fill_form(form, rules: dict) -> None:
    """Show saved rules: flat ones as rows (a radius with its place's name), nested ones in the JSON box."""
    conditions = rules.get("conditions", [])
    if any("conditions" in c for c in conditions) or len(conditions) > form.conditions.max_entries:
        form.rules_json.data = json.dumps(rules, indent=2, ensure_ascii=False)
        return
    form.match.data = rules.get("match", "all")
    while len(form.conditions) < len(conditions):
        form.conditions.append_entry()
    for row, condition in zip(form.conditions, conditions):
        row.field.data, row.op.data = condition.get("field"), condition.get("op")
        value = condition.get("value")
        if condition.get("op") == "within_km" and _is_radius(value) and value.get("name"):
            # The place's name in its picker, its point behind it: saving again keeps both as they were.
            (row.place_lon.data, row.place_lat.data), row.km.data = value["point"], value["km"]
            row.place.data = value["name"]
        else:
            row.value.data = _text(value)


def _is_radius(value) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("point"), list) and len(value["point"]) == 2
            and all(isinstance(c, (int, float)) for c in value["point"]) and isinstance(value.get("km"), (int, float)))
