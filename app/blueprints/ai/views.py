"""AI content pages: the Content overview, a product's copy (generate, compare, edit, approve) and a campaign's
suggestions (generate, approve, reject). They call the same services as the API."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.blueprints.ai.forms import (
    CHANNEL_LABELS, STATUS_LABELS, TONE_LABELS, ContentEditForm, DecisionForm, GenerateContentForm, SuggestionForm,
)
from app.blueprints.forms import apply_errors, attempt, choice_list, flash_form_errors
from app.errors import DomainError
from app.models import MemberRole
from app.security import current_account, current_role, current_user, editor_required, viewer_required
from app.services import ai_content, ai_suggestions, ai_usage, campaigns

pages_bp = Blueprint("content", __name__)


@pages_bp.app_context_processor
def _suggestion_counts() -> dict:
    # The campaign page shows how many suggestions wait beside its link here, without its view knowing about them.
    return {"pending_suggestions": ai_suggestions.pending_count}
LANGUAGE_LABELS = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français"}


def _languages() -> list:
    return choice_list((code, LANGUAGE_LABELS.get(code, code)) for code in ai_usage.allowed_languages())


def _default_language() -> str:
    """The reader's own language when copy may be written in it, else DEFAULT_CAMPAIGN_LANGUAGE."""
    language = current_user().language
    return language if language in ai_usage.allowed_languages() else ai_usage.check_language(None)


def _can_edit() -> bool:
    return current_role().rank >= MemberRole.EDITOR.rank


def _labels() -> dict:
    return {"channels": CHANNEL_LABELS, "statuses": STATUS_LABELS, "tones": TONE_LABELS, "languages": LANGUAGE_LABELS}


@pages_bp.get("/content")
@viewer_required
def index():
    page = ai_content.products_overview(current_account(), page=max(1, request.args.get("page", 1, type=int)))
    return render_template("ai/index.html", page=page, usage=ai_usage.usage_summary(current_account()),
                           labels=_labels())


# --- a product's copy ---------------------------------------------------------------------------------------------
def _product_page(product, *, form=None, status=200):
    form = form or GenerateContentForm(languages=[_default_language()])
    form.languages.choices = _languages()
    job = ai_content.latest_job(product)
    return render_template("ai/product.html", product=product, form=form, groups=ai_content.content_groups(product),
                           job=job, usage=ai_usage.usage_summary(current_account()), can_edit=_can_edit(),
                           currency=current_account().currency, labels=_labels(),
                           decision=DecisionForm()), status


@pages_bp.get("/content/products/<uuid:product_id>")
@viewer_required
def product(product_id):
    return _product_page(ai_content.get_product(current_account(), product_id))


@pages_bp.post("/content/products/<uuid:product_id>/generate")
@editor_required
def generate(product_id):
    product = ai_content.get_product(current_account(), product_id)
    form = GenerateContentForm()
    form.languages.choices = _languages()
    if not form.validate_on_submit():
        return _product_page(product, form=form, status=422)
    keywords = [k.strip() for k in (form.keywords.data or "").split(",") if k.strip()][:20]
    try:
        outcome = ai_content.generate_product_content(
            product, actor=current_user(), channels=form.channels.data, languages=form.languages.data,
            tone=form.tone.data, keywords=keywords, audience=form.audience.data or None)
    except DomainError as exc:
        apply_errors(form, exc)
        return _product_page(product, form=form, status=exc.status_code)
    if outcome.job is not None:
        flash(_("Writing %(count)s pieces in the background.", count=outcome.job.total), "info")
    else:
        flash(ngettext("Wrote %(num)s new version.", "Wrote %(num)s new versions.", len(outcome.contents)), "success")
    return redirect(url_for("content.product", product_id=product.id))


@pages_bp.get("/content/products/<uuid:product_id>/jobs/<uuid:job_id>/status.json")
@viewer_required
def job_status(product_id, job_id):
    job = ai_content.get_job(current_account(), job_id, product_id=product_id)
    return jsonify(status=job.status.value, progress=job.progress, message=_(
        "%(done)s of %(total)s written", done=job.done, total=job.total) + (f" — {job.error}" if job.error else ""))


@pages_bp.get("/content/products/<uuid:product_id>/compare")
@viewer_required
def compare(product_id):
    product = ai_content.get_product(current_account(), product_id)
    left = ai_content.get_product_content(product, request.args.get("a", ""))
    right = ai_content.get_product_content(product, request.args.get("b", ""))
    return render_template("ai/compare.html", product=product, versions=[left, right], can_edit=_can_edit(),
                           labels=_labels(), decision=DecisionForm())


