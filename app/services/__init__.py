"""Domain operations. A public service function is one unit of work: it commits once, at its end."""
import functools

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
