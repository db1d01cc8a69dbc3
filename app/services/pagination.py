"""One way to page a query: total, page, size, pages; pages past the end are empty, never an error."""
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal_column, select

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


def fingerprint(stmt: Select, *, page: int, size: int) -> str:
    """An md5 of what `paginate(stmt, page=page, size=size)` answers now, in one statement: the total and the
    page's rows with every column as PostgreSQL writes them. The same rows in the same order give the same
    fingerprint; any change to them or to the total gives another. For answers rendered from the rows alone
    (nothing read from the clock or from other tables), see app.blueprints.answers."""
    total = select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()
    rows = stmt.limit(size).offset((page - 1) * size).subquery("page_rows")
    digest = select(func.md5(func.concat(total, "|", func.string_agg(literal_column("page_rows::text"), "|"))))
    return db.session.scalar(digest.select_from(rows))


def one_snapshot() -> None:
    """End this session's transaction and start one in which every statement sees the same data (REPEATABLE
    READ): a fingerprint and the page it stands for, read in it, agree."""
    db.session.rollback()
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
