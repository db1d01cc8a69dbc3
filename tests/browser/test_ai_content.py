"""A marketer in Chromium: AI suggestions on a campaign (approve, reject, the content they fill) and a product's
copy (generate, compare, edit, approve), with the offline provider labelled template-generated."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, ProductContent
from tests.ai.factories import make_campaign, make_product
from tests.factories import make_user, own_account, sign_in_page as log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def marketer(app):
    user = make_user(username="lucia", full_name="Lucía Pérez")
    return user, own_account(user)


def test_suggestions_are_approved_and_rejected_on_the_campaign(page, screenshot, marketer):
    user, account = marketer
    make_product(account)
    campaign = make_campaign(account, user, name="Spring running")
    log_in(page, user)
    page.goto(f"/campaigns/{campaign.id}")
    page.click("#suggestions-link")
    page.wait_for_url(f"**/campaigns/{campaign.id}/suggestions")
    assert page.is_visible("text=Nothing to review")
    page.select_option("#language", "es")
    page.select_option("#products", label="Trail Runner 2")
    page.click("#suggest-button")
    page.wait_for_selector(".suggestion")
    assert page.locator(".suggestion").count() == 9
    assert page.locator(".provider-badge[data-provider=template]").count() == 9
    screenshot("ai-suggestions-pending")

    subject = page.locator(".suggestion[data-kind=subject]").first
    subject_text = subject.locator(".suggestion-text").inner_text()
    subject.locator("button[value=approve]").click()
    page.wait_for_selector("text=Approved and written into the campaign's content.")
    page.locator(".suggestion[data-kind=title]").first.locator("button[value=reject]").click()
    page.wait_for_selector("text=Rejected.")
    assert page.locator("tr.decided").count() == 2
    assert page.locator(".suggestion").count() == 7
    screenshot("ai-suggestions-decided")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).content == {"es": {"subject": subject_text}}
    page.goto(f"/campaigns/{campaign.id}")
    assert page.inner_text("#suggestions-pending") == "7"  # the campaign's page says how many wait
    screenshot("ai-campaign-link")


def test_product_copy_is_generated_compared_edited_and_approved(page, screenshot, marketer, celery_worker):
    user, account = marketer
    product = make_product(account)
    log_in(page, user)
    page.click("text=Content")
    page.wait_for_url("**/content")
    assert page.is_visible("text=No AI provider is configured")
    screenshot("ai-content-index")
    page.click("text=Trail Runner 2")
    page.check("input[name=languages][value=es]")
    page.uncheck("input[name=channels][value=social]")
    page.fill("#keywords", "trail running, spring")
    page.click("#generate-button")
    # Four pieces are more than AI_INLINE_MAX_ITEMS: a worker writes them and the page follows its progress. A fast
    # worker finishes before the check, and the page reloads without the one-time message: either is shown.
    expect(page.get_by_text("Writing 4 pieces in the background.").or_(page.locator("#group-whatsapp-es"))
           .first).to_be_visible()
    page.wait_for_selector("#group-whatsapp-es", timeout=30_000)
    page.uncheck("input[name=channels][value=social]")
    page.uncheck("input[name=channels][value=whatsapp]")
    page.select_option("#tone", "urgent")
    page.click("#generate-button")
    page.wait_for_selector("text=Wrote 1 new version.")
    assert page.locator(".content-group").count() == 4
    assert page.locator("#group-email-en .content-version").count() == 2
    screenshot("ai-content-product")

    page.locator("#group-email-en .compare-form button").click()
    page.wait_for_url("**/compare?*")
    assert page.locator("#compare .content-version").count() == 2
    screenshot("ai-content-compare")
    page.locator("#compare .content-version").first.locator("button[value=approved]").click()
    page.wait_for_selector("text=Marked Approved.")

    page.locator("#group-whatsapp-es .content-version").first.locator("text=Edit").click()
    page.fill("#body", "Trail Runner 2 ya está aquí. ¡Pídelo hoy!")
    page.select_option("#status", "approved")
    screenshot("ai-content-edit")
    page.click("#content-edit button[type=submit]")
    page.wait_for_selector("text=Saved.")
    edited = db.session.scalar(select(ProductContent).where(ProductContent.channel == "whatsapp",
                                                            ProductContent.language == "es"))
    db.session.refresh(edited)
    assert edited.body == "Trail Runner 2 ya está aquí. ¡Pídelo hoy!" and edited.status.value == "approved"
    assert edited.edited

    # The edit form round-trips: opened and saved unchanged, nothing changes.
    page.goto(f"/content/products/{product.id}/versions/{edited.id}/edit")
    page.click("#content-edit button[type=submit]")
    page.wait_for_selector("text=Saved.")
    db.session.refresh(edited)
    assert edited.body == "Trail Runner 2 ya está aquí. ¡Pídelo hoy!" and edited.status.value == "approved"
