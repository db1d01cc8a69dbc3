"""The place finder in Chromium: suggestions while typing, choosing one, distance and reverse."""
import pytest

from tests.factories import sign_in_page as login

pytestmark = pytest.mark.browser



def test_place_finder_suggests_picks_and_measures(page, user, screenshot):
    login(page, user)
    page.goto("/geo")
    page.fill("#place", "malag")
    suggestions = page.locator("#place-suggestions li")
    suggestions.first.wait_for()
    assert "Málaga, Andalusia, Spain" in suggestions.first.inner_text() or "Málaga" in suggestions.first.inner_text()
    screenshot("geo_picker_suggestions")
    page.keyboard.press("Enter")
    details = page.locator("[data-location-details-for=place]")
    details.wait_for(state="visible")
    assert "Málaga" in details.inner_text() and "36.72" in details.inner_text()
    assert page.input_value("input[name=place_lat]").startswith("36.72")

    page.fill("#from", "Madird")  # one typo away
    page.locator("#from-suggestions li", has_text="Spain").first.click()
    page.fill("#to", "valencia")
    page.locator("#to-suggestions li", has_text="Spain").first.click()
    assert page.input_value("input[name=to_lon]").startswith("-0.3")
    page.click("#distance button[type=submit]")
    page.locator(".geo-distance").wait_for()
    assert "km" in page.inner_text(".geo-distance")
    assert page.input_value("#from").startswith("Madrid")  # the choice survives the round trip

    page.fill("#latitude", "40.4168")
    page.fill("#longitude", "-3.7038")
    page.click("#here button[type=submit]")
    page.locator("#here .geo-result").wait_for()
    assert "Madrid" in page.inner_text("#here .geo-result")
    assert "km" in page.inner_text(".geo-distance")  # the distance answer is kept
    screenshot("geo_place_finder")
