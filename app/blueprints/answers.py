"""JSON answers (and the lists of server-rendered pages) rendered once per *fingerprint* of what they show, and
served again while it is unchanged.

A hot read (a campaign's detail) spends most of its time in Python turning rows into JSON, not in PostgreSQL. Its
service can instead answer, in one short statement, a fingerprint of every row the answer is made from (an md5
of their text, computed by PostgreSQL); while the fingerprint is the one an answer was rendered under, that answer's
bytes are served as they are.

Nothing invalidates an entry and nothing has to: any change to those rows (through the ORM, a set-based statement,
a task, psql) changes the fingerprint, and the next read renders again. The fingerprint statement carries the
same account scope and visibility rules as the read itself, so a cached answer is never served to a caller who
may not read it (another account's id is still a 404). An answer is kept under the fingerprint of the very data
it was rendered from: read in the same statement (a campaign's detail) or in the same snapshot
(`pagination.one_snapshot`, a list page), never under one read earlier, which a later change could make current
again over newer data. Only answers rendered from those rows alone qualify, or from the rows and expressions the
fingerprint also covers (`also`): a customer's behaviour, "frequent" until a date passes, is one such expression
of the clock. It only ever moves one way (frequent, then returning), so an answer rendered a moment after its
fingerprint is at most newer than it, and the next read renders again. Answers that depend on other tables are
not cached this way.

A server-rendered page keeps only its list this way (`fragment`): the rows' HTML, under a key that also names the
viewer's language and time zone; the page around it (the viewer's menus, notifications, forms) is rendered anew.

Every such JSON answer carries its fingerprint as a weak `ETag`; a request whose `If-None-Match` names the current one
is answered 304 without a body, so a client polling a campaign pays one short statement and no transfer.

Each process keeps its own entries (one per object or page, at most MAX_ENTRIES and MAX_BYTES of them, the oldest
dropped first): no shared state, no serialised format to version across deploys.
"""
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select

from app import dbpool
from app.blueprints.common import page_response
from app.services import pagination
from app.services.pagination import Page

MAX_ENTRIES = 4096
NOT_MODIFIED = "Not modified: `If-None-Match` names the answer's current `ETag` (weak); no body"
MAX_BYTES = 16 * 1024 * 1024  # of bodies per cache and process: 4,096 list pages of 100 campaigns would be 600 MB


class AnswerCache:
    """Rendered JSON bodies by key (an object's identity, with its account), each with its fingerprint; at most
    `max_entries` of them and `max_bytes` of bodies, the oldest dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: dict[Hashable, tuple[str, bytes, dict, tuple | None]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, fingerprint: str) -> Response | None:
        """The answer rendered for `key` under this fingerprint (304 when the request already has it), or None
        (never rendered here, or since changed)."""
        if request.if_none_match.contains_weak(fingerprint):
            response = current_app.response_class(status=304)
        else:
            entry = self._entries.get(key)
            if entry is None or entry[0] != fingerprint:
                return None
            response = current_app.response_class(entry[1], headers=entry[2], mimetype=current_app.json.mimetype)
        response.set_etag(fingerprint, weak=True)
        return response

    def put(self, key: Hashable, fingerprint: str, data: Any, headers: dict | None = None, *,
            check: tuple | None = None) -> Response:
        """Render `data` (a schema's dump) as the JSON answer with `headers`, keep both under `fingerprint` (with
        `check`, the statement that answers the fingerprint, for `page`), answer it."""
        response = current_app.json.response(data)
        response.headers.update(headers or {})
        response.set_etag(fingerprint, weak=True)
        self._keep(key, fingerprint, response.get_data(), headers, check)
        return response

    def _keep(self, key: Hashable, fingerprint: str, body: bytes, headers: dict | None, check: tuple | None) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:  # dicts keep insertion order: the first key is the oldest entry
            self._drop(key)
            while self._entries and (len(self._entries) >= self.max_entries
                                     or self._bytes + len(body) > self.max_bytes):
                self._drop(next(iter(self._entries)))
            self._entries[key] = (fingerprint, body, dict(headers or {}), check)
            self._bytes += len(body)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])

    def page(self, key: Hashable, query: Callable[[], Select], *, page: int, size: int, schema: ma.Schema, name: str,
             read: Callable[..., Page] = pagination.paginate,
             also: Callable[[], Sequence[ColumnElement]] = tuple) -> Response:
        """A list page's answer (`page_response(read(query(), page=, size=, total=), name)` dumped by `schema`),
        served again while `pagination.fingerprint` of the page (with `also()`) is unchanged. `key` names everything
        the answer and its statement depend on but the rows: the account, the page, the size, every filter and sort
        and any setting the statement reads; `query` and `also` build the statement only when needed.

        A kept answer is checked with its fingerprint statement, compiled when the answer was kept
        (`pagination.fingerprint_check`), in one round trip of its own (`dbpool.fetch_one`). On a miss the
        fingerprint and the page are read again in one snapshot, so the answer is kept under the fingerprint of its
        own data (and the total is counted once)."""
        def make(stmt, fingerprint: str, total: int, check: tuple) -> Response:
            body, _, headers = page_response(read(stmt, page=page, size=size, total=total), name)
            return self.put(key, fingerprint, schema.dump(body), headers, check=check)

        return self._page(key, query, page=page, size=size, also=also, kept=self.get, make=make)

    def fragment(self, key: Hashable, query: Callable[[], Select], *, page: int, size: int,
                 render: Callable[[Page], str], read: Callable[..., Page] = pagination.paginate,
                 also: Callable[[], Sequence[ColumnElement]] = tuple) -> Markup:
        """A server-rendered page's list (`render(read(query(), page=, size=, total=))`, HTML) kept and served again
        as `page` serves an API answer. Only the part made of the rows: the page around it is rendered for each
        viewer, so `key` also names what the rendering reads of the viewer (their language and time zone)."""
        def kept(key: Hashable, fingerprint: str) -> Markup | None:
            entry = self._entries.get(key)
            return Markup(entry[1].decode()) if entry is not None and entry[0] == fingerprint else None

        def make(stmt, fingerprint: str, total: int, check: tuple) -> Markup:
            html = render(read(stmt, page=page, size=size, total=total))
            self._keep(key, fingerprint, html.encode(), None, check)
            return Markup(html)

        return self._page(key, query, page=page, size=size, also=also, kept=kept, make=make)

    def _page(self, key: Hashable, query: Callable[[], Select], *, page: int, size: int,
              also: Callable[[], Sequence[ColumnElement]], kept: Callable, make: Callable):
        entry = self._entries.get(key)
        stmt = check = None
        if entry is not None:
            check = entry[3]
        else:
            stmt = query()
            check = pagination.fingerprint_check(stmt, page=page, size=size, also=also())
        answer = kept(key, dbpool.fetch_one(*check)[0])
        if answer is None:
            stmt = stmt if stmt is not None else query()
            pagination.one_snapshot()
            fingerprint, total = pagination.fingerprint(stmt, page=page, size=size, also=also())
            answer = make(stmt, fingerprint, total, check)
        return answer
