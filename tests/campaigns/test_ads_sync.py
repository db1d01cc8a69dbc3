"""Amazon Ads sync: the simulator, push on create, retries with backoff and Retry-After, idempotency, refresh."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.amazon_ads import SimulatedAmazonAds, amazon_ads_client
from app.models import ActivityEvent, Campaign, CampaignMetric
from app.services import ads
from tests.conftest import wait_for
from tests.factories import race


def simulator(app) -> SimulatedAmazonAds:
    return amazon_ads_client(app.config)


def fresh(campaign_id) -> Campaign:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id)


def create_amazon(api, name="Prime Day", **fields):
    response = api.post("/campaigns", json={"name": name, "budget": 100, "keywords": "python,django,ads", **fields})
    assert response.status_code == 201, response.json
    return response.json


# The simulator ------------------------------------------------------------------------------------------

def test_simulator_creates_amz_ids_and_moves_processing_on(app):
    sim = simulator(app)
    created = [sim.create_campaign(name=f"c{i}", budget=Decimal(10), keywords=[]) for i in range(20)]
    assert all(c.external_id.startswith("AMZ-") and len(c.external_id) == 9 for c in created)
    assert len({c.external_id for c in created}) == 20
    assert {c.status for c in created} == {"ACTIVE", "PROCESSING"}
    processing = next(c for c in created if c.status == "PROCESSING")
    assert sim.get_status(processing.external_id) == "ACTIVE"


def test_simulator_error_rate_is_reproducible_with_a_seed(app):
    app.config.update(AMAZON_ADS_ERROR_RATE=0.2, AMAZON_ADS_SEED="42")

    def outcomes():
        sim = simulator(app)
        sim.redis.delete(sim.PREFIX + "calls")
        results = []
        for _ in range(200):
            try:
                sim.get_status("AMZ-00001")
                results.append("ok")
            except RetryableIntegrationError as exc:
                results.append(exc.status)
                assert exc.status == 500 or exc.retry_after == app.config["AMAZON_ADS_RETRY_AFTER"]
        return results

    first, second = outcomes(), outcomes()
    assert first == second
    failures = sum(r != "ok" for r in first)
    assert 20 <= failures <= 60 and {429, 500} <= set(first)


def test_simulated_metrics_never_spend_above_the_budget(app):
    sim = simulator(app)
    figures = sim.daily_metrics("AMZ-12345", day=date(2024, 1, 1), budget_left=Decimal("0.50"))
    assert figures.spend <= Decimal("0.50") and figures.impressions >= figures.clicks >= figures.conversions
    assert sim.daily_metrics("AMZ-12345", day=date(2024, 1, 1), budget_left=Decimal("1000")) == \
        sim.daily_metrics("AMZ-12345", day=date(2024, 1, 1), budget_left=Decimal("1000"))


def test_simulator_faults_can_be_injected(app):
    sim = simulator(app)
    sim.inject_faults("429", "400")
    with pytest.raises(RetryableIntegrationError) as rate_limited:
        sim.get_status("AMZ-1")
    assert rate_limited.value.status == 429 and rate_limited.value.retry_after
    with pytest.raises(IntegrationError) as refused:
        sim.get_status("AMZ-1")
    assert not isinstance(refused.value, RetryableIntegrationError)


# Push on create ----------------------------------------------------------------------------------------------

@pytest.fixture
def worker(celery_worker):
    return celery_worker


@pytest.mark.worker
def test_creating_an_amazon_campaign_pushes_it_after_commit(owner_api, app, worker):
    campaign = create_amazon(owner_api)
    synced = wait_for(lambda: fresh(campaign["id"]).external_id and fresh(campaign["id"]), timeout=15)
    assert synced.external_id.startswith("AMZ-") and synced.ads_status in ("ACTIVE", "PROCESSING")
    assert synced.last_synced_at is not None and synced.sync_error is None
    shown = owner_api.get(f"/campaigns/{campaign['id']}").json
    assert shown["external_id"] == synced.external_id


def test_other_channels_are_not_pushed(owner_api, app):
    create_amazon(owner_api, channel="email")
    assert simulator(app).calls() == []


@pytest.mark.worker
def test_a_refused_push_fails_at_once_with_the_reason(owner_api, app, worker):
    simulator(app).inject_faults("400")
    created = create_amazon(owner_api)
    campaign = wait_for(lambda: fresh(created["id"]).ads_status == "FAILED" and fresh(created["id"]), timeout=15)
    assert "400" in campaign.sync_error and fresh(created["id"]).sync_attempts <= 1


def test_running_push_twice_never_makes_a_second_external_id(owner_api, app):
    campaign = create_amazon(owner_api)
    ads.push_campaign(campaign["id"])
    first = fresh(campaign["id"]).external_id
    ads.push_campaign(campaign["id"])
    ads.push_campaign(campaign["id"])
    assert fresh(campaign["id"]).external_id == first
    assert [c["op"] for c in simulator(app).calls()].count("create_campaign") == 1


def test_two_racing_pushes_create_one_remote_campaign(app, owner_api):
    campaign = create_amazon(owner_api)  # enqueued to a broker nobody consumes in this test
    app.config["AMAZON_ADS_LATENCY"] = 0.3  # widen the window in which a naive push would double-create
    race(app, [lambda: ads.push_campaign(campaign["id"])] * 2)
    creates = [c for c in simulator(app).calls() if c["op"] == "create_campaign"]
    assert len(creates) == 1
    assert fresh(campaign["id"]).external_id is not None


# Retries with a real worker (countdowns matter) --------------------------------------------------------------

@pytest.mark.worker
def test_429_is_retried_no_sooner_than_retry_after(owner_api, app, worker):
    app.config.update(AMAZON_ADS_RETRY_AFTER=1.0, AMAZON_ADS_RETRY_BASE=0.05)
    simulator(app).inject_faults("429")
    campaign = create_amazon(owner_api)
    assert campaign["ads_status"] == "PENDING"
    wait_for(lambda: fresh(campaign["id"]).external_id, timeout=15)
    creates = [c for c in simulator(app).calls() if c["op"] == "create_campaign"]
    assert [c["result"] for c in creates] == ["429", "ok"]
    assert creates[1]["at"] - creates[0]["at"] >= 1.0
    synced = fresh(campaign["id"])
    assert synced.sync_attempts == 2 and synced.sync_error is None


@pytest.mark.worker
def test_500s_back_off_exponentially_then_succeed(owner_api, app, worker):
    app.config.update(AMAZON_ADS_RETRY_BASE=0.2)
    simulator(app).inject_faults("500", "500", "500")
    campaign = create_amazon(owner_api)
    wait_for(lambda: fresh(campaign["id"]).external_id, timeout=15)
    times = [c["at"] for c in simulator(app).calls() if c["op"] == "create_campaign"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    # base·2^n with jitter between half and all of it: 0.1-0.2 s, 0.2-0.4 s, 0.4-0.8 s.
    assert len(gaps) == 3
    assert 0.1 <= gaps[0] < 0.6 and 0.2 <= gaps[1] < 0.8 and 0.4 <= gaps[2] < 1.3
    assert fresh(campaign["id"]).sync_attempts == 4


@pytest.mark.worker
def test_exhausted_retries_leave_the_campaign_failed_with_the_reason(owner_api, app, worker):
    app.config.update(AMAZON_ADS_RETRY_BASE=0.02, AMAZON_ADS_RETRY_AFTER=0.05)
    simulator(app).inject_faults("500", "429", "500", "500", "500", "500")
    campaign = create_amazon(owner_api)
    wait_for(lambda: fresh(campaign["id"]).ads_status == "FAILED", timeout=20)
    failed = fresh(campaign["id"])
    assert failed.external_id is None and failed.sync_attempts == 6  # the first try and 5 retries
    assert "Gave up after 6 attempts" in failed.sync_error and "500" in failed.sync_error
    shown = owner_api.get(f"/campaigns/{campaign['id']}").json
    assert shown["ads_status"] == "FAILED" and shown["sync_error"] == failed.sync_error
    names = db.session.scalars(select(ActivityEvent.name)).all()
    assert "campaign.sync_failed" in names
    # Pushing again on demand starts over and succeeds.
    assert owner_api.post(f"/campaigns/{campaign['id']}/sync").status_code == 202
    wait_for(lambda: fresh(campaign["id"]).external_id, timeout=15)
    assert fresh(campaign["id"]).ads_status in ("ACTIVE", "PROCESSING")


# Refresh ------------------------------------------------------------------------------------------------------

def test_refresh_moves_statuses_on_and_pulls_metrics_so_stats_move(owner_api, app):
    campaign = create_amazon(owner_api)
    ads.push_campaign(campaign["id"])
    row = fresh(campaign["id"])
    simulator(app).redis.hset("amazon_ads:status", row.external_id, "PROCESSING")
    row.ads_status = "PROCESSING"
    db.session.commit()
    owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "active"})
    result = ads.refresh_statuses()
    assert result["campaigns"] == 1
    assert fresh(campaign["id"]).ads_status == "ACTIVE"
    ads.refresh_statuses()
    metrics = db.session.scalars(select(CampaignMetric)).all()
    assert len(metrics) == 1 and metrics[0].site == "amazon.com" and metrics[0].spend <= 100
    stats = owner_api.get(f"/campaigns/{campaign['id']}/stats").json
    assert stats["views"] == metrics[0].impressions and stats["total_spent"] == float(metrics[0].spend)


def test_refresh_skips_paused_campaigns_metrics_and_survives_errors(owner_api, app):
    campaign = create_amazon(owner_api)
    ads.push_campaign(campaign["id"])
    owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "active"})
    owner_api.patch(f"/campaigns/{campaign['id']}/status", json={"new_status": "paused"})
    ads.refresh_statuses()
    assert db.session.scalars(select(CampaignMetric)).all() == []
    simulator(app).inject_faults("429")
    ads.refresh_statuses()
    assert "429" in fresh(campaign["id"]).sync_error and fresh(campaign["id"]).ads_status != "FAILED"


def test_refresh_task_is_on_the_beat_schedule(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert any(entry["task"] == "ads.refresh_statuses" and entry["schedule"] == 60.0 for entry in schedule.values())
    assert app.extensions["celery"].conf.task_routes["ads.*"] == {"queue": "ads"}


def test_sync_endpoint_refuses_other_channels(owner_api):
    campaign = create_amazon(owner_api, channel="display")
    assert owner_api.post(f"/campaigns/{campaign['id']}/sync").status_code == 409
