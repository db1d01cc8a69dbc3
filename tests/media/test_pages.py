"""The media library page: plain form uploads (no JS), drag and drop with progress, thumbnails, filters, attach."""
import base64
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MediaFile
from tests.conftest import wait_for
from tests.factories import PASSWORD, add_member, make_user, own_account, sign_in as _login
from tests.media import samples

from tests.media.conftest import CAMPAIGN



def test_plain_form_upload_works_without_javascript(client, user, queued, campaign):
    _login(client, user)
    response = client.post("/media/upload", data={
        "file": [(io.BytesIO(samples.image("PNG")), "a.png"), (io.BytesIO(samples.pdf()), "b.pdf")],
        "file_type": "", "campaign_id": CAMPAIGN}, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and b"Uploaded 2 file(s)" in response.data
    files = db.session.scalars(select(MediaFile)).all()
    assert {f.filename for f in files} == {"a.png", "b.pdf"} and {str(f.campaign_id) for f in files} == {CAMPAIGN}
    assert len(queued) == 2
    page = client.get("/media").data
    assert b"a.png" in page and b"b.pdf" in page and b'data-status-url="/media/' in page
    assert client.get("/media?page=99999999999999999999&file_type=bogus").status_code == 200


def test_plain_form_upload_shows_the_services_error(client, user):
    _login(client, user)
    response = client.post("/media/upload", data={"file": (io.BytesIO(b"just text"), "a.jpg")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert b"Accepted content" in response.data
    assert db.session.scalar(select(MediaFile)) is None


def test_xhr_upload_gets_the_api_answer_and_the_error_envelope(client, user):
    _login(client, user)
    headers = {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"}
    ok = client.post("/media/upload", data={"file": (io.BytesIO(samples.wav()), "a.wav")}, headers=headers,
                     content_type="multipart/form-data")
    assert ok.status_code == 202 and ok.json["status"] == "uploading"
    status = client.get(f"/media/{ok.json['file_id']}/status.json").json
    assert status["status"] == "uploading" and status["progress"] == 0
    bad = client.post("/media/upload", data={"file": (io.BytesIO(samples.wav()), "a.wav"), "file_type": "video"},
                      headers=headers, content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.json["type"] == "ValidationError" and "file_type" in bad.json["details"]


def test_viewers_see_the_library_without_upload_or_delete(client, user, upload):
    upload(samples.image("JPEG"), "a.jpg")
    viewer = make_user(username="viewer")
    add_member(own_account(user), viewer, "viewer")
    _login(client, viewer)
    client.post("/accounts/switch", data={"account_id": str(own_account(user).id)})
    page = client.get("/media").data
    assert b"a.jpg" in page and b'id="upload-form"' not in page and b"Delete" not in page
    assert client.post("/media/upload", data={}).status_code == 403


@pytest.mark.browser
@pytest.mark.worker
def test_library_upload_by_drop_and_by_input_shows_thumbnails_filters_and_attaches(
        campaign,
        celery_worker, page, screenshot, user):
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("text=Media")
    page.wait_for_url("**/media")
    assert page.is_visible("text=No media yet")

    # Drag and drop two files onto the drop zone.
    files = [("summer-sale.jpg", "image/jpeg", samples.image("JPEG", size=(800, 500), color="orange")),
             ("catalogue.pdf", "application/pdf", samples.pdf(pages=4))]
    transfer = page.evaluate_handle("""(files) => {
        const dt = new DataTransfer();
        for (const [name, type, b64] of files) {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            dt.items.add(new File([bytes], name, { type }));
        }
        return dt;
    }""", [[n, t, base64.b64encode(d).decode()] for n, t, d in files])
    with page.expect_navigation():
        page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    # Through the plain input too (the script sends it by XHR with progress).
    page.set_input_files("#file-input", files=[
        {"name": "logo.png", "mimeType": "image/png", "buffer": samples.image("PNG", size=(300, 300), color="green")},
        {"name": "notes.txt", "mimeType": "image/jpeg", "buffer": b"not an image at all"}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("text=Show the uploaded files")  # both answered, one refused: no reload
    assert "Accepted content" in page.inner_text(".upload-item.upload-failed")
    assert page.locator(".upload-item.upload-ok .progress-bar.bg-success").count() == 1
    page.wait_for_timeout(700)  # let the bars finish their CSS transition for the picture
    screenshot("media-upload-queue")

    # The worker processes the three accepted files; the page shows them once they are ready.
    wait_for(lambda: page.goto("/media") and page.locator(".media-card[data-status=ready]").count() == 3,
             timeout=20, interval=0.5)
    thumbs = page.locator(".media-card img")
    assert thumbs.count() == 2
    assert all(thumbs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(2))
    assert "800×500" in page.inner_text(".media-card:has-text('summer-sale.jpg')")
    assert "4 pages" in page.inner_text(".media-card:has-text('catalogue.pdf')")
    screenshot("media-library")

    card = page.locator(".media-card:has-text('logo.png')")
    card.locator("select[name=campaign_id]").select_option(label="Media campaign")  # picked by name, not id
    card.locator("text=Attach").click()
    page.wait_for_selector("text=Attached to the campaign.")
    assert "Campaign: Media campaign" in page.inner_text(".media-card:has-text('logo.png')")
    page.select_option(".media-filters select[name=file_type]", "document")
    page.locator(".media-filters button[type=submit]").click()
    page.wait_for_url("**file_type=document**")
    assert page.locator(".media-card").count() == 1 and page.is_visible("text=catalogue.pdf")
    page.select_option(".media-filters select[name=campaign_id]", label="Media campaign")
    page.select_option(".media-filters select[name=file_type]", "")
    page.locator(".media-filters button[type=submit]").click()
    page.wait_for_url(f"**campaign_id={CAMPAIGN}**")
    assert page.locator(".media-card").count() == 1 and page.is_visible("text=logo.png")
    screenshot("media-library-filtered")


@pytest.mark.browser
def test_library_uploads_with_javascript_off_and_shows_progress_while_waiting(browser, live_url, user, queued):
    context = browser.new_context(base_url=live_url, java_script_enabled=False, viewport={"width": 1280,
                                                                                             "height": 860})
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto("/media")
        page.set_input_files("#file-input", files=[
            {"name": "flyer.pdf", "mimeType": "application/pdf", "buffer": samples.pdf(pages=2)},
            {"name": "intro.wav", "mimeType": "audio/wav", "buffer": samples.wav()}])
        page.select_option("#upload-form select[name=file_type]", "")
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("text=Uploaded 2 file(s); processing has started.")
        # No worker here: both wait in the queue, shown as uploading with a progress bar.
        assert page.locator(".media-card[data-status=uploading] .progress").count() == 2
        assert [name for name, _args in queued] == ["media.process_file"] * 2
        page.screenshot(path=_shot("media-library-no-js"), full_page=True)
    finally:
        context.close()


def _shot(name: str) -> str:
    import os

    from tests.conftest import SCREENSHOTS

    os.makedirs(SCREENSHOTS, exist_ok=True)
    return os.path.join(SCREENSHOTS, f"{name}.png")


def test_dashboard_counts_media_and_admins_see_files_read_only(client, user, upload):
    upload(samples.image("JPEG"), "a.jpg")
    _login(client, user)
    dashboard = client.get("/").data
    assert b"Media files" in dashboard
    admin = make_user(username="root", role="admin")
    client.post("/logout")
    _login(client, admin)
    listing = client.get("/admin/mediafile/?search=a.jpg")
    assert listing.status_code == 200 and b"a.jpg" in listing.data
    assert client.get("/admin/mediafile/?flt0_0=IMAGE").status_code == 200
    assert client.get("/admin/mediafile/new/").status_code == 302  # read-only: back to the list, no form
