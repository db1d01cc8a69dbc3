"""Webhooks API: subscribe URLs to the account's events, read their delivery log, test and redeliver."""
from flask.views import MethodView

from app.blueprints.common import Blueprint, PaginationArgsSchema, page_response, page_schema
from app.blueprints.webhooks.schemas import (
    DeliveryQueryArgsSchema, DeliverySchema, WebhookCreatedSchema, WebhookCreateSchema, WebhookSchema,
    WebhookUpdateSchema,
)
from app.security import current_account, current_user, owner_required
from app.services import webhooks

api_blp = Blueprint("webhooks-api", __name__, url_prefix="/api/v1/webhooks",
                    description="Signed HTTP callbacks for the account's events (owners)")


@api_blp.route("")
class Webhooks(MethodView):
    decorators = [owner_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(WebhookSchema, "webhooks"))
    def get(self, args):
        """The account's webhook endpoints"""
        return page_response(webhooks.list_endpoints(current_account(), **args), "webhooks")

    @api_blp.arguments(WebhookCreateSchema)
    @api_blp.response(201, WebhookCreatedSchema)
    def post(self, data):
        """Subscribe a URL to events. Each delivery is a POST of JSON with X-Webhook-Event, X-Webhook-Id,
        X-Webhook-Timestamp and X-Webhook-Signature (`sha256=` + hex HMAC-SHA256 of `id.timestamp.body` with
        the secret); 5xx, 408, 429 and timeouts are retried for about a day"""
        return webhooks.create_endpoint(current_account(), actor=current_user(), **data)


@api_blp.route("/<uuid:webhook_id>")
class WebhookById(MethodView):
    decorators = [owner_required]

    @api_blp.response(200, WebhookSchema)
    def get(self, webhook_id):
        """One webhook endpoint"""
        return webhooks.get_endpoint(current_account(), webhook_id)

    @api_blp.arguments(WebhookUpdateSchema)
    @api_blp.response(200, WebhookSchema)
    def patch(self, data, webhook_id):
        """Change the URL, events, secret, description, or turn the endpoint off and on"""
        endpoint = webhooks.get_endpoint(current_account(), webhook_id)
        return webhooks.update_endpoint(endpoint, actor=current_user(), **data)

    @api_blp.arguments(WebhookUpdateSchema)
    @api_blp.response(200, WebhookSchema)
    def put(self, data, webhook_id):
        """Same as PATCH"""
        endpoint = webhooks.get_endpoint(current_account(), webhook_id)
        return webhooks.update_endpoint(endpoint, actor=current_user(), **data)

    @api_blp.response(204)
    def delete(self, webhook_id):
        """Remove the endpoint and its delivery log"""
        webhooks.delete_endpoint(webhooks.get_endpoint(current_account(), webhook_id), actor=current_user())


@api_blp.route("/<uuid:webhook_id>/deliveries")
class Deliveries(MethodView):
    decorators = [owner_required]

    @api_blp.arguments(DeliveryQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(DeliverySchema, "deliveries"))
    def get(self, args, webhook_id):
        """The endpoint's deliveries, newest first: status, tries, the last answer"""
        endpoint = webhooks.get_endpoint(current_account(), webhook_id)
        return page_response(webhooks.list_deliveries(endpoint, **args), "deliveries")


@api_blp.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/redeliver")
class Redeliver(MethodView):
    decorators = [owner_required]

    @api_blp.response(202, DeliverySchema)
    def post(self, webhook_id, delivery_id):
        """Send a finished delivery again (same id and payload); 409 while it is still being tried"""
        endpoint = webhooks.get_endpoint(current_account(), webhook_id)
        return webhooks.redeliver(webhooks.get_delivery(endpoint, delivery_id), actor=current_user())


@api_blp.route("/<uuid:webhook_id>/test")
class WebhookTest(MethodView):
    decorators = [owner_required]

    @api_blp.response(202, DeliverySchema)
    def post(self, webhook_id):
        """Queue a `webhook.test` delivery; follow it in the delivery log"""
        return webhooks.send_test(webhooks.get_endpoint(current_account(), webhook_id), actor=current_user())
