"""schemathesis fuzzes every documented operation: no 5xx, and every answer matches its documented schema.

Phases: examples and fuzzing (schemathesis.toml; the coverage phase crashes on this machine's Python, see
DEPENDENCIES.md gotcha 18). Hypothesis never writes lone surrogates into strings and rarely fills uploads with
noise, so each operation's examples also get hostile variants of their own: every JSON string carrying a lone
surrogate (sent as a \\udXXX escape, as the outside probe did), a body nested far too deep, and multipart uploads
of random bytes, some dressed with a real file signature so they reach the decoders.
"""
import copy
import random

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.transport.serialization import Binary
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.conftest import build_app
from tests.factories import PASSWORD, make_user

# A module-level app, because schemathesis needs the schema at collection time (one test per operation);
# it may ask for a token while collecting, so its database is migrated already.
fuzzed_app = build_app()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app)

LONE_SURROGATES = ("\ud800", "\udfff", "\udc00x", "x\udbff")
# Magic bytes of accepted uploads: random bytes behind them pass the content sniffing and reach the decoders.
SIGNATURES = (b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"%PDF-1.7\n", b"GIF89a", b"PK\x03\x04")


@schema.auth(refresh_interval=None)
class BearerToken:
    """Log in as an agency user (made on first use: tables are emptied between tests), so schemathesis knows the
    auth and can also check that requests without it are refused."""

    def get(self, case, context):
        with fuzzed_app.app_context():
            if db.session.scalar(select(User).where(User.username == "fuzzer")) is None:
                make_user(username="fuzzer", role="agency")
        answer = fuzzed_app.test_client().post("/api/v1/auth/login", json={"username": "fuzzer", "password": PASSWORD})
        return answer.json["access_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _haunted(value, rng: random.Random):
    """Copies of `value`, each with a lone surrogate added to one of its strings (the rest stays valid, so the
    surrogate travels as far as the server lets it), and one with a surrogate in every string."""
    paths = []

    def walk(node, path):
        if isinstance(node, str):
            paths.append(path)
        elif isinstance(node, dict):
            for key, child in node.items():
                walk(child, (*path, key))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, (*path, index))

    def haunt(node, path):
        if not path:
            return node + rng.choice(LONE_SURROGATES) if isinstance(node, str) else node
        copied = copy.copy(node)
        copied[path[0]] = haunt(node[path[0]], path[1:])
        return copied

    walk(value, ())
    variants = [haunt(value, path) for path in paths[:20]]
    everywhere = value
    for path in paths:
        everywhere = haunt(everywhere, path)
    return [*variants, everywhere] if len(paths) > 1 else variants


def _noise(value, rng: random.Random, signature: bytes):
    """A multipart body whose files are random bytes (behind `signature`) and whose fields are random text."""
    if isinstance(value, (Binary, bytes, bytearray)):
        return Binary(signature + rng.randbytes(rng.choice((1, 64, 4096))))
    if isinstance(value, str):
        return "".join(chr(rng.choice((rng.randrange(0x20, 0x7f), rng.randrange(0xa0, 0xd7ff)))) for _ in range(12))
    return value


def _nested(depth: int):
    value = ["x"]
    for _ in range(depth):
        value = [value]
    return value


def _variant(example, body):
    return example.operation.Case(
        method=example.method, path_parameters=copy.deepcopy(example.path_parameters),
        headers=copy.deepcopy(example.headers), cookies=copy.deepcopy(example.cookies),
        query=copy.deepcopy(example.query), body=body, media_type=example.media_type)


@schema.hook
def before_add_examples(context, examples):
    rng = random.Random(f"{context.operation.method} {context.operation.path}")
    extra = []
    for example in examples:
        media_type = example.media_type or ""
        if media_type == "application/json" and example.body is not None:
            extra.extend(_variant(example, body) for body in _haunted(example.body, rng))
            extra.append(_variant(example, {"name": _nested(40)}))  # deeper than the 32 levels allowed
        elif media_type.startswith("multipart/") and isinstance(example.body, dict):
            extra.extend(_variant(example, {k: _noise(v, rng, sig) for k, v in example.body.items()})
                         for sig in SIGNATURES)
    examples.extend(extra)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_match_the_documentation(case, app):
    case.call_and_validate()
