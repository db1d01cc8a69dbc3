"""Flask-Admin views of the catalog and flash promos: read-only (holds and stock move only through the services)."""
from app.extensions import db
from app.models import FlashPromo, NotificationLog, Product, Reservation, Store, StoreProduct


def add_promo_views(admin, base) -> None:
    """Register the views on `admin`; `base` is the admin's read-only, admin-only ModelView."""

    class ProductAdmin(base):
        column_list = ("sku", "name", "price", "account_id", "created_at")
        column_searchable_list = ("sku", "name")
        column_filters = ("account_id", "created_at")

    class StoreAdmin(base):
        # The location is a geography point: shown through the API and pages, left out here.
        column_list = ("name", "address", "timezone", "account_id", "created_at")
        column_searchable_list = ("name", "address")
        column_filters = ("timezone", "account_id")

    class StoreProductAdmin(base):
        column_list = ("store_id", "product_id", "stock", "base_price", "account_id", "updated_at")
        column_filters = ("store_id", "product_id", "account_id")

    class PromoAdmin(base):
        column_list = ("title", "status", "starts_at", "ends_at", "promo_price", "radius_m", "audience", "channel",
                       "account_id")
        column_searchable_list = ("title",)
        column_filters = ("status", "audience", "channel", "account_id", "starts_at", "ends_at")
        column_default_sort = ("starts_at", True)

    class ReservationAdmin(base):
        # The token is the customer's capability: never listed.
        column_list = ("promo_id", "customer_id", "quantity", "status", "expires_at", "confirmed_at", "account_id")
        column_filters = ("status", "promo_id", "customer_id", "account_id", "expires_at")
        column_default_sort = ("created_at", True)

    class NotificationLogAdmin(base):
        column_list = ("promo_id", "customer_id", "sent_on", "channel", "status", "reason", "distance_m", "sent_at")
        column_filters = ("status", "channel", "sent_on", "promo_id", "account_id")
        column_default_sort = ("created_at", True)

    for view, model, name in ((ProductAdmin, Product, "Products"), (StoreAdmin, Store, "Stores"),
                              (StoreProductAdmin, StoreProduct, "Stock"), (PromoAdmin, FlashPromo, "Promos"),
                              (ReservationAdmin, Reservation, "Holds"),
                              (NotificationLogAdmin, NotificationLog, "Promo notifications")):
        admin.add_view(view(model, db, name=name, category="Promos", endpoint=f"promos_{model.__tablename__}"))
