"""Audience test data, built through the services."""
import itertools

from app.extensions import db
from app.models import Account, ImportJob, ImportStatus
from app.services import customers
from tests.conftest import wait_for

_seq = itertools.count(1)


def make_customer(account: Account, **fields):
    n = next(_seq)
    fields.setdefault("email", f"customer{n}@example.com")
    fields.setdefault("first_name", f"Customer{n}")
    return customers.create_customer(account, actor=None, **fields)


def finished_import(job_id, timeout: float = 60.0) -> ImportJob:
    """The import job once it has finished (completed or failed), re-read from the database."""

    def finished():
        db.session.expire_all()
        job = db.session.get(ImportJob, job_id)
        return job if job.status in (ImportStatus.COMPLETED, ImportStatus.FAILED) else None

    return wait_for(finished, timeout=timeout)
