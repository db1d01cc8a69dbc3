"""Fixtures the security tests share with the domains they attack (found here by pytest for every test below)."""
from tests.media.conftest import upload  # noqa: F401 - upload(data, name) through the API as the owner
from tests.webhooks.conftest import subscribe  # noqa: F401 - an endpoint on the local webhook receiver
