"""Promos in Flask-Admin (read-only, tokens never listed) and on the dashboard."""
from app.services import reservations
from tests.factories import make_user, own_account, sign_in
from tests.promos.factories import make_customer, make_promo


def test_admin_lists_promos_holds_and_notifications_read_only_without_tokens(client, user):
    account = own_account(user)
    promo = make_promo(account, stock=5)
    hold = reservations.reserve_stock(promo, customer=make_customer(account), quantity=1)
    admin = make_user(username="root", role="admin")
    sign_in(client, admin)
    for table in ("products", "stores", "store_products", "promos", "reservations", "notification_logs"):
        answer = client.get(f"/admin/promos_{table}/")
        assert answer.status_code == 200, table
    holds = client.get("/admin/promos_reservations/").get_data(as_text=True)
    assert hold.token not in holds
    # Read-only: Flask-Admin sends an edit of a view that cannot edit back to the list.
    assert client.get(f"/admin/promos_promos/edit/?id={promo.id}").status_code == 302


def test_the_dashboard_counts_active_promos(client, user):
    make_promo(own_account(user))
    sign_in(client, user)
    page = client.get("/").get_data(as_text=True)
    assert "Active promos" in page
