"""Dashboard and activity pages in Chromium: figures for a period, charts, activity in words."""
from datetime import date, timedelta

import pytest

from app.services import campaigns
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account, sign_in_page
from tests.reports.conftest import add_metrics

pytestmark = pytest.mark.browser


def test_the_dashboard_shows_the_period_with_charts_and_activity_in_words(page, console, screenshot):
    owner = make_user(username="ana", full_name="Ana Torres")
    account = own_account(owner)
    today = date.today()
    spring = campaigns.create_campaign(account, actor=owner, name="Spring launch", budget=1200, channel="email")
    campaigns.change_status(spring, actor=owner, new_status="active")
    campaigns.create_campaign(account, actor=owner, name="Summer teaser", budget=300, channel="display")
    add_metrics(spring, [(today - timedelta(days=n), "web", 800 + 90 * n, 20 + n, n % 3, 15) for n in range(14)])
    for n in range(6):
        make_customer(account)
    sign_in_page(page, owner)
    page.goto("/")
    figures = page.inner_text("#period-figures")
    assert "Impressions" in figures and "Spent of" in figures
    assert "Ana Torres created the campaign “Spring launch”" in page.inner_text("#recent-activity")
    bars = page.locator("#results-chart svg path").first.get_attribute("d")
    assert bars.count("M") >= 14  # a bar a day, all of one colour drawn as one path
    screenshot("dashboard")
    page.goto("/logs?domain=campaign")
    assert page.locator("tr.event").count() == 3  # two created, one status change
    screenshot("activity-log")
    page.goto("/audit")
    assert "Ana Torres signed up" in page.inner_text("#events")  # sign-ins belong to no account: admins see them
    screenshot("audit-log")
    assert console.problems == []
