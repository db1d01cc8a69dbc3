"""The segment builder's rows ⇄ the rule tree: plain text values read as the field's kind expects."""
import json

from flask_babel import gettext as _

from app import json_limits
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


def rules_from_form(form, centre: dict | None = None) -> dict:
    """The rule tree from the advanced JSON box if filled, else from the rows with a field.

    `centre` is the place picked in the form's radius picker (app.blueprints.geolocation.picker.picked_place):
    with `radius_km` it adds a "location within_km" condition around it.
    """
    raw = (form.rules_json.data or "").strip()
    if raw:
        try:
            # Within the limits of a JSON body: text nested thousands deep must not exhaust the parser.
            rules = json_limits.loads(raw, max_depth=RULES_MAX_JSON_DEPTH, max_bytes=RULES_MAX_BYTES)
        except ValueError as exc:
            raise ValidationError("The rules are not valid JSON", details={"rules_json": [str(exc)]}) from None
        return rules
    conditions = [{"field": row.field.data, "op": row.op.data,
                   "value": row_value(row.field.data, row.op.data, row.value.data)}
                  for row in form.conditions if row.field.data]
    radius = _radius(centre, form.radius_km.data)
    return {"match": form.match.data or "all", "conditions": conditions + ([radius] if radius else [])}


def _radius(centre: dict | None, km) -> dict | None:
    if centre is None and km is None:
        return None
    if centre is None:
        raise ValidationError("Validation error", details={"centre": [_("Pick the place at the centre.")]})
    if km is None:
        raise ValidationError("Validation error", details={"radius_km": [_("How many km around the place?")]})
    return {"field": "location", "op": "within_km", "value": {"point": centre["coordinates"], "km": km}}


def _text(value) -> str:
    if isinstance(value, dict) and "point" in value:
        return ", ".join(str(v) for v in [*value["point"], value.get("km", "")])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def fill_form(form, rules: dict) -> None:
    """Show saved rules: flat ones as rows, nested ones in the JSON box."""
    conditions = rules.get("conditions", [])
    if any("conditions" in c for c in conditions) or len(conditions) > form.conditions.max_entries:
        form.rules_json.data = json.dumps(rules, indent=2, ensure_ascii=False)
        return
    form.match.data = rules.get("match", "all")
    while len(form.conditions) < len(conditions):
        form.conditions.append_entry()
    for row, condition in zip(form.conditions, conditions):
        row.field.data, row.op.data = condition.get("field"), condition.get("op")
        row.value.data = _text(condition.get("value"))
