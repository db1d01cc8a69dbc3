"""Stats, metrics groupings, periods and sites, and the idempotent analytics CSV loader."""
from datetime import date

from sqlalchemy import func, select

from app.cli import SAMPLE_METRICS
from app.extensions import db
from app.models import Campaign, CampaignMetric
from tests.campaigns.conftest import add_metrics
from tests.campaigns.test_api import create


def test_stats_match_seed_002_to_the_cent(owner_api):
    campaign = create(owner_api, budget=5000)
    # 1250 views, 45 clicks, 8 conversions, 5000.00 spent, spread over days and sites.
    add_metrics(campaign["id"], [(date(2024, 1, 1), "a.com", 1000, 30, 5, "3000.00"),
                                 (date(2024, 1, 1), "b.com", 200, 10, 2, "1500.00"),
                                 (date(2024, 1, 2), "a.com", 50, 5, 1, "500.00")])
    stats = owner_api.get(f"/campaigns/{campaign['id']}/stats").json
    assert stats == {**stats, "campaign_id": campaign["id"], "views": 1250, "clicks": 45, "conversions": 8,
                     "ctr": 3.6, "conversion_rate": 17.78, "cost_per_click": 111.11, "cost_per_conversion": 625.0,
                     "total_spent": 5000.0}
    assert stats["last_updated"].endswith("Z")


def test_zero_denominators_give_null_not_an_error(owner_api):
    campaign = create(owner_api)
    empty = owner_api.get(f"/campaigns/{campaign['id']}/stats").json
    assert (empty["views"], empty["ctr"], empty["conversion_rate"], empty["cost_per_click"],
            empty["cost_per_conversion"], empty["total_spent"]) == (0, None, None, None, None, 0.0)
    add_metrics(campaign["id"], [(date(2024, 1, 1), "", 100, 0, 0, "3.50")])
    stats = owner_api.get(f"/campaigns/{campaign['id']}/stats").json
    assert (stats["ctr"], stats["conversion_rate"], stats["cost_per_click"], stats["total_spent"]) == (
        0.0, None, None, 3.5)


def test_metrics_group_by_day_week_month_and_site(owner_api):
    campaign = create(owner_api)
    add_metrics(campaign["id"], [(date(2024, 1, 30), "a.com", 100, 10, 1, "10.00"),   # Tuesday, week of Jan 29
                                 (date(2024, 1, 31), "b.com", 300, 20, 2, "30.00"),
                                 (date(2024, 2, 1), "a.com", 600, 30, 3, "60.00"),
                                 (date(2024, 2, 5), "a.com", 1000, 40, 0, "100.00")])  # Monday

    def rows(group):
        response = owner_api.get(f"/campaigns/{campaign['id']}/metrics?group_by={group}")
        assert response.status_code == 200, response.json
        return response.json["rows"]

    assert [(r["key"], r["views"]) for r in rows("day")] == [
        ("2024-01-30", 100), ("2024-01-31", 300), ("2024-02-01", 600), ("2024-02-05", 1000)]
    weeks = rows("week")
    assert [(r["key"], r["views"], r["end_date"]) for r in weeks] == [
        ("2024-01-29", 1000, "2024-02-04"), ("2024-02-05", 1000, "2024-02-11")]
    months = rows("month")
    assert [(r["key"], r["clicks"], r["spend"], r["end_date"]) for r in months] == [
        ("2024-01-01", 30, 40.0, "2024-01-31"), ("2024-02-01", 70, 160.0, "2024-02-29")]
    assert months[0]["ctr"] == 7.5 and months[1]["cost_per_conversion"] == 53.33
    assert [(r["key"], r["spend"]) for r in rows("site")] == [("a.com", 170.0), ("b.com", 30.0)]
    assert owner_api.get(f"/campaigns/{campaign['id']}/metrics?group_by=hour").status_code == 422


