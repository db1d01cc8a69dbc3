"""The sending pages in Chromium: from the campaign to the send page, send now, live progress, the message log."""
from tests.conftest import wait_for
from tests.factories import own_account, sign_in_page
from tests.messaging.factories import make_customer, make_email_campaign


def test_a_marketer_sends_a_campaign_and_follows_it_to_the_log(page, screenshot, user, smtp, celery_worker):
    account = own_account(user)
    for n in range(12):
        make_customer(account, email=f"b{n:02}@example.com", language="es" if n % 2 else "en")
    campaign = make_email_campaign(account, user, name="Rebajas de invierno")
    sign_in_page(page, user)

    page.goto(f"/campaigns/{campaign.id}")
    page.click("#sending-link")
    page.wait_for_selector("#send-now")
    screenshot("messaging_send_page")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#send-now")
    page.wait_for_selector("#send-bar")
    wait_for(lambda: len(smtp.messages) == 12, timeout=20)
    page.wait_for_selector("#send-counts", timeout=20_000)  # the page reloads itself when the send completes
    screenshot("messaging_send_done")
    assert "12" in page.inner_text("#send-counts")

    page.click("text=Message log")
    page.wait_for_selector("#messages")
    page.wait_for_load_state()  # app.js (end of body) binds the autosubmit select only once the page has loaded
    page.select_option("#status", "sent")
    page.wait_for_url(lambda url: "status=sent" in url)
    screenshot("messaging_message_log")
    assert page.locator("#messages tbody tr").count() == 12

    # The campaign's own page shows the same figures, counted from its messages (not views, clicks and spend).
    page.goto(f"/campaigns/{campaign.id}")
    page.wait_for_selector("#message-figures")
    screenshot("messaging_campaign_figures")
    figures = page.inner_text("#message-figures")
    assert "Recipients" in figures and "Open rate" in figures and "12" in figures
    assert "Total spent" not in page.content()
