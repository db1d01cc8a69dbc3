"""PDF reports: asked for (202), drawn by a real worker, stored, downloaded by a signed link, read back as text."""
import subprocess
import tempfile

from tests.conftest import wait_for
from tests.factories import add_member, make_user


def _text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout


def test_a_pdf_report_is_drawn_by_a_worker_and_downloaded_by_a_signed_link(owner_api, client, sample, account,
                                                                          celery_worker, tmp_path, config):
    config(STORAGE_DIR=str(tmp_path))
    asked = owner_api.get("/campaigns/export?format=pdf")
    assert asked.status_code == 202 and asked.json["status"] == "queued" and asked.json["download_url"] is None

    def done():
        job = owner_api.get(f"/exports/{asked.json['id']}").json
        return job if job["status"] in ("completed", "failed") else None

    job = wait_for(done, timeout=60)
    assert job["status"] == "completed", job
    assert job["progress"] == 100 and job["filename"].endswith(".pdf")
    pdf = client.get(job["download_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _text(pdf.get_data())
    assert account.name in text and "Campaign report" in text
    assert "Spring sale" in text and "Quiet ñandú" in text and "Page 1 of 1" in text
    assert "4,400" in text  # impressions across the account: 1,000 + 3,000 + 400
    assert "Period: Mar 1, 2026 to Mar 2, 2026" in text  # the days with results
    assert "=HYPERLINK" in text  # shown as text in a PDF, where it runs nothing
    ready = owner_api.get("/notifications").json["notifications"]
    assert [n["title"] for n in ready] == [f"Your PDF report is ready: {job['filename']}"]


def test_a_spanish_speaking_member_gets_the_report_and_its_notification_in_spanish(api, sample, account,
                                                                                  celery_worker, client, tmp_path,
                                                                                  config):
    config(STORAGE_DIR=str(tmp_path))
    ana = make_user(username="ana", language="es")
    add_member(account, ana, "viewer")
    ana_api = api.login(ana).in_account(account)
    asked = ana_api.get("/campaigns/export?format=pdf")
    assert asked.status_code == 202

    job = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed") else None)(
        ana_api.get(f"/exports/{asked.json['id']}").json), timeout=60)
    assert job["status"] == "completed", job
    text = _text(client.get(job["download_url"]).get_data())

    assert "Informe de campañas" in text and "Periodo: del 1 mar 2026 al 2 mar 2026" in text
    assert "Página 1 de 1" in text and "Canal · estado" in text and "Impresiones" in text
    assert "4.400" in text and "4,400" not in text  # impressions, as Spanish writes numbers
    assert "200,50 /" in text and "1.000,00" in text  # the spring sale: 120.50 + 80 spent of 1,000
    assert "Campaign report" not in text and "Page 1" not in text
    # Only the member who asked hears that it is ready, in their language.
    assert [n["title"] for n in ana_api.get("/notifications").json["notifications"]] == [
        f"Tu informe PDF está listo: {job['filename']}"]
    assert ana_api.get("/notifications").json["notifications"][0]["body"] == "Abre Informes para descargarlo."


def test_a_tampered_or_foreign_download_link_is_refused(owner_api, client, api):
    assert client.get("/reports/download/not-a-token").status_code == 404
    stranger = api.login(make_user(username="stranger"))
    job = owner_api.get("/campaigns/export?format=pdf").json
    assert stranger.get(f"/exports/{job['id']}").status_code == 404


def test_pdf_with_bad_filters_answers_422_without_a_job(owner_api):
    assert owner_api.get("/campaigns/export?format=pdf&status=sleeping").status_code == 422
    assert owner_api.get("/exports").json["total"] == 0


def test_pdf_is_never_drawn_in_the_request(owner_api, queued):
    job = owner_api.get("/campaigns/export?format=pdf").json
    assert ("reports.render_pdf", (job["id"],)) in queued
