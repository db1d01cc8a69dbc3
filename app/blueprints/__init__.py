"""The web layer: API blueprints (flask-smorest) and page blueprints, one package per domain."""
from importlib import import_module

from flask import Flask

from app.blueprints.common import reject_nul_characters
from app.extensions import csrf

# Each domain package may have api.py (`api_blp`) and views.py (`pages_bp`).
DOMAINS = ("ops", "auth", "accounts", "dashboard", "campaigns", "customers", "geolocation", "media",
           "messaging", "catalog", "promos", "ai", "webhooks", "api_keys", "reports", "insight")


def register_blueprints(app: Flask, api) -> None:
    app.before_request(reject_nul_characters)
    for domain in DOMAINS:
        for module_name, attr in (("api", "api_blp"), ("views", "pages_bp")):
            try:
                module = import_module(f"app.blueprints.{domain}.{module_name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"app.blueprints.{domain}.{module_name}":
                    raise
                continue
            blueprint = getattr(module, attr)
            if attr == "api_blp":
                # Bearer tokens, not cookies, authenticate the API: form CSRF does not apply.
                csrf.exempt(blueprint)
                api.register_blueprint(blueprint)
            else:
                app.register_blueprint(blueprint)
