"""Flash promos in Chromium: a store placed with the location picker, products and stock, the scheduler in the
store's time zone with who would be notified, a promo's page, and the live board refreshing itself."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import FlashPromo, Store, StoreProduct
from app.services import reservations
from tests.browser.conftest import ConsoleWatch
from tests.factories import own_account, sign_in_page as log_in
from tests.promos.factories import make_customer, make_promo, make_stock, make_store, point_at

pytestmark = pytest.mark.browser


def test_a_store_is_placed_with_the_picker_and_stocked(page, user, screenshot):
    console = ConsoleWatch(page)
    log_in(page, user)
    page.goto("/promos/stores")
    page.fill("#name", "Centro")
    page.fill("#address", "Cra. 7 #11-10")
    page.fill("#place", "bogot")
    page.locator("#place-suggestions li", has_text="Colombia").first.click()
    page.select_option("#timezone", "America/Bogota")
    screenshot("promos-store-form")
    page.click("#store-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Centro")
    expect(page.locator("#stores")).to_contain_text("America/Bogota")
    store = db.session.scalar(select(Store))
    assert store.timezone == "America/Bogota"
    page.goto("/promos/stock")
    page.fill("#sku", "CAF-250")
    page.fill("#price", "9.90")
    page.fill("#product-form #name", "Colombian coffee")
    page.click("#product-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Product added")
    page.select_option("#store_id", label="Centro")
    page.fill("#stock", "40")
    page.click("#stock-form button[type=submit]")
    expect(page.locator("#stock [data-field=stock]")).to_have_text("40")
    row = page.locator("#stock tbody tr").first
    row.locator("input[name=delta]").fill("-5")
    row.locator("input[name=reason]").fill("broken")
    row.locator("button").click()
    expect(page.locator("#stock [data-field=stock]")).to_have_text("35")
    screenshot("promos-stock")
    assert db.session.scalar(select(StoreProduct.stock)) == 35
    assert console.problems == []


def test_the_scheduler_counts_who_would_be_notified_and_schedules_in_the_stores_zone(page, user, screenshot):
    account = own_account(user)
    store = make_store(account, name="Centro")
    make_stock(account, store=store, sku="CAF-250", price="10.00")
    for metres in (300, 900, 1500, 2500):
        make_customer(account, at=point_at(metres))
    console = ConsoleWatch(page)
    log_in(page, user)
    page.goto("/promos/new")
    tomorrow = (datetime.now(ZoneInfo("America/Bogota")) + timedelta(days=1)).replace(hour=10, minute=0)
    page.fill("#title", "Coffee flash sale")
    page.fill("#discount_percent", "30")
    page.fill("#starts_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends_at", (tomorrow + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button[name=preview]")
    expect(page.locator("#audience-preview [data-field=total]")).to_have_text("3")
    expect(page.locator("#audience-preview [data-within='1000']")).to_have_text("2")
    screenshot("promos-scheduler-preview")
    page.click("#promo-form button.btn-primary")
    page.wait_for_url(re.compile(r"/promos/[0-9a-f-]{36}$"))
    expect(page.locator(".alert-success")).to_contain_text("Promo scheduled")
    promo = db.session.scalar(select(FlashPromo))
    assert promo.starts_at.astimezone(ZoneInfo("America/Bogota")).hour == 10
    assert str(promo.promo_price) == "7.00"
    expect(page.locator("#promo-facts")).to_contain_text("Centro")
    screenshot("promos-detail")
    assert console.problems == []


def test_the_board_refreshes_itself_when_a_hold_is_taken(page, user, screenshot):
    account = own_account(user)
    promo = make_promo(account, stock=20, max_per_customer=5, title="Arepas")
    customer = make_customer(account, at=point_at(200))
    console = ConsoleWatch(page)
    log_in(page, user)
    page.goto("/promos")
    row = page.locator(f"tr[data-promo-id='{promo.id}']")
    expect(row.locator("[data-field=held]")).to_have_text("0")
    reservations.reserve_stock(db.session.get(FlashPromo, promo.id), customer=customer, quantity=3)
    expect(row.locator("[data-field=held]")).to_have_text("3", timeout=12_000)
    expect(row.locator("[data-field=stock]")).to_have_text("17")
    expect(row.locator("[data-field=status]")).to_have_text("active")
    screenshot("promos-board")
    assert console.problems == []
