"""Language and time zone of each request: the user's choice, else the browser's."""
from flask import current_app, g, has_request_context, request, session


def get_locale() -> str:
    user = g.get("user")
    supported = current_app.config["LANGUAGES"]
    if user is not None and user.language in supported:
        return user.language
    if not has_request_context():  # a task or a command: they choose a language with force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if session.get("language") in supported:
        return session["language"]
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def get_timezone() -> str:
    user = g.get("user")
    return user.timezone if user is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
