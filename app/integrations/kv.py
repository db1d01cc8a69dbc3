"""One Redis connection pool per URL for the small keys the app keeps (revoked tokens, locks)."""
import functools

import redis


@functools.lru_cache(maxsize=8)
def redis_client(url: str) -> redis.Redis:
    # Short timeouts: a request must not hang on Redis; callers decide what a failure means.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
