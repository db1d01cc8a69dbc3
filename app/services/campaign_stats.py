"""Campaign performance from the metrics fact table: stats, time series, periods and sites, the CSV loader."""
import csv
import io
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from sqlalchemy import Date, cast, func, select, text
from sqlalchemy.dialects.postgresql import insert

from app.errors import ValidationError
from app.extensions import db
from app.models import Account, Campaign, CampaignMetric, CampaignStatus, Channel
from app.services import unit_of_work
from app.services.activity import record_event
from app.services.names import name_key

GROUPS = ("day", "week", "month", "period", "site")
CSV_COLUMNS = ("campaign", "day", "site", "impressions", "clicks", "conversions", "spend")


def _ratios(views, clicks, conversions, spend) -> list:
    """CTR, conversion rate, CPC, CPA as SQL expressions; a zero denominator gives NULL, never an error."""
    return [
        func.round(clicks * 100.0 / func.nullif(views, 0), 2).label("ctr"),
        func.round(conversions * 100.0 / func.nullif(clicks, 0), 2).label("conversion_rate"),
        func.round(spend / func.nullif(clicks, 0), 2).label("cost_per_click"),
        func.round(spend / func.nullif(conversions, 0), 2).label("cost_per_conversion"),
    ]


def _totals(*where, group):
    """Sums and ratios of the metrics matching `where`, per `group` (a day, week, month or site expression); a
    campaign's overall totals are on its row (migration 0020)."""
    m = CampaignMetric
    inner = (select(group.label("key"), func.coalesce(func.sum(m.impressions), 0).label("views"),
                    func.coalesce(func.sum(m.clicks), 0).label("clicks"),
                    func.coalesce(func.sum(m.conversions), 0).label("conversions"),
                    func.coalesce(func.sum(m.spend), 0).label("spend"), func.max(m.updated_at).label("last_updated"))
             .where(*where).group_by(group).subquery())
    return select(inner, *_ratios(inner.c.views, inner.c.clicks, inner.c.conversions, inner.c.spend))


def _num(value) -> float | None:
    return None if value is None else float(value)


def _figures(row) -> dict[str, Any]:
    return {"views": int(row.views), "clicks": int(row.clicks), "conversions": int(row.conversions),
            "ctr": _num(row.ctr), "conversion_rate": _num(row.conversion_rate),
            "cost_per_click": _num(row.cost_per_click), "cost_per_conversion": _num(row.cost_per_conversion),
            "total_spent": float(row.spend)}


def campaign_metrics(campaign: Campaign, *, group_by: str = "day") -> list[dict[str, Any]]:
    """Totals per day, ISO week (Monday), month or site, oldest first (sites by spend)."""
    if group_by not in GROUPS:
        raise ValidationError("Validation error", details={"group_by": [f"Must be one of: {', '.join(GROUPS)}"]})
    m = CampaignMetric
    group = {
        "day": m.day,
        "week": cast(func.date_trunc("week", m.day), Date),
        "month": cast(func.date_trunc("month", m.day), Date),
        "period": cast(func.date_trunc("month", m.day), Date),
        "site": m.site,
    }[group_by]
    stmt = _totals(m.campaign_id == campaign.id, group=group)
    stmt = stmt.order_by(stmt.selected_columns.spend.desc(), "key") if group_by == "site" else stmt.order_by("key")
    rows = []
    for row in db.session.execute(stmt):
        item = {"key": row.key if group_by == "site" else row.key.isoformat(), **_figures(row)}
        item["spend"] = item.pop("total_spent")
        if group_by in ("week", "month", "period"):
            item["start_date"], item["end_date"] = row.key, _period_end(row.key, group_by)
        rows.append(item)
    return rows


def _period_end(start: date, group_by: str) -> date:
    if group_by == "week":
        return start + timedelta(days=6)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def daily_series(campaign: Campaign, *, days: int = 30) -> list[tuple[date, int, int, float]]:
    """The last `days` days that have data: (day, impressions, clicks, spend), for the chart."""
    m = CampaignMetric
    rows = db.session.execute(
        select(m.day, func.sum(m.impressions), func.sum(m.clicks), func.sum(m.spend))
        .where(m.campaign_id == campaign.id).group_by(m.day).order_by(m.day.desc()).limit(days)).all()
    return [(r[0], int(r[1]), int(r[2]), float(r[3])) for r in reversed(rows)]


TOTALS = ("views_total", "clicks_total", "conversions_total", "spend_total", "metrics_updated_at")


def upsert_metrics(rows: list[dict]) -> int:
    """Insert or replace metric rows by (campaign, day, site); rows whose figures did not change are left alone.

    The campaigns' totals follow by trigger (migration 0020), which updates each campaign's row: the campaigns are
    locked first, in id order, and the rows written in that order, so two writers of the same campaigns (an ads
    sync and a CSV import) queue up instead of deadlocking."""
    if not rows:
        return 0
    rows = sorted(rows, key=lambda r: (str(r["campaign_id"]), r["day"], r["site"]))
    ids = sorted({uuid.UUID(str(r["campaign_id"])) for r in rows})
    db.session.execute(select(Campaign.id).where(Campaign.id.in_(ids)).order_by(Campaign.id)
                       .with_for_update(key_share=True)).all()  # FOR NO KEY UPDATE, as the trigger's update

    stmt = insert(CampaignMetric).values(rows)
    excluded = stmt.excluded
    changed = ((CampaignMetric.impressions != excluded.impressions) | (CampaignMetric.clicks != excluded.clicks)
               | (CampaignMetric.conversions != excluded.conversions) | (CampaignMetric.spend != excluded.spend))
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "day", "site"],
        set_={"impressions": excluded.impressions, "clicks": excluded.clicks, "conversions": excluded.conversions,
              "spend": excluded.spend, "updated_at": func.now()},
        where=changed,
    )
    written = db.session.execute(stmt).rowcount
    _expire_totals(ids)
    return written


