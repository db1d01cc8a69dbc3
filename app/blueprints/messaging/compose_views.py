"""The compose page of an email or WhatsApp campaign: audience with a live count, content per language with a
preview, a test send to one address. Every route works without JavaScript; app/static/messaging.js makes the
count and the preview live and sends the test without leaving the page."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app.blueprints.forms import apply_errors, error_text, messages_of
from app.blueprints.messaging.forms import ComposeForm
from app.blueprints.messaging.views import pages_bp
from app.errors import DomainError, ValidationError
from app.extensions import limiter
from app.security import current_account, current_user, editor_required
from app.services import campaigns, messaging_compose, segments

# A test goes to any address the editor types: few a minute, and a cap an hour, per user.
TEST_SEND_LIMIT = "5/minute;30/hour"


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _form(campaign, *, data=None) -> ComposeForm:
    form = ComposeForm(data) if data is not None else ComposeForm()
    form.audience.choices = [SelectChoice("", _("Everyone with consent"))] + [
        SelectChoice(str(segment_id), name) for segment_id, name in segments.segment_choices(campaign.account)]
    if data is None and request.method == "GET":
        form.audience.data = str((campaign.audience or {}).get("segment_id") or "")
        form.load(campaign.content or {})
        languages = list(campaign.content or {})
        form.test_language.data = languages[0] if languages else campaign.account.language
    return form


def _content(form: ComposeForm, channel: str) -> dict:
    """The form's content; a row without a language or with a language given twice is an error on that row."""
    errors, seen = {}, set()
    for index, row in enumerate(form.contents):
        language = row.form.language.data
        if not language and not row.form.is_blank():
            errors[f"contents-{index}-language"] = [_("Pick the language of this content.")]
        elif language and language in seen:
            errors[f"contents-{index}-language"] = [_("This language is given twice.")]
        seen.add(language)
    if errors:
        raise ValidationError(details=errors)
    return form.content(channel)


def _row_errors(form: ComposeForm, exc: DomainError) -> DomainError:
    """The service's {"content": {"<language>": {"<field>": [...]}}} onto the rows of those languages, and its
    {"audience": {"segment_id": [...]}} onto the audience field as plain messages."""
    details = dict(exc.details or {})
    if isinstance(details.get("audience"), dict):
        details["audience"] = [m for value in details["audience"].values() for m in messages_of(value)]
    content = details.pop("content", None)
    if not isinstance(content, dict) or form is None:
        return type(exc)(exc.message, details={**details, **({"contents": content} if content else {})})
    rows = {row.form.language.data: index for index, row in enumerate(form.contents)}
    for language, fields in content.items():
        index = rows.get(language, 0)
        for field, messages in (fields.items() if isinstance(fields, dict) else [("body", fields)]):
            details[f"contents-{index}-{field.split('.')[0]}"] = messages
    return ValidationError(exc.message, details=details)


def _page(campaign, form, *, preview=None, status=200):
    audience = form.audience.data or None
    if preview is None:
        try:
            preview = messaging_compose.preview(campaign, content=form.content(campaign.channel), segment_id=audience)
        except DomainError:
            preview = None
    try:
        count = messaging_compose.count_audience(campaign.account, channel=campaign.channel, segment_id=audience)
    except DomainError:
        count = None
    return render_template("messaging/compose.html", campaign=campaign, form=form, preview=preview,
                           count=count), status


def _campaign(campaign_id):
    return campaigns.get_campaign(current_account(), campaign_id)


@pages_bp.route("/campaigns/<uuid:campaign_id>/compose", methods=["GET", "POST"])
@editor_required
def compose(campaign_id):
    campaign = _campaign(campaign_id)
    form = _form(campaign)
    if not form.validate_on_submit():
        return _page(campaign, form, status=422 if request.method == "POST" else 200)
    try:
        messaging_compose.compose(campaign, actor=current_user(), content=_content(form, campaign.channel),
                                  audience={"segment_id": form.audience.data} if form.audience.data else {})
    except DomainError as exc:
        apply_errors(form, _row_errors(form, exc))
        return _page(campaign, form, status=exc.status_code)
    flash(_("Content and audience saved."), "success")
    return redirect(url_for("messaging.compose", campaign_id=campaign.id))


@pages_bp.post("/campaigns/<uuid:campaign_id>/compose/count")
@editor_required
def compose_count(campaign_id):
    """{"count"} of the audience picked on the page, or 422 with {"error"} in the page's words."""
    campaign = _campaign(campaign_id)
    try:
        count = messaging_compose.count_audience(campaign.account, channel=campaign.channel,
                                                 segment_id=request.form.get("audience") or None)
    except DomainError as exc:
        plain = messages_of(list((_row_errors(None, exc).details or {}).values()))  # the message, no field name
        return jsonify(error=" ".join(plain) or error_text(exc)), exc.status_code
    return jsonify(count=count)


@pages_bp.post("/campaigns/<uuid:campaign_id>/compose/preview")
@editor_required
def compose_preview(campaign_id):
    """The content on the page rendered for the audience's first customer: JSON for the script, else the page."""
    campaign = _campaign(campaign_id)
    form = _form(campaign)
    try:
        preview = messaging_compose.preview(campaign, content=_content(form, campaign.channel),
                                            segment_id=form.audience.data or None)
    except DomainError as exc:
        if _wants_json():
            return jsonify(error=error_text(exc)), exc.status_code
        apply_errors(form, _row_errors(form, exc))
        return _page(campaign, form, status=exc.status_code)
    if _wants_json():
        return jsonify({**preview, "html": render_template("messaging/_preview.html", preview=preview)})
    return _page(campaign, form, preview=preview)


@pages_bp.post("/campaigns/<uuid:campaign_id>/compose/test")
@editor_required
@limiter.limit(TEST_SEND_LIMIT)
def compose_test(campaign_id):
    """Send the content on the page (not saved) in one language to the address typed, through the real channel."""
    campaign = _campaign(campaign_id)
    form = _form(campaign)
    try:
        if not form.validate_on_submit():
            raise ValidationError(details=form.errors)
        messaging_compose.send_test(campaign, actor=current_user(), content=_content(form, campaign.channel),
                                    language=form.test_language.data, address=form.test_address.data,
                                    segment_id=form.audience.data or None)
    except DomainError as exc:
        if _wants_json():
            return jsonify(error=error_text(_row_errors(form, exc), form)), exc.status_code
        apply_errors(form, _row_errors(form, exc))
        return _page(campaign, form, status=exc.status_code)
    message = _("Test sent to %(address)s.", address=form.test_address.data)
    if _wants_json():
        return jsonify(message=message)
    flash(message, "success")
    return _page(campaign, form)
