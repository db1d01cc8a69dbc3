"""The dashboard's figures against data counted by hand."""
from datetime import date, datetime, timedelta, timezone

from app.extensions import db
from app.models import Campaign
from app.services import campaigns
from tests.audience.factories import make_customer
from tests.factories import own_account
from tests.reports.conftest import add_metrics


def test_dashboard_figures_match_the_data(owner_api, user):
    account = own_account(user)
    a = campaigns.create_campaign(account, actor=user, name="A", budget=100, channel="email")
    b = campaigns.create_campaign(account, actor=user, name="B", budget=250.5, channel="display")
    campaigns.change_status(b, actor=user, new_status="active")
    gone = campaigns.create_campaign(account, actor=user, name="Gone", budget=999, channel="display")
    campaigns.delete_campaign(gone, actor=user)
    add_metrics(a, [(date(2026, 3, 1), "web", 1000, 40, 4, 10), (date(2026, 3, 5), "web", 500, 10, 1, 5)])
    add_metrics(b, [(date(2026, 3, 1), "app", 2000, 50, 0, 20), (date(2026, 2, 20), "app", 9999, 999, 99, 99)])
    for n in range(3):
        make_customer(account)
    answer = owner_api.get("/dashboard?since=2026-03-01&until=2026-03-31")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["campaigns_by_status"] == {"draft": 1, "active": 1}
    assert body["budget"] == 350.5
    # Only March: 1,000 + 500 + 2,000 impressions; 40 + 10 + 50 clicks; 4 + 1 conversions; 10 + 5 + 20 spent.
    assert (body["views"], body["clicks"], body["conversions"], body["spend"]) == (3500, 100, 5, 35.0)
    assert body["ctr"] == round(100 * 100 / 3500, 2) and body["conversion_rate"] == 5.0
    assert body["daily"][0] == {"day": "2026-03-01", "views": 3000, "clicks": 90, "conversions": 4}
    assert body["messages"] == {"sent": 0, "opened": 0, "clicked": 0}
    assert body["customers_total"] == 3 and body["audience"] == []  # made today, outside March 2026


def test_audience_growth_counts_new_customers_per_day(owner_api, user):
    account = own_account(user)
    for n in range(4):
        make_customer(account)
    today = datetime.now(timezone.utc).date()
    body = owner_api.get(f"/dashboard?since={today - timedelta(days=2)}&until={today}").json
    assert body["audience"] == [{"day": today.isoformat(), "new_customers": 4}]


def test_a_backwards_or_too_long_period_is_422(owner_api):
    assert owner_api.get("/dashboard?since=2026-03-10&until=2026-03-01").status_code == 422
    assert owner_api.get("/dashboard?since=2024-01-01&until=2026-03-01").status_code == 422
    assert owner_api.get("/dashboard?since=yesterday").status_code == 422


def test_the_dashboard_is_a_handful_of_statements_whatever_the_campaigns(owner_api, user, app):
    from sqlalchemy import event

    account = own_account(user)
    for n in range(25):
        campaigns.create_campaign(account, actor=user, name=f"C{n}", budget=10, channel="email")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert owner_api.get("/dashboard").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    figures = [s for s in statements if "campaign" in s.lower() or "customers" in s.lower()
               or "notifications" in s.lower() or "promos" in s.lower()]
    assert len(figures) <= 9, figures
    assert db.session.query(Campaign).count() == 25
