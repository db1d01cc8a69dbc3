"""Helpers shared by page forms."""
from flask import flash
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError


def apply_errors(form, error: DomainError) -> None:
    """Show a service's field errors next to the form's fields, and the rest as a flash message."""
    leftover = []
    for field, messages in (error.details or {}).items():
        messages = messages if isinstance(messages, list) else [str(messages)]
        if hasattr(form, field):
            getattr(form, field).errors = list(getattr(form, field).errors) + messages
        else:
            leftover.extend(messages)
    if leftover or not error.details:
        flash(" ".join(leftover) or error.message, "danger")


def choice_list(items) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them; SelectChoice items pass through."""
    return [item if isinstance(item, SelectChoice) else SelectChoice(*item) for item in items]
