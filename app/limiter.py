"""Rate limits in one Redis round trip per request: count, report and check the presented access token.

Flask-Limiter paid three round trips per request (increment, then read the count and the expiry back for the
headers) and the revoked-token check a fourth. Here one Lua script increments every counter that applies to
the request (fixed windows, the same semantics: a counter per client and endpoint for the default limit, one
per shared scope for shared limits, counting stops at the first breached limit), returns each count and its
remaining time for the headers, answers whether the presented access token was revoked, and reads the caller's
principal version (app.services.principals). Counters live in Redis, so a limit holds across every process and
machine; the script runs atomically, so it is never exceeded. Retry-After goes on the 429 only.

Keys carry the client in a hash tag (`{user:<id>}`, `{ip:<addr>}`): one request's counters and its revoked-token
key sit in one slot, so the script also runs unchanged on Redis Cluster.

If Redis cannot be reached, limits are counted per process (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED, as before:
the only case where N processes may let N times the limit through), a bearer token, whose revocation cannot be
checked, is refused with 503, and callers are loaded from the database on every request.

Use: `limiter.limit("5/minute")`, `limiter.shared_limit(fn, scope="login-ip", key_func=ip_key, methods=["POST"])`
and `limiter.exempt` decorate views; RATE_LIMIT_DEFAULT (through `default_limits`) covers every other endpoint.
"""
import functools
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import limits
import redis
from flask import Flask, current_app, g, request
from werkzeug.exceptions import TooManyRequests

from app.integrations.kv import redis_client

log = logging.getLogger(__name__)

LimitValue = str | Callable[[], str]

# KEYS: the n counters, then the revoked-token key if ARGV[2] is 1, then the caller's principal-version key if
# ARGV[3] is 1. ARGV[4..]: amount, window (ms) and cost of each counter. Returns count and remaining ms per
# counter (stopping after the first breach, like Flask-Limiter), then whether the token is revoked (1/0, -1 when
# not asked), then the principal version ('' when not asked). A missing version is created from the server's
# clock, so a Redis that lost its keys (a restart) never hands out a version an old cache entry was stamped with.
SCRIPT = """
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
  local amount, window, cost = tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  local count = redis.call('INCRBY', KEYS[i], cost)
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[i], window)
    ttl = window
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
  if count > amount then break end
end
local k = n + 1
local revoked, version = -1, ''
if ARGV[2] == '1' then
  revoked = redis.call('EXISTS', KEYS[k])
  k = k + 1
end
if ARGV[3] == '1' then
  version = redis.call('GET', KEYS[k])
  if not version then
    local now = redis.call('TIME')
    version = 't' .. now[1] .. '.' .. now[2]
    redis.call('SET', KEYS[k], version, 'EX', 86400)
  end
end
out[#out + 1] = revoked
out[#out + 1] = version
return out
"""


class RateLimitExceeded(TooManyRequests):
    """429; the description names the limit ("3 per 1 minute"), the error handler puts it in the envelope."""

    def __init__(self, item: limits.RateLimitItem):
        super().__init__(str(item))
        self.limit = item


class RedisUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Limit:
    value: LimitValue
    key_func: Callable[[], str] | None = None
    scope: str | None = None  # a shared scope's name; None counts per endpoint
    methods: frozenset[str] | None = None

    def applies(self, method: str) -> bool:
        return self.methods is None or method in self.methods


@dataclass
class Counted:
    item: limits.RateLimitItem
    shared: bool
    count: int
    ttl_ms: int

    @property
    def breached(self) -> bool:
        return self.count > self.item.amount


@functools.lru_cache(maxsize=64)
def _parse(value: str) -> tuple[limits.RateLimitItem, ...]:
    return tuple(sorted(limits.parse_many(value), key=lambda item: item.get_expiry()))


