"""Reading customer files: CSV in any common delimiter and encoding, or XLSX; header mapping in English and Spanish."""
import codecs
import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterator, TextIO

from app.errors import ValidationError
from app.services import import_xlsx
from app.services.csv_safe import unescape_cell

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 5
HEAD_BYTES = 1 << 20  # what a request reads of a CSV: headers, samples, and a readability check of the head
CHUNK = 1 << 20
# The fields a column can feed; "attributes.<key>" feeds a custom attribute.
FIELDS = ("email", "phone", "first_name", "last_name", "full_name", "language", "timezone", "city", "country",
          "latitude", "longitude", "tags", "consent_email", "consent_whatsapp", "consent_push", "orders_count",
          "last_order_at")
SYNONYMS = {
    "email": ["email", "e-mail", "email address", "mail", "correo", "correo electronico", "e-mail address", "emails"],
    "phone": ["phone", "phone number", "telephone", "mobile", "mobile phone", "cell", "cellphone", "tel", "whatsapp",
              "telefono", "movil", "celular", "numero de telefono", "telefono movil", "msisdn"],
    "first_name": ["first name", "firstname", "given name", "forename", "nombre", "nombres", "primer nombre"],
    "last_name": ["last name", "lastname", "surname", "family name", "apellido", "apellidos"],
    "full_name": ["name", "full name", "fullname", "customer name", "contact name", "nombre completo",
                  "nombre y apellidos", "cliente"],
    "language": ["language", "lang", "locale", "idioma", "lengua"],
    "timezone": ["timezone", "time zone", "tz", "zona horaria", "huso horario"],
    "city": ["city", "town", "ciudad", "localidad", "municipio"],
    "country": ["country", "country code", "pais", "codigo de pais"],
    "latitude": ["latitude", "lat", "latitud"],
    "longitude": ["longitude", "lon", "lng", "long", "longitud"],
    "tags": ["tags", "tag", "labels", "etiquetas", "etiqueta"],
    "consent_email": ["email consent", "email opt in", "email optin", "accepts email", "email marketing",
                      "consentimiento email", "acepta email", "acepta correo", "consentimiento correo"],
    "consent_whatsapp": ["whatsapp consent", "whatsapp opt in", "whatsapp optin", "accepts whatsapp",
                         "consentimiento whatsapp", "acepta whatsapp"],
    "consent_push": ["push consent", "push opt in", "accepts push", "consentimiento push", "acepta push"],
    "orders_count": ["orders", "orders count", "order count", "total orders", "pedidos", "numero de pedidos",
                     "compras", "numero de compras"],
    "last_order_at": ["last order", "last order at", "last order date", "last purchase", "ultimo pedido",
                      "fecha ultimo pedido", "ultima compra", "fecha ultima compra"],
}
_KEY = {re.sub(r"[^a-z0-9]", "", s): f for f, words in SYNONYMS.items() for s in words}


@dataclass
class FileInfo:
    format: str  # csv | xlsx
    headers: list[str]
    sample: list[list[str]] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    row_estimate: int = 0
    rows_known: bool = False  # row_estimate is the file's own count (a CSV read whole, an XLSX's dimension)


def header_key(header: str) -> str:
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Column → field for the headers we recognise (English and Spanish); each field taken once."""
    mapping, taken = {}, set()
    for header in headers:
        fld = _KEY.get(header_key(header))
        if fld and fld not in taken:
            mapping[header] = fld
            taken.add(fld)
    return mapping


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, details={"file": [message]})


def _unreadable(line: int, reason: str) -> ValidationError:
    message = f"Line {line}: {reason}"
    return ValidationError(f"The file cannot be read: {message}", details={"file": [message]})


def _drop_cut_tail(exc: UnicodeError):
    # A UTF-16 file with an odd byte count was cut short: its last byte cannot be a character on its own.
    if isinstance(exc, UnicodeDecodeError) and exc.reason == "truncated data" and exc.end == len(exc.object):
        return "", exc.end
    raise exc


codecs.register_error("import-cut-tail", _drop_cut_tail)


def _errors(encoding: str) -> str:
    # A UTF-8 BOM is a promise: a stray bad byte later becomes U+FFFD rather than a refused file.
    return {"utf-16": "import-cut-tail", "utf-8-sig": "replace"}.get(encoding, "strict")


def _line_of(text: str) -> int:
    """The line the end of `text` is on (a line ends with \n, \r\n or a lone \r, as in old Mac exports)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def sniff_encoding(head: bytes, *, final: bool) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 or Latin-1, judged on `head`."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=final)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def confirm_encoding(path: str, encoding: str) -> str:
    """The encoding that reads the whole file (the request judged by its head only), read in 1 MB steps.

    A UTF-8 guess falls back to Windows-1252, then Latin-1 (which reads anything); a UTF-16 file with a broken
    character is refused naming its line.
    """
    if encoding == "utf-16":
        _decode_all(path, encoding)
        return encoding
    for candidate in {"utf-8": ("utf-8", "cp1252"), "cp1252": ("cp1252",)}.get(encoding, ()):
        try:
            _decode_all(path, candidate)
            return candidate
        except ValidationError:
            continue
    return "latin-1" if encoding in ("utf-8", "cp1252") else encoding


