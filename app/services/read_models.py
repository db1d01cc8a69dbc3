"""What a read service returns when the API or a page shows more than a row's columns.

Figures read beside a row (counters, stats, the first rejected rows of an import) are never set on the ORM row,
where they would look like columns and could be flushed or leak into the next use of the same identity: a read
service wraps the row in a `RowView` carrying them, and the schema or template renders the view as it would the row.
"""
from typing import Any


class RowView:
    """`row` with `extra` figures; every name not given here is the row's own (columns, properties, methods)."""

    def __init__(self, row: Any, **extra: Any):
        self.row = row
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:  # called only for names not set in __init__
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)
