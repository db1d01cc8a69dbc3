"""Processing of an uploaded file in committed steps, so its status and progress are visible while it runs."""
import io
import logging
import re

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.storage import local_copy
from app.models import MediaFile, MediaStatus, utcnow
from app.services import locked, unit_of_work
from app.services.activity import record_event
from app.services.media import get_storage
from app.services.media_content import Analysis, ContentError, analyse

log = logging.getLogger(__name__)

STORAGE_FAILED = "The stored file could not be read; upload it again."
# A server path (/srv/app/instance/storage/..., C:\data\...) in a reason handed to fail_processing: never shown.
_SERVER_PATH = re.compile(r"""(?:[A-Za-z]:)?[\\/](?:[^\s'"<>\\/]+[\\/])+[^\s'"<>]*""")


def process_file(file_id: str) -> MediaStatus | None:
    """Analyse a file (thumbnail for images, metadata for the rest); safe to run twice.

    Returns the final status, or None when there was nothing to do (deleted, or already final).
    Storage failures that may pass raise RetryableIntegrationError for the task to retry.
    """
    media = start_processing(file_id)
    if media is None:
        return None
    storage = get_storage()
    try:
        # Decoders seek: the file is fetched once to a temporary file (the local backend's own file is used as
        # is), never held in memory, so a worker on any machine can process it.
        with local_copy(storage, media.storage_key) as path, open(path, "rb") as stream:
            analysis = analyse(stream, media.file_type, media.mime_type,
                               thumbnail_size=current_app.config["MEDIA_THUMBNAIL_SIZE"])
        thumbnail_key = None
        if analysis.thumbnail is not None:
            report_progress(file_id, 70, "Saving thumbnail...")
            thumbnail_key = media.storage_key.rsplit(".", 1)[0] + ".thumb.jpg"
            storage.save(thumbnail_key, io.BytesIO(analysis.thumbnail), "image/jpeg")
    except RetryableIntegrationError:
        raise
    except ContentError as exc:
        return fail_processing(file_id, str(exc), detail=exc.detail)
    except IntegrationError as exc:  # e.g. the stored file is gone; its key and the storage's words stay in the log
        return fail_processing(file_id, STORAGE_FAILED, detail=str(exc))
    return finish_processing(file_id, analysis, thumbnail_key=thumbnail_key)


def _locked(file_id: str) -> MediaFile | None:
    return db.session.scalar(locked(select(MediaFile).where(MediaFile.id == file_id)))


@unit_of_work
def start_processing(file_id: str) -> MediaFile | None:
    """Mark the file `processing`, or None if it is gone or already final (a repeated delivery)."""
    media = _locked(file_id)
    if media is None or media.status.is_final:
        return None
    media.status, media.progress = MediaStatus.PROCESSING, 10
    media.message, media.error = f"Processing {media.file_type.value}...", None
    return media


@unit_of_work
def report_progress(file_id: str, progress: int, message: str) -> None:
    media = _locked(file_id)
    if media is not None and media.status == MediaStatus.PROCESSING:
        media.progress, media.message = progress, message


@unit_of_work
def finish_processing(file_id: str, analysis: Analysis, *, thumbnail_key: str | None) -> MediaStatus | None:
    """Record the analysis and mark the file `ready`; only the first finisher reports `media.processed`."""
    media = _locked(file_id)
    if media is None or media.status != MediaStatus.PROCESSING:
        if media is None and thumbnail_key:
            get_storage().delete(thumbnail_key)  # deleted while we worked: leave nothing behind
        return None
    media.width, media.height, media.duration = analysis.width, analysis.height, analysis.duration
    media.page_count, media.meta, media.thumbnail_key = analysis.page_count, analysis.meta, thumbnail_key
    media.status, media.progress, media.message, media.error = MediaStatus.READY, 100, "Ready", None
    media.processed_at = utcnow()
    record_event(media.account, None, "media.processed", media, {
        "status": "ready", "file_type": media.file_type.value, "width": media.width, "height": media.height,
        "duration": media.duration, "page_count": media.page_count})
    return MediaStatus.READY


@unit_of_work
def fail_processing(file_id: str, error: str, *, detail: str | None = None) -> MediaStatus | None:
    """Mark the file `failed` with a reason people may read; reported once as `media.processed` (status failed).

    `error` is shown with the file (API, pages, webhooks), so it must say what happened without internals; the
    `detail` (exception text, paths, storage keys) is logged only. Paths that slip into `error` are cut out.
    """
    media = _locked(file_id)
    if media is None or media.status.is_final:
        return None
    log.warning("Media %s failed processing: %s", file_id, detail or error)
    error = _SERVER_PATH.sub("(a file)", error)
    media.status, media.message, media.error = MediaStatus.FAILED, "Processing failed", error[:1000]
    media.processed_at = utcnow()
    record_event(media.account, None, "media.processed", media, {"status": "failed", "error": media.error})
    return MediaStatus.FAILED