def _decode_all(path: str, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors=_errors(encoding))
    line, last = 1, ""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                inner = encoding
                if encoding == "utf-16":  # past its BOM, the bytes before the error need the byte order it named
                    inner = "utf-16-le" if decoder.decoder is codecs.utf_16_le_decode else "utf-16-be"
                before = exc.object[:exc.start].decode(inner, errors="ignore")
                raise _unreadable(line + _line_of(before) - 1,
                                  f"this is not {encoding.upper()} text ({exc.reason}).") from None
            line += _line_of(text) - 1 - (last == "\r" and text[:1] == "\n")  # a \r\n cut in two
            last = text[-1:] or last
            if not chunk:
                return


def _decode_head(head: bytes, encoding: str, *, final: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors=_errors(encoding))
    try:
        return decoder.decode(head, final=final)
    except UnicodeDecodeError as exc:
        before = codecs.decode(head[:exc.start], encoding, errors="ignore")
        raise _unreadable(_line_of(before), f"this is not {encoding.upper()} text ({exc.reason}).") from None


def sniff_delimiter(text: str) -> str:
    lines = [line for line in text[:65536].splitlines()[:20] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sniff_format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("Old Excel files (.xls) are not supported: save the sheet as .xlsx or .csv.")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse("This file is neither CSV nor XLSX.")
    return "csv"


def _records(stream: TextIO, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every CSV record; a record the csv module cannot read is refused naming its line."""
    reader = csv.reader(stream, delimiter=delimiter)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                reason = (f"a field is longer than {csv.field_size_limit():,} characters "
                          "(is a quote left open?).")
            else:
                reason = f"this is not valid CSV ({exc})."
            raise _unreadable(line, reason) from None
        except UnicodeDecodeError as exc:
            raise _unreadable(line, f"this is not {encoding.upper()} text ({exc.reason}).") from None
        yield line, row


def inspect(path: str) -> FileInfo:
    """Format, encoding, delimiter, headers and sample rows from the file's head only (a bounded read, so a
    request never pays for a big file); refuses files we cannot read. Rows are counted by the task."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise _refuse("The file is empty.")
    if sniff_format(head[:8192]) == "xlsx":
        return _inspect_xlsx(path)
    whole = len(head) == size
    encoding = sniff_encoding(head, final=whole)
    text = _decode_head(head, encoding, final=whole)
    delimiter = sniff_delimiter(text)
    records = _records(io.StringIO(text, newline=""), delimiter, encoding)
    headers = [unescape_cell(h.strip()) for h in next(records, (0, []))[1]]
    if not any(headers):
        raise _refuse("The file is empty.")
    sample, rows = [], 0
    for _, row in records:  # the whole head: a record the csv module cannot read is refused now, with its line
        if any(c.strip() for c in row):
            rows += 1
            if len(sample) < SAMPLE_ROWS:
                sample.append(row)
    if not whole:  # the head's last record may be cut: estimate from the share of the file read
        rows = max(int((rows - 1) * size / len(head)), 1)
    return FileInfo("csv", headers, sample, encoding, delimiter, row_estimate=rows, rows_known=whole)


def _inspect_xlsx(path: str) -> FileInfo:
    with import_xlsx.open_sheet(path, head=True) as sheet:
        head = [[cell_text(v) for v in row] for row in import_xlsx.rows(sheet, last=SAMPLE_ROWS + 1)]
        declared = import_xlsx.declared_rows(sheet)
    headers = [unescape_cell(h) for h in head[0]] if head else []
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise _refuse("The file is empty.")
    sample = [row[:len(headers)] for row in head[1:] if any(row)]
    return FileInfo("xlsx", headers, sample, row_estimate=declared, rows_known=bool(declared))


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed into Excel come back as floats
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _open_text(path: str, encoding: str | None) -> TextIO:
    # newline="": records end at \n, \r\n or a lone \r, and line breaks inside quoted fields stay as they are.
    encoding = encoding or "utf-8"
    return open(path, encoding=encoding, errors=_errors(encoding), newline="")


def iter_rows(path: str, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank data row, after the header, streamed from the file."""
    if info.format == "xlsx":
        with import_xlsx.open_sheet(path) as sheet:
            for number, row in enumerate(import_xlsx.rows(sheet, first=2, width=max(len(info.headers), 1)), 2):
                cells = [cell_text(v) for v in row]
                if any(cells):
                    yield number, cells
        return
    with _open_text(path, info.encoding) as stream:
        records = _records(stream, info.delimiter or ",", info.encoding or "utf-8")
        next(records, None)
        for line, row in records:
            if any(c.strip() for c in row):
                yield line, row


def count_rows(path: str, info: FileInfo, *, stop_after: int | None = None) -> int:
    """Data rows (blank ones aside), up to `stop_after` + 1 when given; a CSV without quotes is counted by lines
    at C speed, anything else by reading its records."""
    if info.format == "csv" and (info.encoding or "utf-8") in ("utf-8", "utf-8-sig", "cp1252", "latin-1"):
        lines = _count_lines(path, info.delimiter or ",")
        if lines is not None:
            return lines
    count = 0
    for _ in iter_rows(path, info):
        count += 1
        if stop_after is not None and count > stop_after:
            break
    return count


def _count_lines(path: str, delimiter: str) -> int | None:
    blank = b" \t\r\n" + delimiter.encode()
    count, carry = 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if b'"' in chunk:
                return None  # quoted fields may span lines: only the csv module can tell
            lines = (carry + chunk).splitlines(keepends=True)
            # The last line may go on in the next chunk (a \r may be the first half of \r\n).
            carry = lines.pop() if lines and (lines[-1].endswith(b"\r") or not lines[-1].endswith(b"\n")) else b""
            count += sum(1 for line in lines if line.strip(blank))
    count += 1 if carry.strip(blank) else 0
    return max(count - 1, 0)  # the header
