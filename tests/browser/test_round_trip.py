"""Every form round-trips: open it, save it unchanged, and nothing changes (and no error is shown)."""
import pytest
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.models import Account, Campaign, Customer, MediaFile, User
from app.services import accounts, campaign_media, segments
from app.services.customers import location_of
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account, sign_in_page

pytestmark = pytest.mark.browser
SKIP = {"updated_at", "created_at", "last_login", "password_hash", "token_version"}


def snapshot(row) -> dict:
    db.session.expire_all()
    row = db.session.get(type(row), row.id)
    return {c.key: getattr(row, c.key) for c in sa_inspect(type(row)).mapper.column_attrs if c.key not in SKIP}


def save_unchanged(page, console, path: str, button: str, done: str) -> None:
    page.goto(path)
    assert page.locator(".is-invalid").count() == 0
    page.click(button)
    page.wait_for_selector(f"text={done}")
    assert page.locator(".alert-danger, .is-invalid").count() == 0, page.inner_text("main")[:1500]
    assert console.problems == []


@pytest.fixture
def owner(app):
    user = make_user(username="lucia", full_name="Lucía Pérez", language="es", timezone="Europe/Madrid")
    accounts.update_account(own_account(user), actor=user, default_region="ES", currency="EUR",
                            timezone="Europe/Madrid")
    return user


def test_a_customer_with_tags_location_and_consent_saves_unchanged(page, console, screenshot, owner):
    customer = make_customer(own_account(owner), first_name="Ana", last_name="López", phone="612 345 678",
                             language="es", timezone="Europe/Madrid", city="Valencia", country="ES",
                             tags=["newsletter", "vip"], consent={"email": True, "whatsapp": False},
                             location={"type": "point", "coordinates": [-0.37739, 39.46975]})
    before, point = snapshot(customer), location_of(customer)
    sign_in_page(page, owner)
    page.goto(f"/customers/{customer.id}")
    assert page.input_value("#tags") == "newsletter, vip"
    screenshot("customer-form")
    save_unchanged(page, console, f"/customers/{customer.id}", "#customer-form button[type=submit]", "Cliente guardado")
    after = snapshot(customer)
    assert {k: v for k, v in after.items() if k != "location"} == {k: v for k, v in before.items() if k != "location"}
    assert location_of(db.session.get(Customer, customer.id)) == point


def test_a_campaign_with_every_field_and_its_media_saves_unchanged(page, console, screenshot, owner, make_media):
    account = own_account(owner)
    banner = make_media(account, owner, "banner.jpg")
    make_media(account, owner, "other.jpg")
    campaign = campaign_media.create_campaign(
        account, actor=owner, media_ids=[banner.id], name="Rebajas de verano", description="Todo al 50 %",
        channel="display", budget="1500.50", currency="EUR", priority="high", timezone="Europe/Madrid",
        start_date="2030-07-01T07:00:00Z", end_date="2030-07-31T20:30:00Z", keywords="sandalias, verano",
        demographics={"age": "25-35", "gender": "female", "interests": ["moda", "playa"]},
        target_locations=[{"type": "point", "coordinates": [-0.37739, 39.46975], "name": "Valencia",
                           "address": "Valencia, Comunidad Valenciana, España"},
                          {"type": "point", "coordinates": [-3.70379, 40.41678], "name": "Madrid"}])
    before = snapshot(campaign)
    sign_in_page(page, owner)
    page.goto(f"/campaigns/{campaign.id}/edit")
    assert page.is_checked(f"input[name=media_files][value='{banner.id}']")
    screenshot("campaign-form-media")
    save_unchanged(page, console, f"/campaigns/{campaign.id}/edit", "form.campaign-form button.btn-primary:not([data-role])",
                   "Campaña guardada")
    assert snapshot(campaign) == before
    assert db.session.get(MediaFile, banner.id).campaign_id == campaign.id
    screenshot("campaign-detail-media")


def test_a_segment_with_every_kind_of_row_saves_unchanged(page, console, owner):
    rules = {"match": "any", "conditions": [
        {"field": "tags", "op": "in", "value": ["vip", "newsletter"]},
        {"field": "language", "op": "eq", "value": "es"},
        {"field": "consent.email", "op": "eq", "value": "granted"},
        {"field": "behaviour", "op": "ne", "value": "new"},
        {"field": "orders_count", "op": "gte", "value": 3},
        {"field": "last_order_at", "op": "within_days", "value": 30},
        {"field": "phone", "op": "exists", "value": True},
        {"field": "attributes.plan", "op": "eq", "value": "gold"},
        {"field": "location", "op": "within_km",
         "value": {"point": [-0.37739, 39.46975], "km": 25.0, "name": "Valencia, Comunidad Valenciana, España"}}]}
    segment = segments.create_segment(own_account(owner), actor=owner, name="Todos", description="Prueba", rules=rules)
    before = snapshot(segment)
    sign_in_page(page, owner)
    save_unchanged(page, console, f"/segments/{segment.id}", "#segment-form button[type=submit]", "Segmento guardado")
    assert snapshot(segment) == before


def test_account_settings_and_the_profile_save_unchanged(page, console, screenshot, owner):
    account, user = own_account(owner), owner
    before_account, before_user = snapshot(account), snapshot(user)
    sign_in_page(page, owner)
    page.goto("/settings")
    assert page.input_value("#account-default_region") == "ES" and page.input_value("#account-currency") == "EUR"
    screenshot("settings")
    save_unchanged(page, console, "/settings", "form[action$='/settings/account'] button[type=submit]",
                   "Ajustes de la cuenta guardados")
    assert snapshot(db.session.get(Account, account.id)) == before_account
    save_unchanged(page, console, "/profile", "form:has(#profile-email) button[type=submit]",
                   "Perfil guardado")
    assert snapshot(db.session.get(User, user.id)) == before_user
    screenshot("profile")


def test_the_media_library_attach_form_saves_unchanged(page, console, owner, make_media):
    account = own_account(owner)
    campaign = campaign_media.create_campaign(account, actor=owner, media_ids=[], name="Otoño", budget=10,
                                              channel="display")
    item = make_media(account, owner, "logo.png")
    campaign_media.attach_file(item, actor=owner, campaign_id=campaign.id)
    before, listed = snapshot(item), list(db.session.get(Campaign, campaign.id).media_files)
    sign_in_page(page, owner)
    save_unchanged(page, console, "/media", ".media-attach button", "Archivo vinculado a la campaña")
    assert snapshot(item) == before and db.session.get(Campaign, campaign.id).media_files == listed
