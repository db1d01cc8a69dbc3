"""Public routes: the open pixel, click redirects and the unsubscribe page of every email (the signed token is
the only key: a forged one is a plain 404), and Twilio's callbacks (its signature is the key: 403 without it).
"""
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request

from app.extensions import csrf
from app.integrations.whatsapp import signature_is_valid
from app.services import messaging_hooks, messaging_tracking

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
