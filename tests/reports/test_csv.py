"""CSV exports: streamed with a BOM, quoted correctly, formulas neutralised, the lists' filters applied."""
import csv
import io

from app.services.csv_safe import unescape_cell
from tests.audience.factories import make_customer


def _rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_campaigns_csv_round_trips_with_their_results(owner_api, sample):
    rows = _rows(owner_api.get("/campaigns/export?format=csv&sort=name"))
    by_name = {unescape_cell(r["name"]): r for r in rows}
    assert set(by_name) == {"Spring sale, \"big\"", "=HYPERLINK(\"http://evil\")", "Quiet ñandú"}
    spring = by_name["Spring sale, \"big\""]
    assert (spring["views"], spring["clicks"], spring["conversions"], spring["spend"]) == ("4000", "120", "12", "200.50")
    assert spring["ctr_percent"] == "3.00" and spring["conversion_rate_percent"] == "10.00"
    assert spring["budget"] == "1000.00" and spring["start_date"] == "2026-03-01T00:00:00Z"
    assert by_name["Quiet ñandú"]["views"] == "0" and by_name["Quiet ñandú"]["ctr_percent"] == ""


def test_a_formula_cell_is_neutralised(owner_api, sample):
    rows = _rows(owner_api.get("/campaigns/export"))
    names = [r["name"] for r in rows]
    assert "'=HYPERLINK(\"http://evil\")" in names and "=HYPERLINK(\"http://evil\")" not in names


def test_campaign_filters_apply_to_the_export(owner_api, sample):
    rows = _rows(owner_api.get("/campaigns/export?channel=email"))
    assert [r["name"] for r in rows] == ["Spring sale, \"big\""]
    assert owner_api.get("/campaigns/export?channel=fax").status_code == 422
    assert owner_api.get("/campaigns/export?format=xls").status_code == 422
    assert owner_api.get("/campaigns/export?sort=nonsense").status_code == 422


def test_customers_csv_with_filters(owner_api, account):
    make_customer(account, first_name="Ana", email="ana@example.com", tags=["vip"], language="es")
    make_customer(account, first_name="+SUM(A1)", email="bob@example.com")
    rows = _rows(owner_api.get("/customers/export?tag=vip"))
    assert [(r["first_name"], r["email"], r["tags"], r["language"]) for r in rows] == [
        ("Ana", "ana@example.com", "vip", "es")]
    every = _rows(owner_api.get("/customers/export"))
    assert "'+SUM(A1)" in {r["first_name"] for r in every}


def test_an_export_is_logged_for_the_audit(owner_api, sample):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ActivityEvent

    owner_api.get("/campaigns/export?channel=email").get_data()
    event = db.session.scalar(select(ActivityEvent).where(ActivityEvent.name == "report.exported"))
    assert event.data == {"kind": "campaigns", "format": "csv", "filters": {"channel": "email", "sort": "-created_at"}}


def test_an_empty_export_is_just_the_header(owner_api):
    response = owner_api.get("/campaigns/export")
    assert _rows(response) == []
    assert response.get_data().decode("utf-8-sig").startswith("id,name,channel")


def test_other_accounts_campaign_messages_are_404(api, owner_api, sample):
    from tests.factories import make_user

    stranger = api.login(make_user(username="stranger"))
    assert stranger.get(f"/campaigns/{sample['spring'].id}/messages/export").status_code == 404
    assert owner_api.get(f"/campaigns/{sample['spring'].id}/messages/export").status_code == 200
