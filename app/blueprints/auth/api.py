"""Auth API: register, login, refresh (rotating), logout, and the caller's profile."""
import secrets

from flask import after_this_request, current_app, request
from flask.views import MethodView
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError

from app.blueprints.auth.schemas import (
    LoginSchema, PasswordChangeSchema, ProfileUpdateSchema, RefreshSchema, RegisteredSchema, RegisterSchema, TokenSchema,
    UserSchema,
)
from app.blueprints.common import Blueprint
from app.errors import Forbidden, Unauthorized
from app.extensions import limiter
from app.ratelimit import ip_key, login_account_key, login_limit
from app.security import current_user, login_required
from app.services import accounts, auth

api_blp = Blueprint("auth-api", __name__, url_prefix="/api/v1", description="Sign-up, login, tokens and profile")

CSRF_COOKIE = "csrf_refresh_token"


# Shared limits: one counter per IP and one per account across every login path (API, seed aliases, the page),
# so switching path or identifier (username or email) buys an attacker nothing.
login_limits = [
    limiter.shared_limit(login_limit, scope="login-ip", key_func=ip_key, methods=["POST"]),
    limiter.shared_limit(login_limit, scope="login-account", key_func=login_account_key, methods=["POST"]),
]


def _set_refresh_cookie(pair: auth.TokenPair) -> None:
    config = current_app.config
    samesite = config["REFRESH_COOKIE_SAMESITE"]
    # Browsers drop SameSite=None cookies that are not Secure.
    secure = config["SESSION_COOKIE_SECURE"] or samesite == "None"

    @after_this_request
    def set_cookies(response):
        response.set_cookie(config["REFRESH_COOKIE_NAME"], pair.refresh_token, expires=pair.refresh_expires_at,
                            httponly=True, secure=secure, samesite=samesite, path=config["REFRESH_COOKIE_PATH"])
        # Double-submit: a page script reads this and echoes it as X-CSRF-TOKEN when the cookie is used.
        response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), expires=pair.refresh_expires_at,
                            httponly=False, secure=secure, samesite=samesite, path="/")
        return response


def _clear_refresh_cookie() -> None:
    config = current_app.config

    @after_this_request
    def clear(response):
        response.delete_cookie(config["REFRESH_COOKIE_NAME"], path=config["REFRESH_COOKIE_PATH"])
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response


def _presented_refresh_token(data: dict) -> str | None:
    """The refresh token from the body, `Authorization: Bearer <refresh>`, else the (CSRF-checked) cookie.

    A browser client sends its access token (a JWT) in the header and its refresh token in the cookie:
    a JWT in the header is never taken for a refresh token, so the cookie is read.
    """
    if data.get("refresh_token"):
        return data["refresh_token"]
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and header.count(".") != 2:
        return header[7:].strip()
    cookie = request.cookies.get(current_app.config["REFRESH_COOKIE_NAME"])
    if cookie:
        expected = request.cookies.get(CSRF_COOKIE)
        if not expected or not secrets.compare_digest(expected, request.headers.get("X-CSRF-TOKEN", "")):
            raise Forbidden("Missing or wrong X-CSRF-TOKEN header for the refresh cookie")
    return cookie


def _presented_access_claims() -> dict | None:
    """The claims of a valid access token in the Authorization header, if there is one."""
    try:
        verified = verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):
        return None
    return verified[1] if verified else None


def _token_answer(pair: auth.TokenPair) -> auth.TokenPair:
    _set_refresh_cookie(pair)
    return pair


@api_blp.route("/auth/register")
class Register(MethodView):
    decorators = login_limits

    @api_blp.arguments(RegisterSchema)
    @api_blp.response(201, RegisteredSchema)
    @api_blp.doc(security=[])
    def post(self, data):
        """Sign up as a store owner or agency, with an account you own; you are signed in at once.

        Also answers at `/users/register` and `/signup`.
        """
        user = accounts.register_user(**data)
        return _token_answer(auth.issue_tokens(user, user_agent=request.user_agent.string))


@api_blp.route("/auth/login")
class Login(MethodView):
    decorators = login_limits

    @api_blp.arguments(LoginSchema)
    @api_blp.response(200, TokenSchema)
    @api_blp.doc(security=[])
    def post(self, data):
        """Exchange username (or email) and password for an access token and a refresh token.

        Also answers at `/users/login`, `/auth/token` and `/login`.
        """
        user = accounts.authenticate(data.get("username") or data.get("email"), data["password"])
        return _token_answer(auth.issue_tokens(user, user_agent=request.user_agent.string))


@api_blp.route("/auth/refresh")
class Refresh(MethodView):
    @api_blp.arguments(RefreshSchema)
    @api_blp.response(200, TokenSchema)
    @api_blp.doc(security=[])
    def post(self, data):
        """Rotate a refresh token: the old one dies, and presenting it again revokes the whole login"""
        token = _presented_refresh_token(data)
        if not token:
            raise Unauthorized("No refresh token presented")
        return _token_answer(auth.rotate_refresh_token(token, user_agent=request.user_agent.string))


@api_blp.route("/auth/logout")
class Logout(MethodView):
    @api_blp.arguments(RefreshSchema)
    @api_blp.response(204)
    @api_blp.doc(security=[])
    def post(self, data):
        """Log out this login: its refresh token (body or cookie) and the access token in the header stop working now"""
        auth.logout(refresh_token=_presented_refresh_token(data), access_claims=_presented_access_claims())
        _clear_refresh_cookie()


@api_blp.route("/auth/logout-all")
class LogoutEverywhere(MethodView):
    decorators = [login_required]

    @api_blp.response(204)
    def post(self):
        """Log out everywhere: every access token, refresh token and page session of the caller stops working"""
        auth.logout_everywhere(current_user())
        _clear_refresh_cookie()


@api_blp.route("/users/me")
class Me(MethodView):
    decorators = [login_required]

    @api_blp.response(200, UserSchema)
    def get(self):
        """The signed-in user"""
        return current_user()

    @api_blp.arguments(ProfileUpdateSchema)
    @api_blp.response(200, UserSchema)
    def put(self, data):
        """Update name, email, language or time zone"""
        return accounts.update_profile(current_user(), **data)


@api_blp.route("/users/me/password")
class MyPassword(MethodView):
    decorators = [login_required]

    @api_blp.arguments(PasswordChangeSchema)
    @api_blp.response(204)
    def post(self, data):
        """Change the password; every session and token of the user ends, this one included: sign in again"""
        accounts.change_password(current_user(), **data)
