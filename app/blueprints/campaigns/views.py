"""Campaign pages: list with filters, create and edit forms, detail with stats, chart, periods, sites and sync."""
from zoneinfo import ZoneInfo

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone, gettext as _
from werkzeug.datastructures import MultiDict

from app.blueprints.answers import AnswerCache
from app.blueprints.campaigns.chart import daily_chart
from app.blueprints.common import page_number
from app.blueprints.campaigns.forms import CampaignForm, FilterForm
from app.blueprints.forms import apply_errors, attempt
from app.blueprints.geolocation.picker import picked_place
from app.blueprints.media import file_url
from app.errors import DomainError, ValidationError
from app.security import current_account, current_user, editor_required, viewer_required
from app.services import campaign_media, campaign_reads, campaign_stats, campaigns, messaging

pages_bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
SORTS = ("-created_at", "created_at", "name", "-name", "budget", "-budget", "start_date", "-start_date")
FILTERS, PAGE_SIZE = ("search", "status", "channel", "priority"), 20
lists = AnswerCache()  # the list page's filters and rows as HTML, per viewer's language and zone (see index)


@pages_bp.get("")
@viewer_required
def index():
    # A filter value the form does not offer (an old bookmark, a hand-made URL) is dropped, as an unknown sort is.
    offered = FilterForm(request.args)
    offered.validate()
    args = {k: v for k, v in request.args.items() if v and (k == "sort" or k in FILTERS and not offered[k].errors)}
    sort = args.get("sort") if args.get("sort") in SORTS else "-created_at"
    account, number = current_account(), page_number()
    # The filters and rows of the page are kept while the rows are unchanged (answers.AnswerCache.fragment): its
    # key names the account, the page, the filters and sort, and what the rendering reads of the viewer.
    listing = lists.fragment(
        (account.id, str(get_locale()), str(get_timezone()), number, sort, *sorted(args.items())),
        lambda: campaigns.campaigns_query(account, sort=sort, **{k: args.get(k) for k in FILTERS}),
        page=number, size=PAGE_SIZE, read=campaign_reads.page_with_counters,
        render=lambda page: render_template("campaigns/_list.html", page=page, args=args,
                                            filters=FilterForm(MultiDict(args))))
    return render_template("campaigns/index.html", listing=listing)


