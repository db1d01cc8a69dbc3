"""Checks on what goes into a prompt and what comes out of a provider, before anything is stored.

Out: no empty text, length limits per channel (WhatsApp and social shorter; email has subject and body), hashtags
that are real hashtags, no template syntax (approved copy becomes a campaign's Jinja content), no control
characters, and the language asked for (a light check on common words, for the languages we know them of).
In: user-written fields are bounded and cannot carry template syntax into copy.
"""
import re

# Per task variant: the text fields and their longest length, the lists and their (most items, longest item).
TEXT_LIMITS = {
    "social": {"body": 280},
    "email": {"subject": 120, "body": 5000},
    "whatsapp": {"body": 1000},
    "default": {"summary": 600, "body": 5000},
}
LIST_LIMITS = {
    "social": {"hashtags": (10, 60)},
    "default": {"titles": (5, 100), "subjects": (5, 120), "hashtags": (10, 60)},
}
# A suggested body for a WhatsApp campaign is held to WhatsApp's length.
SUGGESTION_BODY_LIMITS = {"whatsapp": 1000}

HASHTAG = re.compile(r"#[^\W_][\w]{0,58}")
_TEMPLATE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"[^\W\d_]+")

# Common words per language; only those in exactly one list count (es/pt/fr share many).
_MARKERS = {
    "en": "the and with your you for our this now get is are today just of to it".split(),
    "es": "el los las con tu tus para nuestro nuestra ahora hoy es del y por solo ya está te mereces aquí ti".split(),
    "pt": "os com seu sua você para nosso nossa agora hoje é do da e não só na chegou nesta gente".split(),
    "fr": "le les avec votre vos vous pour notre maintenant est du et des seulement dans au pour cette".split(),
}
_COUNTS: dict[str, int] = {}
for _words in _MARKERS.values():
    for _w in set(_words):
        _COUNTS[_w] = _COUNTS.get(_w, 0) + 1
MARKERS = {lang: {w for w in words if _COUNTS[w] == 1} for lang, words in _MARKERS.items()}


def language_problem(text: str, language: str) -> str | None:
    """A reason if `text` reads as another language than `language`; None when it fits or is too short to judge."""
    if language not in MARKERS:
        return None
    words = [w.lower() for w in _WORD.findall(text)]
    hits = {lang: sum(1 for w in words if w in markers) for lang, markers in MARKERS.items()}
    best = max(hits, key=hits.get)
    if best != language and hits[best] >= 3 and hits[best] > 2 * hits[language]:
        return f"The text reads as '{best}', not '{language}'"
    return None


def _text_problems(value: str, limit: int) -> list[str]:
    problems = []
    if not value.strip():
        problems.append("Empty.")
    if len(value) > limit:
        problems.append(f"Longer than {limit} characters ({len(value)}).")
    if _TEMPLATE.search(value):
        problems.append("Contains template syntax.")
    if _CONTROL.search(value):
        problems.append("Contains control characters.")
    return problems


def check_output(fields: dict, variant: str, *, language: str, channel: str | None = None,
                 verify_language: bool = True) -> tuple[dict, dict]:
    """(cleaned fields, problems per field) of a provider's answer for a task variant; problems empty = usable."""
    cleaned, problems = {}, {}
    text_limits = dict(TEXT_LIMITS[variant])
    if variant == "default" and channel in SUGGESTION_BODY_LIMITS:
        text_limits["body"] = SUGGESTION_BODY_LIMITS[channel]
    for name, limit in text_limits.items():
        value = "\n".join(line.rstrip() for line in str(fields.get(name) or "").strip().splitlines())
        cleaned[name] = value
        if found := _text_problems(value, limit):
            problems[name] = found
    for name, (most, longest) in LIST_LIMITS.get(variant, {}).items():
        items = [" ".join(str(v).split()) for v in fields.get(name) or [] if str(v).strip()]
        if name == "hashtags":
            items = list(dict.fromkeys(items))
            bad = [t for t in items if not HASHTAG.fullmatch(t)]
            if bad:
                problems[name] = [f"Not hashtags: {', '.join(bad[:5])}."]
        else:
            for item in items:
                if found := _text_problems(item, longest):
                    problems.setdefault(name, []).extend(found)
        if not items:
            problems.setdefault(name, []).append("Empty.")
        elif len(items) > most:
            problems.setdefault(name, []).append(f"More than {most}.")
        cleaned[name] = items
    if verify_language and not problems:
        prose = "\n".join(v if isinstance(v, str) else "\n".join(v)
                          for k, v in cleaned.items() if k != "hashtags")
        if reason := language_problem(prose, language):
            problems["language"] = [reason]
    return cleaned, problems


def neutralise(value, *, limit: int = 2000):
    """A user-written value made safe to show a model and to quote in copy: bounded, no control characters, no
    template delimiters (a product named '{{ config }}' must not become Jinja in an approved campaign)."""
    if isinstance(value, str):
        value = _CONTROL.sub(" ", value)
        value = value[:limit]
        while _TEMPLATE.search(value):  # "{{{" leaves "{ {{" after one pass
            value = _TEMPLATE.sub(lambda m: f"{m.group(0)[0]} {m.group(0)[1]}", value)
        return value.strip()
    if isinstance(value, (list, tuple)):
        return [neutralise(v, limit=200) for v in list(value)[:20]]
    if isinstance(value, dict):
        return {str(k)[:50]: neutralise(v, limit=limit) for k, v in list(value.items())[:30]}
    return value
