"""Flash promo results as CSV: stock, live holds, sales and revenue per promo, filtered like the promo list."""
import csv
import io

from app.services import reservations
from tests.factories import make_user
from tests.promos.factories import make_customer, make_promo


def _rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_promo_results_count_holds_sales_and_revenue(owner_api, account):
    promo = make_promo(account, stock=20, title="Café 2x1", promo_price="7.50", max_per_customer=5)
    buyer, holder = make_customer(account), make_customer(account)
    sold = reservations.hold_stock(account, promo_id=promo.id, customer_id=buyer.id, quantity=3)
    reservations.checkout(account, sold.token)
    reservations.hold_stock(account, promo_id=promo.id, customer_id=holder.id, quantity=2)
    rows = _rows(owner_api.get("/promos/export"))
    assert len(rows) == 1
    row = rows[0]
    assert (row["title"], row["status"], row["promo_price"]) == ("Café 2x1", "active", "7.50")
    assert row["held_now"] == "2" and row["confirmed_units"] == "3" and row["revenue"] == "22.50"
    assert row["stock_left"] == "15"
    assert _rows(owner_api.get("/promos/export?status=scheduled")) == []
    assert owner_api.get("/promos/export?status=someday").status_code == 422


def test_another_accounts_promos_are_not_exported(api, owner_api, account):
    make_promo(account, title="Ours")
    stranger = api.login(make_user(username="stranger"))
    assert _rows(stranger.get("/promos/export")) == []
