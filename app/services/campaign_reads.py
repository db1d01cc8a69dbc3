"""Campaign reads in one or two statements: the detail with its stats, and list pages with their counters.

The detail read was seven statements (the row, the counters, the stats, then months and sites, each on its own).
Here the row and its totals come from one statement: a LATERAL sum over the campaign's metrics that PostgreSQL
answers from the covering index ix_campaign_metrics_totals alone (an index-only scan of that campaign's rows).
Periods (months) and sites, seed 004's breakdowns, are one GROUPING SETS statement over the same rows, run only
for `include` (the API's ?include=periods,sites; the detail page always shows them).

A list page is three short statements: the count, the page, and the counters of the page's campaigns (one indexed
sum over an array of their ids, built once). Joining the sums to the page in one statement saved a round trip
but cost more Python to compose per request than the round trip did.
"""
import dataclasses
import functools
import uuid
from typing import Any, Iterable

from sqlalchemy import Date, Select, bindparam, cast, func, select, true, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from app.errors import NotFound
from app.extensions import db
from app.models import Account, Campaign, CampaignMetric
from app.services.campaign_stats import _figures, _period_end, _ratios
from app.services.pagination import Page, paginate
from app.services.read_models import RowView

INCLUDES = ("periods", "sites")


def _sums(m=CampaignMetric) -> list:
    return [func.coalesce(func.sum(m.impressions), 0).label("views"),
            func.coalesce(func.sum(m.clicks), 0).label("clicks"),
            func.coalesce(func.sum(m.conversions), 0).label("conversions"),
            func.coalesce(func.sum(m.spend), 0).label("spend")]


@functools.cache
def _detail_statement():
    # Built once (bound parameters): composing it costs more Python than PostgreSQL spends running it.
    m = CampaignMetric
    totals = (select(*_sums(), func.max(m.updated_at).label("last_updated"))
              .where(m.campaign_id == Campaign.id).lateral("totals"))
    return (select(Campaign, totals.c.views, totals.c.clicks, totals.c.conversions, totals.c.spend,
                   totals.c.last_updated, *_ratios(totals.c.views, totals.c.clicks, totals.c.conversions,
                                                   totals.c.spend))
            .join(totals, true())
            .where(Campaign.id == bindparam("campaign_id"), Campaign.account_id == bindparam("account_id"),
                   Campaign.deleted_at.is_(None)))


class CampaignView(RowView):
    """A campaign as the API and pages show it: with seed 002's counters, and the stats and breakdowns asked for."""

    def __init__(self, row: Campaign, counters: Iterable = (0, 0, 0), **figures: Any):
        views, clicks, conversions = (int(n) for n in counters)
        super().__init__(row, views_count=views, clicks_count=clicks, conversions_count=conversions, **figures)


def campaign_detail(account: Account, campaign_id, *, include: Iterable[str] = ()) -> CampaignView:
    """The live campaign `campaign_id` of the account with its `stats` and the seed-002 counters, in one
    statement; with `include` ("periods", "sites") also those breakdowns, in one more. 404 otherwise."""
    try:
        campaign_id = uuid.UUID(str(campaign_id))
    except ValueError:
        raise NotFound(f"Campaign with id '{campaign_id}' not found") from None
    row = db.session.execute(_detail_statement(), {"campaign_id": campaign_id, "account_id": account.id}).first()
    if row is None:
        raise NotFound(f"Campaign with id '{campaign_id}' not found")
    campaign = row[0]
    stats = {"campaign_id": campaign.id, **_figures(row),
             "last_updated": row.last_updated or campaign.last_synced_at or campaign.updated_at}
    return CampaignView(campaign, (row.views, row.clicks, row.conversions), stats=stats,
                        **breakdowns(campaign, include))


def breakdowns(campaign: Campaign, include: Iterable[str] = INCLUDES) -> dict[str, list[dict[str, Any]]]:
    """Seed 004's detail view: performance per month (`periods`, oldest first) and per site (`sites`, by spend),
    those of `include` only, in one statement (GROUPING SETS over the campaign's metrics)."""
    wanted = [key for key in INCLUDES if key in set(include)]
    if not wanted:
        return {}
    m = CampaignMetric
    month = cast(func.date_trunc("month", m.day), Date)
    # Both sets are always grouped (one asked alone costs next to nothing more); rows not asked for are dropped.
    inner = (select(month.label("month"), m.site.label("site"), func.grouping(m.site).label("by_month"), *_sums())
             .where(m.campaign_id == campaign.id)
             .group_by(func.grouping_sets(tuple_(month), tuple_(m.site))).subquery())
    stmt = select(inner, *_ratios(inner.c.views, inner.c.clicks, inner.c.conversions, inner.c.spend))
    stmt = stmt.order_by(inner.c.by_month.desc(), inner.c.month, inner.c.spend.desc(), inner.c.site)
    out: dict[str, list] = {key: [] for key in wanted}
    for row in db.session.execute(stmt):
        item = _figures(row)
        item["spend"] = item.pop("total_spent")
        if row.by_month and "periods" in out:
            out["periods"].append({"period": row.month.isoformat()[:7], **item, "start_date": row.month,
                                   "end_date": _period_end(row.month, "month")})
        elif not row.by_month and "sites" in out:
            out["sites"].append({"site": row.site, **item})
    return out


@functools.cache
def _counters_statement():
    # Built once, the page's ids bound as one array: an IN list of fresh bind parameters cost more to build.
    m = CampaignMetric
    return (select(m.campaign_id, *_sums()[:3]).where(m.campaign_id == func.any(bindparam("ids", type_=ARRAY(UUID))))
            .group_by(m.campaign_id))


def with_counters(campaigns: list[Campaign]) -> list[CampaignView]:
    """These campaigns with their seed-002 counters (views, clicks, conversions), in one statement."""
    totals = {}
    if campaigns:
        totals = {row[0]: row[1:] for row in db.session.execute(_counters_statement(),
                                                                 {"ids": [c.id for c in campaigns]})}
    return [CampaignView(campaign, totals.get(campaign.id, (0, 0, 0))) for campaign in campaigns]


def campaign_view(campaign: Campaign) -> CampaignView:
    """One campaign (just written, say) as the API shows it, with its counters."""
    return with_counters([campaign])[0]


def page_with_counters(stmt: Select, *, page: int, size: int) -> Page:
    """One page of `stmt` (campaigns, ordered) with each campaign's seed-002 counters, and the total: the count,
    the page, and one indexed sum over the page's campaigns only (a deep page sums nothing it skips)."""
    result = paginate(stmt, page=page, size=size)
    return dataclasses.replace(result, items=with_counters(result.items))
