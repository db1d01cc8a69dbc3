"""The campaigns report as a PDF: the account, the period, totals, charts and a table of every campaign.

Figures come from a handful of aggregate statements over the list's filters (totals, statuses, days, the rows),
never a query per campaign; the HTML is a Jinja template drawn by WeasyPrint on A4 with page numbers.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable

from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Campaign, CampaignMetric
from app.services import campaigns
from app.services.report_charts import daily_lines, spend_bars
from app.services.reports_csv import campaign_rows

MAX_SPEND_BARS = 15


@dataclass
class CampaignReport:
    account: Account
    filters: dict[str, Any]
    generated_at: datetime
    period: tuple[date | None, date | None]
    totals: dict[str, Any]
    by_status: list[tuple[str, int]]
    rows: list[Any] = field(default_factory=list)
    daily_chart: str = ""
    spend_chart: str = ""


def build(account: Account, filters: dict[str, Any]) -> CampaignReport:
    """Every figure of the report, read in four statements."""
    rows = db.session.execute(campaign_rows(account, **filters)).all()
    ids = campaigns.campaigns_query(account, **{k: v for k, v in filters.items() if k != "sort"}) \
        .with_only_columns(Campaign.id).order_by(None).scalar_subquery()
    m = CampaignMetric
    first, last = db.session.execute(select(func.min(m.day), func.max(m.day)).where(m.campaign_id.in_(ids))).one()
    start = filters.get("start_date").date() if filters.get("start_date") else first
    end = filters.get("end_date").date() if filters.get("end_date") else last
    days = db.session.execute(
        select(m.day, func.sum(m.impressions), func.sum(m.clicks)).where(m.campaign_id.in_(ids))
        .group_by(m.day).order_by(m.day)).all()
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[str(row.status)] = by_status.get(str(row.status), 0) + 1
    views = sum(r.views for r in rows)
    clicks = sum(r.clicks for r in rows)
    conversions = sum(r.conversions for r in rows)
    totals = {
        "campaigns": len(rows), "budget": sum(float(r.budget) for r in rows),
        "spend": sum(float(r.spend) for r in rows), "views": views, "clicks": clicks, "conversions": conversions,
        "ctr": 100 * clicks / views if views else None,
        "conversion_rate": 100 * conversions / clicks if clicks else None,
        "currencies": sorted({r.currency for r in rows}),
    }
    top = sorted(rows, key=lambda r: float(r.spend), reverse=True)[:MAX_SPEND_BARS]
    return CampaignReport(account=account, filters=filters, generated_at=datetime.now(timezone.utc),
                          period=(start, end), totals=totals, by_status=sorted(by_status.items()), rows=rows,
                          daily_chart=daily_lines([(d, int(v or 0), int(c or 0)) for d, v, c in days],
                                                  views_label="Impressions", clicks_label="Clicks"),
                          spend_chart=spend_bars([(r.name, float(r.spend), float(r.budget)) for r in top],
                                                 spend_label="Spend", budget_label="Budget"))


def render(report: CampaignReport, *, progress: Callable[[int, str], None] | None = None) -> bytes:
    """The report as PDF bytes (WeasyPrint, A4, page numbers in the footer)."""
    from weasyprint import HTML  # heavy: loaded only where PDFs are drawn (workers, the CLI)

    html = render_template("reports/campaigns_pdf.html", report=report)
    if progress:
        progress(40, "Drawing the pages")
    return HTML(string=html).write_pdf()


def filename_for(report: CampaignReport) -> str:
    return f"campaigns-report-{report.generated_at:%Y%m%d-%H%M}.pdf"
