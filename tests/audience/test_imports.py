"""Imports: CSV variants and XLSX, row errors, modes, consent rules, idempotence, limits, concurrency, CLI."""
import io
import itertools
import openpyxl
import pytest
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import ConsentChange, Customer, ImportJob, ImportRowError, ImportStatus, utcnow
from app.services import customers, imports
from tests.audience.factories import finished_import, make_customer
from tests.factories import make_user, own_account

CSV = ("email,phone,first name,last name,language,tags,email consent\n"
       "ana@example.com,+34612345678,Ana,López,es,vip,yes\n"
       "bob@example.com,,Bob,Brown,en,,no\n"
       "carla@example.com,+14155550101,Carla,Cruz,,\"a, b\",\n")


def upload(api, content, filename="customers.csv", headers=None, **form):
    data = {"file": (io.BytesIO(content if isinstance(content, bytes) else content.encode()), filename)}
    data.update(form)
    return api.post("/customers/import", data=data, content_type="multipart/form-data", headers=headers)


def run(response):
    assert response.status_code == 202, response.json
    imports.run_import(response.json["id"])  # or a running worker does it: either way, once
    return finished_import(response.json["id"])


def emails():
    return sorted(db.session.scalars(select(Customer.email)))


def test_csv_import_guesses_columns_and_reports_progress_and_counts(owner_api, user):
    response = upload(owner_api, CSV, tags="spring, Import")
    assert response.json["status"] == "queued" and response.headers["Location"].endswith(response.json["id"])
    assert response.json["mapping"] == {"email": "email", "phone": "phone", "first name": "first_name",
                                        "last name": "last_name", "language": "language", "tags": "tags",
                                        "email consent": "consent_email"}
    run(response)
    status = owner_api.get(f"/imports/{response.json['id']}").json
    assert status["status"] == "completed" and status["progress"] == 100.0
    assert (status["total_rows"], status["processed_rows"], status["created"], status["rejected"]) == (3, 3, 3, 0)
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert ana.first_name == "Ana" and ana.last_name == "López" and ana.language == "es"
    assert ana.tags == ["import", "spring", "vip"] and ana.email_consent is True
    assert ana.email_consent_source == "import:customers.csv"
    carla = db.session.scalar(select(Customer).where(Customer.email == "carla@example.com"))
    assert carla.tags == ["a", "b", "import", "spring"] and carla.email_consent is None and carla.language == "en"
    assert db.session.scalar(select(func.count()).select_from(ConsentChange)) == 2  # ana yes, bob no


@pytest.mark.parametrize("encoding,delimiter,bom", [("utf-8", ";", True), ("latin-1", ";", False),
                                                     ("utf-8", "\t", False), ("cp1252", "|", False),
                                                     ("utf-16", ",", False)])
def test_csv_variants_spanish_headers_delimiters_and_encodings(owner_api, user, encoding, delimiter, bom):
    own_account(user).default_region = "ES"
    db.session.commit()
    rows = [["Correo electrónico", "Teléfono", "Nombre", "Apellidos", "Ciudad", "Latitud", "Longitud"],
            ["josé@ejemplo.es", "612 34 56 78", "José", "Muñoz", "Málaga", "36,7213", "-4,4214"],
            ["maria@ejemplo.es", "", "María", "Núñez", "Sevilla", "", ""]]
    if delimiter == ",":  # decimal commas would split the cell
        rows[1][5:7] = ["36.7213", "-4.4214"]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    content = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    job = run(upload(owner_api, content))
    assert (job.status.value, job.created_count, job.error_count) == ("completed", 2, 0), job.message
    jose = db.session.scalar(select(Customer).where(Customer.first_name == "José"))
    assert jose.email == "josé@ejemplo.es" and jose.phone == "+34612345678" and jose.last_name == "Muñoz"
    assert jose.city == "Málaga" and customers.location_of(jose)["coordinates"] == [-4.4214, 36.7213]


