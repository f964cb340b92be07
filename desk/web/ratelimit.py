"""Per-client sliding-window limits.

`SlidingWindow` counts in the process's memory: behind N `desk serve` processes a client
would get up to N times the limit. With DESK_REDIS_URL set, `shared_window` gives a
`SharedWindow` instead: the hits live in Redis (a sorted set of hit times per client and
window, trimmed and counted in one script), so every process counts together. If Redis
cannot be reached the process counts on its own until it can: a limit is a wall against
floods, not a reason to refuse everyone."""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from typing import Any

log = logging.getLogger("desk.web")


class SlidingWindow:
    def __init__(self, limit: int, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._last_prune = time.monotonic()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        if now - self._last_prune > self.window:
            self._prune(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def _prune(self, now: float) -> None:
        self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
        self._last_prune = now


# Trim the hits older than the window, refuse at the limit, else note this hit; the key
# expires with its window, so a quiet client leaves nothing behind.
_HIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return 1
"""


class SharedWindow(SlidingWindow):
    """The same limit counted in Redis, across every process that shares it."""

    def __init__(self, client: Any, name: str, limit: int, window_seconds: float = 60.0) -> None:
        super().__init__(limit, window_seconds)
        self.prefix = f"desk:rate:{name}:"
        self._hit = client.register_script(_HIT)

    def allow(self, key: str) -> bool:
        from redis.exceptions import RedisError

        try:
            allowed = self._hit(keys=[self.prefix + key], args=[
                time.time(), self.window, self.limit, secrets.token_hex(8)])
        except (RedisError, OSError) as exc:
            log.warning("rate limit counted in this process only: %s", exc)
            return super().allow(key)
        return bool(allowed)


def shared_window(state: Any, name: str, limit: int, window_seconds: float = 60.0
                  ) -> SlidingWindow:
    """A window named `name` for the app whose `state` this is: in Redis when the settings
    name one (its client made once per app, with short timeouts: a request never waits
    long on it), else in memory."""
    url = state.settings.redis_url
    if not url:
        return SlidingWindow(limit, window_seconds)
    client = getattr(state, "rate_redis", None)
    if client is None:
        import redis

        client = state.rate_redis = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return SharedWindow(client, name, limit, window_seconds)
