"""The bare app bench/api_read.py measures the product against: Flask answering one primary-key SELECT of a
`campaigns` row as JSON, through a psycopg2 pool, under the same gunicorn settings as the product.

Not a benchmark of its own (run.py skips files starting with `_`). gunicorn loads it as `_bare_app:app` with
BARE_DSN set; GET /campaigns/<id> answers the row.
"""
import os

from flask import Flask, abort, jsonify
from psycopg2.pool import ThreadedConnectionPool

app = Flask(__name__)
_pool: ThreadedConnectionPool | None = None

# The columns the product's campaign JSON carries, so both sides move the same bytes out of PostgreSQL.
COLUMNS = ("id", "account_id", "created_by_id", "name", "description", "channel", "budget", "currency", "keywords",
           "start_date", "end_date", "timezone", "priority", "status", "demographics", "target_locations",
           "media_files", "audience", "content", "ads_status", "external_id", "last_synced_at", "sync_error",
           "sync_attempts", "created_at", "updated_at")
QUERY = f"SELECT {', '.join(COLUMNS)} FROM campaigns WHERE id = %s"


def pool() -> ThreadedConnectionPool:
    global _pool
    if _pool is None:  # created in the worker after the fork, never shared between processes
        _pool = ThreadedConnectionPool(1, 2, os.environ["BARE_DSN"])
    return _pool


def _json(value):
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # UUID, Decimal


@app.get("/campaigns/<campaign_id>")
def campaign(campaign_id):
    conn = pool().getconn()
    try:
        with conn.cursor() as cur:
            cur.execute(QUERY, (campaign_id,))
            row = cur.fetchone()
        conn.rollback()
    finally:
        pool().putconn(conn)
    if row is None:
        abort(404)
    return jsonify({name: _json(value) for name, value in zip(COLUMNS, row)})


@app.get("/health")
def health():
    return jsonify(status="ok")
