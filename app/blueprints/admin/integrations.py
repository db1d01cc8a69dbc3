"""Flask-Admin views of webhooks, API keys and export jobs: read-only (they change through their services, and
secrets never show: a webhook's secret and a key's digest are left out)."""
from app.extensions import db
from app.models import ApiKey, ExportJob, WebhookDelivery, WebhookEndpoint


def add_integration_views(admin, base) -> None:
    """Register the views on `admin`; `base` is the admin's read-only, admin-only ModelView."""

    class WebhookEndpointAdmin(base):
        column_list = ("url", "events", "active", "consecutive_failures", "disabled_reason", "last_success_at",
                       "account_id", "created_at")
        column_searchable_list = ("url", "description")
        column_filters = ("active", "account_id", "created_at")
        column_default_sort = ("created_at", True)

    class WebhookDeliveryAdmin(base):
        column_list = ("event", "status", "attempts", "response_status", "error", "next_attempt_at", "delivered_at",
                       "endpoint_id", "account_id", "created_at")
        column_searchable_list = ("event", "error")
        column_filters = ("status", "event", "endpoint_id", "account_id", "created_at")
        column_default_sort = ("created_at", True)

    class ApiKeyAdmin(base):
        column_list = ("name", "prefix", "scope", "created_by", "last_used_at", "revoked_at", "account_id",
                       "created_at")
        column_searchable_list = ("name", "prefix")
        column_filters = ("scope", "account_id", "revoked_at", "last_used_at")
        column_default_sort = ("created_at", True)

    class ExportJobAdmin(base):
        column_list = ("kind", "format", "status", "progress", "filename", "size", "error", "account_id",
                       "requested_by", "created_at", "completed_at")
        column_searchable_list = ("filename", "error")
        column_filters = ("kind", "format", "status", "account_id", "created_at")
        column_default_sort = ("created_at", True)

    admin.add_view(WebhookEndpointAdmin(WebhookEndpoint, db, name="Webhooks", category="Integrations"))
    admin.add_view(WebhookDeliveryAdmin(WebhookDelivery, db, name="Webhook deliveries", category="Integrations"))
    admin.add_view(ApiKeyAdmin(ApiKey, db, name="API keys", category="Integrations"))
    admin.add_view(ExportJobAdmin(ExportJob, db, name="Exports", category="Integrations"))
