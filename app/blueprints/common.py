"""What every API blueprint shares: the error envelope schema, pagination, Idempotency-Key."""
import functools

import flask_smorest
import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Api
from marshmallow import validate
from webargs.flaskparser import FlaskParser

from app.errors import ValidationError
from app.security import current_user
from app.services import idempotency
from app.services.pagination import Page

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


class ErrorSchema(ma.Schema):
    """The one error envelope of the API."""

    error = ma.fields.String(required=True, metadata={"description": "What went wrong, for people"})
    type = ma.fields.String(required=True, metadata={"example": "ValidationError"})
    status_code = ma.fields.Integer(required=True)
    details = ma.fields.Raw(metadata={"description": "Field errors or context"})


class CampaignHubApi(Api):
    """flask-smorest's Api documenting our error envelope; the errors themselves are rendered by app.errors."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


class ArgumentsParser(FlaskParser):
    """webargs' parser, making each argument schema class once instead of on every request: a schema keeps no
    state of a load, and making one cost 16–47 µs of every request that takes arguments."""

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return _schema_instance(argmap)
        return super()._get_schema(argmap, req)


@functools.cache
def _schema_instance(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


class Blueprint(flask_smorest.Blueprint):
    """Every API blueprint: flask-smorest's, its arguments parsed by ArgumentsParser."""

    ARGUMENTS_PARSER = ArgumentsParser()


class PaginationArgsSchema(ma.Schema):
    # Bounded so OFFSET stays far inside PostgreSQL's bigint (an unbounded page was a 500).
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    # Sizes above the maximum are refused (422) rather than silently clamped, so clients notice.
    size = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema: type[ma.Schema], key: str) -> type[ma.Schema]:
    """A list answer: `{key: [...], total, page, size, pages}`."""
    return ma.Schema.from_dict(
        {
            key: ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "total": ma.fields.Integer(required=True),
            "page": ma.fields.Integer(required=True),
            "size": ma.fields.Integer(required=True),
            "pages": ma.fields.Integer(required=True),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
    )


def page_number() -> int:
    """The `?page=` of a page view (HTML): 1 when absent or unreadable, at most MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def page_response(page: Page, key: str):
    """Body and X-Total-Count headers for a flask-smorest view returning a page."""
    body = {key: page.items, "total": page.total, "page": page.page, "size": page.size, "pages": page.pages}
    headers = {
        "X-Total-Count": str(page.total),
        "X-Page-Count": str(page.pages),
        "X-Current-Page": str(page.page),
        "X-Per-Page": str(page.size),
    }
    return body, 200, headers


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def reject_nul_characters():
    """PostgreSQL text cannot hold NUL: refuse such input up front, from the API and the pages alike (a page's
    query string or form reaches the database too), instead of failing there."""
    if any(_has_nul(v) for v in request.args.values()) or _has_nul(request.get_json(silent=True)) or any(
            _has_nul(v) for v in request.form.values()):
        refused = "NUL characters are not allowed."
        raise ValidationError(refused, details={"_input": [refused]})


REPLAY_HEADERS = ("Location", "Content-Type")
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "Send the same key to retry safely: a repeat gets the first answer, not a second effect.",
}


def idempotent(fn):
    """Honour an Idempotency-Key header: a repeat of the same request gets the first answer again.

    Put it above the flask-smorest decorators so it sees the finished response.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return fn(*args, **kwargs)
        ident = dict(caller=f"user:{current_user().id}:{request.headers.get('X-Account-Id', '')}", key=key,
                     method=request.method, path=request.path)
        # A parsed form's raw body is spent: its fields and files are hashed instead (a different file differs).
        fingerprint = idempotency.request_fingerprint(request.method, request.full_path, form=request.form,
                                                      files=request.files, body=b"" if request.form or request.files
                                                      else request.get_data())
        stored = idempotency.claim(fingerprint=fingerprint, **ident)
        if stored is not None:
            g.idempotent_replay = True
            headers = dict(stored.headers, **{"Idempotent-Replayed": "true"})
            return current_app.response_class(stored.body, status=stored.status_code, headers=headers)
        try:
            response = current_app.make_response(fn(*args, **kwargs))
        except BaseException:
            idempotency.release(**ident)
            raise
        if 200 <= response.status_code < 300:
            headers = {h: response.headers[h] for h in REPLAY_HEADERS if h in response.headers}
            idempotency.store(status_code=response.status_code, body=response.get_data(as_text=True),
                              headers=headers, **ident)
        else:
            idempotency.release(**ident)
        return response

    wrapper._idempotent = True
    return wrapper
