"""A marketer in Chromium: log in, create a campaign, see its detail, move it along its lifecycle."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign
from app.services import campaign_stats
from tests.conftest import wait_for
from tests.factories import make_user, sign_in_page as log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def marketer(app, config, celery_worker):
    """A marketer, with the real worker running the Amazon push a new campaign queues."""
    config(AMAZON_ADS_ERROR_RATE=0.0, AMAZON_ADS_LATENCY=0.0)
    return make_user(username="lucia", full_name="Lucía Pérez")


def test_create_campaign_see_detail_and_change_status(page, screenshot, marketer):
    log_in(page, marketer)
    page.click("text=Campaigns")
    page.wait_for_url("**/campaigns")
    assert page.is_visible("text=No campaigns yet")
    screenshot("campaigns-empty")

    page.click("text=New campaign")
    page.fill("#name", "Prime Day Headphones")
    page.fill("#budget", "-10")
    page.fill("#start_date", "2030-07-10T09:00")
    page.fill("#end_date", "2030-07-01T09:00")
    page.click("form.campaign-form button[type=submit]")
    assert page.inner_text("#budget-errors") == "Must be greater than 0"
    assert "after" in page.inner_text("#end_date-errors")
    screenshot("campaigns-form-errors")

    page.fill("#budget", "1500")
    page.fill("#end_date", "2030-07-20T21:00")
    page.fill("#keywords", "headphones, prime day")
    page.fill("#target_locations", "Seattle | -122.3321, 47.6062 | Seattle, WA")
    page.click("form.campaign-form button[type=submit]")
    page.wait_for_url("**/campaigns/*")
    assert page.is_visible("text=Campaign created.")
    assert page.inner_text(".status-badge").strip() == "draft"
    # The worker pushed it after the commit: once it has, the badge shows Amazon's answer.
    wait_for(lambda: db.session.scalar(select(Campaign.external_id).execution_options(populate_existing=True)),
             timeout=15)
    page.reload()
    assert page.get_attribute(".ads-badge", "data-ads-status") in ("ACTIVE", "PROCESSING")

    campaign = db.session.scalar(select(Campaign))
    today = date.today()
    campaign_stats.upsert_metrics([
        {"campaign_id": campaign.id, "day": today - timedelta(days=n), "site": site,
         "impressions": 800 + 90 * n + (300 if site == "amazon.com" else 0), "clicks": 20 + n, "conversions": n % 4,
         "spend": 15 + n} for n in range(14) for site in ("amazon.com", "imdb.com")])
    db.session.commit()
    page.reload()
    assert page.is_visible("svg.chart") and page.is_visible("#periods") and page.is_visible("#sites")
    screenshot("campaign-detail")

    page.click("button[value=active]")
    assert page.is_visible("text=Campaign is now active.")
    assert page.inner_text(".status-badge").strip() == "active"
    assert page.is_visible("button[value=paused]") and not page.is_visible("button[value=scheduled]")
    screenshot("campaign-active")

    page.click("text=Campaigns")
    page.fill("input[name=search]", "prime")
    page.click("text=Filter")
    assert page.inner_text("#campaigns tbody").count("Prime Day Headphones") == 1
    screenshot("campaigns-list")
