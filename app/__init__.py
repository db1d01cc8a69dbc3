"""Campaign Hub: the application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from app.config import CONFIGS, ProductionConfig, check_production, check_values, env


def create_app(config: dict | str | None = None) -> Flask:
    """Build the app from the environment; `config` (a name or a dict of overrides) is for tests and tools."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    register_extensions(app)
    register_web(app)
    register_tasks(app)
    register_cli(app)
    return app


def load_config(app: Flask, config) -> None:
    overrides = config if isinstance(config, dict) else {}
    name = config if isinstance(config, str) else overrides.get("ENV") or env("ENV", "development")
    # An environment we do not know by name (staging, prod) is treated as production, never as development.
    app.config.from_object(CONFIGS.get(name, ProductionConfig))
    app.config["ENV"] = name
    app.config.update(overrides)
    if not app.config["SECRET_KEY"] and app.config["ENV"] == "development":
        app.config["SECRET_KEY"] = load_secret_key(Path(app.instance_path) / "secret_key")
    app.config["JWT_SECRET_KEY"] = app.config["SECRET_KEY"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {
        # No ping per checkout (a round trip on every request): connections are recycled, and those left idle
        # longer than DB_IDLE_CHECK_SECONDS are checked before use and replaced if gone (app/dbpool.py).
        "pool_pre_ping": False,
        "pool_recycle": app.config["DB_POOL_RECYCLE"],
        "pool_size": app.config["DB_POOL_SIZE"],
        # PostGIS on 2 cores: a parallel plan costs more to start than the indexed query itself.
        "connect_args": {"options": "-c max_parallel_workers_per_gather=0"},
    })
    check_values(app.config)
    if app.config["ENV"] not in ("development", "testing"):
        check_production(app.config)


def load_secret_key(path: Path) -> str:
    """The development key kept in `path` (mode 600), made at random the first time; no key lives in the code."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    try:
        # Web, worker and beat start together: link() publishes a complete file or fails if another won.
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key


def register_extensions(app: Flask) -> None:
    from geoalchemy2 import alembic_helpers

    from app.extensions import babel, cors, csrf, db, jwt, limiter, login_manager, migrate
    from app.dbpool import init_pool_checks
    from app.i18n import get_locale, get_timezone
    from app.observability import init_observability
    from app.request_guard import init_request_guard
    from app.security import init_principal, init_security

    init_observability(app)
    db.init_app(app)
    init_pool_checks(app)
    # GeoAlchemy2's helpers keep autogenerate from dropping PostGIS tables or doubling spatial indexes.
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), compare_type=True,
                     include_object=alembic_helpers.include_object, render_item=alembic_helpers.render_item,
                     process_revision_directives=alembic_helpers.writer)
    jwt.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=get_locale, timezone_selector=get_timezone)
    cors.init_app(app, resources={r"/api/*": {"origins": app.config["FRONTEND_ORIGINS"]}}, supports_credentials=True,
                  expose_headers=["X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Per-Page", "X-Request-ID",
                                  "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"])
    # Hostile input (lone surrogates, JSON nested too deep or too big, URLs too long) is refused before any
    # hook builds a query or a rate-limit key from it.
    init_request_guard(app)
    # The caller must be known before the limiter runs: limits count per user when there is one. The limiter's
    # one Redis round trip also reads the token's revocation and the caller's principal version, which
    # init_principal's hook then uses to take user, account and role from the cache or one query.
    init_security(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    limiter.init_app(app)
    init_principal(app)


def register_web(app: Flask) -> None:
    from app.api_paths import CanonicalApiPaths
    from app.blueprints import register_blueprints
    from app.blueprints.admin import init_admin
    from app.errors import register_error_handlers
    from app.blueprints.common import CampaignHubApi
    from app.pages import init_pages

    app.wsgi_app = CanonicalApiPaths(app.wsgi_app)
    if app.config["PROXY_HOPS"] > 0:
        # Behind TLS-terminating proxies: the client's address (rate limits, audit), https links and secure
        # cookies come from the X-Forwarded-* headers those proxies set, and only from them.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    api = app.extensions["api"] = CampaignHubApi(app, spec_kwargs=api_spec_options())
    register_blueprints(app, api)
    register_error_handlers(app)
    init_pages(app)
    init_admin(app)


def api_spec_options() -> dict:
    return {
        "info": {"description": "Campaign Hub REST API. Authenticate with `Authorization: Bearer <access_token>` "
                                "from POST /api/v1/auth/login (agencies pick a client with `X-Account-Id`), or with "
                                "an account's API key as `Authorization: Bearer chk_...` or `X-API-Key`."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"apiKey": []}],
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT or API key"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
    }


def register_tasks(app: Flask) -> None:
    from app.tasks import celery_init_app

    celery_init_app(app)


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
