"""Page forms and service errors: the one place that puts a service's errors where people read them.

Services speak English and name fields as the API does; a page shows their errors next to its own fields,
in the reader's language (the messages pages meet are listed in app/blueprints/labels.py), naming other
fields by their labels ("Must be after “Start date”", not "after start_date"). Errors that belong to no
field of the form go to the top of the page as a flash message.
"""
import functools
import re

from babel.numbers import get_currency_name, get_territory_currencies
from flask import flash
from flask_babel import get_locale, gettext
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.services.geolocation import countries


def messages_of(value) -> list[str]:
    """Every message in a details value: a string, a list of them, or a mapping (nested paths as "path: message")."""
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in messages_of(inner)]
    if isinstance(value, (list, tuple)):
        return [message for inner in value for message in messages_of(inner)]
    return [] if value is None else [str(value)]


def translate(message: str, form=None) -> str:
    """A service's message in the page's language, the form's field names (start_date) replaced by their labels."""
    text = gettext(message) if message else ""
    if form is not None:
        for name, field in form._fields.items():
            if "_" in name and name in text:
                text = re.sub(rf"\b{re.escape(name)}\b", f"“{field.label.text}”", text)
    return text


def _field_messages(error: DomainError) -> bool:
    # 422 (and 413/415 about an upload) detail fields with messages; a Conflict's details are data (allowed moves).
    return error.status_code in (413, 415, 422)


def error_text(error: DomainError, form=None) -> str:
    """One sentence for the top of a page: a validation error's field messages, else the error's own message."""
    if _field_messages(error) and error.details:
        return " ".join(translate(m, form) for m in messages_of(error.details))
    return translate(error.message, form)


def apply_errors(form, error: DomainError, *, rename: dict[str, str] | None = None) -> None:
    """Show a service's field errors next to the form's fields and the rest as a flash message.

    `rename` maps the service's field names onto the form's where they differ ({"demographics": "age"}).
    Details of other errors than 422, 413 and 415 are data (a Conflict's allowed moves): their message is shown.
    """
    rename = rename or {}
    leftover, placed = [], False
    for name, value in (error.details or {}).items():
        field = _field(form, rename.get(name, name))
        messages = [translate(m, form) for m in messages_of(value)]
        if field is not None:
            field.errors = list(field.errors) + messages
            placed = True
        elif _field_messages(error):
            leftover.extend(messages)
    for field in form:  # a list of sub-forms reports its rows' errors as its own (the summary at the top names it)
        if hasattr(field, "entries") and any(entry.errors for entry in field.entries):
            field.errors = [entry.errors for entry in field.entries]
    if not placed and not _field_messages(error):
        leftover = [translate(error.message, form)]
    if leftover or not error.details:
        flash(" ".join(dict.fromkeys(leftover)) or translate(error.message, form), "danger")


def _field(form, name: str):
    """The form's field `name`, also inside a list of sub-forms by its input name ("conditions-2-value")."""
    if name in form._fields:
        return None if name == "csrf_token" else form[name]
    head, _sep, rest = name.partition("-")
    index, _sep, inner = rest.partition("-")
    entries = getattr(form._fields.get(head), "entries", None)
    if entries is None or not index.isdigit() or int(index) >= len(entries):
        return None
    entry = entries[int(index)]
    return entry.form[inner] if inner and hasattr(entry, "form") and inner in entry.form._fields else None


def attempt(operation, success: str | None = None):
    """Run a service call for a page that redirects afterwards: flash its error, or `success`.

    Answers the call's result (True when it returns None), or None when it raised a domain error.
    """
    try:
        result = operation()
    except DomainError as exc:
        flash(error_text(exc), "danger")
        return None
    if success:
        flash(success, "success")
    return True if result is None else result


def flash_form_errors(form) -> None:
    """A form that failed its own checks on a page that redirects: each field's errors, named by its label."""
    for name, errors in form.errors.items():
        label = form[name].label.text if name in form._fields else name
        flash(f"{label}: {' '.join(messages_of(errors))}", "danger")


def choice_list(items) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them; SelectChoice items pass through."""
    return [item if isinstance(item, SelectChoice) else SelectChoice(*item) for item in items]


def country_choices() -> list[SelectChoice]:
    """ISO 3166 countries, "ES" named "España" or "Spain" as the page speaks, sorted by that name."""
    return [SelectChoice(c["code"], c["name"]) for c in countries(str(get_locale() or "en"))]


def currency_choices() -> list[SelectChoice]:
    """Currencies some country uses today, "EUR · euro", named in the page's language."""
    return _currencies(str(get_locale() or "en"))


@functools.lru_cache(maxsize=8)
def _currencies(lang: str) -> list[SelectChoice]:
    # Babel's CLDR data: today's legal tender of each country, not every historical ISO 4217 code.
    codes = {code for country in countries("en")
             for code in get_territory_currencies(country["code"], tender=True, non_tender=False)}
    return [SelectChoice(code, f"{code} · {get_currency_name(code, locale=lang)}") for code in sorted(codes)]
