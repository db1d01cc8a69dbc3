"""AI test data: products and campaigns made as the product makes them."""
from decimal import Decimal

from app.extensions import db
from app.models import Product
from app.services import campaigns


def make_product(account, *, name: str = "Trail Runner 2", sku: str | None = None, price: str = "89.90",
                 description: str = "A light trail running shoe with a grippy sole and a breathable upper.") -> Product:
    product = Product(account_id=account.id, sku=sku or name.upper().replace(" ", "-")[:60], name=name,
                      description=description, price=Decimal(price))
    db.session.add(product)
    db.session.commit()
    return product


def make_campaign(account, user, *, name: str = "Spring running", channel: str = "email", **fields):
    fields.setdefault("description", "New trail shoes for the spring season.")
    fields.setdefault("keywords", ["trail running", "spring"])
    return campaigns.create_campaign(account, actor=user, name=name, channel=channel, budget=100, **fields)
