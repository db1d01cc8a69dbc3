"""The paths integrators copy from the seeds, mapped onto the one documented path before routing.

Every API path answers with or without a trailing slash, `/api/<path>` answers as the current version, and a
few alternative names of the same operation (other products' login and sign-up paths) reach the documented one.
Done in WSGI, before Flask routes, so the OpenAPI document lists each operation once and limits, metrics and
logs see one path per operation.
"""
API_PREFIX = "/api/"
CURRENT = "/api/v1"
# First segments under /api/ that are not versioned resources (the docs and the spec).
UNVERSIONED = frozenset({"v1", "docs", "redoc", "openapi.json", "static"})
ALIASES = {
    "/api/schema": "/api/openapi.json",
    "/api/v1/users/register": "/api/v1/auth/register",
    "/api/v1/signup": "/api/v1/auth/register",
    "/api/v1/users/login": "/api/v1/auth/login",
    "/api/v1/login": "/api/v1/auth/login",
    "/api/v1/auth/token": "/api/v1/auth/login",
    "/api/v1/token/refresh": "/api/v1/auth/refresh",
    "/api/v1/customers/upload": "/api/v1/customers/import",
    "/api/v1/admin/promos": "/api/v1/promos",
    "/api/v1/cart/reserve": "/api/v1/reservations",
    "/api/v1/cart/checkout": "/api/v1/reservations/checkout",
    "/api/v1/cart/cancel": "/api/v1/reservations/cancel",
}

# Seed 003 names the product content action with an underscore, after an id, so it is not a fixed alias.
PRODUCTS, GENERATE_CONTENT_SEED = "/api/v1/products/", "/generate_content"


def canonical_path(path: str) -> str:
    """The documented path for an API path as an integrator may write it."""
    if not path.startswith(API_PREFIX):
        return path
    if len(path) > len(API_PREFIX):
        path = path.rstrip("/") or "/"
    head = path[len(API_PREFIX):].split("/", 1)[0]
    if head and head not in UNVERSIONED and path not in ALIASES:
        path = CURRENT + path[len(API_PREFIX) - 1:]
    if path.startswith(PRODUCTS) and path.endswith(GENERATE_CONTENT_SEED):  # /products/{id}/generate_content
        path = path[: -len(GENERATE_CONTENT_SEED)] + "/generate-content"
    return ALIASES.get(path, path)


class CanonicalApiPaths:
    """WSGI middleware applying `canonical_path` to PATH_INFO."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX):
            environ["PATH_INFO"] = canonical_path(path)
        return self.wsgi_app(environ, start_response)
