"""Browser-test helpers: media made as an upload makes it (stored, processed, thumbnail), console watching."""
import io

import pytest

from app.services import media, media_processing
from tests.media import samples


@pytest.fixture
def make_media(app, tmp_path, monkeypatch):
    """make_media(account, user, name, data=None) -> a processed MediaFile (a red JPEG unless `data` is given)."""
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "storage"))
    from app.services import dispatch

    monkeypatch.setattr(dispatch, "enqueue", lambda name, *args, **options: None)  # processed right here

    def make(account, user, name: str, data: bytes | None = None, **fields):
        item = media.upload_file(account, actor=user, stream=io.BytesIO(data or samples.image(color="red")),
                                 filename=name, **fields)
        media_processing.process_file(str(item.id))
        return item

    return make


class ConsoleWatch:
    """What a page reported while the test looked: console errors (CSP violations among them), failed requests."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("requestfailed", lambda req: self.problems.append(f"failed: {req.url} ({req.failure})"))
        page.on("response", lambda res: res.status >= 400 and self.problems.append(f"{res.status}: {res.url}"))


@pytest.fixture
def console(page):
    return ConsoleWatch(page)