def test_quoted_fields_with_delimiters_and_newlines(owner_api):
    content = 'email,name,notes\n"a@example.com","Smith, John","line1\nline2"\nb@example.com,Jane Roe,x\n'
    job = run(upload(owner_api, content, mapping='{"email": "email", "name": "full_name", "notes": "attributes.notes"}'))
    a = db.session.scalar(select(Customer).where(Customer.email == "a@example.com"))
    assert job.created_count == 2 and a.first_name == "Smith," and a.attributes == {"notes": "line1\nline2"}
    b = db.session.scalar(select(Customer).where(Customer.email == "b@example.com"))
    assert (b.first_name, b.last_name) == ("Jane", "Roe")


def test_xlsx_import_reads_numbers_as_phones_and_dates(owner_api, user):
    own_account(user).default_region = "US"
    db.session.commit()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["E-mail", "Mobile", "Name", "Orders", "Last order"])
    sheet.append(["x1@example.com", 4155550102, "Xavi One", 4, "2026-01-31"])
    sheet.append(["not an email", None, "Broken", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run(upload(owner_api, buffer.getvalue(), filename="list.xlsx"))
    assert (job.file_format, job.created_count, job.error_count) == ("xlsx", 1, 1)
    x = db.session.scalar(select(Customer))
    assert x.phone == "+14155550102" and x.orders_count == 4 and x.last_order_at.year == 2026
    error = db.session.scalar(select(ImportRowError))
    assert error.line == 3 and "email" in error.reason


def test_bad_rows_are_reported_with_line_and_reason_and_downloadable(owner_api):
    content = ("email,phone,language\n"
               "good@example.com,,en\n"
               "bad-email,,en\n"
               ",123,en\n"
               ",,en\n"
               "good@example.com,,es\n"
               "other@example.com,,zz\n"
               "ok@example.com,,\n")
    response = upload(owner_api, content)
    job = run(response)
    assert (job.created_count, job.error_count, job.processed_rows) == (2, 5, 7)
    status = owner_api.get(f"/imports/{job.id}").json
    reasons = {e["line"]: e["reason"] for e in status["errors"]}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert reasons[3].startswith("email:") and reasons[4].startswith("phone:")
    assert reasons[5] == "No valid email or phone." and reasons[6] == "Duplicate of line 2 (same email)."
    assert reasons[7].startswith("language:")
    assert status["errors"][0]["data"] == ["bad-email", "", "en"]
    page = owner_api.get(f"/imports/{job.id}/errors", query_string={"size": 2})
    assert page.json["total"] == 5 and len(page.json["errors"]) == 2
    download = owner_api.get(f"/imports/{job.id}/errors.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    lines = download.get_data(as_text=True).splitlines()
    assert lines[0] == "line,reason,email,phone,language" and lines[1].startswith("3,")
    assert len(lines) == 6


def test_upsert_rerun_of_the_same_file_changes_nothing(owner_api):
    first = run(upload(owner_api, CSV, tags="t1"))
    before = {c.id: c.updated_at for c in db.session.scalars(select(Customer))}
    consent_rows = db.session.scalar(select(func.count()).select_from(ConsentChange))
    second = run(upload(owner_api, CSV, tags="t1"))
    assert (first.created_count, second.created_count, second.updated_count, second.unchanged_count) == (3, 0, 0, 3)
    assert {c.id: c.updated_at for c in db.session.scalars(select(Customer))} == before
    assert db.session.scalar(select(func.count()).select_from(ConsentChange)) == consent_rows


def test_upsert_updates_matches_by_email_or_phone_and_keeps_unmapped_fields(owner_api, user):
    account = own_account(user)
    by_email = make_customer(account, email="ana@example.com", city="Lima", tags=["old"])
    by_phone = make_customer(account, email=None, phone="+14155550101", first_name="C")
    job = run(upload(owner_api, CSV))
    assert (job.created_count, job.updated_count) == (1, 2)
    db.session.expire_all()
    assert by_email.city == "Lima" and by_email.tags == ["old", "vip"] and by_email.phone == "+34612345678"
    assert by_phone.email == "carla@example.com" and by_phone.first_name == "Carla"


def test_a_row_whose_email_and_phone_belong_to_two_customers_is_rejected(owner_api, user):
    account = own_account(user)
    make_customer(account, email="ana@example.com")
    make_customer(account, email="someone@example.com", phone="+34612345678")
    job = run(upload(owner_api, CSV))
    assert job.error_count == 1
    assert db.session.scalar(select(ImportRowError.reason)).startswith("The email and the phone belong to two")


def test_create_mode_skips_existing_and_update_only_skips_new(owner_api, user):
    account = own_account(user)
    make_customer(account, email="ana@example.com", first_name="Old")
    job = run(upload(owner_api, CSV, mode="create"))
    assert (job.created_count, job.updated_count, job.skipped_count) == (2, 0, 1)
    assert db.session.scalar(select(Customer.first_name).where(Customer.email == "ana@example.com")) == "Old"
    job = run(upload(owner_api, CSV.replace("Ana", "Anita") + "new@example.com,,,,,,\n", mode="update_only"))
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 1, 1)
    assert "new@example.com" not in emails()


def test_import_never_raises_withdrawn_consent(owner_api, user):
    account = own_account(user)
    ana = make_customer(account, email="ana@example.com", consent={"email": True})
    customers.set_consent(ana, channel="email", granted=False, source="unsubscribe-link")
    job = run(upload(owner_api, CSV))
    db.session.expire_all()
    assert job.status.value == "completed"
    assert ana.email_consent is False and ana.email_consent_source == "unsubscribe-link"
    history = db.session.scalars(select(ConsentChange.source).where(ConsentChange.customer_id == ana.id)).all()
    assert history == ["api", "unsubscribe-link"]


def test_refused_files_answer_clearly_and_create_no_job(owner_api, app, monkeypatch):
    cases = [(b"", "customers.csv", "empty"), (b"\x00\x01\x02binary\x00", "x.csv", "neither CSV nor XLSX"),
             (b"\xd0\xcf\x11\xe0old excel", "x.xls", ".xls"),
             (b"name,city\nAna,Lima\n", "x.csv", "email or a phone"),
             (b"PK\x03\x04broken zip", "x.xlsx", "XLSX")]
    for content, name, text in cases:
        response = upload(owner_api, content, filename=name)
        assert response.status_code == 422, (name, response.json)
        assert text in response.json["error"] + str(response.json.get("details")), response.json
    bad_mapping = upload(owner_api, CSV, mapping='{"email": "emails", "nope": "phone"}')
    assert bad_mapping.status_code == 422 and len(bad_mapping.json["details"]["mapping"]) == 2
    assert upload(owner_api, CSV, mapping="[1]").status_code == 422
    assert upload(owner_api, CSV, mode="merge").status_code == 422
    monkeypatch.setitem(app.config, "IMPORT_MAX_MB", 0)
    assert upload(owner_api, CSV).status_code == 413
    monkeypatch.setitem(app.config, "IMPORT_MAX_MB", 50)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    too_many = upload(owner_api, CSV)
    assert too_many.status_code == 422 and "3 rows" in str(too_many.json["details"])
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_idempotency_key_replays_the_first_answer(owner_api):
    # A retry sends the very same bytes, so the multipart boundary is fixed here.
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n" + CSV + "\r\n--XyZ--\r\n").encode()
    send = lambda: owner_api.post("/customers/import", data=body, content_type="multipart/form-data; boundary=XyZ",
                                  headers={"Idempotency-Key": "imp-1"})
    first, again = send(), send()
    assert first.status_code == again.status_code == 202
    assert first.json["id"] == again.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 1


def test_a_second_delivery_of_the_task_does_nothing(user):
    job = imports.create_import(own_account(user), actor=user, stream=io.BytesIO(CSV.encode()), filename="c.csv",
                                enqueue=False)
    first = imports.run_import(job.id)
    again = imports.run_import(job.id)
    assert first.created_count == again.created_count == 3 and again.status.value == "completed"
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 3


def test_a_failing_batch_leaves_earlier_batches_whole_and_the_job_failed(user, app, monkeypatch):
    from app.services import import_merge
    monkeypatch.setitem(app.config, "IMPORT_BATCH_SIZE", 2)
    real, calls = import_merge.write_batch, itertools.count(1)

    def flaky(**kwargs):
        call = next(calls)  # two writers call at once: exactly one of the first two batches fails
        result = real(**kwargs)
        if call == 2:
            raise RuntimeError("disk full")
        return result

    monkeypatch.setattr("app.services.import_runner.write_batch", flaky)
    content = "email\n" + "".join(f"p{i}@example.com\n" for i in range(5))
    job = imports.create_import(own_account(user), actor=user, stream=io.BytesIO(content.encode()),
                                filename="c.csv", enqueue=False)
    with pytest.raises(RuntimeError):
        imports.run_import(job.id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status.value == "failed" and job.processed_rows == job.created_count == len(emails()) > 0
    got = {e.split("@")[0] for e in emails()}
    for batch in ({"p0", "p1"}, {"p2", "p3"}, {"p4"}):  # each batch is in whole or not at all
        assert batch <= got or not batch & got, got
    assert len(job.done_batches) < 3
    # Its worker "died" long ago: a new delivery takes the job over and redoes only the missing batches.
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        status=ImportStatus.RUNNING, updated_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    job = imports.run_import(job.id)
    assert (job.status.value, job.created_count, job.processed_rows, job.unchanged_count) == ("completed", 5, 5, 0)
    assert sorted(job.done_batches) == [0, 1, 2] and len(emails()) == 5


def test_other_accounts_imports_are_not_found(owner_api):
    stranger = make_user(username="stranger")
    theirs = imports.create_import(own_account(stranger), actor=stranger, stream=io.BytesIO(CSV.encode()),
                                   filename="x.csv")
    for path in (f"/imports/{theirs.id}", f"/imports/{theirs.id}/errors", f"/imports/{theirs.id}/errors.csv"):
        assert owner_api.get(path).status_code == 404


@pytest.mark.worker
def test_two_concurrent_imports_of_the_same_file_make_each_customer_once(user, app, celery_worker, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_BATCH_SIZE", 50)
    content = ("email,phone\n" + "".join(f"c{i}@example.com,+1415555{i:04d}\n" for i in range(300))).encode()
    account = own_account(user)
    # Both queued in one commit, so the worker's threads pick them up at the same time.
    jobs = [imports.create_import(account, actor=user, stream=io.BytesIO(content), filename="same.csv", enqueue=False)
            for _ in range(2)]
    from app.services.dispatch import enqueue
    for job in jobs:
        enqueue("audience.import_customers", str(job.id))
    jobs = [finished_import(job.id, timeout=60) for job in jobs]
    assert [j.status.value for j in jobs] == ["completed", "completed"], [j.message for j in jobs]
    assert sum(j.created_count for j in jobs) == 300 and sum(j.error_count for j in jobs) == 0
    assert sum(j.unchanged_count for j in jobs) == 300
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 300


def test_cli_imports_a_file_with_a_progress_bar(app, user, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["customers", "import", str(path), "--account", str(own_account(user).id),
                                                "--tags", "cli"])
    assert result.exit_code == 0, result.output
    assert "completed: 3 created" in result.output
    assert db.session.scalar(select(func.count()).select_from(Customer).where(Customer.tags.contains(["cli"]))) == 3
    bad = app.test_cli_runner().invoke(args=["customers", "import", str(path), "--account", "nope"])
    assert bad.exit_code != 0 and "No account" in bad.output
