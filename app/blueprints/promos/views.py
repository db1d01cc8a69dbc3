"""Pages: the live promo board (refreshed by app/static/promos.js), the scheduler with who would be notified,
and a promo's page (figures, notifications, cancel)."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.blueprints.forms import apply_errors, attempt, choice_list
from app.blueprints.promos.forms import PromoForm
from app.errors import DomainError
from app.models import MemberRole
from app.security import current_account, current_user, editor_required, require_account_role, viewer_required
from app.services import promo_board, promo_notify, promos, stores

pages_bp = Blueprint("promos", __name__)
COUNTS = ("stock", "held", "confirmed", "expired", "notified")


@pages_bp.get("/promos")
@viewer_required
def index():
    return render_template("promos/index.html", promos=promo_board.board(current_account()))


@pages_bp.get("/promos/board.json")
@viewer_required
def board_json():
    """The board's live figures for promos.js: status and counts per promo."""
    return jsonify(promos=[{"id": row["id"], "status": row["status"], "status_label": _(row["status"]),
                            **{k: row[k] for k in COUNTS}} for row in promo_board.board(current_account())])


def _items(account):
    items = stores.list_store_products(account, size=100).items
    return items, [(str(i.id), f"{i.store.name} · {i.product.name} ({i.base_price:.2f}) · {i.store.timezone}")
                   for i in items]


@pages_bp.route("/promos/new", methods=["GET", "POST"])
@viewer_required
def new():
    account = current_account()
    items, choices = _items(account)
    form = PromoForm()
    form.store_product_id.choices = choice_list(choices)
    preview = None
    if request.method == "POST":
        require_account_role(MemberRole.EDITOR)
        if form.validate_on_submit():
            try:
                item = stores.get_store_product(account, form.store_product_id.data)
                if "preview" in request.form:
                    preview = promo_notify.audience_preview(account, item.store, radius_m=form.radius_m.data,
                                                            audience=form.audience.data, channel=form.channel.data)
                else:
                    window = promos.local_window(item.store, form.starts_at.data, form.ends_at.data)
                    promo = promos.create_promo(
                        account, actor=current_user(), store_product_id=item.id, title=form.title.data or None,
                        promo_price=form.promo_price.data, discount_percent=form.discount_percent.data,
                        radius_m=form.radius_m.data, audience=form.audience.data, channel=form.channel.data,
                        max_per_customer=form.max_per_customer.data, **window)
                    flash(_("Promo scheduled."), "success")
                    return redirect(url_for("promos.show", promo_id=promo.id))
            except DomainError as exc:
                apply_errors(form, exc)
    return render_template("promos/new.html", form=form, preview=preview, has_stock=bool(items))


@pages_bp.get("/promos/<uuid:promo_id>")
@viewer_required
def show(promo_id):
    account = current_account()
    promo = promos.get_promo(account, promo_id)
    row = next((r for r in promo_board.board(account, promo_id=promo.id)), None)
    preview = promo_notify.audience_preview(account, promo.store, radius_m=promo.radius_m,
                                            audience=promo.audience.value, channel=promo.channel.value)
    notified = promo_notify.list_notifications(promo, page=1, size=50)
    return render_template("promos/show.html", promo=promo, row=row, preview=preview, notified=notified,
                           status=promos.effective_status(promo).value)


@pages_bp.post("/promos/<uuid:promo_id>/cancel")
@editor_required
def cancel(promo_id):
    promo = promos.get_promo(current_account(), promo_id)
    attempt(lambda: promos.cancel_promo(promo, actor=current_user()), _("Promo cancelled; its holds were released."))
    return redirect(url_for("promos.show", promo_id=promo_id))
