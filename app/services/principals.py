"""Who is calling, in which account and with which role: one query, or none while nothing about them changed.

Every authenticated request needs the user (active? token version still theirs?), the account it works in
(the one it names, else the user's oldest membership) and the role there. A miss loads all three in one
statement (the user by primary key, its membership and account beside it in a LATERAL join). A hit costs no
query: each process keeps what it loaded, stamped with the user's *principal version*, a Redis counter that the
rate limiter reads in the request's one Redis round trip (app.limiter).

Invalidation, not expiry, keeps it right: once a transaction that changes a user, one of their memberships or
an account they belong to commits, the users concerned get a new version (one pipelined SET of a value never
used before), so the next request of theirs, in any process, loads again. ORM changes are found by themselves (flush events: the
services, Flask-Admin, the CLI); a bulk statement on users, accounts or memberships must name the users it
touches with `changed()` first, or it is refused. A change made behind the app's back (psql), or whose bump
could not reach Redis, is picked up within PRINCIPAL_CACHE_SECONDS (10 s by default), the cache's age limit.
"""
import copy
import enum
import functools
import itertools
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, inspect, literal, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.integrations.kv import redis_client
from app.models import Account, Membership, MemberRole, User
from app.services import detached

log = logging.getLogger(__name__)
VERSION_TTL = 86400  # far longer than any cache entry lives, so an expired version never matches an old entry
MAX_ENTRIES = 10_000


@dataclass
class Principal:
    user: User | None
    account: Account | None = None
    role: MemberRole | None = None
    # The account asked for was not one the user may use (or not an id at all): NotFound when it is needed.
    account_missing: bool = False
    wanted: str | None = None  # the account id it was resolved for (None: the user's default)


def _uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def version_key(user_id) -> str | None:
    """The Redis counter bumped whenever the user's access may have changed (tagged like the user's rate limits)."""
    uid = _uuid(user_id)
    if uid is None:
        return None
    return f"{_config('RATELIMIT_KEY_PREFIX', 'campaignhub')}:{{user:{uid}}}:principal"


def _config(name: str, default):
    return current_app.config.get(name, default) if has_app_context() else default


# Loading ----------------------------------------------------------------------------------------------------

def _membership_lateral(by_id: bool, *, admin: bool):
    """The account (and role) a user works in: the one asked for if they may, else their oldest membership."""
    if admin:  # admins may work in any account, as owners; their default is the oldest account
        inner = select(Account, literal(MemberRole.OWNER.value).label("member_role"))
        inner = inner.where(Account.id == bindparam("wanted")) if by_id else inner.order_by(Account.created_at)
    else:
        inner = (select(Account, Membership.role.label("member_role"))
                 .join(Membership, Membership.account_id == Account.id).where(Membership.user_id == User.id))
        inner = (inner.where(Account.id == bindparam("wanted")) if by_id
                 else inner.order_by(Membership.created_at, Account.created_at))
    return inner.limit(1).lateral("principal_account")


@functools.cache
def _statement(by_id: bool, admin: bool):
    # Built once: composing the LATERAL join costs more Python than running it.
    lateral = _membership_lateral(by_id, admin=admin)
    account = aliased(Account, lateral)
    return (select(User, account, lateral.c.member_role).outerjoin(lateral, true())
            .where(User.id == bindparam("uid")))


def _query(user_id: uuid.UUID, wanted: uuid.UUID | None, *, admin: bool):
    params = {"uid": user_id, "wanted": wanted} if wanted else {"uid": user_id}
    return db.session.execute(_statement(wanted is not None, admin), params).first()


def load(user_id, account_id=None) -> Principal:
    """The user `user_id` with the account `account_id` (None: their default) and their role there, in one query.

    Unknown users give Principal(None). An account the user may not use, or a malformed id, leaves the account
    empty and sets account_missing; a user without any account has neither.
    """
    uid = _uuid(user_id)
    if uid is None:
        return Principal(None, wanted=account_id)
    wanted = _uuid(account_id) if account_id else None
    if account_id and wanted is None:
        user = db.session.get(User, uid)
        return Principal(user, account_missing=user is not None, wanted=account_id)
    row = _query(uid, wanted, admin=False)
    if row is None:
        return Principal(None, wanted=account_id)
    user, account, role = row
    if user.is_admin:  # rare: the admin variant takes every account (one more query, admins only)
        user, account, role = _query(uid, wanted, admin=True)
    if account is None:
        return Principal(user, account_missing=wanted is not None, wanted=account_id)
    return Principal(user, account, MemberRole(role), wanted=account_id)


# The per-process cache -------------------------------------------------------------------------------------------

@dataclass
class _Entry:
    user: dict
    account: dict | None
    role: MemberRole | None
    account_missing: bool
    version: str
    loaded_at: float


# user id -> account asked for (None: the default) -> entry
_cache: dict[str, dict[str | None, _Entry]] = {}


