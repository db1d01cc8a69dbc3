"""Webhooks cannot be turned against our own network or other accounts (SSRF, DNS rebinding, redirects, ids)."""
import socket

import pytest

from app.integrations import webhook_http
from app.services import webhook_delivery
from tests.factories import make_user
from tests.webhooks.conftest import SECRET

NO_WAIT = lambda retries, retry_after: 0.0  # noqa: E731


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
    "http://[::1]:9/hook", "http://0.0.0.0:9/hook",
])
def test_private_and_loopback_urls_are_refused_without_the_flag(owner_api, config, url):
    config(WEBHOOKS_ALLOW_PRIVATE=False)
    answer = owner_api.post("/webhooks", json={"url": url, "events": ["*"]})
    assert answer.status_code == 422, answer.json
    assert "url" in answer.json["details"]


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x", "http://[::ffff:169.254.169.254]/x",
    "http://224.0.0.1/x",
])
def test_link_local_metadata_and_multicast_are_refused_even_with_the_flag(owner_api, config, url):
    config(WEBHOOKS_ALLOW_PRIVATE=True)
    answer = owner_api.post("/webhooks", json={"url": url, "events": ["*"]})
    assert answer.status_code == 422, answer.json


def test_the_address_is_checked_again_at_delivery_time(owner_api, webhook_receiver, config):
    hook = owner_api.post("/webhooks", json={"url": webhook_receiver.url + "/h", "events": ["*"]}).json
    config(WEBHOOKS_ALLOW_PRIVATE=False)  # allowed when it was made, refused now
    delivery_id = owner_api.post(f"/webhooks/{hook['id']}/test").json["id"]
    assert webhook_delivery.deliver(delivery_id, backoff=NO_WAIT) == "failed"
    assert webhook_receiver.received == []
    shown = owner_api.get(f"/webhooks/{hook['id']}/deliveries").json["deliveries"][0]
    assert shown["attempts"] == 1 and "private or loopback" in shown["error"]


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused(owner_api, webhook_receiver, config,
                                                                    monkeypatch):
    """DNS rebinding: the name resolved to a public address when the webhook was saved, to loopback later."""
    config(WEBHOOKS_ALLOW_PRIVATE=False)
    real = socket.getaddrinfo
    answers = {"addr": "93.184.216.34"}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host == "rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["addr"], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhook_http.socket, "getaddrinfo", fake_getaddrinfo)
    url = f"http://rebind.example:{webhook_receiver.port}/h"
    hook = owner_api.post("/webhooks", json={"url": url, "events": ["*"]})
    assert hook.status_code == 201
    answers["addr"] = "127.0.0.1"
    delivery_id = owner_api.post(f"/webhooks/{hook.json['id']}/test").json["id"]
    assert webhook_delivery.deliver(delivery_id, backoff=NO_WAIT) == "failed"
    assert webhook_receiver.received == []


def test_a_name_with_one_public_and_one_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))])
    with pytest.raises(webhook_http.UnsafeDestination):
        webhook_http.resolve("https://mixed.example/h", allow_private=False)


def test_redirects_are_not_followed(owner_api, subscribe, webhook_receiver):
    webhook_receiver.answer((302, {"Location": "http://169.254.169.254/latest/meta-data/"}))
    hook = subscribe()
    delivery_id = owner_api.post(f"/webhooks/{hook['id']}/test").json["id"]
    assert webhook_delivery.deliver(delivery_id, backoff=NO_WAIT) == "failed"
    assert len(webhook_receiver.received) == 1
    shown = owner_api.get(f"/webhooks/{hook['id']}/deliveries").json["deliveries"][0]
    assert shown["response_status"] == 302


def test_other_accounts_webhooks_and_deliveries_are_404(api, owner_api, subscribe):
    hook = subscribe()
    delivery_id = owner_api.post(f"/webhooks/{hook['id']}/test").json["id"]
    stranger = api.login(make_user(username="stranger"))
    assert stranger.get(f"/webhooks/{hook['id']}").status_code == 404
    assert stranger.patch(f"/webhooks/{hook['id']}", json={"active": False}).status_code == 404
    assert stranger.delete(f"/webhooks/{hook['id']}").status_code == 404
    assert stranger.get(f"/webhooks/{hook['id']}/deliveries").status_code == 404
    assert stranger.post(f"/webhooks/{hook['id']}/test").status_code == 404
    assert stranger.post(f"/webhooks/{hook['id']}/deliveries/{delivery_id}/redeliver").status_code == 404
    # Their own endpoint cannot reach this delivery either.
    theirs = stranger.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": SECRET})
    assert theirs.status_code == 201
    assert stranger.post(f"/webhooks/{theirs.json['id']}/deliveries/{delivery_id}/redeliver").status_code == 404


def test_the_secret_never_appears_in_lists_or_the_delivery_log(owner_api, subscribe):
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    assert SECRET not in owner_api.get("/webhooks").get_data(as_text=True)
    assert SECRET not in owner_api.get(f"/webhooks/{hook['id']}/deliveries").get_data(as_text=True)
