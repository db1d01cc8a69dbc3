"""Promos API: schedule promos, list active ones near a point, their notifications, and stock holds."""
from flask.views import MethodView

from app.blueprints.common import Blueprint, IDEMPOTENCY_KEY_PARAMETER, idempotent, page_response, page_schema
from app.blueprints.promos.schemas import (
    ActivePromoQueryArgsSchema, NearbyPromoSchema, NotificationLogSchema, NotificationQueryArgsSchema,
    PromoCreateSchema, PromoQueryArgsSchema, PromoSchema, PromoUpdateSchema, ReservationCreateSchema,
    ReservationSchema, ReservationTokenSchema,
)
from app.security import current_account, current_user, editor_required, viewer_required
from app.services import promo_notify, promos, reservations

api_blp = Blueprint("promos-api", __name__, url_prefix="/api/v1",
                    description="Flash promos: scheduled discounts, nearby customers notified, 60-second stock holds")


@api_blp.route("/promos")
class Promos(MethodView):
    @viewer_required
    @api_blp.arguments(PromoQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(PromoSchema, "promos"))
    def get(self, args):
        """List promos; `status` is read from the clock (scheduled, active, finished, cancelled)"""
        return page_response(promos.list_promos(current_account(), **args), "promos")

    @editor_required
    @api_blp.arguments(PromoCreateSchema)
    @api_blp.response(201, PromoSchema)
    def post(self, data):
        """Schedule a promo (409 if it overlaps another promo of the same store product)"""
        return promos.create_promo(current_account(), actor=current_user(), **data)


@api_blp.route("/promos/active")
class ActivePromos(MethodView):
    @viewer_required
    @api_blp.arguments(ActivePromoQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(NearbyPromoSchema, "promos"))
    def get(self, args):
        """Promos running now; with lat and lon, only those whose radius covers the point, nearest first"""
        return page_response(promos.active_promos(current_account(), **args), "promos")


@api_blp.route("/promos/<uuid:promo_id>")
class PromoById(MethodView):
    @viewer_required
    @api_blp.response(200, PromoSchema)
    def get(self, promo_id):
        """One promo"""
        return promos.get_promo(current_account(), promo_id)

    @editor_required
    @api_blp.arguments(PromoUpdateSchema)
    @api_blp.response(200, PromoSchema)
    def patch(self, data, promo_id):
        """Change a scheduled promo (409 once it has started)"""
        return promos.update_promo(promos.get_promo(current_account(), promo_id), actor=current_user(), **data)

    @editor_required
    @api_blp.response(200, PromoSchema)
    def delete(self, promo_id):
        """Cancel a promo; its live holds are released"""
        return promos.cancel_promo(promos.get_promo(current_account(), promo_id), actor=current_user())


@api_blp.route("/promos/<uuid:promo_id>/notifications")
class PromoNotifications(MethodView):
    @viewer_required
    @api_blp.arguments(NotificationQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(NotificationLogSchema, "notifications"))
    def get(self, args, promo_id):
        """Who the promo notified, when, how far away, and the outcome"""
        promo = promos.get_promo(current_account(), promo_id)
        return page_response(promo_notify.list_notifications(promo, **args), "notifications")


@api_blp.route("/reservations")
class Reservations(MethodView):
    @editor_required
    @idempotent
    @api_blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @api_blp.arguments(ReservationCreateSchema)
    @api_blp.response(201, ReservationSchema)
    def post(self, data):
        """Hold stock of an active promo for a customer for HOLD_SECONDS (409 if stock is short or over the
        customer's limit)"""
        return reservations.hold_stock(current_account(), **data)


@api_blp.route("/reservations/<token>")
class ReservationByToken(MethodView):
    @viewer_required
    @api_blp.response(200, ReservationSchema)
    def get(self, token):
        """A reservation's state and seconds left"""
        return reservations.get_reservation(current_account(), token)


@api_blp.route("/reservations/<token>/checkout")
class ReservationCheckout(MethodView):
    @editor_required
    @api_blp.response(200, ReservationSchema)
    def put(self, token):
        """Confirm a live hold (counts the customer's order); 409 if it expired or was settled"""
        return reservations.checkout(current_account(), token, actor=current_user())


@api_blp.route("/reservations/<token>/cancel")
class ReservationCancel(MethodView):
    @editor_required
    @api_blp.response(200, ReservationSchema)
    def put(self, token):
        """Cancel a hold and give its stock back (once); 409 if it was settled already"""
        return reservations.cancel(current_account(), token, actor=current_user())


@api_blp.route("/reservations/checkout")
class CheckoutByBody(MethodView):
    @editor_required
    @api_blp.arguments(ReservationTokenSchema)
    @api_blp.response(200, ReservationSchema)
    def put(self, data):
        """Confirm a live hold, the token in the body (carts that keep it there)"""
        return reservations.checkout(current_account(), data["token"], actor=current_user())


@api_blp.route("/reservations/cancel")
class CancelByBody(MethodView):
    @editor_required
    @api_blp.arguments(ReservationTokenSchema)
    @api_blp.response(200, ReservationSchema)
    def put(self, data):
        """Cancel a hold, the token in the body (carts that keep it there)"""
        return reservations.cancel(current_account(), data["token"], actor=current_user())
