"""What every server-rendered page shares: template globals, time formatting, security headers."""
import secrets

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app import formatting
from app.extensions import db
from app.security import current_account, is_api_request
from app.services import accounts, media

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # Everything is served from this origin; inline styles are used by progress bars and SVG charts.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'",
}

NAVIGATION = (
    # endpoint (None until its domain lands), label, icon
    ("dashboard.index", _l("Dashboard"), "▦"),
    ("campaigns.index", _l("Campaigns"), "◎"),
    ("promos.index", _l("Promos"), "⚡"),
    ("customers.index", _l("Audience"), "☺"),
    ("content.index", _l("Content"), "✎"),
    ("messaging.index", _l("Messages"), "✉"),
    ("media.index", _l("Media"), "▣"),
    ("reports.index", _l("Reports"), "▤"),
    ("geolocation.index", _l("Places"), "◉"),
    ("accounts.settings", _l("Settings"), "⚙"),
)


def _page_context() -> dict:
    user = g.get("user")
    context = {"current_user": user, "navigation": [item for item in NAVIGATION if item[0] in _endpoints()],
               "my_accounts": lambda: db.session.scalars(accounts.accounts_for(user).limit(100)).all()}
    if user is not None and not is_api_request():
        try:
            context["current_account"] = current_account()
            context["account_role"] = g.get("account_role")
        except Exception:  # noqa: BLE001 - a page must render even for a user without an account
            context["current_account"] = None
    return context


def _endpoints() -> set:
    from flask import current_app

    return set(current_app.view_functions)


def csp_nonce() -> str:
    """A nonce for this response's inline scripts (Flask-Admin marks its few with it); the CSP names it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


_policies: dict[tuple, str] = {}
_STORAGE_SETTINGS = ("STORAGE_BACKEND", "STORAGE_S3_BUCKET", "STORAGE_S3_ENDPOINT", "STORAGE_S3_REGION")


def content_security_policy() -> str:
    """The pages' CSP. With files on S3, download links redirect to presigned URLs on the bucket, so images and
    media may come from its origin too (worked out once per storage settings)."""
    settings = tuple(current_app.config.get(name) for name in _STORAGE_SETTINGS)
    if settings not in _policies:
        policy, origin = SECURITY_HEADERS["Content-Security-Policy"], media.download_origin()
        if origin:
            policy = policy.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}")
            policy += f"; media-src 'self' {origin}"
        _policies[settings] = policy
    return _policies[settings]


def _security_headers(response):
    # Every page, the admin included, gets the same headers; a nonce is added only where one was handed out.
    if not is_api_request():
        policy = content_security_policy()
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, policy if name == "Content-Security-Policy" else value)
        if "csp_nonce" in g and response.headers.get("Content-Security-Policy") == policy:
            response.headers["Content-Security-Policy"] = policy.replace(
                "script-src 'self'", f"script-src 'self' 'nonce-{g.csp_nonce}'")
    return response


def init_pages(app: Flask) -> None:
    app.context_processor(_page_context)
    for name, function in formatting.FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(get_locale)
    app.after_request(_security_headers)