@pages_bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    account = current_account()
    form = CampaignForm(timezone=account.timezone or "UTC", currency=account.currency)
    if form.validate_on_submit() and _take_picked_place(form):
        campaign = _save(form, lambda data: campaign_media.create_campaign(account, actor=current_user(), **data))
        if campaign is not None:
            flash(_("Campaign created."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _form_page(form, None)


@pages_bp.route("/<uuid:campaign_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    form = CampaignForm(obj=None if request.method == "POST" else _form_data(campaign))
    if form.validate_on_submit() and _take_picked_place(form):
        saved = _save(form, lambda data: campaign_media.update_campaign(campaign, actor=current_user(), **data))
        if saved is not None:
            flash(_("Campaign saved."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _form_page(form, campaign)


def _form_page(form: CampaignForm, campaign):
    account = current_account()
    files = campaign_media.pickable_files(account, campaign)
    return render_template(
        "campaigns/form.html", form=form, campaign=campaign, location_line=LOCATION_LINE, files=files,
        file_url=file_url, picked={str(i) for i in form.media_files.data or []},
        file_campaigns=campaign_media.campaign_names(account, [f.campaign_id for f in files]),
    ), 422 if form.errors else 200


@pages_bp.get("/<uuid:campaign_id>")
@viewer_required
def detail(campaign_id):
    account = current_account()
    # The row, its stats and counters in one statement, periods and sites in one more (this page shows them).
    campaign = campaign_reads.campaign_detail(account, campaign_id, include=campaign_reads.INCLUDES)
    # An email or WhatsApp campaign's figures are its messages' (one aggregate), not views, clicks and spend.
    messages = messaging.send_state(campaign) if campaign.channel in messaging.CHECKS else None
    return render_template(
        "campaigns/detail.html", campaign=campaign, stats=campaign.stats, messages=messages,
        chart=None if messages else daily_chart(campaign_stats.daily_series(campaign), campaign.currency),
        files=[f for f in campaign_media.pickable_files(account, campaign) if f.campaign_id == campaign.id],
        file_url=file_url, periods=campaign.periods, sites=campaign.sites)


@pages_bp.post("/<uuid:campaign_id>/status")
@editor_required
def change_status(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    new_status = request.form.get("new_status", "")
    attempt(lambda: campaigns.change_status(campaign, actor=current_user(), new_status=new_status),
            _("Campaign is now %(status)s.", status=_(new_status)))
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@pages_bp.post("/<uuid:campaign_id>/delete")
@editor_required
def delete(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    if attempt(lambda: campaigns.delete_campaign(campaign, actor=current_user()), _("Campaign deleted.")):
        return redirect(url_for("campaigns.index"))
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@pages_bp.post("/<uuid:campaign_id>/sync")
@editor_required
def sync(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    attempt(lambda: campaigns.request_sync(campaign, actor=current_user()), _("Sync with Amazon Ads requested."))
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


LOCATION_LINE = "{name} | {lon}, {lat} | {full_name}"  # the textarea's line; geo.js writes the same (add_format)


def _take_picked_place(form: CampaignForm) -> bool:
    """Move the picker's place into the textarea list; False (show the form again) when that was all: "Add"."""
    try:
        place = picked_place(request.form, "target_place")
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    adding = bool(request.form.get("target_place_add")) and bool(form.target_place.data)
    if place is not None:
        lon, lat = place["coordinates"]
        line = LOCATION_LINE.format(name=place["name"], lon=lon, lat=lat, full_name=place["full_name"])
        form.target_locations.data = "\n".join(filter(None, [(form.target_locations.data or "").rstrip(), line]))
        form.target_place.data = ""
    return not adding


def _save(form: CampaignForm, operation):
    """Run the service with the form's data; its field errors land next to the fields."""
    try:
        return operation(_service_data(form))
    except DomainError as exc:
        apply_errors(form, exc, rename={"demographics": "age"})
    return None


def _service_data(form: CampaignForm) -> dict:
    zone = ZoneInfo(form.timezone.data or "UTC")
    local = {f: getattr(form, f).data for f in ("start_date", "end_date")}
    data = {
        "name": form.name.data or "", "description": form.description.data or "", "channel": form.channel.data,
        "budget": form.budget.data, "currency": form.currency.data or "USD", "priority": form.priority.data,
        "timezone": form.timezone.data, "keywords": form.keywords.data or "",
        # The form speaks the campaign's time zone; the service stores UTC.
        **{k: v.replace(tzinfo=zone) if v else None for k, v in local.items()},
        "demographics": {"age": form.age.data or None, "gender": form.gender.data or None,
                         "interests": form.interests.data or None},
        "target_locations": _parse_locations(form.target_locations.data or ""),
        "media_ids": _media_ids(form.media_files.data or []),
    }
    return data


def _media_ids(values: list[str]) -> list[uuid.UUID]:
    try:
        return list(dict.fromkeys(uuid.UUID(v) for v in values))
    except ValueError:
        raise ValidationError(details={"media_files": [_("Pick files from the list.")]}) from None


def _parse_locations(text: str) -> list[dict]:
    locations = []
    for n, line in enumerate((l for l in text.splitlines() if l.strip()), start=1):
        parts = [p.strip() for p in line.split("|")]
        try:
            lon, lat = (float(x) for x in parts[1].split(","))
        except (IndexError, ValueError):
            raise ValidationError("Validation error", details={
                "target_locations": [_("Line %(n)s: write name | longitude, latitude | address", n=n)]}) from None
        location = {"type": "point", "coordinates": [lon, lat], "name": parts[0]}
        if len(parts) > 2 and parts[2]:
            location["address"] = parts[2]
        locations.append(location)
    return locations


def _form_data(campaign):
    """The campaign as the form shows it: local times, comma lists, one location per line."""
    zone = ZoneInfo(campaign.timezone or "UTC")

    class Data:
        pass

    data = Data()
    for field in ("name", "description", "channel", "budget", "currency", "priority", "timezone"):
        setattr(data, field, getattr(campaign, field))
    for field in ("start_date", "end_date"):
        value = getattr(campaign, field)
        setattr(data, field, value.astimezone(zone).replace(tzinfo=None) if value else None)
    data.keywords = ", ".join(campaign.keywords or [])
    demographics = campaign.demographics or {}
    data.age, data.gender = demographics.get("age", ""), demographics.get("gender", "")
    data.interests = ", ".join(demographics.get("interests", []))
    data.media_files = [str(f.id) for f in campaign_media.pickable_files(campaign.account, campaign)
                        if f.campaign_id == campaign.id]
    data.target_locations = "\n".join(
        " | ".join([loc.get("name", ""), f"{loc['coordinates'][0]}, {loc['coordinates'][1]}"]
                   + ([loc["address"]] if loc.get("address") else [])) for loc in campaign.target_locations or [])
    return data