def _expire_totals(campaign_ids) -> None:
    """Campaigns of these ids loaded in this session read their totals again (a trigger changed them)."""
    wanted = set(campaign_ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Campaign) and obj.id in wanted:
            db.session.expire(obj, TOTALS)


def _parse_row(raw: dict, line: int) -> dict:
    def fail(field, message):
        raise ValidationError(f"Line {line}: {field} {message}", details={"line": line, field: [message]})

    name = (raw.get("campaign") or "").strip()
    if not name:
        fail("campaign", "is required")
    try:
        day = date.fromisoformat((raw.get("day") or "").strip())
    except ValueError:
        fail("day", "must be a date YYYY-MM-DD")
    out = {"campaign": name[:200], "day": day, "site": (raw.get("site") or "").strip()[:120]}
    for field in ("impressions", "clicks", "conversions"):
        try:
            out[field] = int((raw.get(field) or "0").strip())
        except ValueError:
            fail(field, "must be a whole number")
        if out[field] < 0:
            fail(field, "must not be negative")
    try:
        out["spend"] = Decimal((raw.get("spend") or "0").strip()).quantize(Decimal("0.01"))
    except InvalidOperation:
        fail("spend", "must be a number")
    if out["spend"] < 0:
        fail("spend", "must not be negative")
    if out["clicks"] > out["impressions"] or out["conversions"] > out["clicks"]:
        fail("clicks", "must satisfy conversions <= clicks <= impressions")
    return out


@unit_of_work
def load_metrics_csv(account: Account, stream: IO[str], *, actor=None) -> dict[str, int]:
    """Load `campaign,day,site,impressions,clicks,conversions,spend` rows; running it twice changes nothing.

    Campaigns are matched by name in the account, as names are compared (case, width, look-alikes aside);
    missing ones are created as finished display campaigns with a budget of what they spent, so the analytics
    of seed 004 have a home.
    """
    reader = csv.DictReader(stream)
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError("The CSV lacks columns", details={"columns": missing})
    rows = [_parse_row(raw, i) for i, raw in enumerate(reader, start=2)]
    # Names are matched as the unique index compares them (app/services/names.py): "Summer  Sale" in the file is
    # the campaign "summer sale", never a second one the index would refuse.
    keys = dict(db.session.execute(text("SELECT n, name_key(n) FROM unnest(CAST(:names AS text[])) AS n"),
                                   {"names": sorted({r["campaign"] for r in rows})}).all())
    campaigns = dict(db.session.execute(select(name_key(Campaign.name), Campaign).where(
        Campaign.account_id == account.id, Campaign.deleted_at.is_(None),
        name_key(Campaign.name).in_(set(keys.values())))).all()) if keys else {}
    created = 0
    for row in rows:
        key = keys[row["campaign"]]
        if key not in campaigns:
            spent = sum((r["spend"] for r in rows if keys[r["campaign"]] == key), Decimal("0"))
            days = [r["day"] for r in rows if keys[r["campaign"]] == key]
            campaign = Campaign(account_id=account.id, name=row["campaign"], channel=Channel.DISPLAY.value,
                                status=CampaignStatus.FINISHED.value, budget=max(spent, Decimal("1.00")),
                                start_date=_midnight(min(days)), end_date=_midnight(max(days) + timedelta(days=1)),
                                description="Imported from an analytics CSV", timezone=account.timezone or "UTC")
            db.session.add(campaign)
            db.session.flush()
            record_event(account, actor, "campaign.created", campaign, {"name": campaign.name, "source": "csv"})
            campaigns[key] = campaign
            created += 1
    # One row per (campaign, day, site): a repeated key in the file keeps its last figures.
    merged = {}
    for row in rows:
        campaign_id = campaigns[keys[row["campaign"]]].id
        merged[(campaign_id, row["day"], row["site"])] = {
            "campaign_id": campaign_id, "day": row["day"], "site": row["site"], "impressions": row["impressions"],
            "clicks": row["clicks"], "conversions": row["conversions"], "spend": row["spend"]}
    values = sorted(merged.values(), key=lambda r: (str(r["campaign_id"]), r["day"], r["site"]))  # locks in order
    changed = sum(upsert_metrics(values[i:i + 1000]) for i in range(0, len(values), 1000))
    return {"rows": len(rows), "campaigns_created": created, "metrics_changed": changed}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)


def load_metrics_file(account: Account, path: str, **kwargs) -> dict[str, int]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return load_metrics_csv(account, io.StringIO(handle.read()), **kwargs)
