"""Text search with LIKE/ILIKE: what a person types is matched as typed, never as a pattern."""

LIKE_ESCAPE = "\\"  # PostgreSQL's default escape character for LIKE, named explicitly where we can


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards (% and _) and the escape character itself made plain characters."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching values that contain `text` (use with escape=LIKE_ESCAPE)."""
    return f"%{escape_like(text)}%"


def prefix_pattern(text: str) -> str:
    """An ILIKE pattern matching values that start with `text` (use with escape=LIKE_ESCAPE)."""
    return f"{escape_like(text)}%"
