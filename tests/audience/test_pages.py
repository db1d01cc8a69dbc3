"""Audience pages without a browser: lists, forms, the wizard steps, the builder's count, tenancy."""
import io

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, ImportJob, Segment
from app.services import imports
from tests.audience.factories import finished_import, make_customer
from tests.factories import add_member, make_user, own_account, sign_in as login



def test_customer_list_filters_and_bulk_tags(client, user):
    account = own_account(user)
    a = make_customer(account, first_name="Ana", language="es")
    make_customer(account, first_name="Bob", language="en")
    login(client, user)
    page = client.get("/customers?language=es").get_data(as_text=True)
    assert "Ana" in page and "Bob" not in page
    response = client.post("/customers/tags?language=es", data={"add": "vip", "remove": "", "scope": "selected",
                                                                 "customer_ids": [str(a.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert a.tags == ["vip"]
    client.post("/customers/tags", data={"add": "all", "scope": "all"})
    assert all("all" in c.tags for c in db.session.scalars(select(Customer)))


def test_customer_form_creates_edits_and_shows_errors_next_to_fields(client, user):
    login(client, user)
    bad = client.post("/customers/new", data={"email": "nope", "language": "en", "timezone": ""})
    assert bad.status_code == 200 and "invalid-feedback" in bad.get_data(as_text=True)
    ok = client.post("/customers/new", data={"first_name": "Eva", "email": "Eva@Example.com", "language": "es",
                                             "timezone": "Europe/Madrid", "tags": "a, b", "consent_email": "y",
                                             "latitude": "40.4", "longitude": "-3.7"})
    assert ok.status_code == 302
    eva = db.session.scalar(select(Customer))
    assert eva.email == "eva@example.com" and eva.email_consent is True and eva.tags == ["a", "b"]
    assert eva.email_consent_source == "web form (owner)"
    edit = client.post(f"/customers/{eva.id}", data={"first_name": "Eva", "email": "eva@example.com",
                                                     "language": "es", "timezone": "", "tags": ""})
    assert edit.status_code == 302
    db.session.expire_all()
    assert eva.email_consent is False  # unticked: withdrawn, with the form as source
    assert "Consent history" in client.get(f"/customers/{eva.id}").get_data(as_text=True)


def test_import_wizard_upload_map_start_status_and_rejected_csv(client, user):
    login(client, user)
    content = b"Correo;Nombre;Ciudad\nana@example.com;Ana;Lima\nbad;Bo;Quito\n"
    response = client.post("/customers/import", data={"file": (io.BytesIO(content), "lista.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    job = db.session.scalar(select(ImportJob))
    assert job.status.value == "draft" and job.mapping == {"Correo": "email", "Nombre": "first_name", "Ciudad": "city"}
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Map columns" in page and 'name="map-0"' in page
    response = client.post(f"/imports/{job.id}", data={"map-0": "email", "map-1": "first_name", "map-2": "",
                                                       "mode": "upsert", "tags": "lima"})
    assert response.status_code == 302
    imports.run_import(job.id)
    finished_import(job.id)
    status = client.get(f"/imports/{job.id}/status.json").json
    assert status["status"] == "completed" and status["progress"] == 100.0
    assert db.session.scalar(select(Customer.city)) is None  # the city column was ignored
    download = client.get(f"/imports/{job.id}/rejected.csv")
    rejected = download.get_data(as_text=True).splitlines()
    assert rejected[0] == "line,reason,Correo,Nombre,Ciudad" and rejected[1].startswith("3,")
    assert download.headers["Content-Disposition"].startswith('attachment; filename="rejected-lista.csv"')  # one .csv


def test_segment_builder_saves_rows_counts_live_and_reports_bad_rules(client, user):
    account = own_account(user)
    make_customer(account, language="es", tags=["vip"], location={"type": "point", "coordinates": [-3.7, 40.4]})
    make_customer(account, language="es")
    login(client, user)
    form = {"name": "VIP Madrid", "match": "all",
            "conditions-0-field": "language", "conditions-0-op": "eq", "conditions-0-value": "es",
            "conditions-1-field": "tags", "conditions-1-op": "contains", "conditions-1-value": "vip",
            "conditions-2-field": "location", "conditions-2-op": "within_km", "conditions-2-value": "-3.7, 40.4, 5"}
    assert client.post("/segments/count.json", data=form).json == {"count": 1}
    assert client.post("/segments/new", data=form).status_code == 302
    segment = db.session.scalar(select(Segment))
    assert segment.rules["conditions"][2] == {"field": "location", "op": "within_km",
                                              "value": {"point": [-3.7, 40.4], "km": 5.0}}
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert 'value="-3.7, 40.4, 5.0"' in page and "Matching customers" in page  # a radius without a place: as typed
    bad = dict(form, **{"conditions-1-op": "gte"})
    count = client.post("/segments/count.json", data=bad)
    assert count.status_code == 422
    assert count.json["error"] == "Condition 2: “is at least” does not apply to Tags: pick another operator."
    assert count.json["fields"] == {"conditions-1-value": ["“is at least” does not apply to Tags: pick another operator."]}
    response = client.post(f"/segments/{segment.id}", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "does not apply to Tags" in html and "rules.conditions" not in html
    assert "1" in client.get("/segments").get_data(as_text=True)


def test_segment_radius_around_a_picked_place_counts_saves_and_reads_back_with_its_name(client, user):
    account = own_account(user)
    make_customer(account, location={"type": "point", "coordinates": [-4.42, 36.72]})  # Málaga
    make_customer(account, location={"type": "point", "coordinates": [-3.70, 40.41]})  # Madrid
    login(client, user)
    form = {"name": "Near Málaga", "match": "all", "conditions-0-field": "location", "conditions-0-op": "within_km",
            "conditions-0-place": "Málaga, Andalusia, Spain", "conditions-0-place_lat": "36.72016",
            "conditions-0-place_lon": "-4.42034", "conditions-0-km": "25"}
    assert client.post("/segments/count.json", data=form).json == {"count": 1}
    assert client.post("/segments/new", data=form).status_code == 302
    segment = db.session.scalar(select(Segment))
    assert segment.rules == {"match": "all", "conditions": [
        {"field": "location", "op": "within_km",
         "value": {"point": [-4.42034, 36.72016], "km": 25.0, "name": "Málaga, Andalusia, Spain"}}]}
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert 'value="Málaga, Andalusia, Spain"' in page and 'value="25.0"' in page
    assert 'name="conditions-0-place_lat" value="36.72016"' in page


def test_segment_radius_without_javascript_looks_the_place_up_and_errors_sit_under_their_fields(client, user):
    login(client, user)
    base = {"name": "Near Zaragoza", "match": "all", "conditions-0-field": "location", "conditions-0-op": "within_km"}
    # Typed but not picked: a half-typed name does not count while typing...
    count = client.post("/segments/count.json", data=dict(base, **{"conditions-0-place": "zarag", "conditions-0-km": "10"}))
    assert count.status_code == 422 and count.json["error"] == "Condition 1: Pick the place at the centre."
    # ...but saving looks it up.
    assert client.post("/segments/new", data=dict(base, **{"conditions-0-place": "zaragoza",
                                                           "conditions-0-km": "10"})).status_code == 302
    (condition,) = db.session.scalar(select(Segment)).rules["conditions"]
    assert condition["value"]["km"] == 10.0 and round(condition["value"]["point"][1]) == 42
    assert condition["value"]["name"].startswith("Zaragoza, ")
    for name, data, field in (("b", {"conditions-0-place": "zaragoza"}, "conditions-0-km"),
                              ("c", {"conditions-0-km": "10"}, "conditions-0-place"),
                              ("d", {"conditions-0-place": "Qxzzqy Wvvv", "conditions-0-km": "10"}, "conditions-0-place"),
                              ("e", {"conditions-0-place": "zaragoza", "conditions-0-km": "-1"}, "conditions-0-km")):
        html = client.post("/segments/new", data=dict(base, name=name, **data)).get_data(as_text=True)
        assert f'name="{field}"' in html and "invalid-feedback" in html and "form-errors" in html, (data, html[-3000:])
    assert db.session.query(Segment).count() == 1


def test_customer_location_picker_fills_latitude_and_longitude(client, user):
    login(client, user)
    # Without JavaScript the typed place name is looked up.
    assert client.post("/customers/new", data={"first_name": "Eva", "email": "eva@example.com", "language": "es", "timezone": "",
                                               "place": "zaragoza"}).status_code == 302
    eva = db.session.scalar(select(Customer))
    lon, lat = customers_location(eva)
    assert round(lat) == 42 and round(lon) == -1
    # A place chosen in the picker: the script has copied its point into latitude/longitude; those are kept.
    assert client.post(f"/customers/{eva.id}", data={"first_name": "Eva", "email": "eva@example.com", "language": "es", "timezone": "",
                                                     "place": "Málaga, Andalusia, Spain", "place_lat": "36.72016",
                                                     "place_lon": "-4.42034", "latitude": "36.72016",
                                                     "longitude": "-4.42034"}).status_code == 302
    db.session.expire_all()
    assert customers_location(eva) == [-4.42034, 36.72016]
    bad = client.post(f"/customers/{eva.id}", data={"first_name": "Eva", "email": "eva@example.com", "language": "es", "timezone": "",
                                                    "place": "Qxzzqy Wvvv"}).get_data(as_text=True)
    assert 'id="place-errors"' in bad and "No place found" in bad


def customers_location(customer):
    from app.services.customers import location_of
    return location_of(customer)["coordinates"]


def test_viewers_cannot_write_and_other_accounts_are_404(client, user):
    account = own_account(user)
    customer = make_customer(account)
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    stranger = make_user(username="stranger")
    theirs = make_customer(own_account(stranger))
    login(client, viewer)
    client.post("/accounts/switch", data={"account_id": str(account.id)})
    assert client.get("/customers").status_code == 200
    assert client.post(f"/customers/{customer.id}", data={"email": "x@example.com"}).status_code == 403
    assert client.get("/customers/new").status_code == 403
    assert client.get(f"/customers/{theirs.id}").status_code == 404


def test_a_bad_tag_on_the_customer_form_is_shown_next_to_the_field_and_saves_nothing(client, user):
    login(client, user)
    response = client.post("/customers/new", data={"first_name": "X", "email": "x@example.com", "language": "en",
                                                   "timezone": "", "tags": "ok, bad<tag>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Invalid tag" in html and 'id="tags-errors"' in html
    assert db.session.scalar(select(Customer)) is None
