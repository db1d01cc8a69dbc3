"""CSV exports of campaigns (with their results), customers and a campaign's messages, streamed.

Each export is one statement with the list's own filters, read through a server-side cursor in chunks, written
through app/services/csv_safe (formula cells neutralised) and sent as UTF-8 with a byte-order mark (so spreadsheet
apps read accents right) in blocks of a few thousand rows: memory stays flat whatever the row count.
"""
import io
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import BigInteger, Select, String, cast, func, select, true
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.models import Account, Campaign, CampaignMetric, Customer, Message
from app.services import campaigns, customers, messaging
from app.services.csv_safe import writer
from app.services.search import LIKE_ESCAPE, contains_pattern

BOM = "\ufeff"
CHUNK_ROWS = 2000


@dataclass
class CsvExport:
    filename: str
    header: list[str]
    statement: Select
    # A result row -> the cells written; None: the row's values are the cells already (text made by PostgreSQL).
    row: Callable[[Any], Iterable[Any]] | None = None


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value) if hasattr(value, "value") else value  # enums as the API speaks them


def as_text(column) -> ColumnElement:
    """A column as the text a CSV cell holds, made by PostgreSQL (cheaper than converting values in Python):
    timestamps in UTC ending in Z, lists joined with `;`, booleans as true/false, money with two decimals."""
    kind = column.type.__class__.__name__
    if kind == "DateTime":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    if kind == "ARRAY":
        return func.array_to_string(column, ";")
    if kind == "Numeric":
        return func.to_char(column, "FM999999999990.00")
    return cast(column, String)


def stream(export: CsvExport) -> Iterator[bytes]:
    """The file as blocks of bytes: BOM and header first, then CHUNK_ROWS rows at a time from a server-side cursor."""
    buffer = io.StringIO()
    out = writer(buffer, lineterminator="\r\n")
    out.writerow(export.header)
    yield (BOM + buffer.getvalue()).encode()
    result = db.session.execute(export.statement.execution_options(yield_per=CHUNK_ROWS))
    for chunk in result.partitions():
        buffer.seek(0)
        buffer.truncate()
        if export.row is None:
            out.writerows(chunk)
        else:
            out.writerows([_cell(v) for v in export.row(row)] for row in chunk)
        yield buffer.getvalue().encode()


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")


CAMPAIGN_HEADER = ["id", "name", "channel", "status", "priority", "currency", "budget", "start_date", "end_date",
                   "views", "clicks", "conversions", "spend", "ctr_percent", "conversion_rate_percent",
                   "created_at"]


def campaign_rows(account: Account, **filters) -> Select:
    """The account's campaigns as the list filters them, each with its totals (one LATERAL sum per campaign over
    the covering index), in the list's order."""
    m = CampaignMetric
    # Counts summed as whole numbers (PostgreSQL's sum of a bigint is numeric, which would print as 4000.00).
    totals = (select(cast(func.coalesce(func.sum(m.impressions), 0), BigInteger).label("views"),
                     cast(func.coalesce(func.sum(m.clicks), 0), BigInteger).label("clicks"),
                     cast(func.coalesce(func.sum(m.conversions), 0), BigInteger).label("conversions"),
                     func.coalesce(func.sum(m.spend), 0).label("spend"))
              .where(m.campaign_id == Campaign.id).lateral("totals"))
    base = campaigns.campaigns_query(account, **filters)
    return base.with_only_columns(
        Campaign.id, Campaign.name, Campaign.channel, Campaign.status, Campaign.priority, Campaign.currency,
        Campaign.budget, Campaign.start_date, Campaign.end_date, totals.c.views, totals.c.clicks,
        totals.c.conversions, totals.c.spend, Campaign.created_at).join(totals, true())


def _campaign_cells(row) -> list:
    views, clicks, conversions = row.views, row.clicks, row.conversions
    ctr = f"{100 * clicks / views:.2f}" if views else ""
    rate = f"{100 * conversions / clicks:.2f}" if clicks else ""
    return [row.id, row.name, row.channel, row.status, row.priority, row.currency, row.budget, row.start_date,
            row.end_date, views, clicks, conversions, row.spend, ctr, rate, row.created_at]


def campaigns_export(account: Account, **filters) -> CsvExport:
    return CsvExport(f"campaigns-{_stamp()}.csv", CAMPAIGN_HEADER, campaign_rows(account, **filters), _campaign_cells)


CUSTOMER_COLUMNS = ("id", "first_name", "last_name", "email", "phone", "language", "timezone", "tags",
                    "email_consent", "whatsapp_consent", "push_consent", "orders_count", "created_at")


def customers_export(account: Account, **filters) -> CsvExport:
    """The account's customers as the list filters them (columns only, no ORM objects: a million rows stream)."""
    stmt = customers.customers_query(account, **filters).with_only_columns(
        *(as_text(getattr(Customer, name)) for name in CUSTOMER_COLUMNS))
    return CsvExport(f"customers-{_stamp()}.csv", list(CUSTOMER_COLUMNS), stmt, row=None)


MESSAGE_COLUMNS = ("id", "channel", "language", "to_address", "status", "reason", "attempts", "sent_at",
                   "delivered_at", "read_at", "opened_first_at", "open_count", "clicked_first_at", "click_count",
                   "failed_at")


def messages_export(campaign: Campaign, *, status: str | None = None, channel: str | None = None,
                    to: str | None = None) -> CsvExport:
    """One campaign's messages, one per recipient, filtered like its message log."""
    stmt = messaging.messages_query(campaign, status=status, channel=channel).with_only_columns(
        *(as_text(getattr(Message, name)) for name in MESSAGE_COLUMNS))
    if to and to.strip():
        stmt = stmt.where(Message.to_address.ilike(contains_pattern(to.strip().lower()), escape=LIKE_ESCAPE))
    return CsvExport(f"messages-{_stamp()}.csv", list(MESSAGE_COLUMNS), stmt, row=None)
