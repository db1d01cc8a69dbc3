"""Limits on JSON from outside: how deep it nests, how big it is, and text no database or Redis key can hold.

Shared by the request guard (every JSON body), the services (JSON-typed fields such as campaign `content` or
segment `rules`) and the forms that take JSON typed into a text box.
"""
import json
import re
from typing import Any

# A lone surrogate ("\ud800" as a JSON escape) is valid JSON but not Unicode text: PostgreSQL, Redis keys and
# UTF-8 encoders refuse it. A proper pair is decoded into one character by the parser, so any left is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonLimitError(ValueError):
    """JSON that breaks a limit; `where` is the dotted path of the offending value ("" for the whole)."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.message, self.where = message, where


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def check_value(value: Any, *, max_depth: int, max_items: int | None = None) -> None:
    """JsonLimitError for the first value nested deeper than `max_depth` arrays/objects, for a string (or key)
    holding a lone surrogate, or for more than `max_items` values in all; walked without recursion."""
    stack = [(value, 0, "")]
    count = 0
    while stack:
        node, depth, where = stack.pop()
        count += 1
        if max_items is not None and count > max_items:
            raise JsonLimitError(f"At most {max_items} values in all.")
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise JsonLimitError(LONE_SURROGATE, where)
        elif isinstance(node, (dict, list, tuple)):
            if depth >= max_depth:
                raise JsonLimitError(f"Nested deeper than {max_depth} levels.", where)
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                if isinstance(key, str) and _SURROGATE.search(key):
                    raise JsonLimitError(LONE_SURROGATE, where)
                stack.append((child, depth + 1, _path(where, key)))


def serialized_size(value: Any) -> int:
    """Bytes the value takes as compact JSON (what JSONB will be asked to hold)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8", "replace"))


def check_field(value: Any, *, max_depth: int, max_bytes: int, max_items: int | None = None) -> None:
    """The limits of one JSON-typed field: depth, lone surrogates, number of values, then size."""
    check_value(value, max_depth=max_depth, max_items=max_items)
    if serialized_size(value) > max_bytes:
        raise JsonLimitError(f"At most {max_bytes:,} bytes of JSON.")


def loads(data: str | bytes, *, max_depth: int, max_bytes: int) -> Any:
    """Parse JSON text from outside within the limits; ValueError (JsonLimitError or not) if it is not acceptable.

    The parser recurses once per level: JSON nested thousands deep raises RecursionError, turned here into the
    same refusal as any other JSON nested too deeply.
    """
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise JsonLimitError(f"At most {max_bytes:,} bytes of JSON.")
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonLimitError(f"Nested deeper than {max_depth} levels.") from None
    check_value(value, max_depth=max_depth)
    return value


LONE_SURROGATE = "Must be valid Unicode text: a lone surrogate escape (such as \\ud800) is not allowed."
