"""Access and refresh tokens: issue, rotate (reuse revokes the family), revoke, clean up."""
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_jwt_extended import create_access_token
from sqlalchemy import delete, or_, select, update

from app.errors import Unauthorized
from app.extensions import db
from app.integrations.kv import redis_client
from app.models import RefreshToken, User, UserStatus, utcnow
from app.services import principals, unit_of_work
from app.services.activity import record_event


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_at: datetime
    user: User
    token_type: str = "bearer"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_refresh(user: User, family_id: uuid.UUID, user_agent: str | None) -> tuple[str, RefreshToken]:
    plain = secrets.token_urlsafe(48)
    row = RefreshToken(user_id=user.id, family_id=family_id, token_hash=_digest(plain),
                       expires_at=utcnow() + timedelta(days=current_app.config["REFRESH_TOKEN_DAYS"]),
                       user_agent=(user_agent or "")[:255] or None)
    db.session.add(row)
    return plain, row


def _pair(user: User, plain: str, row: RefreshToken) -> TokenPair:
    ttl = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    # "tv" ties the token to the user's token_version; "fam" to the login it belongs to, so logout ends both.
    access = create_access_token(identity=str(user.id),
                                 additional_claims={"tv": user.token_version, "fam": str(row.family_id)})
    return TokenPair(access_token=access, refresh_token=plain,
                     expires_in=int(ttl.total_seconds()), refresh_expires_at=row.expires_at, user=user)


@unit_of_work
def issue_tokens(user: User, *, user_agent: str | None = None) -> TokenPair:
    """Start a new refresh-token family for a user who just proved who they are."""
    plain, row = _new_refresh(user, uuid.uuid4(), user_agent)
    db.session.flush()
    return _pair(user, plain, row)


def _revoke_family(family_id: uuid.UUID) -> None:
    db.session.execute(
        update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@unit_of_work
def rotate_refresh_token(plain: str, *, user_agent: str | None = None) -> TokenPair:
    """Trade a live refresh token for a new pair; presenting a spent token revokes its whole family."""
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _digest(plain or "")))
    if row is None:
        raise Unauthorized("Invalid refresh token")
    now = utcnow()
    if row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("Refresh token expired or revoked")
    # One conditional update decides the race: of two concurrent refreshes with the same token,
    # exactly one rotates it; the other is treated as reuse.
    rotated = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(rotated_at=now)
    ).rowcount
    user = db.session.get(User, row.user_id)
    if not rotated:
        _revoke_family(row.family_id)
        record_event(None, user, "auth.refresh_token_reused", user, {"family_id": str(row.family_id)})
        # Commit the revocation even though the caller gets an error.
        db.session.commit()
        raise Unauthorized("Refresh token reuse detected; all sessions of this login were revoked")
    if user is None or user.status != UserStatus.ACTIVE:
        raise Unauthorized("Invalid refresh token")
    new_plain, new_row = _new_refresh(user, row.family_id, user_agent)
    db.session.flush()
    return _pair(user, new_plain, new_row)


def revoked_key(claims: dict) -> str | None:
    """The Redis key that marks this access token revoked (None for a token without an id).

    It carries the user in a hash tag, like the rate-limit counters of the user's requests, so the limiter reads
    it in the same script call (one slot on Redis Cluster too).
    """
    if not claims.get("jti"):
        return None
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:{{user:{claims.get('sub')}}}:revoked-access:{claims['jti']}"


def revoke_access_token(claims: dict) -> None:
    """This access token stops working now, not when it expires (kept in Redis until its expiry)."""
    ttl = int(claims.get("exp", 0) - time.time())
    key = revoked_key(claims)
    if key and ttl > 0:
        _store().set(key, 1, ex=ttl)


def is_access_token_revoked(claims: dict) -> bool:
    key = revoked_key(claims)
    return key is not None and bool(_store().exists(key))


def _store():
    # Where the limiter keeps its counters: it reads this key in the same script call.
    return redis_client(current_app.config.get("RATELIMIT_STORAGE_URI") or current_app.config["REDIS_URL"])


@unit_of_work
def logout(*, refresh_token: str | None, access_claims: dict | None) -> None:
    """End one login: its refresh family can no longer be refreshed and the presented access token dies now.

    Unknown refresh tokens are ignored; an access token from another login than the refresh token is ended too.
    """
    user = None
    if refresh_token:
        row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token)))
        if row is not None:
            _revoke_family(row.family_id)
            user = db.session.get(User, row.user_id)
    if access_claims:
        if access_claims.get("fam"):
            _revoke_family(uuid.UUID(access_claims["fam"]))
        revoke_access_token(access_claims)
        user = user or db.session.get(User, uuid.UUID(access_claims["sub"]))
    if user is not None:
        record_event(None, user, "auth.logout", user)


def end_all_sessions(user: User) -> None:
    """Every access token, page session and refresh token of `user` stops working (helper: the caller commits)."""
    principals.changed(user.id)  # their cached access is dropped everywhere on commit
    db.session.execute(update(User).where(User.id == user.id).values(token_version=User.token_version + 1))
    db.session.execute(
        update(RefreshToken).where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.refresh(user, ["token_version"])


@unit_of_work
def logout_everywhere(user: User) -> None:
    """Sign `user` out of every device: API tokens and page sessions end within the request."""
    end_all_sessions(user)
    record_event(None, user, "auth.logout_everywhere", user)


def _dead_tokens():
    return or_(RefreshToken.expires_at <= utcnow(), RefreshToken.revoked_at.is_not(None))


@unit_of_work
def cleanup_tokens(*, dry_run: bool = False) -> int:
    """Delete expired and revoked refresh tokens; with dry_run only count them."""
    if dry_run:
        return db.session.scalar(select(db.func.count()).select_from(RefreshToken).where(_dead_tokens()))
    return db.session.execute(delete(RefreshToken).where(_dead_tokens())).rowcount
