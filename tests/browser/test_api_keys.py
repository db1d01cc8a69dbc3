"""API keys settings page in Chromium: make a key (shown once), see it used, revoke it."""
import pytest

from tests.factories import make_user, sign_in_page

pytestmark = pytest.mark.browser


def test_an_owner_makes_a_key_uses_it_and_revokes_it(page, console, screenshot, client):
    owner = make_user(username="ines", full_name="Inés Gil")
    sign_in_page(page, owner)
    page.goto("/settings/api-keys")
    screenshot("api-keys-empty")
    page.fill("input[name=name]", "BI dashboard")
    page.select_option("select[name=scope]", "read")
    page.click("#new-api-key button[type=submit]")
    key = page.inner_text("#new-key .key-value")
    assert key.startswith("chk_")
    screenshot("api-keys-created")
    assert client.get("/api/v1/campaigns", headers={"X-API-Key": key}).status_code == 200
    page.goto("/settings/api-keys")
    assert page.locator("#new-key").count() == 0  # shown once
    assert "Never" not in page.inner_text("tr.api-key")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("tr.api-key button")
    page.wait_for_selector("text=API key revoked")
    screenshot("api-keys-revoked")
    assert client.get("/api/v1/campaigns", headers={"X-API-Key": key}).status_code == 401
    assert console.problems == []
