"""Pages: stores (with the location picker), products, and each store's stock with adjustments."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.blueprints.catalog.forms import AdjustForm, ProductForm, StockForm, StoreForm
from app.blueprints.common import MAX_PAGE
from app.blueprints.forms import apply_errors, attempt, choice_list, flash_form_errors
from app.blueprints.geolocation.picker import picked_place
from app.errors import DomainError
from app.models import MemberRole
from app.security import current_account, current_user, editor_required, require_account_role, viewer_required
from app.services import catalog, stores

pages_bp = Blueprint("catalog", __name__)
PAGE_SIZE = 25


def page_number() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _store_data(form: StoreForm) -> dict:
    if form.place.data and not request.form.get("place_lat"):
        # Typed, not chosen (or no JavaScript to copy the choice): the name's best match gives the point.
        form.longitude.data, form.latitude.data = picked_place(request.form, "place")["coordinates"]
    lat, lon = form.latitude.data, form.longitude.data
    return {"name": form.name.data, "address": form.address.data or "", "timezone": form.timezone.data,
            "location": {"type": "point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None}


@pages_bp.route("/promos/stores", methods=["GET", "POST"])
@viewer_required
def stores_page():
    account = current_account()
    form = StoreForm(timezone=account.timezone or "UTC")
    if request.method == "POST":
        require_account_role(MemberRole.EDITOR)
        if form.validate_on_submit():
            try:
                store = stores.create_store(account, actor=current_user(), **_store_data(form))
                flash(_("Store %(name)s added.", name=store.name), "success")
                return redirect(url_for("catalog.stores_page"))
            except DomainError as exc:
                apply_errors(form, exc, rename={"location": "place"})
    page = stores.list_stores(account, page=page_number(), size=PAGE_SIZE)
    return render_template("promos/stores.html", form=form, page=page, location_of=stores.location_of)


@pages_bp.get("/promos/stock")
@viewer_required
def stock_page():
    account = current_account()
    page = stores.list_store_products(account, page=page_number(), size=PAGE_SIZE,
                                      store_id=request.args.get("store_id") or None)
    held = stores.held_units([item.id for item in page.items])
    stock_form = StockForm()
    stock_form.store_id.choices = choice_list((str(s.id), s.name) for s in stores.list_stores(account, size=100).items)
    stock_form.product_id.choices = choice_list((str(p.id), f"{p.name} · {p.sku}")
                                                for p in catalog.list_products(account, size=100).items)
    return render_template("promos/stock.html", page=page, held=held, product_form=ProductForm(),
                           stock_form=stock_form)


@pages_bp.post("/promos/products")
@editor_required
def add_product():
    form = ProductForm()
    if form.validate_on_submit():
        attempt(lambda: catalog.create_product(current_account(), actor=current_user(), sku=form.sku.data,
                                               name=form.name.data, description=form.description.data or "",
                                               price=form.price.data),
                _("Product added."))
    else:
        flash_form_errors(form)
    return redirect(url_for("catalog.stock_page"))


@pages_bp.post("/promos/stock")
@editor_required
def add_stock():
    form = StockForm()
    form.store_id.choices = form.product_id.choices = []
    if form.validate_on_submit():
        attempt(lambda: stores.create_store_product(
            current_account(), actor=current_user(), store_id=form.store_id.data, product_id=form.product_id.data,
            stock=form.stock.data or 0, base_price=form.base_price.data), _("Stock added."))
    else:
        flash_form_errors(form)
    return redirect(url_for("catalog.stock_page"))


@pages_bp.post("/promos/stock/<uuid:store_product_id>/adjust")
@editor_required
def adjust(store_product_id):
    form = AdjustForm()
    if form.validate_on_submit():
        item = stores.get_store_product(current_account(), store_product_id)
        attempt(lambda: stores.adjust_stock(item, actor=current_user(), delta=form.delta.data,
                                            reason=form.reason.data or ""), _("Stock adjusted."))
    else:
        flash_form_errors(form)
    return redirect(url_for("catalog.stock_page"))
