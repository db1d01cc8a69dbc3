"""One way to page a query: total, page, size, pages; pages past the end are empty, never an error."""
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select

from app import dbpool
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


def paginate(stmt: Select, *, page: int, size: int, scalars: bool = True, total: int | None = None) -> Page:
    """One page of `stmt`; `total` when the caller already counted it in this transaction's snapshot."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(size).offset((page - 1) * size))
    return Page(items=list(rows.scalars() if scalars else rows), total=total, page=page, size=size)


def _fingerprint_query(stmt: Select, *, page: int, size: int, also: Sequence[ColumnElement] = ()) -> Select:
    counted = select(func.count().label("total")).select_from(stmt.order_by(None).subquery()).subquery("counted")
    rows = stmt.add_columns(*also).limit(size).offset((page - 1) * size).subquery("page_rows")
    texts = select(func.string_agg(literal_column("page_rows::text"), "|")).select_from(rows).scalar_subquery()
    return select(func.md5(func.concat(counted.c.total, "|", texts)), counted.c.total)


def fingerprint(stmt: Select, *, page: int, size: int, also: Sequence[ColumnElement] = ()) -> tuple[str, int]:
    """An md5 of what `paginate(stmt, page=page, size=size)` answers now, and the total, in one statement of the
    session's transaction: the fingerprint covers the total and the page's rows with every column as PostgreSQL
    writes them, and `also` (expressions of each row that an answer depends on beyond its columns, such as one of
    the clock). The same rows in the same order give the same fingerprint; any change to them or to the total gives
    another. See app.blueprints.answers."""
    row = db.session.execute(_fingerprint_query(stmt, page=page, size=size, also=also)).one()
    return row[0], row[1]


def fingerprint_check(stmt: Select, *, page: int, size: int,
                      also: Sequence[ColumnElement] = ()) -> tuple[str, dict]:
    """`fingerprint`'s statement compiled once for the driver (`dbpool.compiled`): its SQL text and parameters,
    which `dbpool.fetch_one` runs again and again, with no statement to compose, key and compile each time."""
    return dbpool.compiled(_fingerprint_query(stmt, page=page, size=size, also=also))


def one_snapshot() -> None:
    """End this session's transaction and start one in which every statement sees the same data (REPEATABLE
    READ): a fingerprint and the page it stands for, read in it, agree."""
    db.session.rollback()
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
