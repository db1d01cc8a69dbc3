"""Campaign pages through the Flask client: list filters, form errors next to fields, detail, lifecycle, admin."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign
from app.services import ads
from tests.campaigns.conftest import add_metrics
from tests.factories import PASSWORD, make_user


@pytest.fixture
def browser_client(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.data[:500]
    return client


FORM = {"name": "Autumn push", "description": "Leaves and deals", "channel": "display", "budget": "250.00",
        "currency": "EUR", "priority": "high", "start_date": "2030-10-01T09:00", "end_date": "2030-10-31T18:00",
        "timezone": "Europe/Madrid", "keywords": "autumn, deals", "age": "25-35", "gender": "all",
        "interests": "coffee, books", "target_locations": "Madrid | -3.7038, 40.4168 | Madrid, España"}


def test_create_from_the_form_then_see_the_detail(browser_client):
    response = browser_client.post("/campaigns/new", data=FORM)
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.name == "Autumn push" and campaign.keywords == ["autumn", "deals"]
    # 09:00 in Madrid (CEST, UTC+2 on 1 October) is 07:00 UTC.
    assert campaign.start_date.isoformat() == "2030-10-01T07:00:00+00:00"
    assert campaign.target_locations == [{"type": "point", "coordinates": [-3.7038, 40.4168], "name": "Madrid",
                                          "address": "Madrid, España"}]
    assert campaign.demographics == {"age": "25-35", "gender": "all", "interests": ["coffee", "books"]}
    page = browser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Autumn push" in page and "Leaves and deals" in page and "No figures yet" in page


def test_form_errors_show_next_to_their_fields_and_nothing_is_saved(browser_client):
    bad = dict(FORM, budget="-3", end_date="2030-09-01T00:00", age="young",
               target_locations="Madrid | nowhere")
    response = browser_client.post("/campaigns/new", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="target_locations-errors"' in html and "Line 1" in html
    assert db.session.scalar(select(Campaign)) is None
    # Fix the locations: now the service's own rules speak, each under its field.
    html = browser_client.post("/campaigns/new", data=dict(bad, target_locations="")).get_data(as_text=True)
    for field in ("budget", "end_date", "age"):
        assert f'id="{field}-errors"' in html, field
    assert db.session.scalar(select(Campaign)) is None


def test_duplicate_name_error_sits_under_the_name(browser_client):
    browser_client.post("/campaigns/new", data=FORM)
    html = browser_client.post("/campaigns/new", data=dict(FORM, name="AUTUMN PUSH")).get_data(as_text=True)
    assert 'id="name-errors"' in html and "already taken" in html


def test_list_filters_search_and_edit(browser_client):
    for name, channel in (("Shoes north", "display"), ("Shoes south", "email"), ("Hats", "display")):
        browser_client.post("/campaigns/new", data=dict(FORM, name=name, channel=channel))
    html = browser_client.get("/campaigns?search=shoes&channel=display").get_data(as_text=True)
    rows = re.findall(r'<tr>\s*<td><a href="/campaigns/[^"]+">([^<]+)</a>', html)
    assert rows == ["Shoes north"]
    hats = db.session.scalar(select(Campaign).where(Campaign.name == "Hats"))
    form = browser_client.get(f"/campaigns/{hats.id}/edit").get_data(as_text=True)
    assert 'value="2030-10-01T09:00"' in form and "Madrid | -3.7038, 40.4168 | Madrid, España" in form
    assert browser_client.post(f"/campaigns/{hats.id}/edit", data=dict(FORM, name="Caps")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, hats.id).name == "Caps"
    assert db.session.get(Campaign, hats.id).start_date.isoformat() == "2030-10-01T07:00:00+00:00"


def test_detail_shows_stats_chart_periods_sites_and_lifecycle(browser_client):
    browser_client.post("/campaigns/new", data=FORM)
    campaign = db.session.scalar(select(Campaign))
    add_metrics(campaign.id, [(date(2024, 1, 1), "a.com", 1000, 30, 5, "3000.00"),
                              (date(2024, 2, 1), "b.com", 250, 15, 3, "2000.00")])
    html = browser_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "<svg" in html and "3.60%" in html and "1,250" in html and "111.11" in html
    assert 'id="periods"' in html and "2024-02" in html and 'id="sites"' in html and "b.com" in html
    response = browser_client.post(f"/campaigns/{campaign.id}/status", data={"new_status": "paused"})
    assert "allowed" in browser_client.get(response.headers["Location"]).get_data(as_text=True)
    browser_client.post(f"/campaigns/{campaign.id}/status", data={"new_status": "active"})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "active"
    refused = browser_client.post(f"/campaigns/{campaign.id}/delete", follow_redirects=True)
    assert "cancel it first" in refused.get_data(as_text=True)


def test_other_accounts_campaign_page_is_404(browser_client, client):
    other = make_user(username="other")
    from app.services import campaigns
    from tests.factories import own_account
    campaign = campaigns.create_campaign(own_account(other), actor=other, name="Secret", budget=5, channel="email")
    assert browser_client.get(f"/campaigns/{campaign.id}").status_code == 404


def test_admin_lists_campaigns(client, owner_api):
    admin = make_user(username="root", role="admin")
    owner_api.post("/campaigns", json={"name": "Seen by admin", "budget": 5, "channel": "email"})
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    html = client.get("/admin/campaign/").get_data(as_text=True)
    assert "Seen by admin" in html


def test_campaign_pages_speak_spanish(client, app):
    user = make_user(username="ana", language="es")
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    html = client.get("/campaigns").get_data(as_text=True)
    assert "Aún no hay campañas" in html and "Nueva campaña" in html
    form = client.get("/campaigns/new").get_data(as_text=True)
    assert "Presupuesto" in form and "Ubicaciones objetivo" in form


def test_detail_shows_the_failed_sync_badge_with_its_error(browser_client, app):
    from app.integrations.amazon_ads import amazon_ads_client
    amazon_ads_client(app.config).inject_faults("400")
    browser_client.post("/campaigns/new", data=dict(FORM, channel="amazon_ads"))
    campaign = db.session.scalar(select(Campaign))
    ads.push_campaign(campaign.id)  # what the queued task runs
    html = browser_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-ads-status="FAILED"' in html and "400 Invalid campaign" in html and "Sync now" in html
    listed = browser_client.get("/campaigns").get_data(as_text=True)
    assert 'data-ads-status="FAILED"' in listed


def test_a_place_chosen_in_the_picker_becomes_a_target_location(browser_client):
    data = dict(FORM, target_place="Málaga, Andalusia, Spain", target_place_lat="36.72016",
                target_place_lon="-4.42034", target_place_id="place.1")
    assert browser_client.post("/campaigns/new", data=data).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.target_locations == [
        {"type": "point", "coordinates": [-3.7038, 40.4168], "name": "Madrid", "address": "Madrid, España"},
        {"type": "point", "coordinates": [-4.42034, 36.72016], "name": "Málaga", "address": "Málaga, Andalusia, Spain"}]


def test_add_without_javascript_looks_the_name_up_and_keeps_the_form_open(browser_client):
    # No script: the picker is a text box and "Add" submits; the typed name is looked up, nothing is saved yet.
    response = browser_client.post("/campaigns/new", data=dict(FORM, target_locations="", target_place="zaragoza",
                                                               target_place_add="1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert db.session.scalar(select(Campaign)) is None
    line = re.search(r'<textarea[^>]*id="target_locations"[^>]*>\s*([^<]+)</textarea>', html).group(1)
    assert line.startswith("Zaragoza | -0.8") and line.endswith("Spain")
    # Saving with the line (as the form now shows it) stores the point.
    assert browser_client.post("/campaigns/new", data=dict(FORM, target_locations=line)).status_code == 302
    (location,) = db.session.scalar(select(Campaign)).target_locations
    assert location["name"] == "Zaragoza" and round(location["coordinates"][1]) == 42


def test_a_place_name_that_matches_nothing_is_an_error_under_the_picker(browser_client):
    response = browser_client.post("/campaigns/new", data=dict(FORM, target_place="Qxzzqy Wvvv"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="target_place-errors"' in html and "No place found" in html
    assert db.session.scalar(select(Campaign)) is None


def test_enter_in_another_field_still_saves_when_the_picker_is_empty(browser_client):
    # "Add" is the form's first submit button, so Enter anywhere submits it: with no place it means "save".
    response = browser_client.post("/campaigns/new", data=dict(FORM, target_place="", target_place_add="1"))
    assert response.status_code == 302 and db.session.scalar(select(Campaign)) is not None


def test_bad_filter_values_in_the_url_are_dropped_or_refused_never_a_500(browser_client, user):
    from tests.factories import own_account
    from app.services import campaigns

    campaigns.create_campaign(own_account(user), actor=user, name="Listed", budget=10, channel="email")
    for query in ("status=bogus", "channel=fax&priority=urgent", "status=bogus&sort=evil&page=abc"):
        response = browser_client.get(f"/campaigns?{query}")
        html = response.get_data(as_text=True)
        # Dropped as an unknown sort is: the whole list, the filter showing "Any status".
        assert response.status_code == 200 and "Listed" in html and "1 in all" in html, query
    refused = browser_client.get("/campaigns?search=a%00b")
    assert refused.status_code == 422 and "NUL characters are not allowed" in refused.get_data(as_text=True)
