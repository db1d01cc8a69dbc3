"""`flask seed demo` gives the demo store a promo board at once."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import FlashPromo, Product, Store, StoreProduct
from app.services import promos


def test_seed_demo_creates_a_store_products_stock_and_a_running_promo_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Store)) == 1
    assert db.session.scalar(select(func.count()).select_from(Product)) == 3
    assert db.session.scalar(select(func.sum(StoreProduct.stock))) == 125
    promo = db.session.scalar(select(FlashPromo))
    assert promos.effective_status(promo).value == "active"
