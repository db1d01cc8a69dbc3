"""The live promo board: each promo with its status from the clock, stock left, holds and notifications."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Account, FlashPromo, NotificationLog, NotificationStatus, Product, Reservation, ReservationStatus, Store,
    StoreProduct,
)
from app.services.promos import effective_status


def board(account: Account, *, limit: int = 50, promo_id=None) -> list[dict]:
    """The account's newest promos (or one) with their counts: three statements whatever the number of promos."""
    stmt = (
        select(FlashPromo, StoreProduct.stock, Product.name, Store.name, Store.timezone)
        .join(StoreProduct, StoreProduct.id == FlashPromo.store_product_id)
        .join(Product, Product.id == StoreProduct.product_id).join(Store, Store.id == FlashPromo.store_id)
        .where(FlashPromo.account_id == account.id)
        .order_by(FlashPromo.starts_at.desc(), FlashPromo.id).limit(limit))
    if promo_id is not None:
        stmt = stmt.where(FlashPromo.id == promo_id)
    rows = db.session.execute(stmt).all()
    ids = [row[0].id for row in rows]
    holds = {}
    if ids:
        live = (Reservation.status == ReservationStatus.HELD) & (Reservation.expires_at > func.now())
        for promo_id, held, confirmed, expired, cancelled in db.session.execute(select(
                Reservation.promo_id, func.coalesce(func.sum(Reservation.quantity).filter(live), 0),
                func.coalesce(func.sum(Reservation.quantity).filter(
                    Reservation.status == ReservationStatus.CONFIRMED), 0),
                func.count().filter((Reservation.status == ReservationStatus.EXPIRED) | (
                    (Reservation.status == ReservationStatus.HELD) & (Reservation.expires_at <= func.now()))),
                func.count().filter(Reservation.status == ReservationStatus.CANCELLED))
                .where(Reservation.promo_id.in_(ids)).group_by(Reservation.promo_id)):
            holds[promo_id] = {"held": int(held), "confirmed": int(confirmed), "expired": expired,
                               "cancelled": cancelled}
    notified = dict(db.session.execute(select(NotificationLog.promo_id, func.count()).where(
        NotificationLog.promo_id.in_(ids), NotificationLog.status == NotificationStatus.SENT)
        .group_by(NotificationLog.promo_id)).all()) if ids else {}
    empty = {"held": 0, "confirmed": 0, "expired": 0, "cancelled": 0}
    return [{"id": str(promo.id), "title": promo.title, "product": product, "store": store, "timezone": zone,
             "status": effective_status(promo).value, "starts_at": promo.starts_at, "ends_at": promo.ends_at,
             "promo_price": promo.promo_price, "stock": stock, "notified": notified.get(promo.id, 0),
             **holds.get(promo.id, empty)} for promo, stock, product, store, zone in rows]
