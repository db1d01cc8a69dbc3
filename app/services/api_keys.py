"""API keys: made by an account's owners for integrators, shown once, kept as a digest, checked on the request path.

A key acts in its account as the owner who made it, with at most its scope's role (read: viewer, write: editor),
and only while that owner still belongs to the account. Checking one costs what a bearer token does: a
per-process cache by digest (at most PRINCIPAL_CACHE_SECONDS old), else one lookup on the unique digest index;
revocation also marks the key in Redis, where the limiter's one round trip reads it (app/limiter.py), so a
revoked key stops at once in every process. Use is recorded cheaply: `last_used_at` at most once a minute per
key and process, an `api_key.used` audit event at most once an hour per key.
"""
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from app.errors import Conflict
from app.extensions import db
from app.integrations.kv import redis_client
from app.models import Account, ApiKey, ApiKeyScope, MemberRole, User, utcnow
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.pagination import Page, paginate
from app.services.read_models import RowView

KEY_PREFIX = "chk_"  # tells a key from a JWT in `Authorization: Bearer`, and secret scanners what it is
TOUCH_SECONDS = 60
AUDIT_USE_SECONDS = 3600
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class KeyEntry:
    """What a request needs of a key, without its row."""

    key_id: uuid.UUID
    account_id: uuid.UUID
    user_id: uuid.UUID
    role: MemberRole
    loaded_at: float


_cache: dict[str, KeyEntry] = {}
_touched: dict[uuid.UUID, float] = {}


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def presented_key(headers) -> str | None:
    """The API key a request carries: `X-API-Key`, or `Authorization: Bearer chk_...` (a JWT is not one)."""
    raw = headers.get("X-API-Key")
    if raw is None:
        scheme, _, value = headers.get("Authorization", "").partition(" ")
        raw = value.strip() if scheme == "Bearer" and value.strip().startswith(KEY_PREFIX) else None
    return raw.strip() if raw is not None else None


def lookup(raw: str) -> KeyEntry | None:
    """The live key `raw` names, from this process's cache or one indexed query; None for an unknown or revoked
    key (a revocation reaches cached entries through Redis, read by the limiter)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key_hash = digest(raw)
    max_age = float(current_app.config.get("PRINCIPAL_CACHE_SECONDS", 10))
    entry = _cache.get(key_hash)
    if entry is not None and time.monotonic() - entry.loaded_at < max_age:
        return entry
    loaded_at = time.monotonic()
    row = db.session.execute(select(ApiKey.id, ApiKey.account_id, ApiKey.created_by, ApiKey.scope).where(
        ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))).first()
    if row is None:
        _cache.pop(key_hash, None)
        return None
    entry = KeyEntry(row.id, row.account_id, row.created_by, ApiKeyScope(row.scope).role, loaded_at)
    if max_age > 0:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[key_hash] = entry
    return entry


def revoked_key(entry: KeyEntry) -> str:
    """The Redis mark of a revoked key, tagged with its owner like their rate limits (one slot with them)."""
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:{{user:{entry.user_id}}}:revoked-api-key:{entry.key_id}"


def capped_role(role: MemberRole | None, entry: KeyEntry) -> MemberRole | None:
    """The owner's role in the account, never more than the key's scope."""
    if role is None:
        return None
    return role if role.rank <= entry.role.rank else entry.role


def touch(entry: KeyEntry, *, ip: str | None) -> None:
    """Record that the key was used: last_used_at at most once a minute (per process), an audit event at most
    once an hour. Its own small transaction, so a failing request still counts as a use."""
    now = time.monotonic()
    if now - _touched.get(entry.key_id, -TOUCH_SECONDS) < TOUCH_SECONDS:
        return
    _touched[entry.key_id] = now
    if len(_touched) > MAX_ENTRIES:
        _touched.clear()
    _record_use(entry, ip)


@unit_of_work
def _record_use(entry: KeyEntry, ip: str | None) -> None:
    # One statement: the old value decides whether this use is audited, the update is skipped if another
    # process touched the key within the minute.
    previous = db.session.execute(text(
        "WITH old AS (SELECT id, last_used_at FROM api_keys WHERE id = :id FOR UPDATE) "
        "UPDATE api_keys k SET last_used_at = now() FROM old WHERE k.id = old.id "
        "AND (old.last_used_at IS NULL OR old.last_used_at < now() - make_interval(secs => :touch)) "
        "RETURNING old.last_used_at"), {"id": entry.key_id, "touch": TOUCH_SECONDS}).first()
    if previous is None:
        return
    if previous.last_used_at is None or previous.last_used_at < utcnow() - timedelta(seconds=AUDIT_USE_SECONDS):
        key = db.session.get(ApiKey, entry.key_id)
        record_event(db.session.get(Account, entry.account_id), db.session.get(User, entry.user_id),
                     "api_key.used", key, {"name": key.name, "prefix": key.prefix, "ip": ip})


@unit_of_work
def create_key(account: Account, *, actor: User, name: str, scope: ApiKeyScope) -> RowView:
    """A new key for `account` acting as `actor`; the answer carries the key itself (`key`), shown this once."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(account_id=account.id, name=name.strip(), prefix=raw[:12], key_hash=digest(raw), scope=scope,
                 created_by=actor.id)
    db.session.add(key)
    db.session.flush()
    record_event(account, actor, "api_key.created", key, {"name": key.name, "scope": str(scope), "prefix": key.prefix})
    return RowView(key, key=raw)


def revoke_key(key: ApiKey, *, actor: User) -> ApiKey:
    """Stop the key now, in every process; 409 if it was revoked already."""
    _revoke(key, actor=actor)
    entry = KeyEntry(key.id, key.account_id, key.created_by, key.scope.role, 0.0)
    for key_hash in [h for h, e in _cache.items() if e.key_id == key.id]:
        _cache.pop(key_hash, None)
    try:
        redis_client(current_app.config.get("RATELIMIT_STORAGE_URI") or current_app.config["REDIS_URL"]).set(
            revoked_key(entry), 1, ex=86400)
    except Exception:  # noqa: BLE001 - revoked in the database: caches forget it within PRINCIPAL_CACHE_SECONDS
        current_app.logger.exception("Could not mark API key %s revoked in Redis", key.id)
    return key


@unit_of_work
def _revoke(key: ApiKey, *, actor: User) -> None:
    if key.revoked_at is not None:
        raise Conflict("This API key is revoked already")
    key.revoked_at = utcnow()
    record_event(key.account, actor, "api_key.revoked", key, {"name": key.name, "prefix": key.prefix})


def get_key(account: Account, key_id) -> ApiKey:
    return get_owned(ApiKey, account, key_id, label="API key")


def list_keys(account: Account, *, page: int = 1, size: int = 10) -> Page:
    """The account's keys, live ones first, newest first."""
    stmt = select(ApiKey).options(selectinload(ApiKey.creator)).where(ApiKey.account_id == account.id).order_by(
        ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id)
    return paginate(stmt, page=page, size=size)
