"""Messaging fixtures: the local SMTP server wired into the app's settings, and settings changed for one test."""
import pytest

from tests.conftest import _wait_for_idle_worker
from tests.servers import SmtpServer, TwilioServer


@pytest.fixture
def settings(app):
    """Change app settings for one test; every one is put back afterwards."""
    saved = {}

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield change
    app.config.update(saved)


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """The local SMTP server, empty, as the app's SMTP_HOST; quick retries so tests do not wait for backoff."""
    smtp_server.reset()
    settings(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None,
             SMTP_FROM="Shop <news@shop.test>", PUBLIC_URL="http://links.test", MESSAGING_RETRY_BASE=0.05)
    yield smtp_server
    smtp_server.reset()


@pytest.fixture(scope="session")
def twilio_server():
    server = TwilioServer().start()
    yield server
    server.stop()


@pytest.fixture
def twilio(twilio_server, settings):
    """The local Twilio-compatible server as the app's Twilio, empty; quick retries."""
    twilio_server.reset()
    settings(TWILIO_ACCOUNT_SID=twilio_server.account_sid, TWILIO_AUTH_TOKEN=twilio_server.auth_token,
             TWILIO_WHATSAPP_FROM="+14155238886", TWILIO_BASE_URL=twilio_server.url, PUBLIC_URL="http://links.test",
             MESSAGING_RETRY_BASE=0.05)
    yield twilio_server
    twilio_server.reset()


@pytest.fixture(autouse=True)
def _email_goes_to_the_local_server(smtp_server, settings):
    """A send a test starts without asking for `smtp` (a worker picks up its batches) must not write .eml files
    into the working tree's instance/outbox: every messaging test has the local SMTP server as SMTP_HOST."""
    settings(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None)
    yield
    # Batches a test left to the worker finish under these settings, not the next test's.
    _wait_for_idle_worker()
