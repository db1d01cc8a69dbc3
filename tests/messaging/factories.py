"""Messaging test data: customers with consent and email campaigns, made through the services; the statements a
block of code sends."""
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db
from app.services import campaigns, customers

CONTENT = {
    "en": {"subject": "Hello {{ first_name }}", "body": "Hi {{ first_name }}, see https://shop.test/sale?x=1 now."},
    "es": {"subject": "Hola {{ first_name }}", "body": "Hola {{ first_name }}, mira https://shop.test/rebajas ya."},
}


def make_customer(account, *, email: str, consent: bool | None = True, language: str | None = None, **fields):
    data = {"email": email, "first_name": fields.pop("first_name", email.split("@")[0].title()), **fields}
    if language:
        data["language"] = language
    if consent is not None:
        data["consent"] = {"email": consent}
    return customers.create_customer(account, actor=None, **data)


def make_email_campaign(account, user, *, name: str = "Winter sale", content: dict | None = None,
                        audience: dict | None = None):
    return campaigns.create_campaign(account, actor=user, name=name, channel="email", budget=100,
                                     content=content or CONTENT, audience=audience or {})


@contextmanager
def statements():
    """The SQL statements sent to the database inside the block, in order."""
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
