"""CSV that is safe to open in a spreadsheet: every CSV the product writes goes through `writer()`.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula, so a customer's "name" could become `=HYPERLINK(...)` in a marketer's sheet
(CSV/formula injection). Such cells get a leading apostrophe, which spreadsheets read as "this is text" and
which our importer takes off again (`unescape_cell`), so a downloaded file can be fixed and imported back.
"""
import csv
from typing import Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` with a leading apostrophe if a spreadsheet would run it as a formula; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The reverse of `safe_cell` for text read back from a file (an apostrophe before a formula character)."""
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


class SafeWriter:
    """csv.writer with every cell passed through `safe_cell`."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, **kwargs) -> SafeWriter:
    """Use instead of `csv.writer` for any CSV a person may open in a spreadsheet."""
    return SafeWriter(stream, **kwargs)
