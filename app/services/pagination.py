"""One way to page a query: total, page, size, pages; pages past the end are empty, never an error."""
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.size) if self.total else 0


def paginate(stmt: Select, *, page: int, size: int, scalars: bool = True) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(size).offset((page - 1) * size))
    return Page(items=list(rows.scalars() if scalars else rows), total=total, page=page, size=size)