class MemoryCounters:
    """Per-process fixed windows, used only while Redis is unreachable."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, window_ms: int, cost: int) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window_ms / 1000
                if len(self._counters) > 100_000:
                    self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
            count += cost
            self._counters[key] = (count, expires)
        return count, max(1, int((expires - now) * 1000))


class RateLimiter:
    """Fixed-window limits checked before each view, with X-RateLimit-* and Retry-After on the answer."""

    def __init__(self, key_func: Callable[[], str], default_limits: list[LimitValue]):
        self.key_func = key_func
        self.default_limits = [Limit(value) for value in default_limits]
        self._script = None
        self._memory = MemoryCounters()

    # Decorators -------------------------------------------------------------------------------------------------

    @staticmethod
    def _mark(fn, limit: Limit):
        fn.__dict__.setdefault("_rate_limits", [])
        fn._rate_limits = [*fn._rate_limits, limit]
        return fn

    def limit(self, value: LimitValue, *, key_func: Callable[[], str] | None = None, methods=None):
        """This view gets its own limit instead of the default (per client and endpoint)."""
        limit = Limit(value, key_func, None, frozenset(m.upper() for m in methods) if methods else None)
        return lambda fn: self._mark(fn, limit)

    def shared_limit(self, value: LimitValue, scope: str, *, key_func: Callable[[], str] | None = None,
                     methods=None):
        """One counter per `scope` and client, shared by every view decorated with the same scope."""
        limit = Limit(value, key_func, scope, frozenset(m.upper() for m in methods) if methods else None)
        return lambda fn: self._mark(fn, limit)

    @staticmethod
    def exempt(fn):
        fn._rate_limit_exempt = True
        return fn

    # The request path ---------------------------------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("RATELIMIT_ENABLED", True)
        app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
        app.config.setdefault("RATELIMIT_KEY_PREFIX", "")
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.before_request(self.check)
        app.after_request(self.inject_headers)
        app.extensions["limiter"] = self

    def _limits_for(self, endpoint: str | None) -> list[Limit]:
        if not endpoint or endpoint.rsplit(".", 1)[-1] == "static" or not current_app.config["RATELIMIT_ENABLED"]:
            return []
        view = current_app.view_functions.get(endpoint)
        if view is None or getattr(view, "_rate_limit_exempt", False):
            return []
        decorated = [lim for lim in getattr(view, "_rate_limits", ()) if lim.applies(request.method)]
        # A view's own limits replace the default, unless none applies to this method.
        return decorated or self.default_limits

    def check(self) -> None:
        """Count this request against its limits; the same round trip reads what app.security asked for: whether
        the presented access token was revoked (g.revocation_key) and the caller's principal version
        (g.principal_version_key). Sets g.token_revoked and g.principal_version (None: not read)."""
        g.rate_limits = None
        endpoint = request.endpoint
        revocation_key, version_key = g.get("revocation_key"), g.get("principal_version_key")
        wanted = []
        for lim in self._limits_for(endpoint):
            value = lim.value() if callable(lim.value) else lim.value
            client = (lim.key_func or self.key_func)()
            if not client:
                continue
            scope = lim.scope or endpoint
            for item in _parse(value):
                wanted.append((lim.scope is not None, item, self._key(client, scope, item)))
        if not wanted and revocation_key is None and version_key is None:
            return
        try:
            counted, g.token_revoked, g.principal_version = self._count_in_redis(wanted, revocation_key,
                                                                                   version_key)
        except RedisUnavailable:
            if revocation_key is not None:
                from app.security import token_unverifiable

                token_unverifiable()
            if not current_app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]:
                raise
            counted, g.token_revoked, g.principal_version = self._count_in_memory(wanted), False, None
        if not counted:
            return
        g.rate_limits = counted
        breached = next((c for c in counted if c.breached), None)
        if breached is not None:
            raise RateLimitExceeded(breached.item)

    @staticmethod
    def _key(client: str, scope: str, item: limits.RateLimitItem) -> str:
        prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
        return f"{prefix}:rl:{{{client}}}:{scope}:{item.amount}/{item.get_expiry()}"

    def _count_in_redis(self, wanted, revocation_key: str | None, version_key: str | None):
        client = redis_client(current_app.config.get("RATELIMIT_STORAGE_URI") or current_app.config["REDIS_URL"])
        if self._script is None or self._script.registered_client is not client:
            self._script = client.register_script(SCRIPT)
        keys = [key for _, _, key in wanted] + [k for k in (revocation_key, version_key) if k]
        args = [len(wanted), int(revocation_key is not None), int(version_key is not None)]
        for _, item, _ in wanted:
            args += [item.amount, item.get_expiry() * 1000, 1]
        try:
            out = self._script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            log.warning("Rate limit storage unreachable; counting in this process: %s", exc)
            raise RedisUnavailable() from exc
        counted = [Counted(item, shared, int(out[2 * i]), int(out[2 * i + 1]))
                   for i, (shared, item, _) in enumerate(wanted[:(len(out) - 2) // 2])]
        version = out[-1].decode() if version_key is not None else None
        return counted, out[-2] == 1, version

    def _count_in_memory(self, wanted) -> list[Counted]:
        counted = []
        for shared, item, key in wanted:
            count, ttl = self._memory.incr(key, item.get_expiry() * 1000, 1)
            counted.append(Counted(item, shared, count, ttl))
            if counted[-1].breached:
                break
        return counted

    def inject_headers(self, response):
        counted = g.get("rate_limits")
        if not counted or not current_app.config["RATELIMIT_HEADERS_ENABLED"]:
            return response
        # The breached limit if any; else the view's own (non-shared) limit, else the first.
        shown = next((c for c in counted if c.breached), None) or next(
            (c for c in counted if not c.shared), counted[0])
        reset_at = math.ceil(time.time() + shown.ttl_ms / 1000)  # the first whole second the window is over
        response.headers["X-RateLimit-Limit"] = str(shown.item.amount)
        response.headers["X-RateLimit-Remaining"] = str(max(0, shown.item.amount - shown.count))
        response.headers["X-RateLimit-Reset"] = str(reset_at)
        if response.status_code == 429:
            # Seconds until this window ends. Other answers keep their own Retry-After (a 503's), or none: a
            # limit's window says nothing about when to retry a request that was not refused by it.
            response.headers["Retry-After"] = str(max(1, math.ceil(shown.ttl_ms / 1000)))
        return response
