"""The campaigns report as a PDF: the account, the period, totals, charts and a table of every campaign.

Figures come from a handful of aggregate statements over the list's filters (totals, statuses, days, the rows),
never a query per campaign; the HTML is a Jinja template drawn by WeasyPrint on A4 with page numbers, in the
language of whoever asked (headings, column names, dates and numbers as that language writes them).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Campaign, CampaignMetric, User
from app.services import campaigns
from app.services.report_charts import daily_lines, spend_bars
from app.services.pdf_renderer import write_pdf
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
    language: str = "en"
    rows: list[Any] = field(default_factory=list)
    days: list[tuple[date, int, int]] = field(default_factory=list)  # impressions and clicks per day
    top: list[Any] = field(default_factory=list)  # the rows with the highest spend, for the spend chart


def report_language(account: Account, user: User | None = None) -> str:
    """The language a report is written in: its reader's, else the account's, else the default."""
    supported = current_app.config["LANGUAGES"]
    for language in (user.language if user else None, account.language):
        if language in supported:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def build(account: Account, filters: dict[str, Any], *, language: str | None = None) -> CampaignReport:
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
    return CampaignReport(account=account, filters=filters, generated_at=datetime.now(timezone.utc),
                          period=(start, end), totals=totals, by_status=sorted(by_status.items()),
                          language=language or report_language(account), rows=rows,
                          days=[(d, int(v or 0), int(c or 0)) for d, v, c in days],
                          top=sorted(rows, key=lambda r: float(r.spend), reverse=True)[:MAX_SPEND_BARS])


def css_string(text: str) -> Markup:
    """`text` as a quoted CSS string for the page margins' `content`: every character but letters, digits and
    spaces hex-escaped, so a name with quotes, backslashes or `</style>` stays text."""
    return Markup('"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"')


def page_numbers() -> Markup:
    """'Page 2 of 11' in the report's language, as the CSS `content` of the footer (counters between strings)."""
    words = _("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = [css_string(part) if i % 2 == 0 else f"counter({part})" for i, part in enumerate(words.split("\0"))]
    return Markup(" ".join(part for part in parts if part != '""'))


def render(report: CampaignReport, *, progress: Callable[[int, str], None] | None = None) -> bytes:
    """The report as PDF bytes (WeasyPrint, A4, page numbers in the footer), in the report's language."""
    with force_locale(report.language):
        html = render_template(
            "reports/campaigns_pdf.html", report=report, page_numbers=page_numbers(),
            running_head=css_string(f"{report.account.name} · {_('Campaign report')}"),
            daily_chart=daily_lines(report.days, views_label=_("Impressions"), clicks_label=_("Clicks")),
            spend_chart=spend_bars([(r.name, float(r.spend), float(r.budget)) for r in report.top],
                                   spend_label=_("Spend"), budget_label=_("Budget")))
    if progress:
        progress(40, "Drawing the pages")
    return write_pdf(html)


def filename_for(report: CampaignReport) -> str:
    return f"campaigns-report-{report.generated_at:%Y%m%d-%H%M}.pdf"
