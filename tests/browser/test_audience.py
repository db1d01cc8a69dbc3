"""Audience pages in Chromium: the customers table, the import wizard with live progress, the segment builder."""
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Customer
from tests.audience.factories import make_customer
from tests.factories import PASSWORD, own_account

pytestmark = [pytest.mark.browser]


def sign_in(page, user):
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_customers_table_filters_and_bulk_tagging(page, user, screenshot):
    account = own_account(user)
    for i, (name, lang, tags) in enumerate([("Ana López", "es", ["vip"]), ("Bob Brown", "en", []),
                                            ("Carla Cruz", "es", ["newsletter"])]):
        first, last = name.split()
        make_customer(account, first_name=first, last_name=last, language=lang, tags=tags,
                      consent={"email": i != 1, "whatsapp": i == 2 or None})
    sign_in(page, user)
    page.click("text=Audience")
    expect(page.locator("#customers-table tbody tr")).to_have_count(3)
    page.select_option("#language", "es")
    page.click("text=Filter")
    expect(page.locator("#customers-table tbody tr")).to_have_count(2)
    page.check("[data-check-all]")
    page.fill("#add", "spring")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Tags changed on 2 customers")
    screenshot("audience-customers")
    assert db.session.query(Customer).filter(Customer.tags.contains(["spring"])).count() == 2


def test_import_wizard_maps_columns_shows_progress_and_offers_rejected_rows(page, user, celery_worker, screenshot,
                                                                            config, tmp_path):
    config(IMPORT_BATCH_SIZE=100, STORAGE_DIR=str(tmp_path / "storage"))
    rows = ["Correo electrónico;Nombre;Teléfono;Idioma;Acepta email"]
    rows += [f"persona{i}@ejemplo.es;Persona {i};;es;sí" for i in range(1500)]
    rows += ["esto-no-es-un-correo;Mal;;es;sí", "persona1@ejemplo.es;Repetida;;es;no"]
    path = tmp_path / "clientes.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("latin-1", errors="replace"))
    sign_in(page, user)
    page.goto("/customers/import")
    page.set_input_files("#file", str(path))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#mapping-form")).to_be_visible()
    expect(page.locator("select[name=map-0]")).to_have_value("email")
    expect(page.locator("select[name=map-4]")).to_have_value("consent_email")
    page.fill("#tags", "feria")
    screenshot("audience-import-mapping")
    page.click("#mapping-form button[type=submit]")
    expect(page.locator("#import-progress")).to_be_visible()
    # The page polls the status URL and reloads itself when the import is done.
    expect(page.locator("#import-counts")).to_contain_text("1,500", timeout=60_000)  # in the reader's language
    expect(page.locator(".progress-bar")).to_have_text("100%")
    expect(page.locator("#rejected-rows")).to_contain_text("Duplicate of line 3")
    screenshot("audience-import-done")
    with page.expect_download() as download:
        page.click("text=Download rejected rows (CSV)")
    content = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert content[0].startswith("line,reason,") and len(content) == 3


def test_segment_builder_speaks_words_fits_operators_and_counts_live(page, user, screenshot):
    account = own_account(user)
    make_customer(account, language="es", tags=["vip"], location={"type": "point", "coordinates": [-3.70, 40.41]})
    make_customer(account, language="es", tags=["vip"], location={"type": "point", "coordinates": [-4.02, 39.86]})
    make_customer(account, language="en", tags=["vip"])
    sign_in(page, user)
    page.goto("/segments")
    page.click("text=Build a segment")
    page.fill("#name", "VIPs near Madrid")
    # One row to start with; the fields and operators are words, and only the operators that fit the field.
    expect(page.locator("tr.rule-row:visible")).to_have_count(1)
    page.select_option("#conditions-0-field", label="Tags")
    ops = page.locator("#conditions-0-op option").all_inner_texts()
    assert ops == ["include", "do not include", "include any of", "include all of", "are set"]
    page.select_option("#conditions-0-op", label="include")
    page.fill("#conditions-0-value", "vip")
    expect(page.locator("#live-count")).to_have_text("3")

    page.click("text=Add a condition")
    page.select_option("#conditions-1-field", label="Orders")
    assert "include" not in page.locator("#conditions-1-op option").all_inner_texts()
    page.select_option("#conditions-1-op", label="is at least")
    page.fill("#conditions-1-value", "many")
    expect(page.locator("#live-count-error")).to_have_text("Condition 2: value must be a number.")
    page.click("tr.rule-row[data-row='1'] [data-remove-row]")
    expect(page.locator("tr.rule-row:visible")).to_have_count(1)
    expect(page.locator("#live-count")).to_have_text("3")

    # A distance row: a place picked by name and the km.
    page.click("text=Add a condition")
    page.select_option("#conditions-1-field", label="Location")
    expect(page.locator("#conditions-1-op")).to_have_value("within_km")
    expect(page.locator("#conditions-1-value")).to_be_hidden()
    page.fill("#conditions-1-place", "madrid")
    page.locator("#conditions-1-place-suggestions li", has_text="Spain").first.click()
    page.fill("#conditions-1-km", "10")
    expect(page.locator("#live-count")).to_have_text("1")
    page.fill("#conditions-1-km", "100")
    expect(page.locator("#live-count")).to_have_text("2")
    screenshot("segment-builder")
    page.click("#segment-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Segment saved")
    expect(page.locator("#segment-preview li")).to_have_count(2)
    # Read back: the row keeps the place's name, not bare coordinates.
    expect(page.locator("#conditions-1-place")).to_have_value(re.compile(r"^Madrid, .*Spain$"))
    expect(page.locator("#conditions-1-km")).to_have_value("100.0")
    expect(page.locator("#live-count")).to_have_text("2")
    screenshot("segment-builder-saved")
