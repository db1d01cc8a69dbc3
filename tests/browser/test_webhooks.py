"""Webhook settings pages in Chromium: add an endpoint (secret shown once), test it, read the delivery log."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookEndpoint
from tests.conftest import wait_for
from tests.factories import make_user, sign_in_page

pytestmark = pytest.mark.browser


def test_an_owner_adds_a_webhook_sends_a_test_and_sees_it_delivered(page, console, screenshot, webhook_receiver,
                                                                    celery_worker):
    owner = make_user(username="marta", full_name="Marta Ruiz")
    sign_in_page(page, owner)
    page.goto("/settings/webhooks")
    screenshot("webhooks-empty")
    page.fill("input[name=url]", webhook_receiver.url + "/campaign-hub")
    page.fill("input[name=description]", "Our BI tool")
    page.check("input[value='campaign.*']")
    page.check("input[value='promo.activated']")
    page.click("#webhook-form button[type=submit]")
    secret = page.inner_text("#webhook-secret .secret-value")
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert secret.startswith("whsec_") and secret == endpoint.secret
    assert endpoint.events == ["campaign.*", "promo.activated"]
    screenshot("webhooks-created")
    with page.expect_navigation():  # the test event is a form post answered by a redirect back here
        page.click("#send-test")
    wait_for(lambda: webhook_receiver.received)

    def delivered() -> bool:
        page.reload()
        return page.locator("tr.delivery[data-status=succeeded]").count() == 1

    wait_for(delivered, timeout=20)
    assert page.locator("#webhook-secret").count() == 0  # shown once only
    screenshot("webhooks-delivered")
    # Saving the settings unchanged changes nothing (the secret is kept).
    page.click("#edit-webhook button[type=submit]")
    page.wait_for_selector("#deliveries")
    db.session.expire_all()
    again = db.session.scalar(select(WebhookEndpoint))
    assert (again.url, again.events, again.secret, again.active) == (endpoint.url, endpoint.events, secret, True)
    page.goto("/settings/webhooks")
    assert "Our BI tool" in page.inner_text("#webhooks")
    screenshot("webhooks-list")
    assert console.problems == []


def test_a_private_url_is_refused_next_to_the_field(page, console, config):
    config(WEBHOOKS_ALLOW_PRIVATE=False)
    sign_in_page(page, make_user(username="pablo"))
    page.goto("/settings/webhooks")
    page.fill("input[name=url]", "http://169.254.169.254/latest/meta-data")
    page.check("input[value='*']")
    page.click("#webhook-form button[type=submit]")
    assert "link-local" in page.inner_text("#webhook-form .invalid-feedback")
