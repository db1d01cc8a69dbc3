"""Campaign reads in one or two statements: the detail with its stats, and list pages with their counters.

A campaign's row carries the totals of its metrics (views, clicks, conversions, spend and when they last changed),
kept by triggers on campaign_metrics (migration 0020): the detail is one primary-key read of the row, and a list
page's counters come with its rows. Periods (months) and sites, seed 004's breakdowns, are one GROUPING SETS
statement over the campaign's metrics, run only for `include` (the API's ?include=periods,sites; the detail page
always shows them).

The detail also answers its *fingerprint*, an md5 of the campaign's row as PostgreSQL writes it: with the totals
on the row, that is everything the detail without breakdowns is made of. `detail_fingerprint` answers it alone, in
one statement of the same scope, so the API can serve an answer it rendered before while the fingerprint is
unchanged (app.blueprints.answers).
"""
import dataclasses
import functools
import uuid
from typing import Any, Iterable

from sqlalchemy import Date, Select, bindparam, cast, func, literal_column, select, tuple_
from sqlalchemy.dialects import postgresql

from app import dbpool
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


# Every column of the campaign's row, totals included, as PostgreSQL writes them: what the detail is made of.
FINGERPRINT = "md5(campaigns::text)"


def _in_scope(stmt: Select) -> Select:
    return stmt.where(Campaign.id == bindparam("campaign_id"), Campaign.account_id == bindparam("account_id"),
                      Campaign.deleted_at.is_(None))


@functools.cache
def _detail_statement():
    # Built once (bound parameters): composing it costs more Python than PostgreSQL spends running it.
    c = Campaign
    return _in_scope(select(c, c.views_total.label("views"), c.clicks_total.label("clicks"),
                            c.conversions_total.label("conversions"), c.spend_total.label("spend"),
                            *_ratios(c.views_total, c.clicks_total, c.conversions_total, c.spend_total),
                            literal_column(FINGERPRINT).label("fingerprint")))


@functools.cache
def _fingerprint_sql() -> str:
    # The same table and scope as the detail, compiled once to the driver's SQL: it runs on every cached read.
    stmt = _in_scope(select(literal_column(FINGERPRINT)).select_from(Campaign))
    return str(stmt.compile(dialect=postgresql.psycopg2.dialect()))


def detail_fingerprint(account: Account, campaign_id) -> str:
    """The fingerprint `campaign_detail` would answer now for this campaign, in one statement (404 as it would)."""
    campaign_id = _campaign_uuid(campaign_id)
    row = dbpool.fetch_one(_fingerprint_sql(), {"campaign_id": campaign_id, "account_id": account.id})
    if row is None:
        raise NotFound(f"Campaign with id '{campaign_id}' not found")
    return row[0]


def _campaign_uuid(campaign_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(campaign_id))
    except ValueError:
        raise NotFound(f"Campaign with id '{campaign_id}' not found") from None


class CampaignView(RowView):
    """A campaign as the API and pages show it: with seed 002's counters, and the stats and breakdowns asked for."""

    def __init__(self, row: Campaign, **figures: Any):
        super().__init__(row, views_count=row.views_total, clicks_count=row.clicks_total,
                         conversions_count=row.conversions_total, **figures)


def campaign_detail(account: Account, campaign_id, *, include: Iterable[str] = ()) -> CampaignView:
    """The live campaign `campaign_id` of the account with its `stats` and the seed-002 counters, in one
    statement; with `include` ("periods", "sites") also those breakdowns, in one more. 404 otherwise. The
    view's `fingerprint` is that of the data it was read with (see `detail_fingerprint`)."""
    campaign_id = _campaign_uuid(campaign_id)
    row = db.session.execute(_detail_statement(), {"campaign_id": campaign_id, "account_id": account.id}).first()
    if row is None:
        raise NotFound(f"Campaign with id '{campaign_id}' not found")
    campaign = row[0]
    stats = {"campaign_id": campaign.id, **_figures(row),
             "last_updated": campaign.metrics_updated_at or campaign.last_synced_at or campaign.updated_at}
    return CampaignView(campaign, stats=stats, fingerprint=row.fingerprint, **breakdowns(campaign, include))


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


def with_counters(campaigns: list[Campaign]) -> list[CampaignView]:
    """These campaigns with their seed-002 counters (views, clicks, conversions), from their rows."""
    return [CampaignView(campaign) for campaign in campaigns]


def campaign_view(campaign: Campaign) -> CampaignView:
    """One campaign (just written, say) as the API shows it, with its counters."""
    return with_counters([campaign])[0]


def page_with_counters(stmt: Select, *, page: int, size: int, total: int | None = None) -> Page:
    """One page of `stmt` (campaigns, ordered) with each campaign's seed-002 counters, and the total: the count
    (unless given) and the page."""
    result = paginate(stmt, page=page, size=size, total=total)
    return dataclasses.replace(result, items=with_counters(result.items))
