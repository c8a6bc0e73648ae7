"""Limits a public verifier needs: remote fetches at once (global, per host), requests per client."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from badges.errors import FetchError
from badges.fetch import FetchBudget, Fetcher, FetchPolicy, FetchResponse

if TYPE_CHECKING:
    from flask import Flask
    from limits import RateLimitItem


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


class RequestLimits:
    """Each client's allowance of verifications, kept by Flask-Limiter (the ``limits``
    library underneath): in Redis when ``redis_url`` is given, so every worker and machine
    naming that server limits a client as one, else in the process. While Redis does not
    answer, Flask-Limiter's own in-memory fallback applies the same limits in each process
    (the verifier keeps answering) and tries Redis again, after 1, 2, 4 ... 32 seconds.

    The allowance (``VERIFIER_RATE_PER_MINUTE`` on average, ``VERIFIER_BURST`` at once) is
    two fixed windows shared by the limited routes, keyed by the client's address:
    ``burst`` verifications per ``60 * burst / rate`` seconds, and ``60 * rate`` per hour.
    The hour is what holds a CLR record's cost: its credentials are charged after the fact
    (``charge``), may take a window past its amount, and the client then waits for that
    window to end; so a record of 500 badges spends 500 of the hour's allowance."""

    SCOPE = "verifications"
    PREFIX = "badges-verifier"

    def __init__(
        self, app: Flask, rate_per_minute: float, burst: int, *, redis_url: str | None = None
    ) -> None:
        from flask_limiter import Limiter

        self.limits = [parse(text) for text in allowance(rate_per_minute, burst)]
        # short timeouts: a Redis that hangs costs a request half a second, then the process
        # limits on its own until Redis answers again
        options: dict[str, Any] = (
            {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if redis_url else {}
        )
        self.limiter = Limiter(
            key_func=client_address,
            app=app,
            storage_uri=redis_url or "memory://",
            storage_options=options,
            strategy="fixed-window",
            key_prefix=self.PREFIX,
            in_memory_fallback_enabled=bool(redis_url),
            headers_enabled=False,  # the 429 carries Retry-After (web.py), nothing else does
        )
        self.shared = bool(redis_url)
        self._errors: tuple[type[BaseException], ...] = (OSError,)
        if redis_url:
            import redis

            self._errors = (redis.RedisError, OSError)
        self._decorator = self.limiter.shared_limit(
            ";".join(allowance(rate_per_minute, burst)), scope=self.SCOPE
        )

    def limit(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """``view`` limited: each request to it takes one from the client's allowance."""
        return self._decorator(view)

    def retry_after(self, client: str) -> int:
        """Whole seconds until every window ``client`` has spent ends (at least 1)."""
        now = time.time()
        engine = self.limiter.limiter  # the in-memory fallback while Redis is away
        try:
            # each window spent: until its end (Redis says whole seconds: never past its length)
            waits = [
                min(item.get_expiry(), math.ceil(window.reset_time - now))
                for item in self.limits
                if (window := engine.get_window_stats(item, self.PREFIX, client, self.SCOPE))
                and window.remaining <= 0
            ]
        except self._errors:  # the store went away since the check: a window's length
            waits = []
        if not waits:
            return max(1, min(item.get_expiry() for item in self.limits))
        return max(1, max(waits))

    def charge(self, client: str, count: int) -> None:
        """Take ``count`` more from ``client``'s allowance after the fact (the credentials a
        CLR record carried, each verified like a badge). A window may go past its amount:
        the client then waits until it ends."""
        engine = self.limiter.limiter  # the in-memory fallback while Redis is away
        try:
            for item in self.limits:
                engine.hit(item, self.PREFIX, client, self.SCOPE, cost=count)
        except self._errors as exc:  # Redis went away in this very request: the next finds out
            log.warning("rate limits: could not charge %s for %d more (%s)", client, count, exc)

    def check(self) -> bool:
        """Whether the store answers now (for /readyz)."""
        return bool(self.limiter.storage.check())


def allowance(rate_per_minute: float, burst: int) -> list[str]:
    """The limits (``limits`` notation) for ``rate_per_minute`` on average, ``burst`` at once."""
    burst = max(1, burst)
    window = math.ceil(60 * burst / rate_per_minute) if rate_per_minute > 0 else 86_400
    hourly = max(burst, math.ceil(60 * rate_per_minute))
    return [f"{burst} per {max(1, window)} second", f"{hourly} per 1 hour"]


def client_address() -> str:
    """The key of a client's allowance: its address (as the WSGI server or a proxy fix saw it)."""
    from flask import request

    return request.remote_addr or "?"


def parse(text: str) -> RateLimitItem:
    from limits import parse as parse_limit

    return parse_limit(text)


log = logging.getLogger(__name__)
