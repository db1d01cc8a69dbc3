"""Who a rate limit counts against: the signed-in user when there is one, else the IP address."""
from flask import current_app, g, request
from flask_limiter.util import get_remote_address


def client_key() -> str:
    user = g.get("user")
    return f"user:{user.id}" if user is not None else f"ip:{get_remote_address()}"


def default_limit() -> str:
    # Read per request, so one process can serve apps (or tests) with different limits.
    return current_app.config["RATE_LIMIT_DEFAULT"]


def login_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN"]


def ip_key() -> str:
    return f"ip:{get_remote_address()}"


def login_identity_key() -> str:
    """The username or email a login or sign-up names, so one account cannot be brute-forced from many IPs."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = request.form
    name = body.get("username") or body.get("email") or ""
    return f"login:{str(name).strip().lower()}"
