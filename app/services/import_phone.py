"""Phone numbers of an import read at import speed, with the same answer as `customer_fields.normalize_phone`.

Nearly every phone in a file is different, so caching whole values does not help; what costs is `phonenumbers`'
generic parse (extensions, letters, national formats: ~20 µs) and its validity check (a dozen regexes looked up by
pattern text: ~12 µs). Numbers written `+<digits>` with spaces or hyphens between groups take a short path that
runs the same steps of `phonenumbers.parse` that apply to them (country code, national prefix, length checks,
through the library's own helpers) and the same validity rule with the region's patterns compiled once. Anything
else (national formats, letters, extensions, odd punctuation) goes to `normalize_phone`, cached per value.
tests/audience/test_import_phone.py checks both paths give the same answers on a large sample of numbers.
"""
import functools
import re

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers import phonenumberutil as pnu

from app.services import customer_fields

_PLAIN = re.compile(r"\+([0-9]+(?:[ -][0-9]+)*)")
_NON_GEO = pnu.REGION_CODE_FOR_NON_GEO_ENTITY
# The order of phonenumbers' _number_type_helper; a number is valid when the general description and any of these
# match (fixed line and mobile included: when both share one pattern, either answers for both).
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
          "fixed_line", "mobile")
NOT_A_NUMBER = "Not a phone number."
INVALID = "Not a valid phone number for its country."


def _desc(desc):
    """(possible lengths or None, pattern text) of a PhoneNumberDesc, or None where it can never match."""
    if desc is None or not desc.national_number_pattern:
        return None
    return (frozenset(desc.possible_length) if desc.possible_length else None), desc.national_number_pattern


class _Region:
    """One region's validity rule, with the type patterns that allow a length joined into one regex per length."""

    __slots__ = ("metadata", "general", "by_length", "leading_digits")

    def __init__(self, metadata):
        self.metadata = metadata
        general = _desc(metadata.general_desc)
        types = [d for d in (_desc(getattr(metadata, name)) for name in _TYPES) if d is not None]
        self.general = None if general is None else (general[0], re.compile(general[1]))
        # A full match of (?:a)|(?:b) is a full match of a or of b: one regex call instead of up to ten.
        self.by_length = {length: re.compile("|".join(f"(?:{p})" for lengths, p in types
                                                      if lengths is None or length in lengths) or "(?!)")
                          for length in range(pnu._MAX_LENGTH_FOR_NSN + 1)}
        self.leading_digits = re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None

    def valid(self, nsn: str) -> bool:
        if self.general is None:
            return False
        lengths, pattern = self.general
        if (lengths is not None and len(nsn) not in lengths) or pattern.fullmatch(nsn) is None:
            return False
        typed = self.by_length.get(len(nsn))
        return typed is not None and typed.fullmatch(nsn) is not None


@functools.lru_cache(maxsize=None)
def _region(region_code: str, country_code: int) -> _Region | None:
    metadata = (PhoneMetadata.metadata_for_nongeo_region(country_code, None) if region_code == _NON_GEO
                else PhoneMetadata.metadata_for_region(region_code, None))
    return _Region(metadata) if metadata is not None else None


def _valid(country_code: int, nsn: str) -> bool:
    """phonenumbers.is_valid_number for a parsed number (region_code_for_number, then the region's patterns)."""
    regions = COUNTRY_CODE_TO_REGION_CODE[country_code]
    if len(regions) == 1:
        region = _region(regions[0], country_code)
        return region is not None and region.valid(nsn)
    for code in regions:
        region = _region(code.upper(), country_code) if code != _NON_GEO else None
        if region is None:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(nsn):
                return region.valid(nsn)
        elif region.valid(nsn):
            return True
    return False


def _parse_plain(digits: str) -> str | None:
    """E.164 of `+<digits>` as parse + is_valid_number + format(E164) give it; FieldError; None: ask phonenumbers."""
    if len(digits) <= pnu._MIN_LENGTH_FOR_NSN:
        raise customer_fields.FieldError(NOT_A_NUMBER)
    country_code, rest = pnu._extract_country_code(digits)
    if country_code == 0:
        return None  # parse retries without the plus against the default region: leave it to phonenumbers
    region = _region(COUNTRY_CODE_TO_REGION_CODE[country_code][0], country_code)
    if len(rest) < pnu._MIN_LENGTH_FOR_NSN or region is None:
        raise customer_fields.FieldError(NOT_A_NUMBER)
    metadata = region.metadata
    _, stripped, _ = pnu._maybe_strip_national_prefix_carrier_code(rest, metadata)
    if pnu._test_number_length(stripped, metadata) not in (
            pnu.ValidationResult.TOO_SHORT, pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
            pnu.ValidationResult.INVALID_LENGTH):
        rest = stripped
    if len(rest) < pnu._MIN_LENGTH_FOR_NSN or len(rest) > pnu._MAX_LENGTH_FOR_NSN:
        raise customer_fields.FieldError(NOT_A_NUMBER)
    # national_significant_number() gives the digits back as they are: leading zeros are kept ("Italian" zeros).
    if not _valid(country_code, rest):
        raise customer_fields.FieldError(INVALID)
    return f"+{country_code}{rest}"


@functools.lru_cache(maxsize=4096)
def _slow(value: str, region: str) -> str | customer_fields.FieldError:
    try:
        return customer_fields.normalize_phone(value, region)
    except customer_fields.FieldError as exc:
        return exc


def normalize_phone(value: str, region: str | None) -> str:
    """Same answer as customer_fields.normalize_phone(value, region), several times faster on `+<digits>`."""
    value = value.strip()
    plain = _PLAIN.fullmatch(value) if len(value) <= pnu._MAX_INPUT_STRING_LENGTH else None
    if plain is not None:
        result = _parse_plain(plain.group(1).replace(" ", "").replace("-", ""))
        if result is not None:
            return result
    result = _slow(value, (region or "US").upper())
    if isinstance(result, customer_fields.FieldError):
        raise customer_fields.FieldError(str(result))
    return result
