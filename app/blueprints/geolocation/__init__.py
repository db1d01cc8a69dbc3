"""Geolocation: offline place search, reverse geocoding, validation, ISO countries/regions, distance."""
from flask import current_app, g, request

from app.errors import DomainError
from app.integrations.gazetteer import available_language
from app.security import current_account
from app.services import geolocation


def request_language(explicit: str | None = None, *, prefer_user: bool = False) -> str:
    """The language for place names: `lang`, else Accept-Language, else the user's (pages: the user's first)."""
    user = g.get("user")
    header = [lang for lang, _quality in request.accept_languages] if "Accept-Language" in request.headers else []
    user_langs = [user.language] if user is not None and user.language else []
    ordered = [explicit] + (user_langs + header if prefer_user else header + user_langs)
    for candidate in ordered:
        if (lang := available_language(candidate)) is not None:
            return lang
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def preferred_countries() -> tuple[str, ...]:
    """What page searches prefer: the current account's country, then the countries of the reader's language."""
    country = None
    if g.get("user") is not None:
        try:
            country = current_account().default_region
        except DomainError:  # signed in, but in no account yet
            country = None
    return geolocation.preferred_countries(country, request_language(prefer_user=True))
