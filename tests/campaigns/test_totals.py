"""Each campaign's metric totals on its own row (migration 0020): whatever writes the metrics (the service's
upsert, a CSV import, plain SQL inserts, updates, deletes, a truncate), the row's totals are the metrics' sums."""
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text

from app.extensions import db
from app.models import Campaign
from app.services import campaign_stats
from tests.factories import own_account, race

SUMS = """
    SELECT c.id, c.views_total, c.clicks_total, c.conversions_total, c.spend_total,
           coalesce(sum(m.impressions), 0), coalesce(sum(m.clicks), 0), coalesce(sum(m.conversions), 0),
           coalesce(sum(m.spend), 0)
      FROM campaigns c LEFT JOIN campaign_metrics m ON m.campaign_id = c.id GROUP BY c.id
"""


def _campaigns(user, count: int) -> list[uuid.UUID]:
    account = own_account(user)
    campaigns = [Campaign(account_id=account.id, name=f"T{n}", budget=100, channel="display") for n in range(count)]
    db.session.add_all(campaigns)
    db.session.commit()
    return [c.id for c in campaigns]


def _assert_totals_are_the_sums():
    for row in db.session.execute(text(SUMS)):
        assert tuple(row[1:5]) == tuple(row[5:9]), row


def _rows(ids, rng, count):
    return [{"campaign_id": rng.choice(ids), "day": date(2026, 1, 1) + timedelta(days=rng.randrange(20)),
             "site": rng.choice(["a.com", "b.com", ""]), "impressions": rng.randrange(1000),
             "clicks": rng.randrange(50), "conversions": rng.randrange(5),
             "spend": Decimal(rng.randrange(10_000)) / 100} for _ in range(count)]


def test_totals_follow_every_kind_of_write(app, user):
    ids, rng = _campaigns(user, 5), random.Random(20261201)
    ids, spare = ids[:4], ids[4]
    for _ in range(15):
        rows = {(r["campaign_id"], r["day"], r["site"]): r for r in _rows(ids, rng, 30)}  # one row per key
        campaign_stats.upsert_metrics(list(rows.values()))  # inserts and ON CONFLICT updates in one statement
        db.session.commit()
        _assert_totals_are_the_sums()
    db.session.execute(text("UPDATE campaign_metrics SET impressions = impressions + 7, spend = spend * 2 "
                            "WHERE site = 'a.com'"))
    db.session.execute(text("UPDATE campaign_metrics SET campaign_id = :to WHERE campaign_id = :from AND site = ''"),
                       {"to": spare, "from": ids[1]})  # rows moved to another campaign
    db.session.execute(text("DELETE FROM campaign_metrics WHERE site = 'b.com' AND clicks > 20"))
    db.session.execute(text("INSERT INTO campaign_metrics (campaign_id, day, site, impressions, clicks, conversions, "
                            "spend, updated_at) VALUES (:id, '2027-01-01', 'x', 5, 1, 0, 0.5, now())"),
                       {"id": ids[2]})
    db.session.commit()
    _assert_totals_are_the_sums()
    db.session.execute(text("TRUNCATE campaign_metrics"))
    db.session.commit()
    _assert_totals_are_the_sums()
    assert db.session.scalar(text("SELECT count(*) FROM campaigns WHERE views_total <> 0 OR spend_total <> 0")) == 0


def test_a_rolled_back_write_leaves_the_totals_as_they_were(app, user):
    [campaign_id] = _campaigns(user, 1)
    campaign_stats.upsert_metrics(_rows([campaign_id], random.Random(1), 5))
    db.session.commit()
    before = db.session.execute(text("SELECT views_total, spend_total FROM campaigns")).one()
    campaign_stats.upsert_metrics(_rows([campaign_id], random.Random(2), 5))
    db.session.rollback()
    assert db.session.execute(text("SELECT views_total, spend_total FROM campaigns")).one() == before


def test_writers_of_the_same_campaigns_in_any_order_queue_up_and_add_up(app, user):
    """Eight writers, each upserting rows of all the campaigns in its own shuffled order, at the same moment: the
    service locks the campaigns in id order, so none deadlocks, and the totals are the sums afterwards."""
    ids = _campaigns(user, 6)

    def writer(seed):
        def write():
            rng = random.Random(seed)
            rows = {(r["campaign_id"], r["day"], r["site"]): r for r in _rows(ids, rng, 60)}
            shuffled = list(rows.values())
            rng.shuffle(shuffled)
            campaign_stats.upsert_metrics(shuffled)
            db.session.commit()
            return True
        return write

    assert race(app, [writer(seed) for seed in range(8)]) == [True] * 8
    db.session.expire_all()
    _assert_totals_are_the_sums()


def test_a_loaded_campaign_reads_its_new_totals_after_an_upsert(app, user):
    [campaign_id] = _campaigns(user, 1)
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign.views_total == 0
    campaign_stats.upsert_metrics([{"campaign_id": campaign_id, "day": date(2026, 1, 1), "site": "",
                                    "impressions": 42, "clicks": 1, "conversions": 0, "spend": 1}])
    assert campaign.views_total == 42  # in the same transaction, before any commit
