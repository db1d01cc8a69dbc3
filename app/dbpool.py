"""Database connections without a ping per request: recycle old ones, check only those left idle, retry once.

`pool_pre_ping` costs a round trip on every checkout, i.e. on every request. Connections in steady use are
alive; the ones that die are those left idle (a firewall or PostgreSQL dropping them) or old (a failover).
So: connections are recycled after DB_POOL_RECYCLE seconds, and one idle for more than DB_IDLE_CHECK_SECONDS
is pinged at checkout; a dead one is replaced before the request uses it (the pool reconnects it and retires
every older connection). A connection lost while in use (PostgreSQL restarted under load) fails that one request with
503 and Retry-After (app.errors), and SQLAlchemy invalidates the rest of the pool at once.
"""
import time

from flask import Flask
from sqlalchemy import ClauseElement, event, exc
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from app.extensions import db

_settings = {"idle_check_seconds": 10.0, "installed": False}


def _on_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _on_checkout(dbapi_connection, record, _proxy) -> None:
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < _settings["idle_check_seconds"]:
        return  # new, or in steady use: no round trip
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:  # noqa: BLE001 - any failure means this connection is unusable
        # The pool reconnects this one and retires every connection opened before now (they were dropped with it,
        # as when PostgreSQL restarts): each is replaced at its next checkout, without a ping.
        raise exc.InvalidatePoolError(str(error)) from error


def init_pool_checks(app: Flask) -> None:
    """Ping only connections idle longer than DB_IDLE_CHECK_SECONDS (the engine options carry no pre-ping)."""
    _settings["idle_check_seconds"] = float(app.config.get("DB_IDLE_CHECK_SECONDS", 10))
    if not _settings["installed"]:
        event.listen(Pool, "checkin", _on_checkin)
        event.listen(Pool, "checkout", _on_checkout)
        _settings["installed"] = True


def compiled(statement: ClauseElement) -> tuple[str, dict]:
    """`statement` compiled once for `fetch_one`: its SQL text in the driver's paramstyle and its parameters, bound
    values processed as SQLAlchemy would bind them (a text clause's unbound parameters come out as None)."""
    dialect = db.engine.dialect
    result = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = {}
    for name, value in result.params.items():
        bind = result.binds.get(name)
        process = bind.type.dialect_impl(dialect).bind_processor(dialect) if bind is not None else None
        params[name] = process(value) if process else value
    return result.string, params


def fetch_one(sql: str, params: dict, *, session: Session | None = None) -> tuple | None:
    """The first row of one short statement, run on the driver's cursor without SQLAlchemy's execution machinery.

    For the hottest statements only (a cached answer's fingerprint, a stock hold): the session's bookkeeping (its
    connection wrapper, the compiled statement's cache key, the result object) costs more Python than such a
    statement costs PostgreSQL. Without `session`, on a pooled connection of its own, in autocommit (a read: the
    statement is its own transaction); with it, on the connection of the session's transaction, which the
    statement joins (the caller commits or rolls back as usual). `sql` is in the driver's paramstyle; values come
    back as the driver gives them. Errors come out as through the session: a DBAPIError, and a lost connection is
    invalidated, the pool's idle connections are dropped with it (they went down together), and it answers 503.
    """
    connection = session.connection() if session is not None else None
    fairy = connection.connection if connection is not None else db.engine.raw_connection()
    cursor = None
    try:
        if connection is None:
            # One statement is its own transaction: no BEGIN before it and no ROLLBACK when the connection goes
            # back to the pool (the driver sends neither outside a transaction), so one round trip instead of three.
            fairy.dbapi_connection.autocommit = True
        cursor = fairy.cursor()
        cursor.execute(sql, params)
        return cursor.fetchone()
    except db.engine.dialect.loaded_dbapi.Error as error:
        lost = db.engine.dialect.is_disconnect(error, fairy.dbapi_connection, cursor)
        if lost:
            (connection or fairy).invalidate(error)
            db.engine.pool.dispose()
        raise exc.DBAPIError.instance(sql, params, error, db.engine.dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost) from error
    finally:
        if cursor is not None and not cursor.closed:
            cursor.close()
        if connection is None:
            if fairy.dbapi_connection is not None and not fairy.dbapi_connection.closed:  # not invalidated
                fairy.dbapi_connection.autocommit = False  # as the ORM expects every pooled connection
            fairy.close()  # back to the pool
