"""Reading customer files: CSV in any common delimiter and encoding, or XLSX; header mapping in English and Spanish."""
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterator

from app.errors import ValidationError

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 5
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


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252/Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


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


def inspect(path: str) -> FileInfo:
    """Format, encoding, delimiter, headers and a few sample rows; refuses files we cannot read."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise _refuse("The file is empty.")
    if sniff_format(head) == "xlsx":
        return _inspect_xlsx(path)
    with open(path, "rb") as fh:
        text, encoding = decode(fh.read())
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text[:262144]), delimiter=delimiter)
    headers = next(reader, [])
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise _refuse("The file is empty.")
    sample = [row for row, _ in zip(reader, range(SAMPLE_ROWS))]
    return FileInfo("csv", headers, sample, encoding, delimiter, row_estimate=max(text.count("\n"), 1))


def _open_xlsx(path: str):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # A file object, not the path: openpyxl judges paths by their extension, and ours have none.
        return openpyxl.load_workbook(open(path, "rb"), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _refuse(f"This file is neither CSV nor a readable XLSX workbook ({exc.__class__.__name__}).") from None


def _inspect_xlsx(path: str) -> FileInfo:
    workbook = _open_xlsx(path)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        headers = [cell_text(v) for v in next(rows, ())]
        if not any(headers):
            raise _refuse("The file is empty.")
        sample = [[cell_text(v) for v in row] for row, _ in zip(rows, range(SAMPLE_ROWS))]
        return FileInfo("xlsx", headers, sample, row_estimate=max((workbook.active.max_row or 1) - 1, 0))
    finally:
        workbook.close()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed into Excel come back as floats
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def iter_rows(path: str, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank data row, after the header."""
    if info.format == "xlsx":
        workbook = _open_xlsx(path)
        try:
            for number, row in enumerate(workbook.active.iter_rows(values_only=True), start=1):
                if number == 1:
                    continue
                cells = [cell_text(v) for v in row]
                if any(cells):
                    yield number, cells
        finally:
            workbook.close()
        return
    with open(path, "rb") as fh:
        text, _ = decode(fh.read())
    reader = csv.reader(io.StringIO(text), delimiter=info.delimiter or ",")
    next(reader, None)
    for row in reader:
        if any(c.strip() for c in row):
            yield reader.line_num, row


def count_rows(path: str, info: FileInfo) -> int:
    """Data rows (blank ones aside); without quotes a CSV record is a line, counted at C speed."""
    if info.format == "csv":
        with open(path, "rb") as fh:
            data = fh.read()
        if b'"' not in data and info.encoding in ("utf-8", "utf-8-sig", "cp1252", "latin-1"):
            lines = data.splitlines()
            blank = sum(1 for line in lines if not line.strip(b" \t" + (info.delimiter or ",").encode()))
            return max(len(lines) - blank - 1, 0)
    return sum(1 for _ in iter_rows(path, info))
