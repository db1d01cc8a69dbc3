"""Who is calling and in which account: shared by the API (bearer tokens) and the pages (session).

Three steps per request, around the rate limiter: `_identify` reads who claims to call (the bearer token,
decoded once, or the page session) without touching the database; the limiter's one Redis round trip
(app.limiter) counts the request and reads whether that token was revoked and the caller's principal version;
`_resolve` then takes user, account and role from this process's cache when that version is unchanged, else
from one query (app.services.principals).
"""
import dataclasses
import functools
import time

import jwt as pyjwt
from flask import Flask, g, redirect, request, session, url_for
from flask_jwt_extended.config import config as jwt_config
from flask_login import current_user as session_user
from jwt.exceptions import PyJWTError

from app.errors import Forbidden, NotFound, ServiceUnavailable, Unauthorized
from app.extensions import jwt, login_manager
from app.models import Account, MemberRole, User, UserRole
from app.services import api_keys, auth, principals

ACCOUNT_HEADER = "X-Account-Id"
INVALID_TOKEN = "Invalid or expired access token"
SESSION_USER_KEY = "_user_id"  # where flask-login keeps "<user id>:<token version>"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _access_claims() -> dict | None:
    """The verified claims of the bearer access token, decoded once (flask-jwt-extended's checks: signature,
    algorithm, expiry, not-before, audience and issuer when configured, the identity claim, an access token)."""
    parts = request.headers.get(jwt_config.header_name, "").split()
    if len(parts) != 2 or parts[0] != jwt_config.header_type:
        return None
    key = jwt_config.decode_key
    seen = _verified.get((key, parts[1]))
    if seen is not None:  # this exact token passed every check here before; only time can have changed
        leeway = jwt_config.leeway
        leeway = leeway.total_seconds() if hasattr(leeway, "total_seconds") else leeway
        if seen.get("nbf", 0) - leeway <= time.time() < seen["exp"] + leeway:
            return seen
    try:
        claims = pyjwt.decode(parts[1], key, algorithms=jwt_config.decode_algorithms,
                              audience=jwt_config.decode_audience, issuer=jwt_config.decode_issuer,
                              leeway=jwt_config.leeway,
                              options={"verify_aud": jwt_config.decode_audience is not None,
                                       "verify_sub": jwt_config.verify_sub})
    except (PyJWTError, ValueError, TypeError):
        return None
    if jwt_config.identity_claim_key not in claims or claims.get("type", "access") != "access":
        return None
    if "exp" in claims:  # flask-jwt-extended always sets it; a token without one is checked every time
        if len(_verified) >= 10_000:
            _verified.clear()
        _verified[(key, parts[1])] = claims
    return claims


# Tokens whose signature and claims this process verified, by (key, token): the signature cannot change, so a
# repeat only needs its time window checked again (PyJWT's decode costs ~30-100 µs, most of the token path).
_verified: dict[tuple[str, str], dict] = {}


def _identify() -> None:
    """Who claims to call, without the database: what the limiter counts against and looks up in Redis."""
    g.user = None
    caller = None
    if is_api_request():
        raw_key = api_keys.presented_key(request.headers)
        if raw_key is not None:
            _identify_key(raw_key)
            return
        if "Authorization" not in request.headers:
            return
        claims = _access_claims()
        if claims is None:
            g.auth_error = INVALID_TOKEN
            return
        g.access_claims = claims
        caller = principals._uuid(claims[jwt_config.identity_claim_key])
        g.revocation_key = auth.revoked_key(claims)
    elif isinstance(session.get(SESSION_USER_KEY), str):
        caller = principals._uuid(session[SESSION_USER_KEY].partition(":")[0])
    if caller is not None:
        g.caller_id = str(caller)
        g.principal_version_key = principals.version_key(caller)


def _identify_key(raw: str) -> None:
    """An API key: one indexed lookup (or this process's cache); the limiter then reads its revocation mark and
    its owner's principal version like a token's."""
    entry = api_keys.lookup(raw)
    if entry is None:
        g.auth_error = "Invalid or revoked API key"
        return
    g.api_key = entry
    g.caller_id = str(entry.user_id)
    g.principal_version_key = principals.version_key(entry.user_id)
    g.revocation_key = api_keys.revoked_key(entry)


# What a person does for themselves (their profile, password, sessions, the accounts they belong to and join) is
# never done with a key, which speaks for one account only.
KEYLESS_BLUEPRINTS = frozenset({"auth-api", "accounts-api"})


def _resolve_key(entry: api_keys.KeyEntry, version: str | None):
    """The key's owner in the key's account with the key's scope as a ceiling; None if they left it."""
    if request.blueprint in KEYLESS_BLUEPRINTS:
        raise Forbidden("API keys work on the account's resources only; sign in for this")
    principal = principals.resolve(entry.user_id, str(entry.account_id), version=version)
    if principal.user is None or principal.account is None:
        g.auth_error = "The API key's owner no longer belongs to its account"
        return None, None
    api_keys.touch(entry, ip=request.remote_addr)
    return principal.user, dataclasses.replace(principal, role=api_keys.capped_role(principal.role, entry))


