"""Finding 11: CSV we write must not carry cells a spreadsheet runs as formulas; our importer reads them back."""
import csv
import io

from sqlalchemy import select

from app.extensions import db
from app.models import Customer
from app.services import csv_safe, imports
from tests.audience.test_imports import run, upload
from tests.security.import_fixtures import _import_storage, _no_task_left_behind, _settle_imports  # noqa: F401

HOSTILE = ('email,phone,=1+2\n'
           '"=HYPERLINK(""http://evil.example"",""click"")",+34612345678,@SUM(A1)\n'
           '-2+3,,"\r=1+1"\n'
           'x@example.com,,"\t=2+2"\n'
           'x@example.com,,duplicate\n'
           'ok@example.com,,fine\n')


def rows_of(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_rejected_rows_download_neutralises_cells_that_start_a_formula(owner_api):
    job = run(upload(owner_api, HOSTILE, mapping='{"email": "email", "phone": "phone", "=1+2": "attributes.note"}'))
    assert (job.created_count, job.error_count) == (2, 3)
    rows = rows_of(owner_api.get(f"/imports/{job.id}/errors.csv"))
    assert rows[0] == ["line", "reason", "email", "phone", "'=1+2"]
    by_line = {row[0]: row[2:] for row in rows[1:]}
    assert by_line["2"] == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+34612345678", "'@SUM(A1)"]
    assert by_line["3"] == ["'-2+3", "", "'\r=1+1"]
    # Line 6: the CR inside line 3's quotes ends a line, as in any editor. Nothing to neutralise here.
    assert by_line["6"] == ["x@example.com", "", "duplicate"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(csv_safe.FORMULA_STARTS), row
    # The same service feeds the page's download.
    assert "".join(imports.rejected_rows_csv(job)).startswith("line,reason,email,phone,'=1+2")


def test_a_downloaded_rejected_row_fixed_by_hand_imports_back_without_the_apostrophe(owner_api):
    first = run(upload(owner_api, 'email,phone\nnot-an-email,+34612345678\n'))
    rows = rows_of(owner_api.get(f"/imports/{first.id}/errors.csv"))
    assert rows[1][2:] == ["not-an-email", "'+34612345678"]
    fixed = io.StringIO()
    csv.writer(fixed).writerows([rows[0][2:], ["fixed@example.com", rows[1][3]]])
    second = run(upload(owner_api, fixed.getvalue()))
    assert (second.created_count, second.error_count) == (1, 0)
    assert db.session.scalar(select(Customer.phone).where(Customer.email == "fixed@example.com")) == "+34612345678"


def test_safe_cell_leaves_numbers_and_plain_text_alone():
    assert [csv_safe.safe_cell(v) for v in (-5, 2.5, None, "Ana", "a=b", "")] == [-5, 2.5, None, "Ana", "a=b", ""]
    assert [csv_safe.safe_cell(v) for v in ("=1", "+1", "-1", "@x", "\t=1", "\r=1")] == [
        "'=1", "'+1", "'-1", "'@x", "'\t=1", "'\r=1"]
    assert csv_safe.unescape_cell("'=1") == "=1" and csv_safe.unescape_cell("'quoted'") == "'quoted'"
