"""The catalog: products of an account (SKU unique per account, price, images from the account's media)."""
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import Account, MediaFile, Product, StoreProduct, User
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.pagination import Page, paginate
from app.services.search import LIKE_ESCAPE, contains_pattern

PRODUCT_FIELDS = ("sku", "name", "description", "price", "images")


def get_product(account: Account, product_id) -> Product:
    return get_owned(Product, account, product_id)


def list_products(account: Account, *, page: int = 1, size: int = 10, search: str | None = None) -> Page:
    """The account's products by name; `search` matches name or SKU."""
    stmt = select(Product).where(Product.account_id == account.id)
    if search:
        pattern = contains_pattern(search)
        stmt = stmt.where(or_(Product.name.ilike(pattern, escape=LIKE_ESCAPE),
                              Product.sku.ilike(pattern, escape=LIKE_ESCAPE)))
    return paginate(stmt.order_by(Product.name, Product.id), page=page, size=size)


def _check_images(account: Account, images: list) -> list:
    ids = list(dict.fromkeys(images or []))
    if not ids:
        return []
    found = set(db.session.scalars(select(MediaFile.id).where(MediaFile.account_id == account.id,
                                                              MediaFile.id.in_(ids))))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        # Another account's file is as unknown as a made-up id.
        raise ValidationError(details={"images": [f"Unknown media file(s): {', '.join(missing)}."]})
    return ids


def _apply(product: Product, account: Account, data: dict[str, Any]) -> None:
    for name in PRODUCT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "images":
            value = _check_images(account, value)
        elif name == "price":
            value = Decimal(value).quantize(Decimal("0.01"))
        elif name == "description":
            value = value or ""
        setattr(product, name, value)


def _flush_unique(product: Product) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"A product with SKU '{product.sku}' exists already in this account",
                       details={"sku": [f"'{product.sku}' is taken."]}) from None


@unit_of_work
def create_product(account: Account, *, actor: User | None, **data) -> Product:
    """Add a product; its SKU must be new in the account (409 otherwise)."""
    product = Product(account_id=account.id)
    _apply(product, account, data)
    db.session.add(product)
    _flush_unique(product)
    record_event(account, actor, "product.created", product, {"sku": product.sku})
    return product


@unit_of_work
def update_product(product: Product, *, actor: User | None, **changes) -> Product:
    """Change a product's fields (a new SKU must be free in the account)."""
    account = db.session.get(Account, product.account_id)
    _apply(product, account, changes)
    _flush_unique(product)
    record_event(account, actor, "product.updated", product, {"fields": sorted(changes)})
    return product


@unit_of_work
def delete_product(product: Product, *, actor: User | None) -> None:
    """Delete a product no store stocks (409 while a store product uses it)."""
    if db.session.scalar(select(exists().where(StoreProduct.product_id == product.id))):
        raise Conflict("Stores stock this product; remove its store products first")
    account = db.session.get(Account, product.account_id)
    record_event(account, actor, "product.deleted", product, {"sku": product.sku})
    db.session.delete(product)


def product_count(account: Account) -> int:
    return db.session.scalar(select(func.count()).select_from(Product).where(Product.account_id == account.id))
