"""What the campaign pages say: the sync state as it is, a chart that reads with one day, words per channel."""
import re
from datetime import date

from sqlalchemy import select

from app.blueprints.campaigns.chart import daily_chart
from app.extensions import db
from app.models import Campaign
from app.services import ads, campaigns
from tests.campaigns.conftest import add_metrics
from tests.factories import make_user, own_account, sign_in


def test_a_draft_amazon_campaign_is_not_shown_as_running(client, app):
    user = make_user(username="lucia")
    campaign = campaigns.create_campaign(own_account(user), actor=user, name="Prime", budget=100)
    ads.push_campaign(campaign.id)  # what the queued task runs
    assert db.session.get(Campaign, campaign.id).ads_status in ("ACTIVE", "PROCESSING")  # Amazon's word
    sign_in(client, user)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    badge = re.search(r'class="badge[^"]*ads-badge"[^>]*>([^<]*)<', html).group(1)
    assert "ready, not running" in badge and "ACTIVE" not in badge and "running in" not in html.lower()
    assert "nothing runs, is spent or is synced until you start the campaign" in html
    # Nor are figures pulled for it while it is a draft.
    ads.refresh_statuses()
    assert client.get(f"/campaigns/{campaign.id}").get_data(as_text=True).count("No figures yet") == 1

    campaigns.change_status(db.session.get(Campaign, campaign.id), actor=user, new_status="active")
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert re.search(r"Amazon Ads · (running|in review) · AMZ-\d{5}", html)


def test_the_empty_chart_speaks_of_the_campaigns_channel(client):
    user = make_user(username="lucia")
    display = campaigns.create_campaign(own_account(user), actor=user, name="Banners", budget=10, channel="display")
    sign_in(client, user)
    html = client.get(f"/campaigns/{display.id}").get_data(as_text=True)
    assert "No figures recorded for this Display campaign yet" in html and "Amazon Ads" not in html


def test_an_email_campaign_shows_its_messages_not_views_and_spend(client):
    user = make_user(username="lucia")
    email = campaigns.create_campaign(own_account(user), actor=user, name="Newsletter", budget=10, channel="email")
    sign_in(client, user)
    html = client.get(f"/campaigns/{email.id}").get_data(as_text=True)
    assert 'id="message-figures"' in html and "Not sent or scheduled yet." in html
    assert "Total spent" not in html and "Daily performance" not in html


def test_one_day_of_figures_draws_a_bar_of_a_bars_width_and_a_clicks_dot(app):
    with app.test_request_context():
        svg = str(daily_chart([(date(2030, 7, 10), 1200, 34, 12.5)], "EUR"))
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="[\d.]+" '
                                           r'fill="#93c5fd"><title>', svg)]
    assert len(widths) == 7 and max(widths) <= 36  # a week's axis: the day with figures and six before it
    assert '<circle' in svg and "34 clicks" in svg and "€12.50" in svg
    assert ">10 Jul<" in svg and "Clicks (right axis)" in svg


def test_chart_legend_numbers_and_times_follow_the_readers_language_and_zone(client):
    user = make_user(username="lucia", language="es", timezone="Europe/Madrid")
    campaign = campaigns.create_campaign(own_account(user), actor=user, name="Verano", budget=1500, currency="EUR",
                                         channel="display", start_date="2030-07-10T07:00:00Z")
    add_metrics(campaign, [(date(2030, 7, 10), "web", 12345, 300, 7, 98.5)])
    sign_in(client, user)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "1.500,00\xa0€" in html and "12.345" in html and "Impresiones (eje izquierdo)" in html
    assert "10/7/30, 9:00 CEST" in html  # 07:00 UTC is 09:00 in Madrid in July, and the page says so
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "1.500,00\xa0€" in listing and re.search(r"\d{1,2}:\d{2} (CET|CEST)", listing)


def test_a_date_error_names_the_field_by_its_label(client):
    user = make_user(username="lucia")
    sign_in(client, user)
    html = client.post("/campaigns/new", data={"name": "X", "budget": "10", "channel": "display", "currency": "USD",
                                               "priority": "medium", "timezone": "UTC", "gender": "",
                                               "start_date": "2030-07-10T09:00", "end_date": "2030-07-01T09:00"},
                       ).get_data(as_text=True)
    assert "Must be after “Start date”" in html and "start_date" not in html.split('id="end_date-errors"')[1][:80]
    assert "One field needs a change" in html
    assert db.session.scalar(select(Campaign)) is None