def test_detail_has_periods_and_sites_like_seed_004(owner_api):
    campaign = create(owner_api, name="Analytics")
    add_metrics(campaign["id"], [(date(2024, 1, 5), "a.com", 100, 10, 1, "10.00"),
                                 (date(2024, 2, 5), "b.com", 200, 10, 1, "20.00")])
    for path in (f"/campaigns/{campaign['id']}?include=periods,sites", "/campaigns/by-name/analytics"):
        detail = owner_api.get(path).json
        assert [(p["period"], p["views"], p["start_date"], p["end_date"]) for p in detail["periods"]] == [
            ("2024-01", 100, "2024-01-01", "2024-01-31"), ("2024-02", 200, "2024-02-01", "2024-02-29")]
        assert [(s["site"], s["spend"]) for s in detail["sites"]] == [("b.com", 20.0), ("a.com", 10.0)]
        assert detail["stats"]["views"] == 300 and detail["views_count"] == 300


def metric_state():
    return db.session.execute(select(
        func.count(), func.sum(CampaignMetric.impressions), func.sum(CampaignMetric.spend),
        func.max(CampaignMetric.updated_at))).one()


def test_seed_analytics_loads_the_sample_idempotently(app, user):
    runner, account_id = app.test_cli_runner(), _account_id(user)
    first = runner.invoke(args=["seed", "analytics", str(SAMPLE_METRICS), "--account", account_id])
    assert first.exit_code == 0, first.output
    assert "559 row(s) read, 4 campaign(s) created, 559 metric row(s)" in first.output
    before = metric_state()
    campaigns_before = db.session.scalar(select(func.count()).select_from(Campaign))
    db.session.remove()
    second = runner.invoke(args=["seed", "analytics", str(SAMPLE_METRICS), "--account", account_id])
    assert "0 campaign(s) created, 0 metric row(s) inserted or changed" in second.output
    assert metric_state() == before  # not even updated_at moved
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == campaigns_before
    marketing = db.session.scalar(select(Campaign).where(Campaign.name == "Campaña de Marketing"))
    from app.services.campaign_reads import campaign_detail
    stats = campaign_detail(marketing.account, marketing.id).stats
    assert (stats["views"], stats["clicks"], stats["conversions"], stats["total_spent"], stats["ctr"]) == (
        1250, 45, 8, 5000.0, 3.6)


def _account_id(user):
    from tests.factories import own_account
    return str(own_account(user).id)


def test_a_bad_csv_row_is_refused_with_its_line_and_nothing_is_written(app, user, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("campaign,day,site,impressions,clicks,conversions,spend\n"
                   "Fine,2024-01-01,a.com,10,1,0,1.00\nBroken,2024-13-01,a.com,10,1,0,1.00\n")
    result = app.test_cli_runner().invoke(args=["seed", "analytics", str(bad), "--account", _account_id(user)])
    assert result.exit_code != 0 and "Line 3" in result.output
    assert db.session.scalar(select(func.count()).select_from(CampaignMetric)) == 0
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
    missing = tmp_path / "missing.csv"
    missing.write_text("campaign,day\nX,2024-01-01\n")
    result = app.test_cli_runner().invoke(args=["seed", "analytics", str(missing), "--account", _account_id(user)])
    assert result.exit_code != 0 and "impressions" in result.output


def test_seed_demo_loads_campaigns_and_the_sample(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "0 campaign(s) created, 0 row(s) changed" in again.output
    names = set(db.session.scalars(select(Campaign.name)))
    assert {"Prime Day Electronics", "Spring Newsletter", "Campaña de Marketing", "Holiday Gifts"} <= names


def test_the_analytics_loader_finds_campaigns_by_name_as_names_are_compared(app, owner_api, user, tmp_path):
    existing = create(owner_api, name="Summer Sale")
    csv_file = tmp_path / "lookalike.csv"
    csv_file.write_text("campaign,day,site,impressions,clicks,conversions,spend\n"
                        "SUMMER  SALE,2024-01-01,a.com,10,1,0,1.00\n"     # case and spacing
                        "Ｓｕｍｍｅｒ Ｓａｌｅ,2024-01-02,a.com,20,2,0,2.00\n"  # fullwidth
                        "Winter,2024-01-01,a.com,5,0,0,0.50\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["seed", "analytics", str(csv_file), "--account", _account_id(user)])
    assert result.exit_code == 0, result.output
    assert "1 campaign(s) created" in result.output  # Winter only: the others are the existing campaign
    assert owner_api.get(f"/campaigns/{existing['id']}/stats").json["views"] == 30
