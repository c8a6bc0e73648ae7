"""Limits a public verifier needs: remote fetches at once (global, per host), requests per client."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
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
