"""Who is calling and in which account: shared by the API (bearer tokens) and the pages (session)."""
import functools

from flask import Flask, g, redirect, request, session, url_for
from flask_jwt_extended import get_jwt, get_jwt_identity, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_login import current_user as session_user
from jwt.exceptions import PyJWTError

from app.errors import Forbidden, NotFound, Unauthorized
from app.extensions import jwt, login_manager
from app.models import Account, MemberRole, User, UserRole
from app.services import accounts, auth

ACCOUNT_HEADER = "X-Account-Id"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _load_user() -> None:
    """Resolve the caller once per request: a bearer token on the API, the session cookie on pages."""
    g.user = None
    if is_api_request():
        if "Authorization" not in request.headers:
            return
        try:
            verify_jwt_in_request()
        except (JWTExtendedException, PyJWTError):
            g.auth_error = "Invalid or expired access token"
            return
        user = accounts.get_user(get_jwt_identity())
        if user is not None and get_jwt().get("tv", 0) != user.token_version:
            g.auth_error = "This session has ended; sign in again"
            return
    else:
        user = session_user._get_current_object() if session_user.is_authenticated else None
    if user is not None and user.is_active:
        g.user = user
    elif user is not None:
        g.auth_error = "This user is disabled"


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
    wanted = request.headers.get(ACCOUNT_HEADER) if is_api_request() else session.get("account_id")
    try:
        account, role = accounts.account_and_role(user, wanted or None)
    except NotFound:
        if is_api_request():
            raise
        session.pop("account_id", None)  # a stale choice on the pages falls back to the default
        account, role = accounts.account_and_role(user)
    if account is None:
        raise NotFound("No account available; create one first")
    g.account, g.account_role = account, role
    return account


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
    """The user a page session names, if the session's token version is still theirs."""
    user_id, _, version = session_id.partition(":")
    user = accounts.get_user(user_id)
    return user if user is not None and version == str(user.token_version) else None


def init_security(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.user_loader(_session_user)
    app.before_request(_load_user)

    @jwt.token_in_blocklist_loader
    def _revoked(_header, claims) -> bool:
        return auth.is_access_token_revoked(claims)

    # flask-jwt-extended answers these itself unless told to raise ours.
    @jwt.expired_token_loader
    @jwt.invalid_token_loader
    @jwt.unauthorized_loader
    def _jwt_error(*_args):
        raise Unauthorized("Invalid or expired access token")
