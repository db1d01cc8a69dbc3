"""Domain errors and the one error policy: the JSON envelope under /api, HTML pages elsewhere."""
import logging

from flask import Flask, g, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# The envelope's "type" per status, as seed 002 names them.
ERROR_TYPES = {
    400: "ValidationError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "ConflictError",
    413: "PayloadTooLargeError",
    414: "UriTooLongError",
    415: "UnsupportedMediaTypeError",
    422: "ValidationError",
    429: "RateLimitError",
    500: "InternalServerError",
    502: "UpstreamError",
    503: "ServiceUnavailableError",
}


class DomainError(Exception):
    """A rule of the domain was not met; services raise these, never HTTP responses."""

    status_code = 400
    default_message = "Invalid request"

    def __init__(self, message: str | None = None, *, details: dict | None = None, headers: dict | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}


class ValidationError(DomainError):
    status_code = 422
    default_message = "Validation error"


class Unauthorized(DomainError):
    status_code = 401
    default_message = "Invalid authentication credentials"


class Forbidden(DomainError):
    status_code = 403
    default_message = "Insufficient permissions"


class NotFound(DomainError):
    status_code = 404
    default_message = "Not found"


class Conflict(DomainError):
    status_code = 409
    default_message = "Conflict with the current state"


class PayloadTooLarge(DomainError):
    status_code = 413
    default_message = "The upload is too large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    default_message = "This kind of content is not supported"


class RateLimited(DomainError):
    """A quota of the caller's is spent (not the request rate limiter's own 429); headers carry Retry-After."""

    status_code = 429
    default_message = "Too many requests"


class UpstreamError(DomainError):
    status_code = 502
    default_message = "An outside service failed"


class ServiceUnavailable(DomainError):
    status_code = 503
    default_message = "Service unavailable"


def wants_json() -> bool:
    path = request.path
    if path.startswith(("/api", "/health", "/hooks", "/metrics")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def envelope(status: int, message: str, details=None, error_type: str | None = None) -> dict:
    body = {"error": message, "type": error_type or ERROR_TYPES.get(status, "Error"), "status_code": status}
    if details:
        body["details"] = details
    return body


def render_error(status: int, message: str, details=None, headers=None, error_type=None):
    """Render one error for the caller: the JSON envelope for API clients, an HTML page for people."""
    if wants_json():
        response = jsonify(envelope(status, message, details, error_type))
    else:
        try:
            response = render_template("errors/error.html", status=status, message=message, details=details)
        except Exception:  # noqa: BLE001 - the error page itself must never fail
            log.exception("Could not render the error page")
            response = f"<!doctype html><h1>{status}</h1><p>{escape(message)}</p>"
    return response, status, dict(headers or {})


def _http_error(error: HTTPException):
    details = None
    # flask-smorest/webargs put field errors on the exception as `data["messages"]`.
    data = getattr(error, "data", None) or {}
    if "messages" in data:
        messages = data["messages"]
        # webargs nests by location ("json", "query", "form"); callers want the fields.
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in (
            "json", "query", "form", "files", "headers", "view_args", "path"
        ):
            messages = next(iter(messages.values()))
        details = messages
    status = error.code or 500
    message = _message_for(status, error, details)
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    return render_error(status, message, details, headers)


def _message_for(status: int, error: HTTPException, details) -> str:
    if status == 422 or (status == 400 and details):
        return "Validation error"
    if status == 404:
        return "The requested resource was not found"
    if status == 405:
        return f"Method {request.method} is not allowed on this resource"
    if status == 429:
        return f"Rate limit exceeded: {error.description}"
    return error.description or error.name


def _domain_error(error: DomainError):
    return render_error(error.status_code, error.message, error.details, error.headers)


def _unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path,
                  extra={"request_id": g.get("request_id")})
    return render_error(500, "Internal server error")


def _database_error(error: DBAPIError):
    # The connection died under this request (PostgreSQL restarted, a failover): SQLAlchemy has already
    # dropped the pool's connections, so asking again gets a fresh one. Anything else is a bug.
    if error.connection_invalidated:
        log.warning("Database connection lost on %s %s", request.method, request.path)
        return render_error(503, "The database connection was lost; try again", headers={"Retry-After": "1"})
    return _unexpected(error)


def register_error_handlers(app: Flask) -> None:
    # Registered after api.init_app so these replace flask-smorest's app-wide JSON handler.
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected)
