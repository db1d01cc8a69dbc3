"""Media tests store files in a fresh directory each."""
import io
import uuid

import pytest

from app.extensions import db
from tests.factories import make_user, own_account


@pytest.fixture(autouse=True)
def storage_dir(app, tmp_path, monkeypatch):
    path = tmp_path / "storage"
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(path))
    return path


@pytest.fixture
def account(user):
    return own_account(user)


@pytest.fixture
def upload(owner_api):
    """Upload bytes through the API as the owner: upload(data, name, **form) -> response."""

    def send(data: bytes, name: str = "file.bin", client=None, **form):
        body = {k: v for k, v in form.items() if v is not None}
        body["file"] = (io.BytesIO(data), name)
        return (client or owner_api).post("/media/upload", data=body, content_type="multipart/form-data")

    return send


@pytest.fixture
def stranger_api(api):
    return api.login(make_user(username="stranger"))


CAMPAIGN = "6f1f77bc-f86c-4d79-9439-011000000001"


@pytest.fixture
def campaign(account, user):
    """The campaign (id CAMPAIGN) that media tests attach files to, in the owner's account."""
    from app.services import campaigns

    made = campaigns.create_campaign(account, actor=user, name="Media campaign", budget=100, channel="display")
    made.id = uuid.UUID(CAMPAIGN)
    db.session.commit()
    return made
