"""Who a rate limit counts against: the signed-in user when there is one, else the IP address."""
import hashlib

from flask import current_app, g, request


def get_remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


def client_key() -> str:
    # The caller the token or session names (app.security._identify); the limiter runs before the user is loaded.
    caller = g.get("caller_id")
    return f"user:{caller}" if caller is not None else f"ip:{get_remote_address()}"


def default_limit() -> str:
    # Read per request, so one process can serve apps (or tests) with different limits.
    return current_app.config["RATE_LIMIT_DEFAULT"]


def login_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN"]


def ip_key() -> str:
    return f"ip:{get_remote_address()}"


def login_account_key() -> str:
    """One counter per account, whichever identifier (username or email) and login path names it.

    An unknown name counts under its own digest. Keys are digests, so no input can make an invalid
    Redis key (which the limiter would take for Redis being down).
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = request.form
    name = body.get("username") or body.get("email") or ""
    name = name.strip().lower() if isinstance(name, str) else ""
    user_id = _user_id_for(name) if _could_name_a_user(name) else None
    if user_id:
        return f"login:user:{user_id}"
    return "login:name:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def _could_name_a_user(name: str) -> bool:
    # Only well-formed text reaches the database (isprintable() is False for NUL, controls and lone
    # surrogates); anything else can name no one.
    return 0 < len(name) <= 254 and name.isprintable()


def _user_id_for(name: str):
    from app.services.accounts import user_id_for_login

    return user_id_for_login(name)
