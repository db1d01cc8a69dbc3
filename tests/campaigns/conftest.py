"""Campaign fixtures: the Amazon Ads simulator made predictable, and helpers to write metrics."""
import pytest
import redis

from app.extensions import db
from app.services import campaign_stats


@pytest.fixture(autouse=True)
def _quiet_amazon(app):
    """No random failures unless a test asks for them. Tasks queue to Redis as in production: a test that needs one
    run asks for the real worker (`celery_worker`), a test of what a task does calls its service."""
    saved = {k: app.config.get(k) for k in ("AMAZON_ADS_ERROR_RATE", "AMAZON_ADS_SEED", "AMAZON_ADS_RETRY_BASE",
                                            "AMAZON_ADS_LATENCY", "AMAZON_ADS_RETRY_AFTER")}
    app.config.update(AMAZON_ADS_ERROR_RATE=0.0, AMAZON_ADS_SEED="7", AMAZON_ADS_RETRY_BASE=0.05,
                      AMAZON_ADS_LATENCY=0.0, AMAZON_ADS_RETRY_AFTER=1)
    yield
    # A worker started by an earlier test may be running what this test enqueued: let it finish before
    # the next test truncates the tables under it.
    from celery.worker import state

    from tests.conftest import wait_for
    wait_for(lambda: not state.active_requests and not state.reserved_requests, timeout=30)
    # Tasks left in the broker would be picked up by the session's worker the moment it starts, which is
    # before the next test's truncation (session fixtures come first).
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
    app.config.update(saved)


def add_metrics(campaign, rows):
    """rows: (day, site, impressions, clicks, conversions, spend)."""
    with db.session.no_autoflush:
        campaign_stats.upsert_metrics([
            {"campaign_id": campaign.id if hasattr(campaign, "id") else campaign, "day": d, "site": s,
             "impressions": i, "clicks": c, "conversions": v, "spend": sp} for d, s, i, c, v, sp in rows])
    db.session.commit()
