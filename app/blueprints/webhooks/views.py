"""Settings pages for webhooks: the list, a new endpoint (its secret shown once), details with the delivery log."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.blueprints.common import page_number
from app.blueprints.forms import apply_errors, attempt
from app.blueprints.webhooks.forms import WebhookForm
from app.errors import DomainError
from app.models import DeliveryStatus
from app.security import current_account, current_user, owner_required
from app.services import webhooks

pages_bp = Blueprint("webhooks", __name__)
STATUS_LABELS = {DeliveryStatus.PENDING: _l("pending"), DeliveryStatus.SENDING: _l("sending"),
                 DeliveryStatus.SUCCEEDED: _l("succeeded"), DeliveryStatus.FAILED: _l("failed")}


def _fields(form: WebhookForm) -> dict:
    data = {name: form[name].data for name in ("url", "description", "events", "active")}
    return dict(data, secret=form.secret.data or None)


@pages_bp.route("/settings/webhooks", methods=["GET", "POST"])
@owner_required
def index():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            endpoint = webhooks.create_endpoint(current_account(), actor=current_user(), **_fields(form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:  # rendered, not redirected: the secret is shown this once
            return _detail(endpoint, secret=endpoint.secret), 201
    page = webhooks.list_endpoints(current_account(), page=page_number(), size=20)
    return render_template("webhooks/index.html", page=page, form=form), 422 if form.errors else 200


@pages_bp.get("/settings/webhooks/<uuid:webhook_id>")
@owner_required
def detail(webhook_id):
    return _detail(webhooks.get_endpoint(current_account(), webhook_id))


def _detail(endpoint, *, form=None, secret=None):
    status = request.args.get("status") or None
    status = status if status in {s.value for s in DeliveryStatus} else None
    deliveries = webhooks.list_deliveries(endpoint, page=page_number(), size=20,
                                          status=DeliveryStatus(status) if status else None)
    form = form or WebhookForm(obj=endpoint, formdata=None)
    return render_template("webhooks/detail.html", endpoint=endpoint, form=form, deliveries=deliveries,
                           secret=secret, status=status, labels=STATUS_LABELS,
                           args={k: v for k, v in request.args.items() if k != "page"})


@pages_bp.post("/settings/webhooks/<uuid:webhook_id>")
@owner_required
def update(webhook_id):
    endpoint = webhooks.get_endpoint(current_account(), webhook_id)
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            webhooks.update_endpoint(endpoint, actor=current_user(), **_fields(form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return redirect(url_for("webhooks.detail", webhook_id=endpoint.id))
    return _detail(endpoint, form=form), 422


@pages_bp.post("/settings/webhooks/<uuid:webhook_id>/test")
@owner_required
def send_test(webhook_id):
    endpoint = webhooks.get_endpoint(current_account(), webhook_id)
    attempt(lambda: webhooks.send_test(endpoint, actor=current_user()),
            _("Test delivery queued; it appears below in a moment."))
    return redirect(url_for("webhooks.detail", webhook_id=webhook_id))


@pages_bp.post("/settings/webhooks/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/redeliver")
@owner_required
def redeliver(webhook_id, delivery_id):
    endpoint = webhooks.get_endpoint(current_account(), webhook_id)
    attempt(lambda: webhooks.redeliver(webhooks.get_delivery(endpoint, delivery_id), actor=current_user()),
            _("Delivery queued again."))
    return redirect(url_for("webhooks.detail", webhook_id=webhook_id))


@pages_bp.post("/settings/webhooks/<uuid:webhook_id>/delete")
@owner_required
def delete(webhook_id):
    endpoint = webhooks.get_endpoint(current_account(), webhook_id)
    attempt(lambda: webhooks.delete_endpoint(endpoint, actor=current_user()), _("Webhook removed."))
    return redirect(url_for("webhooks.index"))
