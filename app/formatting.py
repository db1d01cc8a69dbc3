"""How pages write times, numbers and money: in the viewer's language (Babel), times in their zone, named."""
import re
from datetime import datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal, format_percent

NONE = "—"


_GMT_OFFSET = re.compile(r"([+-])0?(\d{1,2}):(\d\d)$")


def zone_name(value: datetime) -> str:
    """The viewer's zone at `value`, short: "CEST", "EDT", "UTC" where the language has a name for it, else its
    offset in the language's GMT format ("GMT+5:30", "GMT-6"), never a made-up abbreviation. (Babel does not
    implement the one-letter "O" pattern, CLDR's short GMT format, and writes "None": it is made here from "OOOO".)"""
    short = format_datetime(value, "z")
    if short[:1] not in "+-":
        return short
    return _GMT_OFFSET.sub(lambda m: m[1] + m[2] + ("" if m[3] == "00" else f":{m[3]}"),
                           format_datetime(value, "OOOO"))


def localtime(value: datetime | None, format: str = "medium") -> str:
    """A UTC timestamp in the viewer's time zone and language, the zone named after it ("9:00 AM CEST")."""
    if not value:
        return NONE
    return f"{format_datetime(value, format)} {zone_name(value)}"


def day(value, format: str = "medium") -> str:
    """A date in the viewer's language: "Mar 1, 2026" / "1 mar 2026" (medium), "3/1/26" / "1/3/26" (short)."""
    if not value:
        return NONE
    return format_date(value, format)


def number(value, digits: int | None = None) -> str:
    """12345 -> "12,345" (English), "12.345" (Spanish); `digits` fixes the decimals."""
    if value is None:
        return NONE
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def money(value, currency: str | None = "USD") -> str:
    """An amount in its currency, as the viewer's language writes it: "$1,500.00", "1.500,00 €"."""
    if value is None:
        return NONE
    return format_currency(Decimal(str(value)), (currency or "USD").upper())


def percent(value) -> str:
    """A percentage given as 0-100 (CTR 3.45) -> "3.45%" / "3,45 %"."""
    if value is None:
        return NONE
    return format_percent(Decimal(str(value)) / 100, "#,##0.00%")


class _Blank(dict):
    def __missing__(self, key):
        return "…"


def sentence(words, values: dict | None) -> str:
    """`words` (a lazy or plain "%(name)s" string) filled with `values` in the reader's language: whole numbers as
    the language writes them, a missing value as "…" (an old row or a changed message never breaks a page)."""
    filled = _Blank({k: number(v) if isinstance(v, int) and not isinstance(v, bool) else v
                     for k, v in (values or {}).items() if isinstance(v, (str, int, float))})
    return str(words) % filled  # a lazy string is translated here, in the current locale


FILTERS = {"localtime": localtime, "day": day, "number": number, "money": money, "percent": percent}
