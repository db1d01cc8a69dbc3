"""Finding 4: an upload request stores the file and reads a bounded head; counting and reading rows is the task's.

A crafted XLSX (millions of rows declared, or packed as a zip bomb) is refused at once; what the head cannot tell
is accepted and then failed by the task with a clear reason. No request does work proportional to the file.
"""
import io
import re
import time
import zipfile

import openpyxl
from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, ImportJob
from tests.audience.test_imports import run, upload
from tests.security.import_fixtures import _import_storage, _no_task_left_behind, _settle_imports  # noqa: F401

FAST = 2.0  # seconds; the probe's 87 KB workbook held a web worker for 12.4 s


def workbook(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["email", "name"])
    for i in range(rows):
        sheet.append([f"user{i}@example.com", f"User {i}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(xlsx: bytes, rewrite) -> bytes:
    """The same workbook with its sheet's XML passed through `rewrite`."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, rewrite(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def timed_upload(api, content: bytes, **kw):
    started = time.perf_counter()
    response = upload(api, content, filename="list.xlsx", **kw)
    return response, time.perf_counter() - started


def test_an_xlsx_declaring_millions_of_rows_is_refused_at_once(owner_api):
    content = with_sheet(workbook(2), lambda xml: xml.replace(b'<dimension ref="A1:B3"',
                                                              b'<dimension ref="A1:B2000000"'))
    response, took = timed_upload(owner_api, content)
    assert response.status_code == 422 and took < FAST, (response.status_code, took)
    assert response.json["details"]["file"] == ["The sheet declares 1999999 rows; at most 1000000 per import."]
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_an_xlsx_packed_like_a_zip_bomb_is_refused_before_it_is_unpacked(owner_api):
    # Two million identical rows and no dimension: ~100 MB of XML in a ~100 KB upload.
    row = b'<row><c t="inlineStr"><is><t>x@example.com</t></is></c></row>'
    content = with_sheet(workbook(0), lambda xml: re.sub(
        rb'<dimension[^>]*/>', b"", xml).replace(b"</sheetData>", row * 2_000_000 + b"</sheetData>"))
    assert len(content) < 400_000
    response, took = timed_upload(owner_api, content)
    assert response.status_code == 422 and took < FAST, (response.status_code, took)
    assert "times its size (xl/worksheets/sheet1.xml)" in response.json["details"]["file"][0]


def test_a_workbook_that_unpacks_past_the_limit_is_refused(owner_api, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNCOMPRESSED_MB", 1)
    response, took = timed_upload(owner_api, workbook(10_000))  # ~1.4 MB of XML, ordinarily compressed
    assert response.status_code == 422 and took < FAST
    assert re.fullmatch(r"This workbook unpacks to \d+ MB; at most 1 MB\.", response.json["details"]["file"][0])


def test_an_xlsx_that_does_not_declare_its_size_is_counted_by_the_task_with_a_cap(owner_api, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1_000)
    content = with_sheet(workbook(3_000), lambda xml: re.sub(rb"<dimension[^>]*/>", b"", xml))
    response, took = timed_upload(owner_api, content)
    assert response.status_code == 202 and took < FAST
    job = run(response)
    assert job.status.value == "failed"
    assert job.message == ("The file has too many rows: More than 1000 rows: split the file (at most 1000 rows "
                           "per import).")
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_big_csv_is_accepted_after_reading_its_head_and_the_task_counts_it(owner_api, app, monkeypatch):
    # Quoted fields, so no shortcut counts lines: the old request parsed every record before answering.
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 100_000)
    content = "email,name\n" + "".join(f'user{i}@example.com,"User, {i}"\n' for i in range(150_000))
    started = time.perf_counter()
    response = upload(owner_api, content)
    took = time.perf_counter() - started
    assert response.status_code == 202 and took < FAST, (response.status_code, took)
    assert 100_000 < response.json["total_rows"] < 200_000  # an estimate from the head, for the progress bar
    job = run(response)
    assert job.status.value == "failed" and "More than 100000 rows" in job.message
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_an_ordinary_workbook_imports_with_headers_and_sample_from_its_head(owner_api):
    response = upload(owner_api, workbook(12), filename="list.xlsx")
    assert response.status_code == 202
    assert response.json["headers"] == ["email", "name"]
    job = run(response)
    assert (job.status.value, job.created_count, job.total_rows) == ("completed", 12, 12)
    assert job.sample[0] == ["user0@example.com", "User 0"] and len(job.sample) == 5
