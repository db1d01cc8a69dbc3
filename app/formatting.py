"""How pages write times, numbers and money: in the viewer's language (Babel), times in their zone, named."""
from datetime import datetime
from decimal import Decimal

from flask_babel import format_currency, format_datetime, format_decimal, format_percent

NONE = "—"


def zone_name(value: datetime) -> str:
    """The viewer's zone at `value`, short: "CEST", "EDT", "UTC", else "GMT+5:30" (no made-up abbreviations)."""
    short = format_datetime(value, "z")
    return format_datetime(value, "O") if short[:1] in "+-" else short


def localtime(value: datetime | None, format: str = "medium") -> str:
    """A UTC timestamp in the viewer's time zone and language, the zone named after it ("9:00 AM CEST")."""
    if not value:
        return NONE
    return f"{format_datetime(value, format)} {zone_name(value)}"


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


FILTERS = {"localtime": localtime, "number": number, "money": money, "percent": percent}
