"""Campaign reads in one or two statements: the detail with its stats, and list pages with their counters.

The detail read was seven statements (the row, the counters, the stats, then months and sites, each on its own).
Here the row and its totals come from one statement: a LATERAL sum over the campaign's metrics that PostgreSQL
answers from the covering index ix_campaign_metrics_totals alone (an index-only scan of that campaign's rows).
Periods (months) and sites, seed 004's breakdowns, are one GROUPING SETS statement over the same rows, run only
for `include` (the API's ?include=periods,sites; the detail page always shows them).

A list page is two statements: the count, and the page's rows with each one's counters (the same LATERAL sums,
joined to the page after LIMIT/OFFSET, so only the rows shown are summed).
"""
import functools
import uuid
from typing import Any, Iterable

from sqlalchemy import Date, Select, bindparam, cast, func, select, true, tuple_
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter

from app.errors import NotFound
from app.extensions import db
from app.models import Account, Campaign, CampaignMetric
from app.services.campaign_stats import _figures, _period_end, _ratios
from app.services.pagination import Page

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


def campaign_detail(account: Account, campaign_id, *, include: Iterable[str] = ()) -> Campaign:
    """The live campaign `campaign_id` of the account with `stats` and the seed-002 counters set, in one
    statement; with `include` ("periods", "sites") also those breakdowns, in one more. 404 otherwise."""
    try:
        campaign_id = uuid.UUID(str(campaign_id))
    except ValueError:
        raise NotFound(f"Campaign with id '{campaign_id}' not found") from None
    row = db.session.execute(_detail_statement(), {"campaign_id": campaign_id, "account_id": account.id}).first()
    if row is None:
        raise NotFound(f"Campaign with id '{campaign_id}' not found")
    campaign = row[0]
    campaign.views_count, campaign.clicks_count, campaign.conversions_count = (
        int(row.views), int(row.clicks), int(row.conversions))
    campaign.stats = {"campaign_id": campaign.id, **_figures(row),
                      "last_updated": row.last_updated or campaign.last_synced_at or campaign.updated_at}
    for key, rows in breakdowns(campaign, include).items():
        setattr(campaign, key, rows)
    return campaign


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


def page_with_counters(stmt: Select, *, page: int, size: int) -> Page:
    """One page of `stmt` (campaigns, ordered) with each campaign's seed-002 counters, and the total: two
    statements. The sums are joined to the page itself, so a deep page does not sum the rows it skips."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = stmt.limit(size).offset((page - 1) * size).subquery("page")
    adapt = ClauseAdapter(rows).traverse
    m = CampaignMetric
    sums = (select(*_sums()[:3]).where(m.campaign_id == rows.c.id).lateral("counters"))
    campaign = aliased(Campaign, rows)
    # The page's order, re-applied outside (an outer query keeps no order of its subquery by itself).
    outer = (select(campaign, sums.c.views, sums.c.clicks, sums.c.conversions).join(sums, true())
             .order_by(*(adapt(clause) for clause in stmt._order_by_clauses)))
    items = []
    for item, views, clicks, conversions in db.session.execute(outer):
        item.views_count, item.clicks_count, item.conversions_count = int(views), int(clicks), int(conversions)
        items.append(item)
    return Page(items=items, total=total, page=page, size=size)