def _resolve() -> None:
    """The caller's user, account and role, once the limiter has read the token's revocation and their version."""
    if g.get("token_revoked"):
        token_revoked()
        return
    version = g.get("principal_version")  # None when Redis was not read: no cache then
    if is_api_request() and g.get("api_key") is not None:
        user, principal = _resolve_key(g.api_key, version)
    elif is_api_request():
        claims = g.get("access_claims")
        if claims is None:
            return
        principal = principals.resolve(claims[jwt_config.identity_claim_key],
                                       request.headers.get(ACCOUNT_HEADER) or None, version=version)
        user = principal.user
        if user is not None and claims.get("tv", 0) != user.token_version:
            g.auth_error = "This session has ended; sign in again"
            return
    else:
        user = session_user._get_current_object() if session_user.is_authenticated else None
        principal = g.pop("session_principal", None)
    if user is not None and user.is_active:
        g.user, g.principal = user, principal
    elif user is not None:
        g.auth_error = "This user is disabled"


def token_revoked() -> None:
    """The presented access token was revoked (logout): the request goes on as an anonymous one."""
    g.user = None
    g.auth_error = INVALID_TOKEN
    for name in ("principal", "account", "account_role", "api_key"):
        g.pop(name, None)


def token_unverifiable() -> None:
    """Redis is down, so revocation cannot be checked: refuse rather than let a logged-out token in."""
    raise ServiceUnavailable("Cannot verify the access token right now; try again shortly",
                             headers={"Retry-After": "5"})


def current_user() -> User:
    user = g.get("user")
    if user is None:
        raise Unauthorized(g.get("auth_error") or "Authentication required")
    return user


def current_account() -> Account:
    """The account this request works in: X-Account-Id (API) or the switcher's choice (pages), else the first one."""
    if "account" in g:
        return g.account
    user = current_user()
    api = is_api_request()
    wanted = (request.headers.get(ACCOUNT_HEADER) if api else session.get("account_id")) or None
    key = g.get("api_key")
    if key is not None:  # a key works in its own account only
        if wanted is not None and wanted != str(key.account_id):
            raise NotFound(f"Account with id '{wanted}' not found")
        wanted = str(key.account_id)
    principal = g.get("principal")
    if principal is None or principal.wanted != wanted:  # resolved with the user as a rule; again if it changed
        principal = principals.resolve(user.id, wanted, version=g.get("principal_version"))
    if principal.account_missing:
        if api:
            raise NotFound(f"Account with id '{wanted}' not found")
        session.pop("account_id", None)  # a stale choice on the pages falls back to the default
        principal = principals.resolve(user.id, version=g.get("principal_version"))
    if principal.account is None:
        raise NotFound("No account available; create one first")
    g.account, g.account_role = principal.account, principal.role
    if key is not None:
        g.account_role = api_keys.capped_role(principal.role, key)
    return principal.account


def current_role() -> MemberRole:
    current_account()
    return g.account_role


def require_account_role(minimum: MemberRole) -> None:
    if current_role().rank < minimum.rank:
        raise Forbidden(f"This needs the {minimum.value} role in the account")


def login_required(fn):
    """API: 401 in the envelope; pages: redirect to the login page."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if g.get("user") is None and not is_api_request():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        current_user()
        return fn(*args, **kwargs)

    return wrapper


def account_role_required(minimum: MemberRole):
    """The caller must hold at least `minimum` in the current account (viewers read, editors write, owners manage)."""

    def decorator(fn):
        @functools.wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            require_account_role(minimum)
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def roles_required(*roles: UserRole):
    def decorator(fn):
        @functools.wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user().role not in roles:
                raise Forbidden("Insufficient permissions")
            return fn(*args, **kwargs)

        return wrapper

    return decorator


viewer_required = account_role_required(MemberRole.VIEWER)
editor_required = account_role_required(MemberRole.EDITOR)
owner_required = account_role_required(MemberRole.OWNER)


def _session_user(session_id: str) -> User | None:
    """The user a page session names, if the session's token version is still theirs (with their account)."""
    user_id, _, version = session_id.partition(":")
    principal = principals.resolve(user_id, session.get("account_id") or None, version=g.get("principal_version"))
    user = principal.user
    if user is None or version != str(user.token_version):
        return None
    g.session_principal = principal
    return user


def init_security(app: Flask) -> None:
    """Register `_identify`; the limiter registers its check next, then init_principal() adds `_resolve`."""
    login_manager.login_view = "auth.login"
    login_manager.user_loader(_session_user)
    app.before_request(_identify)

    @jwt.token_in_blocklist_loader
    def _revoked(_header, claims) -> bool:
        return auth.is_access_token_revoked(claims)

    # flask-jwt-extended answers these itself unless told to raise ours.
    @jwt.expired_token_loader
    @jwt.invalid_token_loader
    @jwt.unauthorized_loader
    def _jwt_error(*_args):
        raise Unauthorized("Invalid or expired access token")


def init_principal(app: Flask) -> None:
    """Register `_resolve`, after the rate limiter's check (which reads what it needs from Redis)."""
    app.before_request(_resolve)
