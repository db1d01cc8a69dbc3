"""Small real files of every accepted kind, made in memory (no binary fixtures in the repository)."""
import io
import struct
import wave

from PIL import Image
from pypdf import PdfWriter


def image(fmt: str = "JPEG", size=(64, 48), color="red", exif_orientation: int | None = None,
          gps: bool = False) -> bytes:
    img = Image.new("RGB", size, color)
    # A marker in one corner shows which way the thumbnail was turned.
    img.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    if gps:
        exif[0x010F] = "SecretCam"  # Make
        exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if (exif_orientation or gps) else {}
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def wav(seconds: float = 1.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return out.getvalue()


def mp3(frames: int = 100) -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames of 1152 samples (26.1 ms each).
    frame = bytes([0xFF, 0xFB, 0x90, 0x00]) + b"\0" * 413
    return frame * frames


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(seconds: float = 2.5) -> bytes:
    mvhd = _box(b"mvhd", b"\0" * 4 + struct.pack(">IIII", 0, 0, 1000, int(seconds * 1000)) + b"\0" * 80)
    return _box(b"ftyp", b"isom\0\0\2\0isomiso2mp41") + _box(b"moov", mvhd)


def webm() -> bytes:
    return bytes.fromhex("1A45DFA39F4286810142F7810142F2810442F381084282847765626D428781044285810218538067")


def ogg() -> bytes:
    return b"OggS\0\2" + b"\0" * 60


def pdf(pages: int = 3, title: str | None = "Spring catalogue") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
