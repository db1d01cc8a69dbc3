"""Audience test data, built through the services."""
import itertools

from app.models import Account
from app.services import customers

_seq = itertools.count(1)


def make_customer(account: Account, **fields):
    n = next(_seq)
    fields.setdefault("email", f"customer{n}@example.com")
    fields.setdefault("first_name", f"Customer{n}")
    return customers.create_customer(account, actor=None, **fields)
