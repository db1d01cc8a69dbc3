"""Names that must be unique in an account (campaigns, segments): what is refused, and how two names are compared.

The rule, in two parts:
- Refused outright (ValidationError): bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E,
  U+200F, U+061C), which reorder what is shown; names that are nothing but invisible characters; and any word
  that mixes letters of two scripts where a letter of one looks like a letter of the other ("Sаle" with a
  Cyrillic "а"), which is Unicode TS #39's mixed-script confusable test applied word by word, as browsers do for
  the labels of a domain name. Chinese, Japanese and Korean scripts count as one (TS #39's Jpan/Kore sets), so
  "セール夏" is fine. Confusability comes from Unicode's confusables data (the confusable_homoglyphs package).
- Compared by key: two names are the same name when their keys are equal. The key is computed by PostgreSQL's
  `name_key(text)` (migration 0007), which unique indexes use, so the database enforces it under any race: NFKC
  (fullwidth and styled letters become plain ones), invisible characters (zero-width, soft hyphen, variation
  selectors, bidi marks: Unicode's Default_Ignorable_Code_Point) dropped, letters of other scripts that look like
  basic Latin letters or digits mapped to them (so an all-Cyrillic "Ѕаlе" is the same name as "Sale"),
  lower-cased, and runs of white space made one space.
"""
import unicodedata

from confusable_homoglyphs import categories, confusables
from sqlalchemy import ColumnElement, func

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Unicode's Default_Ignorable_Code_Point: drawn as nothing. The same ranges are dropped by name_key() in SQL.
INVISIBLE_RANGES = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
                    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
_NEUTRAL = {"COMMON", "INHERITED"}
_CJK = frozenset({"HAN", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})


def is_invisible(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in INVISIBLE_RANGES)


def _words(text: str) -> list[str]:
    """Runs of letters and combining marks: the units in which scripts must not be mixed."""
    words, current = [], []
    for char in text:
        if unicodedata.category(char)[0] in "LM":
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _group(alias: str) -> str:
    return "CJK" if alias in _CJK else alias


def confusable_mix(word: str) -> tuple[str, str] | None:
    """Two scripts mixed confusably in `word` (a letter of one looks like a letter of the other), or None."""
    aliases = {categories.alias(c) for c in word if unicodedata.category(c)[0] == "L"} - _NEUTRAL
    groups = {_group(a) for a in aliases if a}
    if len(groups) < 2:
        return None
    for group in sorted(groups):
        preferred = sorted(_CJK if group == "CJK" else {group})
        found = confusables.is_confusable(word, preferred_aliases=preferred)
        if found:
            other = _group(found[0]["alias"])
            return other.title(), group.title()
    return None


def check_name(name: str) -> str:
    """The name as it will be kept (outer white space stripped); ValueError saying why it cannot be one."""
    name = unicodedata.normalize("NFC", name).strip()
    if any(char in BIDI_CONTROLS for char in name):
        raise ValueError("Must not contain bidirectional control characters (they change how text is shown).")
    visible = "".join(c for c in name if not is_invisible(c))
    if not visible.strip():
        raise ValueError("This field is required")
    for word in _words(visible):  # a zero-width space must not split "Sаle" into harmless halves
        mix = confusable_mix(word)
        if mix:
            raise ValueError(f"“{word}” mixes {mix[0]} and {mix[1]} letters that look alike; "
                             f"write each word in one script.")
    return name


def name_key(value) -> ColumnElement[str]:
    """The comparison key of a name (a column or a value), computed by PostgreSQL as the unique indexes do."""
    return func.name_key(value)
