"""Reports page in Chromium: download a CSV, ask for a PDF report, watch its progress, download it."""
import pytest

from app.services import campaigns
from tests.factories import make_user, own_account, sign_in_page

pytestmark = pytest.mark.browser


def test_a_marketer_downloads_a_csv_and_a_pdf_report(page, console, screenshot, celery_worker, tmp_path, config):
    config(STORAGE_DIR=str(tmp_path))
    owner = make_user(username="sofia", full_name="Sofía Marín")
    account = own_account(owner)
    for n in range(3):
        campaigns.create_campaign(account, actor=owner, name=f"Autumn {n}", budget=100 + n, channel="email")
    sign_in_page(page, owner)
    page.goto("/reports")
    screenshot("reports-empty")
    page.select_option("#f-channel", "email")
    with page.expect_download() as csv_download:
        page.click("#campaigns-csv")
    text = open(csv_download.value.path(), encoding="utf-8-sig").read()
    assert text.count("Autumn") == 3 and csv_download.value.suggested_filename.startswith("campaigns-")
    page.click("#campaigns-pdf")
    page.wait_for_selector("text=Your PDF report is being drawn")
    screenshot("reports-queued")
    page.wait_for_selector("tr.export[data-status=completed], tr.export[data-status=failed]", timeout=90_000)
    assert page.locator("tr.export[data-status=completed] a").count() == 1, page.inner_text("#exports")
    screenshot("reports-ready")
    with page.expect_download() as pdf_download:
        page.click("tr.export a")
    assert open(pdf_download.value.path(), "rb").read(5) == b"%PDF-"
    with page.expect_download() as promos_download:
        page.click("#promos-csv")
    assert open(promos_download.value.path(), encoding="utf-8-sig").read().startswith("id,title,store")
    # A download ends the navigation that started it: Chromium reports that as an aborted request.
    assert [p for p in console.problems if "ERR_ABORTED" not in p] == []
