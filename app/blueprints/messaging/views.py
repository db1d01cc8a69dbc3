"""Public routes: the open pixel, click redirects and the unsubscribe page of every email (the signed token is
the only key: a forged one is a plain 404), and Twilio's callbacks (its signature is the key: 403 without it).
"""
from flask import (
    Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _

from app.blueprints.forms import apply_errors
from app.blueprints.messaging.forms import ScheduleForm, SendNowForm
from app.errors import DomainError
from app.extensions import csrf
from app.integrations.whatsapp import signature_is_valid
from app.models import MemberRole, MessageStatus, utcnow
from app.security import current_account, current_role, current_user, editor_required, viewer_required
from app.services import (
    campaigns, messaging, messaging_compose, messaging_hooks, messaging_log, messaging_tracking,
)

pages_bp = Blueprint("messaging", __name__)
# The smallest transparent GIF.
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
         b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}


@pages_bp.get("/t/o/<token>")
def track_open(token):
    messaging_tracking.record_open(token)
    response = make_response(PIXEL)
    response.headers.update({"Content-Type": "image/gif", **NO_STORE})
    return response


@pages_bp.get("/t/c/<token>")
def track_click(token):
    # Only to the URL signed into the token when the message was rendered: no open redirect.
    response = redirect(messaging_tracking.record_click(token), code=302)
    response.headers.update(NO_STORE)
    return response


@pages_bp.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt  # the one-click POST comes from mail providers (RFC 8058); the signed token is the credential
def unsubscribe(token):
    # GET only shows the page: mail scanners fetch links, and a fetch must not unsubscribe anyone.
    if request.method == "POST":
        customer = messaging_tracking.unsubscribe(token)
        return render_template("messaging/unsubscribe.html", token=token, done=True, customer=customer), 200, NO_STORE
    message, customer = messaging_tracking.unsubscribe_target(token)
    done = customer.consent(message.channel) is False
    return render_template("messaging/unsubscribe.html", token=token, done=done, customer=customer), 200, NO_STORE


def _from_twilio() -> dict:
    # Twilio signs the URL it called, which is ours as PUBLIC_URL says (a proxy may change what Flask sees).
    url = current_app.config["PUBLIC_URL"].rstrip("/") + request.full_path.rstrip("?")
    params = request.form.to_dict()
    if not signature_is_valid(url, params, request.headers.get("X-Twilio-Signature")):
        abort(403)
    return params


@pages_bp.post("/hooks/twilio/status")
@csrf.exempt
def twilio_status():
    messaging_hooks.record_status(_from_twilio())
    return "", 204


@pages_bp.post("/hooks/twilio/inbound")
@csrf.exempt
def twilio_inbound():
    messaging_hooks.record_inbound(_from_twilio())
    # An empty TwiML answer: no automatic reply.
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 200, {"Content-Type": "text/xml"}


# --- the marketer's pages: send or schedule, live progress, the message log -------------------------------------

def _send_page(campaign, *, send_form=None, schedule_form=None, status=200):
    state = messaging.send_state(campaign)
    schedule_form = schedule_form or ScheduleForm(timezone=state.get("timezone") or campaign.timezone or "UTC")
    starting = state["status"] == "scheduled" and state["send_at"] <= utcnow()
    return render_template("messaging/send.html", campaign=campaign, state=state, send_form=send_form or SendNowForm(),
                           schedule_form=schedule_form, recipients=messaging.audience_count(campaign),
                           starting=starting, can_edit=current_role().rank >= MemberRole.EDITOR.rank,
                           segment_name=messaging_compose.segment_name(campaign)), status


@pages_bp.get("/campaigns/<uuid:campaign_id>/sending")
@viewer_required
def campaign_send(campaign_id):
    return _send_page(campaigns.get_campaign(current_account(), campaign_id))


@pages_bp.post("/campaigns/<uuid:campaign_id>/sending/now")
@editor_required
def send_now(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    form = SendNowForm()
    if form.validate_on_submit():
        try:
            messaging.send_now(campaign, actor=current_user())
        except DomainError as exc:
            apply_errors(form, exc)
            return _send_page(campaign, send_form=form, status=exc.status_code)
        flash(_("Sending started."), "success")
    return redirect(url_for("messaging.campaign_send", campaign_id=campaign.id))


@pages_bp.post("/campaigns/<uuid:campaign_id>/sending/schedule")
@editor_required
def schedule(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _send_page(campaign, schedule_form=form, status=422)
    try:
        messaging.schedule_send(campaign, actor=current_user(), send_at=form.send_at.data,
                                timezone=form.timezone.data, local_time=form.local_time.data)
    except DomainError as exc:
        apply_errors(form, exc)
        return _send_page(campaign, schedule_form=form, status=exc.status_code)
    flash(_("Scheduled."), "success")
    return redirect(url_for("messaging.campaign_send", campaign_id=campaign.id))


@pages_bp.get("/campaigns/<uuid:campaign_id>/sending/status.json")
@viewer_required
def send_status(campaign_id):
    state = messaging.send_state(campaigns.get_campaign(current_account(), campaign_id))
    counts, total = state["counts"], state.get("recipients") or 0
    done = counts["total"] - counts["queued"] - counts["sending"]
    message = _("%(sent)s sent · %(failed)s failed · %(skipped)s skipped · %(opened)s opened · %(clicked)s clicked",
                sent=counts["accepted"], failed=counts["failed"], skipped=counts["skipped"], opened=counts["opened"],
                clicked=counts["clicked"])
    return jsonify(status=state["status"], progress=round(100 * done / total, 1) if total else 0, message=message)


@pages_bp.get("/campaigns/<uuid:campaign_id>/sending/messages")
@viewer_required
def message_log(campaign_id):
    campaign = campaigns.get_campaign(current_account(), campaign_id)
    status = request.args.get("status") or None
    if status not in (None, *[s.value for s in MessageStatus]):
        status = None
    to = (request.args.get("to") or "").strip()[:254] or None
    page = messaging_log.list_message_log(campaign, status=status, to=to, size=50,
                                          page=max(1, request.args.get("page", 1, type=int)))
    args = {k: v for k, v in {"status": status, "to": to}.items() if v}
    return render_template("messaging/messages.html", campaign=campaign, page=page, status=status, to=to,
                           statuses=[s.value for s in MessageStatus], args=args)


@pages_bp.get("/messages")
@viewer_required
def index():
    args = {k: v for k, v in request.args.items() if k in ("state", "channel") and v}
    page = messaging_log.list_sends(current_account(), page=max(1, request.args.get("page", 1, type=int)), size=20,
                                    state=args.get("state"), channel=args.get("channel"))
    return render_template("messaging/index.html", page=page, args=args, states=messaging_log.SEND_STATES)


# The compose and notification pages register on this same blueprint.
from app.blueprints.messaging import compose_views, notification_views  # noqa: E402,F401