# Values shared between the cache and a request as they are; anything else (JSON, arrays) is copied each way.
IMMUTABLE = (str, int, float, bool, type(None), uuid.UUID, datetime, date, Decimal, enum.Enum)


@functools.cache
def _columns(model) -> tuple[str, ...]:
    return tuple(attr.key for attr in model.__mapper__.column_attrs)


def _snapshot(obj) -> dict:
    values = {key: getattr(obj, key) for key in _columns(type(obj))}
    return {key: value if isinstance(value, IMMUTABLE) else copy.deepcopy(value) for key, value in values.items()}


def _attach(model, values: dict):
    """A persistent instance in this request's session built from `values`, without a query."""
    session = db.session()
    existing = session.identity_map.get(identity_key(model, values["id"]))
    if existing is not None:  # already loaded by this session: it is at least as fresh
        return existing
    obj = detached(model, {key: value if isinstance(value, IMMUTABLE) else copy.deepcopy(value)
                           for key, value in values.items()})
    session.add(obj)
    return obj


def resolve(user_id, account_id=None, *, version: str | None = None) -> Principal:
    """As load(), but with `version` (the caller's principal version, read from Redis this request) a copy kept by
    this process is used while the version is unchanged and it is younger than PRINCIPAL_CACHE_SECONDS."""
    max_age = float(_config("PRINCIPAL_CACHE_SECONDS", 10))
    if version is None or max_age <= 0:
        return load(user_id, account_id)
    entry = _cache.get(str(user_id), {}).get(account_id)
    if entry is not None and entry.version == version and time.monotonic() - entry.loaded_at < max_age:
        return Principal(_attach(User, entry.user), _attach(Account, entry.account) if entry.account else None,
                         entry.role, entry.account_missing, account_id)
    loaded_at = time.monotonic()  # before the query: an entry is never younger than what it holds
    principal = load(user_id, account_id)
    if principal.user is not None:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache.setdefault(str(user_id), {})[account_id] = _Entry(_snapshot(principal.user), _snapshot(principal.account) if principal.account else None,
                             principal.role, principal.account_missing, version, loaded_at)
    return principal


# Invalidation -----------------------------------------------------------------------------------------------------

PENDING = "principal_users_changed"
CREATED = "principal_users_created"


def changed(*user_ids) -> None:
    """Name the users a bulk statement on users, accounts or memberships touches (before running it): their
    cached principals are dropped everywhere once the transaction commits."""
    db.session().info.setdefault(PENDING, set()).update(str(u) for u in user_ids if u is not None)


def _members_of(session: Session, account_ids) -> list:
    if not account_ids:
        return []
    return list(session.connection().execute(
        select(Membership.user_id).where(Membership.account_id.in_(account_ids))).scalars())


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    # Accounts before the flush: deleting one deletes its memberships, and with them who was a member.
    accounts = {obj.id for obj in (*session.dirty, *session.deleted) if isinstance(obj, Account) and obj.id}
    if accounts:
        session.info.setdefault(PENDING, set()).update(str(u) for u in _members_of(session, accounts))


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    users = set()
    # A user created in this transaction cannot be cached anywhere yet: nothing to drop (and Redis untouched).
    created = session.info.setdefault(CREATED, set())
    created.update(str(obj.id) for obj in session.new if isinstance(obj, User))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            users.add(obj.id)
        elif isinstance(obj, Membership):
            users.add(obj.user_id)
            history = inspect(obj).attrs.user_id.history  # a membership moved to another user
            users.update(history.deleted or ())
    if users:
        session.info.setdefault(PENDING, set()).update(str(u) for u in users if u is not None)


@event.listens_for(Session, "do_orm_execute")
def _check_bulk(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in (User, Account, Membership) and not state.session.info.get(PENDING):
        raise RuntimeError(f"A bulk statement on {mapper.class_.__tablename__} must name the users it changes with "
                           "app.services.principals.changed() first, or their cached access would outlive it")


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    users = session.info.pop(PENDING, set()) - session.info.pop(CREATED, set())
    if users:
        bump(users)


_bumps = itertools.count()


def bump(user_ids) -> None:
    """Drop the cached principals of these users in every process (their next request loads them again)."""
    keys = [k for k in (version_key(u) for u in user_ids) if k]
    for user_id in user_ids:  # this process at once, even if Redis is down
        _cache.pop(str(user_id), None)
    try:
        url = _config("RATELIMIT_STORAGE_URI", None) or _config("REDIS_URL", None)
        if url is None:
            raise RuntimeError("no app context to find Redis in")
        # A value never used before (not a counter, which a Redis that lost its keys would count again).
        version = f"b{time.time_ns()}.{os.getpid()}.{next(_bumps)}"
        pipe = redis_client(url).pipeline(transaction=False)
        for key in keys:
            pipe.set(key, version, ex=VERSION_TTL)
        pipe.execute()
    except Exception:  # noqa: BLE001 - the change is committed; the cache's age limit bounds the staleness
        log.exception("Could not bump principal versions; cached access may last PRINCIPAL_CACHE_SECONDS more")
