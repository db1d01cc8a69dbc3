"""Every page of the sidebar and every form, with the browser console watched: no CSP violation, no failed resource."""
import io
import re

import pytest

from app.services import accounts, ai_content, ai_suggestions, campaign_media, imports, segments
from tests.ai.factories import make_product
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def store(app, make_media):
    user = make_user(username="lucia", full_name="Lucía Pérez", language="es", timezone="Europe/Madrid")
    account = own_account(user)
    accounts.update_account(account, actor=user, default_region="ES", currency="EUR")
    image = make_media(account, user, "banner.jpg")
    campaign = campaign_media.create_campaign(account, actor=user, media_ids=[image.id], name="Verano",
                                              budget=100, channel="display")
    customer = make_customer(account, first_name="Ana", tags=["vip"])
    segment = segments.create_segment(account, actor=user, name="Vips", rules={"match": "all", "conditions": [
        {"field": "tags", "op": "contains", "value": "vip"}]})
    job = imports.create_import(account, actor=user, stream=io.BytesIO(b"email,first_name\na@example.com,A\n"),
                                filename="lista.csv", start=False)
    product = make_product(account)
    ai_content.generate_product_content(product, actor=user, channels=["social", "email"], languages=["es"])
    ai_suggestions.generate_suggestions(campaign, actor=user, language="es")
    return {"user": user, "campaign": campaign, "customer": customer, "segment": segment, "job": job,
            "product": product}


def test_no_page_reports_a_problem_in_the_console(page, console, screenshot, store):
    sign_in_page(page, store["user"])
    paths = ["/", "/campaigns", "/campaigns/new", f"/campaigns/{store['campaign'].id}",
             f"/campaigns/{store['campaign'].id}/edit", "/customers", "/customers/new",
             f"/customers/{store['customer'].id}", "/segments", "/segments/new", f"/segments/{store['segment'].id}",
             "/customers/import", f"/imports/{store['job'].id}", "/media", "/geo", "/settings", "/profile",
             "/promos", "/promos/new", "/promos/stores", "/promos/stock",
             "/content", f"/content/products/{store['product'].id}", f"/campaigns/{store['campaign'].id}/suggestions",
             "/messages", "/reports", "/logs", "/audit", "/settings/api-keys", "/settings/webhooks"]
    visited = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        visited.append(path)
        name = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "id", path).strip("/").replace("/", "-") or "dashboard"
        screenshot(f"page-{name}")
    # Every sidebar entry was among them.
    sidebar = page.eval_on_selector_all(".sidebar a.nav-item", "links => links.map(a => new URL(a.href).pathname)")
    assert set(sidebar) <= set(visited), sidebar
    # What scripts fetch: place suggestions and a live count.
    page.goto("/segments/new")
    page.fill("#conditions-0-value", "vip")
    page.wait_for_load_state("networkidle")
    page.goto("/geo")
    page.fill("#place", "valen")
    page.locator("#place-suggestions li").first.wait_for()
    assert console.problems == []
