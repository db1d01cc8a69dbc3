"""The admin's read-only views of webhooks, API keys and exports: they list, and no secret is shown."""
from tests.factories import make_user, sign_in


def test_admins_see_integrations_without_their_secrets(client, api, owner_api):
    made = owner_api.post("/api-keys", json={"name": "Storefront"}).json
    hook = owner_api.post("/webhooks", json={"url": "https://93.184.216.34/hook", "events": ["*"],
                                             "secret": "a-secret-nobody-may-see-123"}).json
    owner_api.get("/campaigns/export?format=pdf")
    sign_in(client, make_user(username="root", role="admin"))
    for path in ("/admin/apikey/", "/admin/webhookendpoint/", "/admin/webhookdelivery/", "/admin/exportjob/"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert made["key"] not in html and made["key"][12:30] not in html
        assert "a-secret-nobody-may-see-123" not in html
    assert "Storefront" in client.get("/admin/apikey/").get_data(as_text=True)
    assert hook["url"] in client.get("/admin/webhookendpoint/").get_data(as_text=True)
    client.post("/admin/apikey/delete/", data={"id": made["id"]})  # read-only: nothing is deleted past the service
    assert owner_api.get(f"/api-keys/{made['id']}").json["revoked_at"] is None
