"""The send rate limiter every worker shares: a sliding window per account and channel, kept in Redis by Lua.

Grants are logged in a sorted set (one entry per grant of several tokens, so a few entries a second) and a grant
is given only while the grants of the last WINDOW seconds stay within the limit. A worker settles its grant once
its messages are out (`settle`): the entry then counts what was really sent, scored at the last send. So a
grant's sends stay in the window until WINDOW after the last of them, however long the claim, the rendering or a
loaded machine delayed them after the grant, and unused tokens go back. That keeps every one-second window of
actual sends within the limit (the window is a little longer than a second for the margin between the moments
a send is timed here and reaches the server).
"""
import math
import time
from collections import deque

from flask import current_app

from app.integrations.kv import redis_client

WINDOW = 1.1
_TAKE = """
local key, limit, want, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = 0
local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], '^(%d+):'))
end
local free = limit - used
if free <= 0 then
  local oldest = tonumber(entries[2])
  return {0, math.ceil((oldest + window - now) * 1000)}
end
local grant = math.min(want, free)
local seq = redis.call('INCR', key .. ':seq')
redis.call('ZADD', key, now, grant .. ':' .. seq)
redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
redis.call('PEXPIRE', key .. ':seq', math.ceil(window * 1000) + 1000)
return {grant, 0, seq}
"""
# The grant `seq` of `granted` tokens was used for `used` sends, the last one now: re-log it as such (even if it
# had left the window while its sends were going out: they happened up to now).
_SETTLE = """
local key, granted, seq, used, window = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREM', key, granted .. ':' .. seq)
if used > 0 then
  redis.call('ZADD', key, now, used .. ':' .. seq)
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
end
return used
"""


RATE_SETTINGS = {"email": "EMAIL_RATE_PER_SECOND", "whatsapp": "WHATSAPP_RATE_PER_SECOND"}


def rate_for(channel: str) -> int:
    return int(current_app.config[RATE_SETTINGS[channel]])


def chunk_for(rate: int, *, most: int = 50) -> int:
    """Tokens asked for at a time: about a tenth of a second's worth (so one worker cannot hog a second), at most
    `most`. A batch passes its size: with a high limit it takes its tokens, claims and records once per batch."""
    return max(1, min(most, math.ceil(rate / 10)))


class SendRateLimiter:
    """Take tokens for (account, channel); blocks until some are granted. Shared by every process on the Redis."""

    def __init__(self, account_id, channel: str, *, rate: int | None = None):
        self.key = f"messaging:rate:{channel}:{account_id}"
        self.rate = rate if rate is not None else rate_for(channel)
        self.redis = redis_client(current_app.config["REDIS_URL"])
        self.script = self.redis.register_script(_TAKE)
        self.settle_script = self.redis.register_script(_SETTLE)
        self.open: deque[tuple[int, int]] = deque()  # (tokens, seq) of grants not settled yet, oldest first

    def take(self, wanted: int, *, deadline: float | None = None) -> int:
        """Between 1 and `wanted` tokens, waiting as long as it takes (0 only if `deadline` passes first).
        Settle them (`settle`) once what they were for is sent."""
        wanted = max(1, min(wanted, self.rate))
        while True:
            granted, wait_ms, *seq = self.script(keys=[self.key], args=[self.rate, wanted, WINDOW])
            if granted:
                self.open.append((int(granted), int(seq[0])))
                return int(granted)
            pause = max(wait_ms, 1) / 1000
            if deadline is not None and time.monotonic() + pause > deadline:
                return 0
            time.sleep(pause)

    def settle(self, used: int, *, newest: bool = False) -> None:
        """A grant's sends are done, `used` of its tokens were sent: count those, as of now. The oldest open grant
        (chunks are sent in the order their tokens were taken), or the newest one (a claim that found nothing)."""
        if not self.open:
            return
        granted, seq = self.open.pop() if newest else self.open.popleft()
        self.settle_script(keys=[self.key], args=[granted, seq, min(used, granted), WINDOW])
