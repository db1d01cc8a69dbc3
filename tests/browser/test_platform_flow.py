"""A new user in a real browser: sign up, log out, log in, dashboard, profile, log out."""
import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_signup_login_dashboard_profile_logout(page, screenshot):
    page.goto("/signup")
    page.fill("#username", "x")
    page.fill("#email", "not-an-email")
    page.fill("#password", "123")
    page.click("button[type=submit]")
    assert page.locator(".invalid-feedback").count() >= 2
    screenshot("signup-errors")

    page.fill("#username", "lucia")
    page.fill("#email", "lucia@example.com")
    page.fill("#full_name", "Lucía Gómez")
    page.fill("#account_name", "Lucía's Corner Store")
    page.select_option("#role", "store_owner")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Lucía's Corner Store"
    assert page.locator(".stat-value").first.inner_text() == "1"
    screenshot("dashboard")

    page.click("text=Log out")
    page.wait_for_url("**/login")
    page.fill("#username", "lucia@example.com")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert "Invalid username or password" in page.locator(".invalid-feedback").inner_text()
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert "Lucía Gómez signed up" in page.locator("table").inner_text()  # activity in words, not codes

    page.click(".user-name")
    page.wait_for_url("**/profile")
    page.select_option("#profile-language", "es")
    page.select_option("#profile-timezone", "America/Bogota")
    page.click("text=Save profile")
    assert page.locator(".alert-success").inner_text() == "Perfil guardado."
    screenshot("profile-es")

    page.click("text=Cerrar sesión")
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url


def test_agency_switches_between_client_accounts(page, screenshot, app):
    from tests.factories import make_user

    make_user(username="agency", role="agency", full_name="Brightside")
    page.goto("/login")
    page.fill("#username", "agency")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("text=Settings")
    page.fill("#client-name", "Café Aroma")
    page.click("text=Create client account")
    assert page.locator("#account-switcher option:checked").inner_text() == "Café Aroma"
    screenshot("settings-agency")
    page.select_option("#account-switcher", label="Brightside")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Brightside"
    screenshot("dashboard-agency")
