"""Destructive buttons ask first, under the pages' Content-Security-Policy (no inline handlers): dismissing keeps."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Customer, MediaFile, Segment
from app.services import campaigns, segments
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def owner(app):
    return make_user(username="lucia", full_name="Lucía Pérez")


def _answer(page, accept: bool, asked: list):
    def handle(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", handle)


def test_deleting_a_campaign_asks_and_dismissing_keeps_it(page, console, screenshot, owner):
    campaign = campaigns.create_campaign(own_account(owner), actor=owner, name="Spring sale", budget=100,
                                         channel="email")
    sign_in_page(page, owner)
    page.goto(f"/campaigns/{campaign.id}")
    asked = []
    _answer(page, False, asked)
    page.click("form[action$='/delete'] button")
    page.wait_for_timeout(300)
    assert asked == ["Delete “Spring sale”? This cannot be undone."]
    assert page.url.endswith(f"/campaigns/{campaign.id}")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).deleted_at is None

    _answer(page, True, asked)
    page.click("form[action$='/delete'] button")
    page.wait_for_url("**/campaigns")
    assert page.is_visible("text=Campaign deleted.")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).deleted_at is not None
    assert console.problems == []


def test_finish_and_cancel_ask_before_they_end_a_campaign(page, console, screenshot, owner):
    campaign = campaigns.create_campaign(own_account(owner), actor=owner, name="Summer", budget=100, channel="email",
                                         status="active")
    sign_in_page(page, owner)
    page.goto(f"/campaigns/{campaign.id}")
    asked = []
    _answer(page, False, asked)
    page.click("button[value=finished]")
    page.wait_for_timeout(300)
    _answer(page, False, asked)
    page.click("button[value=cancelled]")
    page.wait_for_timeout(300)
    assert asked == ["Finish “Summer”? A finished campaign cannot run again.",
                     "Cancel “Summer”? A cancelled campaign cannot run again."]
    assert page.inner_text(".status-badge").strip() == "active"

    _answer(page, True, asked)
    page.click("button[value=paused]")  # not final: no question
    assert page.is_visible("text=Campaign is now paused.") and len(asked) == 2
    _answer(page, True, asked)
    page.click("button[value=finished]")
    assert page.is_visible("text=Campaign is now finished.")
    screenshot("campaign-finished")
    assert console.problems == []


def test_customers_segments_and_media_ask_before_deleting(page, console, owner, make_media):
    account = own_account(owner)
    customer = make_customer(account, first_name="Ana", last_name="López")
    segment = segments.create_segment(account, actor=owner, name="Vips",
                                      rules={"match": "all", "conditions": [{"field": "tags", "op": "contains",
                                                                             "value": "vip"}]})
    item = make_media(account, owner, "banner.jpg")
    sign_in_page(page, owner)
    asked = []
    for path, button in ((f"/customers/{customer.id}", "Delete customer"), (f"/segments/{segment.id}", "Delete segment"),
                         ("/media", "Delete")):
        page.goto(path)
        _answer(page, False, asked)
        page.click(f"form[data-confirm] button:has-text('{button}')")
        page.wait_for_timeout(300)
    assert asked == ["Delete this customer?", "Delete this segment?", "Delete this file?"]
    db.session.expire_all()
    assert db.session.get(Customer, customer.id) is not None and db.session.get(Segment, segment.id) is not None
    assert db.session.scalar(select(MediaFile.id)) == item.id
    assert console.problems == []
