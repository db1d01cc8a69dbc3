"""What a media file is and what is in it: type by magic bytes, safe names, metadata and thumbnails.

Pure functions over bytes and streams; no database, no storage, so they are easy to test and reuse.
"""
import io
import wave
from dataclasses import dataclass, field
from typing import BinaryIO

import filetype
import mutagen
from PIL import Image, ImageOps
from pypdf import PdfReader
from werkzeug.utils import secure_filename

from app.models import FileType

# Detected MIME type -> (file type, the extension the stored name gets, the MIME type we record).
ACCEPTED = {
    "image/jpeg": (FileType.IMAGE, "jpg", "image/jpeg"),
    "image/png": (FileType.IMAGE, "png", "image/png"),
    "image/webp": (FileType.IMAGE, "webp", "image/webp"),
    "image/gif": (FileType.IMAGE, "gif", "image/gif"),
    "video/mp4": (FileType.VIDEO, "mp4", "video/mp4"),
    "video/webm": (FileType.VIDEO, "webm", "video/webm"),
    "audio/mpeg": (FileType.AUDIO, "mp3", "audio/mpeg"),
    "audio/ogg": (FileType.AUDIO, "ogg", "audio/ogg"),
    "audio/x-wav": (FileType.AUDIO, "wav", "audio/wav"),
    "application/pdf": (FileType.DOCUMENT, "pdf", "application/pdf"),
}
SNIFF_BYTES = 8192


@dataclass
class Detected:
    file_type: FileType
    extension: str
    mime_type: str


@dataclass
class Analysis:
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    page_count: int | None = None
    meta: dict = field(default_factory=dict)
    thumbnail: bytes | None = None  # JPEG, metadata stripped


class ContentError(Exception):
    """The content claims a type by its magic bytes but cannot be read as that type.

    str(exc) is for people (shown with the file); `detail` is the decoder's own words, which may name server
    paths (Pillow names the file it read), and goes to the log only.
    """

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(reason)
        self.detail = detail


def detect(head: bytes) -> Detected | None:
    """The accepted type of content starting with `head`, or None; the client's name and header are ignored."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        return None
    return Detected(*ACCEPTED[kind.mime])


def safe_filename(original: str | None, extension: str) -> str:
    """An ASCII name without any path, ending in the extension of the real content."""
    # Browsers on Windows may send full paths with backslashes; treat them as separators too.
    name = secure_filename((original or "").replace("\\", "/"))
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:100].strip('._') or 'file'}.{extension}"


def analyse(stream: BinaryIO, detected: FileType, mime_type: str, *, thumbnail_size: int = 320) -> Analysis:
    """Read dimensions, duration or page count (and make an image's thumbnail); ContentError if unreadable."""
    try:
        if detected == FileType.IMAGE:
            return _image(stream, thumbnail_size)
        if detected == FileType.DOCUMENT:
            return _pdf(stream)
        return _timed_media(stream, mime_type)
    except ContentError:
        raise
    except Exception as exc:  # noqa: BLE001 - decoders raise many kinds; all mean "not readable"
        raise ContentError(f"The {detected.value} could not be read: it is damaged or not in a format we can read.",
                           detail=f"{exc.__class__.__name__}: {exc}") from exc


def _image(stream: BinaryIO, size: int) -> Analysis:
    with Image.open(stream) as img:
        orientation = img.getexif().get(0x0112)
        # The stored original keeps its bytes; dimensions and thumbnail are as a person sees the picture.
        width, height = (img.height, img.width) if orientation in (5, 6, 7, 8) else img.size
        meta = {"format": img.format, "mode": img.mode, "frames": getattr(img, "n_frames", 1)}
        if orientation:
            meta["exif_orientation"] = orientation
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: a 24-megapixel photo need not be decoded whole for 320 px.
        img.draft("RGB", (size, size))
        img.load()
        thumb = ImageOps.exif_transpose(img)
    thumb.thumbnail((size, size))
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, "white")
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    # A fresh JPEG without exif=/icc_profile= carries no metadata (GPS, camera) from the original.
    thumb.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return Analysis(width=width, height=height, meta=meta, thumbnail=out.getvalue())


def _pdf(stream: BinaryIO) -> Analysis:
    reader = PdfReader(stream)
    if reader.is_encrypted:
        reader.decrypt("")
    pages = len(reader.pages)
    info = reader.metadata or {}
    meta = {key.strip("/").lower(): str(info[key])[:200] for key in ("/Title", "/Author") if info.get(key)}
    return Analysis(page_count=pages, meta=meta)


def _timed_media(stream: BinaryIO, mime_type: str) -> Analysis:
    if mime_type == "audio/wav":
        try:
            with wave.open(stream) as wav:
                rate = wav.getframerate()
                return Analysis(duration=round(wav.getnframes() / rate, 3),
                                meta={"channels": wav.getnchannels(), "sample_rate": rate})
        except wave.Error:
            stream.seek(0)  # not plain PCM (e.g. float samples): mutagen may still know it
    # Duration is read where a container says it cheaply (MP3 frames, Ogg pages, MP4 mvhd); WebM is not read.
    try:
        parsed = mutagen.File(stream)
    except Exception:  # noqa: BLE001 - a container we cannot measure is still a usable file
        parsed = None
    info = getattr(parsed, "info", None)
    if info is None or not getattr(info, "length", None):
        return Analysis(meta={"duration_read": False})
    meta = {name: getattr(info, name) for name in ("channels", "sample_rate", "bitrate")
            if isinstance(getattr(info, name, None), int)}
    return Analysis(duration=round(float(info.length), 3), meta=meta)
