"""Domain operations. A public service function is one unit of work: it commits once, at its end."""
import functools
import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from app.errors import NotFound
from app.extensions import db


def unit_of_work(fn):
    """Commit when `fn` returns, roll back if it raises; nested calls join the outer unit."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        session = db.session()
        depth = session.info.get("uow_depth", 0)
        session.info["uow_depth"] = depth + 1
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                session.commit()
            return result
        except BaseException:
            if depth == 0:
                session.rollback()
            raise
        finally:
            session.info["uow_depth"] = depth

    return wrapper


def locked(stmt: Select) -> Select:
    """`stmt` with its rows locked FOR UPDATE and read as they are now: a row already in the session would
    otherwise keep the values it had before the lock, and a state change would be decided on them."""
    return stmt.with_for_update().execution_options(populate_existing=True)


def detached(model, values: dict):
    """A `model` instance holding `values` (by attribute key) as a row just read from the database, outside any
    session: as the ORM's loader fills one, straight into its state, nothing marked as changed, no query."""
    obj = model.__mapper__.class_manager.new_instance()
    instance_dict(obj).update(values)
    make_transient_to_detached(obj)
    return obj


def get_owned(model, account, object_id, *conditions, label: str | None = None, for_update: bool = False):
    """The `model` row `object_id` that belongs to `account`.

    Another account's row, an unknown id and a malformed one all raise the same NotFound: no existence leak.
    """
    name = label or model.__name__
    try:
        object_id = uuid.UUID(str(object_id))
    except ValueError:
        raise NotFound(f"{name} with id '{object_id}' not found") from None
    stmt = select(model).where(model.id == object_id, model.account_id == account.id, *conditions)
    row = db.session.scalar(locked(stmt) if for_update else stmt)
    if row is None:
        raise NotFound(f"{name} with id '{object_id}' not found")
    return row
