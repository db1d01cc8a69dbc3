"""Media library: the upload API, the library page and signed downloads."""
from flask import url_for

from app.models import MediaFile
from app.services import media


def file_url(item: MediaFile, variant: str = "original", external: bool = True) -> str | None:
    """A signed, expiring URL for the file (or its thumbnail); None when there is no such variant."""
    if variant == "thumbnail" and not item.thumbnail_key:
        return None
    return url_for("media.download", token=media.download_token(item, variant), _external=external)
