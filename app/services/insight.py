"""The dashboard's figures over a period, each a set-based aggregate (never a query per campaign or promo).

Campaigns by status; budget against spend; impressions, clicks and conversions with CTR and conversion rate over
the period (from the metrics fact table); messages sent, opened and clicked in the period; active promos with
their stock and live holds; audience growth per day; the user's latest notifications. Eight short statements.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import BigInteger, Date, cast, func, select

from app.errors import ValidationError
from app.extensions import db
from app.models import (
    Account, Campaign, CampaignMetric, Customer, FlashPromo, Message, Notification, PromoStatus, Reservation,
    ReservationStatus, StoreProduct, User, utcnow,
)
from app.models.messaging import ACCEPTED
from app.services.notifications import notification_view
from app.services.promos import status_clause

MAX_DAYS = 366


@dataclass
class Figures:
    since: date
    until: date
    campaigns_by_status: dict[str, int] = field(default_factory=dict)
    budget: float = 0.0
    spend: float = 0.0
    views: int = 0
    clicks: int = 0
    conversions: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    promos: list[dict[str, Any]] = field(default_factory=list)
    audience: list[tuple[date, int]] = field(default_factory=list)  # new customers per day
    customers_total: int = 0
    daily: list[tuple[date, int, int, int]] = field(default_factory=list)  # day, views, clicks, conversions
    notifications: list = field(default_factory=list)  # notification_view of each

    @property
    def ctr(self) -> float | None:
        return round(100 * self.clicks / self.views, 2) if self.views else None

    @property
    def conversion_rate(self) -> float | None:
        return round(100 * self.conversions / self.clicks, 2) if self.clicks else None


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)  # a period's edges stay inside Python's dates


def period(since: date | None, until: date | None, *, default_days: int = 30) -> tuple[date, date]:
    """The days asked for (both included), the last `default_days` by default; 422 when backwards, over a year,
    or outside FIRST_DAY..LAST_DAY."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(details={name: [f"Must be between {FIRST_DAY} and {LAST_DAY}"]})
    until = until or utcnow().date()
    since = since or until - timedelta(days=default_days - 1)
    if since > until:
        raise ValidationError(details={"since": ["Must be on or before until"]})
    if (until - since).days >= MAX_DAYS:
        raise ValidationError(details={"since": [f"A period is at most {MAX_DAYS} days"]})
    return since, until


def figures(account: Account, user: User, *, since: date | None = None, until: date | None = None) -> Figures:
    """The account's dashboard for the period (UTC days)."""
    since, until = period(since, until)
    start = datetime.combine(since, time.min, tzinfo=timezone.utc)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=timezone.utc)
    out = Figures(since=since, until=until)
    live = (Campaign.account_id == account.id, Campaign.deleted_at.is_(None))
    rows = db.session.execute(select(Campaign.status, func.count(), func.coalesce(func.sum(Campaign.budget), 0))
                              .where(*live).group_by(Campaign.status)).all()
    out.campaigns_by_status = {str(status): count for status, count, _budget in rows}
    out.budget = float(sum(budget for _s, _c, budget in rows))
    m = CampaignMetric
    ids = select(Campaign.id).where(*live)
    out.daily = [(d, int(v), int(c), int(k)) for d, v, c, k in db.session.execute(
        select(m.day, cast(func.sum(m.impressions), BigInteger), cast(func.sum(m.clicks), BigInteger),
               cast(func.sum(m.conversions), BigInteger))
        .where(m.campaign_id.in_(ids), m.day >= since, m.day <= until).group_by(m.day).order_by(m.day))]
    out.views = sum(d[1] for d in out.daily)
    out.clicks = sum(d[2] for d in out.daily)
    out.conversions = sum(d[3] for d in out.daily)
    out.spend = float(db.session.scalar(select(func.coalesce(func.sum(m.spend), 0)).where(
        m.campaign_id.in_(ids), m.day >= since, m.day <= until)))
    sent, opened, clicked = db.session.execute(select(
        func.count().filter(Message.status.in_(ACCEPTED)),
        func.count().filter(Message.opened_first_at.is_not(None)),
        func.count().filter(Message.clicked_first_at.is_not(None)),
    ).where(Message.campaign_id.in_(select(Campaign.id).where(Campaign.account_id == account.id)),
            Message.sent_at >= start, Message.sent_at < end)).one()
    out.messages = {"sent": sent, "opened": opened, "clicked": clicked}
    holds = (select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
        Reservation.promo_id == FlashPromo.id, Reservation.status == ReservationStatus.HELD,
        Reservation.expires_at > func.now()).scalar_subquery())
    out.promos = [{"id": promo.id, "title": promo.title, "ends_at": promo.ends_at, "stock": stock, "held": held}
                  for promo, stock, held in db.session.execute(
                      select(FlashPromo, StoreProduct.stock, holds)
                      .join(StoreProduct, StoreProduct.id == FlashPromo.store_product_id)
                      .where(FlashPromo.account_id == account.id, status_clause(PromoStatus.ACTIVE))
                      .order_by(FlashPromo.ends_at).limit(10))]
    day = cast(func.timezone("UTC", Customer.created_at), Date)
    out.audience = [(d, n) for d, n in db.session.execute(
        select(day, func.count()).where(Customer.account_id == account.id, Customer.created_at >= start,
                                        Customer.created_at < end).group_by(day).order_by(day))]
    out.customers_total = db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.account_id == account.id))
    out.notifications = [notification_view(n) for n in db.session.scalars(
        select(Notification).where(Notification.account_id == account.id, Notification.user_id == user.id)
        .order_by(Notification.created_at.desc()).limit(5))]
    return out
