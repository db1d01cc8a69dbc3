"""Report test data: campaigns with hand-picked results, made through the services."""
from datetime import date, datetime, timezone

import pytest

from app.services import campaign_stats, campaigns
from app.extensions import db
from tests.factories import own_account


def add_metrics(campaign, rows):
    """rows: (day, site, impressions, clicks, conversions, spend)."""
    campaign_stats.upsert_metrics([
        {"campaign_id": campaign.id, "day": d, "site": s, "impressions": i, "clicks": c, "conversions": v,
         "spend": sp} for d, s, i, c, v, sp in rows])
    db.session.commit()


@pytest.fixture
def account(user):
    return own_account(user)


@pytest.fixture
def sample(account, user):
    """Two campaigns with results and one without; one name a spreadsheet would run as a formula."""
    spring = campaigns.create_campaign(account, actor=user, name="Spring sale, \"big\"", budget=1000, channel="email",
                                       start_date=datetime(2026, 3, 1, tzinfo=timezone.utc))
    formula = campaigns.create_campaign(account, actor=user, name="=HYPERLINK(\"http://evil\")", budget=50,
                                        channel="social_media")
    campaigns.create_campaign(account, actor=user, name="Quiet ñandú", budget=10, channel="display")
    add_metrics(spring, [(date(2026, 3, 1), "web", 1000, 50, 5, 120.5), (date(2026, 3, 2), "web", 3000, 70, 7, 80)])
    add_metrics(formula, [(date(2026, 3, 2), "app", 400, 4, 0, 10)])
    return {"spring": spring, "formula": formula}
