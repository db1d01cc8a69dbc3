"""Finding 12: files that answered 500. Readable ones import; unreadable ones answer 422 naming the line."""
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, ImportJob, ImportRowError
from app.services import import_files
from tests.audience.test_imports import run, upload
from tests.security.import_fixtures import _import_storage, _no_task_left_behind, _settle_imports  # noqa: F401

ENVELOPE = {"error", "type", "status_code", "details"}


def emails():
    return sorted(db.session.scalars(select(Customer.email)))


def refused(response, line: int, words: str) -> str:
    assert response.status_code == 422, response.json
    assert set(response.json) == ENVELOPE and response.json["status_code"] == 422
    detail = response.json["details"]["file"][0]
    assert detail.startswith(f"Line {line}:") and words in detail, detail
    assert db.session.scalar(select(ImportJob.id)) is None  # nothing stored for a refused file
    return detail


def test_a_csv_with_old_mac_line_endings_imports(owner_api):
    content = 'email,first name,notes\rana@example.com,Ana,"two\rlines"\rbob@example.com,Bob,x\r\r'
    response = upload(owner_api, content.encode("cp1252"),
                      mapping='{"email": "email", "first name": "first_name", "notes": "attributes.notes"}')
    job = run(response)
    assert (job.status.value, job.created_count, job.error_count, job.total_rows) == ("completed", 2, 0, 2)
    assert emails() == ["ana@example.com", "bob@example.com"]
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert ana.first_name == "Ana" and ana.attributes == {"notes": "two\rlines"}


def test_a_utf16_file_cut_one_byte_short_imports_its_whole_rows(owner_api):
    text = "email,first name\r\nana@example.com,Ána\r\nbob@example.com,Bob\r\n"
    content = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le") + b"\x00"  # an odd byte count
    assert len(content) % 2 == 1
    job = run(upload(owner_api, content))
    assert (job.status.value, job.encoding, job.created_count, job.error_count) == ("completed", "utf-16", 2, 0)
    assert db.session.scalar(select(Customer.first_name).where(Customer.email == "ana@example.com")) == "Ána"


def test_a_utf16_file_with_a_broken_character_is_refused_naming_its_line(owner_api):
    lines = ["email,first name", "ana@example.com,Ana", "bob@example.com,B\ud800b"]
    content = b"\xff\xfe" + "\n".join(lines).encode("utf-16-le", errors="surrogatepass")
    refused(upload(owner_api, content), 3, "UTF-16")


def test_a_field_over_the_csv_limit_is_refused_naming_its_line(owner_api):
    huge = "x" * 140_000
    content = f'email,notes\nana@example.com,ok\nbob@example.com,"{huge}"\ncid@example.com,ok\n'
    detail = refused(upload(owner_api, content), 3, "longer than 131,072 characters")
    assert "quote" in detail


def test_a_quote_left_open_is_refused_naming_the_line_it_opens_on(owner_api):
    content = b'email,name\r\nana@example.com,"Ana\r\n' + b"x" * 140_000 + b"\r\nbob@example.com,Bob\r\n"
    refused(upload(owner_api, content), 2, "is a quote left open?")


def test_a_nul_byte_past_the_head_rejects_its_row_with_the_line(owner_api):
    # The csv module reads NUL; PostgreSQL text cannot hold it: the row is rejected, the rest imports.
    rows = "".join(f"user{i}@example.com,Name {i}\n" for i in range(40_000))
    content = ("email,first name\n" + rows).encode() + b"late@example.com,La\x00te\nlast@example.com,Last\n"
    assert len(content) > import_files.HEAD_BYTES
    job = run(upload(owner_api, content))
    assert (job.status.value, job.created_count, job.error_count) == ("completed", 40_001, 1), job.message
    error = db.session.scalar(select(ImportRowError))
    assert (error.line, error.reason, error.data) == (40_002, "first_name: contains a NUL character.",
                                                      ["late@example.com", "La\ufffdte"])
