"""Idempotency keys: the first successful answer to a request is stored and replayed to its repeats."""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import IdempotencyKey, utcnow

KEY_TTL = timedelta(hours=24)


@dataclass
class StoredAnswer:
    status_code: int
    body: str
    headers: dict


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def claim(*, caller: str, key: str, method: str, path: str, fingerprint: str) -> StoredAnswer | None:
    """Claim `key` for this request (None), or return the answer already stored for it.

    The claim is committed at once so a concurrent repeat sees it and is told to wait.
    """
    if not key or len(key) > 255:
        raise ValidationError("Validation error", details={"Idempotency-Key": ["Must be 1 to 255 characters."]})
    ident = dict(caller=caller, key=key, method=method, path=path)
    claimed = db.session.execute(
        insert(IdempotencyKey).values(request_hash=fingerprint, **ident)
        .on_conflict_do_nothing().returning(IdempotencyKey.id)
    ).first()
    db.session.commit()
    if claimed:
        return None
    row = db.session.scalar(select(IdempotencyKey).filter_by(**ident))
    if row is None:  # released between our insert and select: the other request failed
        return claim(caller=caller, key=key, method=method, path=path, fingerprint=fingerprint)
    if row.request_hash != fingerprint:
        raise ValidationError("This Idempotency-Key was already used with a different request",
                              details={"Idempotency-Key": ["Reused with a different request body."]})
    if row.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly",
                       headers={"Retry-After": "1"})
    return StoredAnswer(row.status_code, row.response_body or "", row.response_headers or {})


def store(*, caller: str, key: str, method: str, path: str, status_code: int, body: str, headers: dict) -> None:
    db.session.rollback()  # nothing of the request's own work may ride on this commit
    row = db.session.scalar(select(IdempotencyKey).filter_by(caller=caller, key=key, method=method, path=path))
    if row is not None:
        row.status_code, row.response_body, row.response_headers = status_code, body, headers
        db.session.commit()


def release(*, caller: str, key: str, method: str, path: str) -> None:
    """Forget the claim of a request that did not succeed, so the client can retry with the same key."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).filter_by(caller=caller, key=key, method=method, path=path))
    db.session.commit()


def purge_expired() -> int:
    deleted = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEY_TTL)).rowcount
    db.session.commit()
    return deleted
