"""Hostile input stopped at the door, before any query, Redis key or rate-limit key is built from it.

One `before_request` hook, registered ahead of the rate limiter, refuses:
- a URL longer than MAX_URL_LENGTH (414), so clients get our envelope rather than the server's page;
- a JSON body larger than JSON_MAX_BYTES (413) or nested deeper than JSON_MAX_DEPTH (422);
- text holding a lone surrogate (422): in a JSON body (the only place one can arrive: query strings and form
  fields are decoded from UTF-8 bytes, where a lone surrogate cannot be written), and in the path and query
  string anyway, since a server could hand them over differently.
Bodies that pass are parsed once here and cached by Flask, so the views and the limiter read the same JSON.
"""
from flask import Flask, current_app, request
from werkzeug.exceptions import RequestURITooLarge

from app import json_limits
from app.errors import PayloadTooLarge, ValidationError

DEFAULT_MAX_URL_LENGTH = 4096  # gunicorn's own default request-line limit was 4094
DEFAULT_JSON_MAX_BYTES = 1024 * 1024
DEFAULT_JSON_MAX_DEPTH = 32


def _config(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _target_length() -> int:
    # The request target as sent (gunicorn: RAW_URI; werkzeug: REQUEST_URI), percent-encoding included.
    environ = request.environ
    return len(environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path)


def _refuse_long_url() -> None:
    limit = _config("MAX_URL_LENGTH", DEFAULT_MAX_URL_LENGTH)
    if _target_length() > limit:
        raise RequestURITooLarge(f"The URL is longer than {limit:,} characters; send long input in a request body.")


def _refuse_surrogates_in_url() -> None:
    texts = [request.path, *(t for pair in request.args.items(multi=True) for t in pair)]
    if any(json_limits.has_lone_surrogate(t) for t in texts):
        raise ValidationError("Validation error", details={"_input": [json_limits.LONE_SURROGATE]})


def _check_json_body() -> None:
    if not request.is_json:
        return
    max_bytes = _config("JSON_MAX_BYTES", DEFAULT_JSON_MAX_BYTES)
    too_large = PayloadTooLarge(f"JSON bodies are limited to {max_bytes:,} bytes",
                                details={"_input": [f"At most {max_bytes:,} bytes of JSON."]})
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    # A body without Content-Length (chunked) is read no further than one byte past the limit.
    upload_limit = request.max_content_length
    request.max_content_length = max_bytes + 1 if upload_limit is None else min(upload_limit, max_bytes + 1)
    data = request.get_data(cache=True)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        return
    max_depth = _config("JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH)
    try:
        # silent: malformed JSON is left to the view's parser, which answers it as it always has.
        body = request.get_json(silent=True)
        if body is not None:
            json_limits.check_value(body, max_depth=max_depth)
    except RecursionError:  # the parser recursed once per level of a body nested thousands deep
        raise ValidationError("Validation error", details={
            "_input": [f"Nested deeper than {max_depth} levels."]}) from None
    except json_limits.JsonLimitError as exc:
        raise ValidationError("Validation error", details={exc.where or "_input": [exc.message]}) from None


def guard_request() -> None:
    """Refuse what no later layer can handle safely; see the module docstring."""
    _refuse_long_url()
    _refuse_surrogates_in_url()
    _check_json_body()


def init_request_guard(app: Flask) -> None:
    """Register the guard; call it before the limiter is initialised so it runs before the limiter's check."""
    app.before_request(guard_request)
