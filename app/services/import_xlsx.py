"""Reading XLSX uploads within bounds: sizes checked before anything is unpacked, the head read cheaply.

An XLSX is a zip of XML. A small upload can unpack to gigabytes (a zip bomb) or declare millions of rows, so
before openpyxl parses anything the archive's declared sizes and compression ratios are checked (Python's
zipfile never inflates a member past its declared size: a lie fails its CRC check instead). A request reads
only the head (headers and sample rows) with the shared-strings table read lazily, as far as those rows need.
"""
import re
import zipfile
from contextlib import contextmanager
from typing import Iterator
from xml.etree.ElementTree import ParseError

from flask import current_app
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from app.errors import ValidationError

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# Spreadsheet XML compresses 5-20 times (measured on 100,000-row sheets); far more is a bomb, not a sheet.
MAX_RATIO = 100
RATIO_FLOOR = 16 << 20  # small members may compress as they like
# Rows and shared strings may be big; every other part openpyxl parses on opening (styles, workbook, relations,
# theme) is small in any real workbook, and is parsed whole even for the head.
BULK_PARTS = re.compile(r"xl/(worksheets/[^/]+\.xml|sharedStrings\.xml)")
PART_MAX = 16 << 20
# Reading errors of a broken or hostile workbook (bad XML, a CRC that fails, a string index out of range).
READ_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, OSError, ValueError, EOFError,
               ParseError)


def refuse(message: str) -> ValidationError:
    return ValidationError(message, details={"file": [message]})


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would unpack to more than IMPORT_MAX_UNCOMPRESSED_MB, or that looks like a bomb."""
    limit_mb = current_app.config.get("IMPORT_MAX_UNCOMPRESSED_MB", 1024)
    total = 0
    for member in archive.infolist():
        total += member.file_size
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise refuse(f"This workbook unpacks to {member.file_size // max(member.compress_size, 1)} times its "
                         f"size ({member.filename}); that is not a spreadsheet we can import.")
        if member.file_size > PART_MAX and member.filename.endswith((".xml", ".rels")) \
                and not BULK_PARTS.fullmatch(member.filename):
            raise refuse(f"This workbook's {member.filename} unpacks to {member.file_size // (1024 * 1024)} MB; "
                         "that is not a spreadsheet we can import.")
    if total > limit_mb * 1024 * 1024:
        raise refuse(f"This workbook unpacks to {total // (1024 * 1024)} MB; at most {limit_mb} MB.")


class _LazyStrings:
    """The shared-strings table, parsed only as far as the cells read so far need."""

    def __init__(self, archive: zipfile.ZipFile, path: str):
        self._source = archive.open(path)
        self._nodes = iterparse(self._source)
        self._strings: list[str] = []

    def __getitem__(self, index: int) -> str:
        tag = f"{{{SHEET_MAIN_NS}}}si"
        while index >= len(self._strings) and self._nodes is not None:
            for _, node in self._nodes:
                if node.tag == tag:
                    self._strings.append(Text.from_tree(node).content.replace("x005F_", ""))
                    node.clear()
                    break
            else:
                self._nodes = None
                self._source.close()
        return self._strings[index]


class _HeadReader(ExcelReader):
    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        self.shared_strings = _LazyStrings(self.archive, part.PartName[1:]) if part is not None else []


@contextmanager
def open_sheet(path: str, *, head: bool = False):
    """The active sheet of a checked workbook (read-only, cached values of formulas); closed afterwards."""
    with open(path, "rb") as fh:  # a file object: openpyxl judges paths by their extension, and ours have none
        try:
            reader = (_HeadReader if head else ExcelReader)(fh, read_only=True, data_only=True)
            check_archive(reader.archive)
            reader.read()
            sheet = reader.wb.active
            if sheet is None or not hasattr(sheet, "iter_rows"):  # no sheet, or a chart sheet
                raise refuse("This workbook has no sheet of rows to import.")
        except ValidationError:
            raise
        except READ_ERRORS as exc:
            raise refuse(f"This file is neither CSV nor a readable XLSX workbook ({exc.__class__.__name__}).") \
                from None
        try:
            yield sheet
        finally:
            reader.wb.close()


def declared_rows(sheet) -> int:
    """Data rows the sheet says it has (its dimension), header aside; 0 when it does not say."""
    return max((sheet.max_row or 1) - 1, 0)


def rows(sheet, *, first: int = 1, last: int = EXCEL_MAX_ROWS, width: int | None = None) -> Iterator[tuple]:
    """Row values from row `first` to `last` (never past Excel's own last row: a hostile sheet may number its rows
    in the billions), `width` columns (default: as wide as the sheet says, at most Excel's limit)."""
    width = width or min(sheet.max_column or EXCEL_MAX_COLUMNS, EXCEL_MAX_COLUMNS)
    number = first
    try:
        for row in sheet.iter_rows(min_row=first, max_row=min(last, EXCEL_MAX_ROWS), max_col=width,
                                   values_only=True):
            yield row
            number += 1
    except READ_ERRORS as exc:
        raise refuse(f"Line {number}: the workbook cannot be read from here on ({exc.__class__.__name__}).") \
            from None
