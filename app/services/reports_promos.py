"""Flash promo results as CSV: each promo with its stock, live holds, sales, revenue and reach, in one statement."""
from sqlalchemy import case, func, select, true

from app.models import (
    Account, FlashPromo, NotificationLog, Product, PromoStatus, Reservation, ReservationStatus, Store, StoreProduct,
)
from app.services.promos import status_clause
from app.services.reports_csv import CsvExport, _stamp, as_text

PROMO_HEADER = ["id", "title", "store", "product_sku", "product", "status", "starts_at", "ends_at", "promo_price",
                "stock_left", "held_now", "confirmed_units", "revenue", "cancelled_units", "expired_units",
                "notified"]


def promos_export(account: Account, *, status: str | None = None, store_id=None) -> CsvExport:
    """The account's promos, soonest last like the list, filtered like it (status as the clock says, store); the
    reservation sums come from one LATERAL aggregate per promo, the reach from the notification log."""
    r = Reservation

    def units(state: ReservationStatus, *extra):
        return func.coalesce(func.sum(r.quantity).filter(r.status == state, *extra), 0)

    sums = select(units(ReservationStatus.HELD, r.expires_at > func.now()).label("held"),
                  units(ReservationStatus.CONFIRMED).label("confirmed"),
                  func.coalesce(func.sum(r.quantity * r.unit_price).filter(r.status == ReservationStatus.CONFIRMED),
                                0).label("revenue"),
                  units(ReservationStatus.CANCELLED).label("cancelled"),
                  units(ReservationStatus.EXPIRED).label("expired")).where(r.promo_id == FlashPromo.id).lateral("sums")
    notified = (select(func.count()).where(NotificationLog.promo_id == FlashPromo.id)
                .correlate(FlashPromo).scalar_subquery())
    current = case(*((status_clause(s), s.value) for s in (PromoStatus.CANCELLED, PromoStatus.SCHEDULED,
                                                             PromoStatus.ACTIVE)), else_=PromoStatus.FINISHED.value)
    stmt = (select(as_text(FlashPromo.id), FlashPromo.title, Store.name, Product.sku, Product.name, current,
                   as_text(FlashPromo.starts_at), as_text(FlashPromo.ends_at), as_text(FlashPromo.promo_price),
                   StoreProduct.stock, sums.c.held, sums.c.confirmed, func.to_char(sums.c.revenue, "FM999999999990.00"),
                   sums.c.cancelled, sums.c.expired, notified)
            .join(StoreProduct, StoreProduct.id == FlashPromo.store_product_id)
            .join(Store, Store.id == FlashPromo.store_id).join(Product, Product.id == StoreProduct.product_id)
            .join(sums, true()).where(FlashPromo.account_id == account.id))
    if status:
        stmt = stmt.where(status_clause(PromoStatus(status)))
    if store_id:
        stmt = stmt.where(FlashPromo.store_id == store_id)
    return CsvExport(f"promos-{_stamp()}.csv", PROMO_HEADER,
                     stmt.order_by(FlashPromo.starts_at.desc(), FlashPromo.id), row=None)
