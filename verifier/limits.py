"""Limits a public verifier needs: remote fetches at once (global, per host), requests per client."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from badges.errors import FetchError
from badges.fetch import FetchBudget, Fetcher, FetchPolicy, FetchResponse


class LimitedFetcher(Fetcher):
    """The guarded fetcher, with a cap on concurrent fetches overall and per host."""

    def __init__(
        self, policy: FetchPolicy, *, max_total: int = 16, max_per_host: int = 4, wait: float = 5.0
    ) -> None:
        super().__init__(policy)
        self._total = threading.BoundedSemaphore(max_total)
        self._per_host: dict[str, threading.BoundedSemaphore] = {}
        self._max_per_host = max_per_host
        self._lock = threading.Lock()
        self._wait = wait

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._per_host.get(host)
            if slot is None:
                if len(self._per_host) > 10_000:
                    self._per_host.clear()
                slot = self._per_host[host] = threading.BoundedSemaphore(self._max_per_host)
            return slot

    def get(
        self, url: str, *, accept: str = "application/json", budget: FetchBudget | None = None
    ) -> FetchResponse:
        host_slot = self._host_slot(url) if isinstance(url, str) else None
        # waiting for a free slot spends the verification's time too
        wait = self._wait if budget is None else min(self._wait, budget.remaining())
        if not self._total.acquire(timeout=wait):
            raise FetchError("the verifier is busy fetching other documents; try again shortly")
        try:
            wait = self._wait if budget is None else min(self._wait, budget.remaining())
            if host_slot is not None and not host_slot.acquire(timeout=wait):
                raise FetchError("too many fetches from this host at once; try again shortly")
            try:
                return super().get(url, accept=accept, budget=budget)
            finally:
                if host_slot is not None:
                    host_slot.release()
        finally:
            self._total.release()


class RateLimiter:
    """A token bucket per client address (``rate`` requests per minute, bursts of ``burst``)."""

    def __init__(
        self,
        rate_per_minute: float,
        burst: int,
        *,
        clock: object = time.monotonic,
        max_clients: int = 50_000,
    ) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_clients = max_clients

    def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        now = self._clock()  # type: ignore[operator]
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1 - tokens) / self.rate if self.rate > 0 else 60.0
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
            return wait

    def charge(self, client: str, count: int) -> None:
        """Take ``count`` more from ``client``'s bucket after the fact (the credentials a
        CLR record carried, each verified like a badge). The bucket may go below zero: the
        client then waits until it has refilled past one."""
        now = self._clock()  # type: ignore[operator]
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            self._buckets[client] = (tokens - count, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)


# The bucket above, kept in Redis and changed in one atomic step (a script): one allowance
# per client for every worker and machine. Our own script rather than Flask-Limiter (or its
# engine, limits): those count requests in windows, and the verifier's allowance is a token
# bucket (a burst, then one more every 60/rate seconds, Retry-After the time to the next
# token), which its tests and its API document state; and a CLR record is charged after the
# fact, for the badges found inside it, which a limit checked before the view cannot do.
_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local force = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if force == 1 or tokens >= cost then
  tokens = tokens - cost
elseif rate > 0 then
  wait = (cost - tokens) / rate
else
  wait = 60
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
local full = 86400
if rate > 0 then full = math.min(full, math.ceil((burst - tokens) / rate) + 1) end
redis.call('EXPIRE', KEYS[1], math.max(1, full))
return tostring(wait)
"""

log = logging.getLogger(__name__)


class SharedRateLimiter:
    """``RateLimiter``'s buckets in Redis, shared by every process that names the same
    server. While Redis does not answer, the process's own ``fallback`` buckets serve (the
    verifier keeps answering, each process limiting on its own), and Redis is tried again
    every ``retry_every`` seconds."""

    PREFIX = "badges:verifier:rate:"

    def __init__(
        self,
        url: str,
        rate_per_minute: float,
        burst: int,
        *,
        fallback: RateLimiter,
        retry_every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis

        # short timeouts: a Redis that hangs costs a request half a second, once per retry_every
        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script: Any = self.redis.register_script(_BUCKET)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.fallback = fallback
        self._retry_every = retry_every
        self._clock = clock
        self._down_until: float | None = None

    @property
    def shared(self) -> bool:
        """Whether the allowances are kept in Redis now (False while it is away)."""
        return self._down_until is None or self._clock() >= self._down_until

    def _run(self, client: str, cost: int, force: bool) -> float | None:
        if not self.shared:
            return None
        try:
            wait = self._script(
                keys=[self.PREFIX + client], args=[self.rate, self.burst, cost, int(force)]
            )
        except self._errors as exc:
            if self._down_until is None:
                log.warning("rate limits: Redis does not answer (%s); limiting in-process", exc)
            self._down_until = self._clock() + self._retry_every
            return None
        if self._down_until is not None:
            log.warning("rate limits: Redis answers again; limits are shared")
            self._down_until = None
        return float(wait)

    def take(self, client: str) -> float:
        """As ``RateLimiter.take``."""
        wait = self._run(client, 1, False)
        return self.fallback.take(client) if wait is None else wait

    def charge(self, client: str, count: int) -> None:
        """As ``RateLimiter.charge``."""
        if self._run(client, count, True) is None:
            self.fallback.charge(client, count)

    def check(self) -> bool:
        """Whether Redis answers now (for /readyz)."""
        try:
            return bool(self.redis.ping())
        except self._errors:
            return False
