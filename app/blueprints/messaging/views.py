"""Public tracking routes in every email: the open pixel, click redirects and the unsubscribe page.

They answer anyone holding a token, so the token is the only key: signed, and a forged one is a plain 404.
"""
from flask import Blueprint, make_response, redirect, render_template, request

from app.extensions import csrf
from app.services import messaging_tracking

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
