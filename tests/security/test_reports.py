"""Exports and logs cannot leak across accounts, be fetched with a forged or expired link, or run formulas."""
import time

from itsdangerous import URLSafeTimedSerializer

from app.services import campaigns, exports
from tests.factories import make_user, own_account


def test_another_accounts_export_job_and_logs_are_out_of_reach(api, owner_api, user):
    campaigns.create_campaign(own_account(user), actor=user, name="Secret plan", budget=10, channel="email")
    job = owner_api.get("/campaigns/export?format=pdf").json
    stranger = api.login(make_user(username="stranger"))
    assert stranger.get(f"/exports/{job['id']}").status_code == 404
    assert stranger.get("/exports").json["total"] == 0
    assert "Secret plan" not in stranger.get("/campaigns/export").get_data(as_text=True)
    assert all(e["account_id"] != str(own_account(user).id) for e in stranger.get("/logs").json["events"])
    assert stranger.get(f"/exports/{job['id']}", headers={"X-Account-Id": str(own_account(user).id)}).status_code == 404


def test_forged_and_expired_download_links_are_refused(app, client, owner_api, monkeypatch):
    job = owner_api.get("/campaigns/export?format=pdf").json
    forged = URLSafeTimedSerializer("not-our-secret-key-at-all-123456789", salt="export-download").dumps(job["id"])
    assert client.get(f"/reports/download/{forged}").status_code == 404
    # Not completed yet: even a genuine link leads nowhere.
    with app.test_request_context():
        from app.models import ExportJob
        from app.extensions import db

        token = exports.download_token(db.session.get(ExportJob, job["id"]))
    assert client.get(f"/reports/download/{token}").status_code == 404
    monkeypatch.setattr(exports, "DOWNLOAD_TTL", -1)
    time.sleep(1)
    assert client.get(f"/reports/download/{token}").status_code == 403


def test_hostile_filters_answer_422_never_500(owner_api):
    for query in ("status=' OR 1=1 --", "sort=name;DROP TABLE campaigns", "start_date=not-a-date",
                  "format=exe", "search=" + "%" * 300):
        assert owner_api.get(f"/campaigns/export?{query}").status_code == 422, query
    assert owner_api.get("/customers/export?consent=telepathy").status_code == 422
    assert owner_api.get("/logs?actor_id=nobody").status_code == 422


def test_viewers_export_but_only_owners_and_admins_read_the_audit(api, user):
    from tests.factories import add_member

    viewer = make_user(username="vic")
    add_member(own_account(user), viewer, "viewer")
    as_viewer = api.login(viewer).in_account(own_account(user))
    assert as_viewer.get("/campaigns/export").status_code == 200
    assert as_viewer.get("/audit").status_code == 403


def test_an_account_name_cannot_break_out_of_the_pdfs_stylesheet(app, user, tmp_path):
    """The running head is CSS `content`: a name with quotes, braces or </style> stays text in the PDF."""
    import subprocess

    from app.extensions import db
    from app.services import report_pdf

    account = own_account(user)
    account.name = 'Evil"; } @page { @top-right { content: "PWNED" } } </style><h1>INJECTED</h1><style>'
    db.session.commit()
    with app.test_request_context():
        pdf = report_pdf.render(report_pdf.build(account, {}))
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    assert text.count("INJECTED") == text.count("PWNED") == 2  # the name, verbatim: running head and title line
    assert "\nINJECTED\n" not in text and "\nPWNED\n" not in text


def test_notification_values_are_text_in_the_pages(client, user):
    from app.extensions import db
    from app.services import notifications
    from tests.factories import sign_in

    notifications.notify_members(own_account(user), kind="report.ready",
                                 params={"filename": "<img src=x onerror=alert(1)>.pdf"})
    db.session.commit()
    sign_in(client, user)

    for html in (client.get("/notifications").get_data(as_text=True), client.get("/notifications/menu").json["html"]):
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.pdf" in html
