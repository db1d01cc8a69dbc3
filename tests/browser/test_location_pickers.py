"""Location pickers inside other domains' forms, in Chromium: campaign targets, a segment's radius, a customer's point."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Customer, Segment
from app.services.customers import location_of
from tests.audience.factories import make_customer
from tests.factories import own_account, sign_in_page as log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def quiet_ads(config):
    config(AMAZON_ADS_ERROR_RATE=0.0, AMAZON_ADS_LATENCY=0.0)


def pick(page, field, typed, has_text):
    page.fill(f"#{field}", typed)
    option = page.locator(f"#{field}-suggestions li", has_text=has_text).first
    option.wait_for()
    return option


def test_campaign_targets_are_added_by_picking_places(page, user, screenshot, quiet_ads):
    log_in(page, user)
    page.goto("/campaigns/new")
    page.fill("#name", "Costa del Sol")
    page.fill("#budget", "300")
    pick(page, "target_place", "malag", "Spain")
    screenshot("picker-campaign-suggestions")
    page.keyboard.press("Enter")  # the highlighted suggestion
    page.click("[data-role=add]")
    expect(page.locator("#target_locations")).to_have_value(re.compile(r"^Málaga \| -4\.4\d*, 36\.7\d* \| Málaga, "))
    expect(page.locator("#target_place")).to_have_value("")
    pick(page, "target_place", "Madird", "Spain").click()  # one typo away
    page.click("[data-role=add]")
    lines = page.input_value("#target_locations").splitlines()
    assert len(lines) == 2 and lines[1].startswith("Madrid | -3.7")
    screenshot("picker-campaign-targets")
    page.click("form.campaign-form button.btn-primary[type=submit]:not([data-role])")
    page.wait_for_url(re.compile(r"/campaigns/[0-9a-f-]{36}$"))
    expect(page.locator(".alert-success")).to_contain_text("Campaign created")
    campaign = db.session.scalar(select(Campaign))
    assert [loc["name"] for loc in campaign.target_locations] == ["Málaga", "Madrid"]
    assert round(campaign.target_locations[0]["coordinates"][1], 1) == 36.7
    assert campaign.target_locations[1]["address"].startswith("Madrid, ")


def test_segment_radius_centre_is_picked_and_counted_live(page, user, screenshot):
    account = own_account(user)
    make_customer(account, location={"type": "point", "coordinates": [-4.42, 36.72]})  # Málaga
    make_customer(account, location={"type": "point", "coordinates": [-4.88, 36.51]})  # Marbella, ~50 km
    make_customer(account, location={"type": "point", "coordinates": [-3.70, 40.41]})  # Madrid
    log_in(page, user)
    page.goto("/segments/new")
    page.fill("#name", "Near Málaga")
    expect(page.locator("#live-count")).to_have_text("3")
    page.select_option("#conditions-0-field", "location")
    pick(page, "conditions-0-place", "malaga", "Spain").click()
    page.fill("#conditions-0-km", "20")
    expect(page.locator("#live-count")).to_have_text("1")
    page.fill("#conditions-0-km", "80")
    expect(page.locator("#live-count")).to_have_text("2")
    screenshot("picker-segment-radius")
    page.click("#segment-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Segment saved")
    expect(page.locator("#segment-preview li")).to_have_count(2)
    # Saved, the radius row keeps the place's name and its distance.
    expect(page.locator("#conditions-0-op")).to_have_value("within_km")
    expect(page.locator("#conditions-0-place")).to_have_value(re.compile(r"^Málaga, "))
    expect(page.locator("#conditions-0-km")).to_have_value("80.0")
    screenshot("picker-segment-saved")
    (condition,) = db.session.scalar(select(Segment)).rules["conditions"]
    assert condition["value"]["km"] == 80.0 and condition["value"]["name"].startswith("Málaga, ")


def test_customer_place_fills_latitude_and_longitude(page, user, screenshot):
    log_in(page, user)
    page.goto("/customers/new")
    page.fill("#first_name", "Eva")
    page.fill("#email", "eva@example.com")
    pick(page, "place", "zarago", "Spain").click()
    expect(page.locator("#latitude")).to_have_value(re.compile(r"^41\.6"))
    expect(page.locator("#longitude")).to_have_value(re.compile(r"^-0\.8"))
    screenshot("picker-customer")
    page.click("#customer-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Customer added")
    lon, lat = location_of(db.session.scalar(select(Customer)))["coordinates"]
    assert round(lat, 1) == 41.7 and round(lon, 1) == -0.9
