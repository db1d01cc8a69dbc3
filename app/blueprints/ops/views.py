"""/health, /metrics, /favicon.ico and the static files of Swagger UI and Redoc (no CDN)."""
from flask import Blueprint, current_app, jsonify, send_from_directory
from openapi_ui_bundles import redoc, swagger_ui
from prometheus_client import CONTENT_TYPE_LATEST

from app.errors import ServiceUnavailable
from app.extensions import limiter
from app.observability import metrics_text
from app.services import health

pages_bp = Blueprint("ops", __name__)


@pages_bp.get("/health")
@limiter.exempt
def health_check():
    """503 when the database or Redis is down; workers and waiting jobs are reported, never a reason for 503."""
    report = health.check()
    if not report.healthy:
        raise ServiceUnavailable("A dependency is down", details={"components": report.components,
                                                                   "workers": report.workers})
    return jsonify(status="ok", components=report.components, workers=report.workers, waiting=report.waiting)


@pages_bp.get("/metrics")
@limiter.exempt
def metrics():
    return metrics_text(), 200, {"Content-Type": CONTENT_TYPE_LATEST}


@pages_bp.get("/api/static/swagger-ui/<path:filename>")
@limiter.exempt
def swagger_ui_static(filename):
    return send_from_directory(swagger_ui.static_path, filename, max_age=86400)


@pages_bp.get("/api/static/redoc/<path:filename>")
@limiter.exempt
def redoc_static(filename):
    return send_from_directory(redoc.static_path, filename, max_age=86400)


@pages_bp.get("/favicon.ico")
@limiter.exempt
def favicon():
    # Pages link static/favicon.ico; browsers and feed readers still ask the root for it.
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)
