"""X-Forwarded-* headers are believed only from the proxies PROXY_HOPS names: a client cannot pick its own IP
(rate limits, audit log) or scheme by sending them."""
from flask import request

from app import create_app


def _app(hops: int):
    app = create_app({"ENV": "testing", "PROXY_HOPS": hops})

    @app.get("/_whoami")
    def whoami():
        return {"ip": request.remote_addr, "scheme": request.scheme}

    return app


def test_forwarded_headers_are_ignored_without_proxies(app):
    answer = _app(0).test_client().get("/_whoami", headers={"X-Forwarded-For": "6.6.6.6",
                                                            "X-Forwarded-Proto": "https"})
    assert answer.json == {"ip": "127.0.0.1", "scheme": "http"}


def test_one_proxy_hop_gives_the_clients_address_and_scheme(app):
    answer = _app(1).test_client().get("/_whoami", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7",
                                                            "X-Forwarded-Proto": "https"})
    # Only the last hop (the one our proxy appended) is believed; the client's own claim before it is not.
    assert answer.json == {"ip": "203.0.113.7", "scheme": "https"}
