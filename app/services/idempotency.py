"""Idempotency keys: the first successful answer to a request is stored and replayed to its repeats."""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from werkzeug.datastructures import MultiDict

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import IdempotencyKey, utcnow

KEY_TTL = timedelta(hours=24)
FILE_CHUNK = 1 << 20


@dataclass
class StoredAnswer:
    status_code: int
    body: str
    headers: dict


def request_fingerprint(method: str, path: str, body: bytes = b"", *, form: MultiDict | None = None,
                        files: MultiDict | None = None) -> str:
    """What makes two requests "the same": method, path and query, the raw body, and for form posts (whose raw
    body is spent by parsing) every field and every file's name and content, so a different file is a different
    request. Files are hashed in chunks and rewound for the view; order of fields does not matter.
    """
    digest = hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body)
    for name, value in sorted((form or MultiDict()).items(multi=True), key=lambda item: item[0]):
        _frame(digest, b"field", name.encode(), value.encode())
    for name, upload in sorted((files or MultiDict()).items(multi=True), key=lambda item: item[0]):
        _frame(digest, b"file", name.encode(), (upload.filename or "").encode())
        content = hashlib.sha256()
        stream = upload.stream
        start = stream.tell()
        while chunk := stream.read(FILE_CHUNK):
            content.update(chunk)
        stream.seek(start)
        digest.update(content.digest())
    return digest.hexdigest()


def _frame(digest, *parts: bytes) -> None:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently.
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)


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