@pages_bp.route("/content/products/<uuid:product_id>/versions/<uuid:content_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(product_id, content_id):
    product = ai_content.get_product(current_account(), product_id)
    content = ai_content.get_product_content(product, content_id)
    form = ContentEditForm(data={"subject": content.subject, "body": content.body, "status": content.status.value,
                                 "hashtags": " ".join(content.hashtags or [])}) \
        if request.method == "GET" else ContentEditForm()
    if form.validate_on_submit():
        changes = {"body": form.body.data, "status": form.status.data}
        if content.channel.value == "email":
            changes["subject"] = form.subject.data or ""
        if content.channel.value == "social":
            changes["hashtags"] = form.hashtags.data.split()
        try:
            ai_content.update_product_content(ai_content.get_product_content(product, content_id, for_update=True),
                                              actor=current_user(), **changes)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("content.product", product_id=product.id) + f"#v-{content.id}")
    status = 422 if form.errors else 200
    return render_template("ai/edit.html", product=product, content=content, form=form, labels=_labels()), status


@pages_bp.post("/content/products/<uuid:product_id>/versions/<uuid:content_id>/status")
@editor_required
def set_status(product_id, content_id):
    product = ai_content.get_product(current_account(), product_id)
    status = request.form.get("status")
    if DecisionForm().validate_on_submit() and status in STATUS_LABELS:
        attempt(lambda: ai_content.update_product_content(
            ai_content.get_product_content(product, content_id, for_update=True), actor=current_user(),
            status=status), _("Marked %(status)s.", status=STATUS_LABELS[status]))
    return redirect(url_for("content.product", product_id=product.id) + f"#v-{content_id}")


# --- a campaign's suggestions -------------------------------------------------------------------------------------
def _suggestions_page(campaign, *, form=None, status=200):
    if form is None:
        form = SuggestionForm(language=_default_language())
    form.language.choices = _languages()
    form.products.choices = choice_list((str(p.id), p.name) for p in ai_content.product_choices(current_account()))
    rows = ai_suggestions.list_suggestions(campaign, page=1, size=100).items
    pending = [(kind, [s for s in rows if s.kind == kind and s.status.value == "pending"])
               for kind in ai_suggestions.KIND_ORDER]
    pending = [(kind.value, items) for kind, items in pending if items]
    decided = [s for s in rows if s.status.value != "pending"]
    return render_template("ai/suggestions.html", campaign=campaign, form=form, pending=pending, decided=decided,
                           pending_count=sum(len(items) for _kind, items in pending),
                           usage=ai_usage.usage_summary(current_account()), can_edit=_can_edit(),
                           labels=_labels(), decision=DecisionForm()), status


@pages_bp.get("/campaigns/<uuid:campaign_id>/suggestions")
@viewer_required
def suggestions(campaign_id):
    return _suggestions_page(campaigns.get_campaign(current_account(), campaign_id))


@pages_bp.post("/campaigns/<uuid:campaign_id>/suggestions/generate")
@editor_required
def generate_suggestions(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    form = SuggestionForm()
    form.language.choices = _languages()
    if not form.validate_on_submit():
        return _suggestions_page(campaign, form=form, status=422)
    try:
        rows = ai_suggestions.generate_suggestions(campaign, actor=current_user(), language=form.language.data,
                                                   tone=form.tone.data, product_ids=form.products.data)
    except DomainError as exc:
        apply_errors(form, exc)
        return _suggestions_page(campaign, form=form, status=exc.status_code)
    flash(ngettext("%(num)s new suggestion to review.", "%(num)s new suggestions to review.", len(rows)), "success")
    return redirect(url_for("content.suggestions", campaign_id=campaign.id))


@pages_bp.post("/campaigns/<uuid:campaign_id>/suggestions/<uuid:suggestion_id>/decide")
@editor_required
def decide(campaign_id, suggestion_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    action = request.form.get("action")
    if action not in ("approve", "reject"):
        abort(400)
    if not DecisionForm().validate_on_submit():
        flash_form_errors(DecisionForm())
    else:
        done = attempt(lambda: ai_suggestions.decide_suggestion(campaign, suggestion_id, actor=current_user(),
                                                                action=action))
        if done:
            flash(_("Approved and written into the campaign's content.") if done.applied else
                  _("Approved.") if action == "approve" else _("Rejected."), "success")
    return redirect(url_for("content.suggestions", campaign_id=campaign.id))
