"""What every page shares: a favicon, errors in the reader's language, settings a store in Spain needs."""
import uuid

from app.extensions import db
from app.models import Account, Customer
from app.services import customers
from tests.factories import add_member, make_user, own_account, sign_in


def test_the_favicon_is_served_and_every_page_links_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert client.get("/static/favicon.ico").status_code == 200
    assert 'rel="icon" href="/static/favicon.ico"' in client.get("/login").get_data(as_text=True)


def test_error_pages_speak_the_readers_language(client):
    user = make_user(username="lucia", language="es")
    sign_in(client, user)
    html = client.get(f"/campaigns/{uuid.uuid4()}").get_data(as_text=True)
    assert "No encontrado" in html and "Volver al panel" in html
    assert "not found" not in html.lower()
    english = make_user(username="ann")
    sign_in(client, english)
    html = client.get(f"/campaigns/{uuid.uuid4()}").get_data(as_text=True)
    assert "Not found" in html and "Campaign with id" in html  # English readers also get the service's words


def test_the_add_member_error_is_in_spanish_on_a_spanish_page(client):
    owner = make_user(username="lucia", language="es")
    colleague = make_user(username="marco")
    add_member(own_account(owner), colleague, "editor")
    sign_in(client, owner)
    html = client.post("/settings/invitations", data={"invite-email": colleague.email, "invite-role": "viewer"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Esta persona ya es miembro" in html and "already a member" not in html


def test_settings_set_country_currency_and_time_zone_and_the_country_reads_phone_numbers(client):
    owner = make_user(username="lucia")
    account = own_account(owner)
    sign_in(client, owner)
    html = client.get("/settings").get_data(as_text=True)
    assert 'name="account-default_region"' in html and 'name="account-currency"' in html
    response = client.post("/settings/account", data={
        "account-name": account.name, "account-default_region": "ES", "account-currency": "EUR",
        "account-timezone": "Europe/Madrid", "account-language": "es"})
    assert response.status_code == 302
    db.session.expire_all()
    account = db.session.get(Account, account.id)
    assert (account.default_region, account.currency, account.timezone) == ("ES", "EUR", "Europe/Madrid")
    # A Spanish mobile written the way people in Spain write it.
    customer = customers.create_customer(account, actor=owner, email="eva@example.com", phone="612 345 678")
    assert db.session.get(Customer, customer.id).phone == "+34612345678"
    # New campaigns start in the account's currency.
    assert '<option selected value="EUR">' in client.get("/campaigns/new").get_data(as_text=True)
    bad = client.post("/settings/account", data={"account-name": account.name, "account-default_region": "XX",
                                                 "account-currency": "ZZZ", "account-timezone": "Europe/Madrid",
                                                 "account-language": "es"}, follow_redirects=True)
    assert "Not a valid choice" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, account.id).default_region == "ES"


def test_the_accounts_country_and_currency_through_the_api(owner_api, user):
    account = own_account(user)
    response = owner_api.patch(f"/accounts/{account.id}", json={"default_region": "es", "currency": "eur"})
    assert response.status_code == 200 and (response.json["default_region"], response.json["currency"]) == ("ES", "EUR")
    bad = owner_api.patch(f"/accounts/{account.id}", json={"default_region": "XX", "currency": "ABC"})
    assert bad.status_code == 422 and set(bad.json["details"]) == {"default_region", "currency"}
    # A campaign created without a currency takes the account's.
    created = owner_api.post("/campaigns", json={"name": "Rebajas", "budget": 100, "channel": "display"})
    assert created.status_code == 201 and created.json["currency"] == "EUR"
