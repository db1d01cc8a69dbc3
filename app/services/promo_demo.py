"""Demo data for flash promos: a store, products in stock, a promo running now, customers around the store."""
from datetime import timedelta

from sqlalchemy import select, text

from app.extensions import db
from app.models import Account, Store, User, utcnow
from app.services import catalog, promos, stores

# Bogotá's Parque de la 93; seed 001's time zone.
DEMO_POINT = (-74.0486, 4.6766)
DEMO_PRODUCTS = (("CAF-250", "Colombian coffee 250 g", "9.90", 40),
                 ("ARE-6", "Arepas, pack of 6", "4.50", 60),
                 ("PAN-1", "Panela block", "2.80", 25))


def seed_demo_promos(account: Account, *, actor: User | None) -> dict:
    """Once per account: a store with three products in stock, a promo on the first running for two hours, and
    customers within 2 km (half new, half frequent) so the board and the notification counts show something."""
    if db.session.scalar(select(Store.id).where(Store.account_id == account.id).limit(1)) is not None:
        return {"created": False}
    store = stores.create_store(account, actor=actor, name="Parque 93", address="Cl. 93A #11A-11",
                                location={"type": "point", "coordinates": list(DEMO_POINT)},
                                timezone="America/Bogota")
    items = []
    for sku, name, price, stock in DEMO_PRODUCTS:
        product = catalog.create_product(account, actor=actor, sku=sku, name=name, price=price,
                                         description=f"{name}, from the demo catalog.")
        items.append(stores.create_store_product(account, actor=actor, store_id=store.id, product_id=product.id,
                                                 stock=stock))
    now = utcnow()
    promo = promos.create_promo(account, actor=actor, store_product_id=items[0].id, discount_percent=30,
                                starts_at=now, ends_at=now + timedelta(hours=2), title="Coffee flash sale",
                                max_per_customer=2)
    # Customers scattered within ~3 km; every other one with three recent orders (frequent).
    db.session.execute(text("""
        INSERT INTO customers (id, account_id, first_name, last_name, email, language, location, push_consent,
                               email_consent, orders_count, recent_orders)
        SELECT gen_random_uuid(), :account, 'Demo', 'Customer ' || n, 'demo' || n || '@example.com', 'es',
               ST_Project(ST_GeogFromText(:point), 150 * n, radians(n * 37))::geography, true, true,
               CASE WHEN n % 2 = 0 THEN 3 ELSE 0 END,
               CASE WHEN n % 2 = 0 THEN ARRAY[now() - interval '1 day', now() - interval '5 days',
                                              now() - interval '9 days'] ELSE '{}' END
        FROM generate_series(1, 20) n
        ON CONFLICT DO NOTHING"""),
        {"account": account.id, "point": f"SRID=4326;POINT({DEMO_POINT[0]} {DEMO_POINT[1]})"})
    db.session.commit()
    return {"created": True, "store": store.name, "products": len(items), "promo": promo.title,
            "promo_id": str(promo.id)}
