"""Notifications in Chromium: one notification, read by an English and a Spanish member of the same account, each in
their own language in the header's menu and on /notifications."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services import notifications
from tests.factories import add_member, make_user, own_account, sign_in_page

pytestmark = pytest.mark.browser


def test_members_read_the_same_notification_in_their_own_languages(page, user, screenshot, console):
    account = own_account(user)
    ana = make_user(username="ana", language="es", full_name="Ana Torres")
    add_member(account, ana, "viewer")
    notifications.notify_members(account, kind="messaging.completed", link="/campaigns",
                                 params={"name": "Rebajas", "sent": 1204, "failed": 0, "skipped": 3})
    db.session.commit()

    for member, title, body in ((user, "“Rebajas” was sent", "1,204 sent, 0 failed, 3 skipped."),
                                (ana, "“Rebajas” se envió", "1.204 enviados, 0 fallidos, 3 omitidos.")):
        page.context.clear_cookies()
        sign_in_page(page, member)
        if member is ana:  # she works in her own account by default: switch to the shared one
            page.select_option("#account-switcher", label=account.name)
            page.wait_for_url("**/")
        page.click("#notifications-toggle")
        item = page.locator("#notifications-menu .notification-item.unread")
        expect(item).to_contain_text(title)
        expect(item).to_contain_text(body)
        screenshot(f"notification_menu_{member.language}")
        page.goto("/notifications")
        expect(page.locator("#notifications-list tbody")).to_contain_text(title)
        screenshot(f"notifications_page_{member.language}")
    assert console.problems == []
