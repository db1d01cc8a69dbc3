"""Settings page for API keys: the list, a new key (shown once), revocation."""
from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _

from app.blueprints.api_keys.forms import ApiKeyForm
from app.blueprints.common import page_number
from app.blueprints.forms import apply_errors, attempt
from app.errors import DomainError
from app.models import ApiKeyScope
from app.security import current_account, current_user, owner_required
from app.services import api_keys

pages_bp = Blueprint("api_keys", __name__)


@pages_bp.route("/settings/api-keys", methods=["GET", "POST"])
@owner_required
def index():
    form, created = ApiKeyForm(), None
    if form.validate_on_submit():
        try:
            created = api_keys.create_key(current_account(), actor=current_user(), name=form.name.data,
                                          scope=ApiKeyScope(form.scope.data))
        except DomainError as exc:
            apply_errors(form, exc)
        else:  # rendered, not redirected: the key is shown this once
            form = ApiKeyForm(formdata=None)
    page = api_keys.list_keys(current_account(), page=page_number(), size=20)
    status = 201 if created else 422 if form.errors else 200
    return render_template("api_keys/index.html", page=page, form=form, created=created), status


@pages_bp.post("/settings/api-keys/<uuid:key_id>/revoke")
@owner_required
def revoke(key_id):
    key = api_keys.get_key(current_account(), key_id)
    attempt(lambda: api_keys.revoke_key(key, actor=current_user()), _("API key revoked: it no longer works."))
    return redirect(url_for("api_keys.index"))
