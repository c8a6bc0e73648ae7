"""The documents a verifier keeps for a while: status lists, revocation lists, OB 2.0 documents.

One ``DocumentCache`` per ``Verifier``, shared by its threads. An entry lives for its own
time to live, and a slow fetch that began before a newer one never replaces the newer
answer (a revoked badge must not turn valid again).

Given a ``SharedStore`` (the verifier app's Redis, verifier/shared_cache.py), the cache
also keeps its entries there, so that N processes on N machines fetch a status list once
between them and agree on it: a miss here asks the store, and what is kept here is written
there, with the wall-clock time its fetch began (the same "newer answer wins" rule across
processes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..sharedstore import SharedStore

MAX_ENTRIES = 1024


@dataclass
class _Entry:
    expires: float
    value: Any
    started: float = 0.0  # when the fetch that produced it began


class DocumentCache:
    """Values by key with a time to live, read against ``clock`` (monotonic seconds); with
    ``shared``, also kept in a store that other processes read."""

    def __init__(self, clock: Callable[[], float], shared: SharedStore | None = None) -> None:
        self.clock = clock
        self.shared = shared
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        """The value kept under ``key``, or None when there is none or it expired."""
        with self._lock:
            hit = self._entries.get(key)
        now = self.clock()
        if hit is not None and hit.expires > now:
            return hit.value
        if self.shared is None:
            return None
        found = self.shared.get(key)
        if found is None:
            return None
        value, left = found
        with self._lock:
            self._entries[key] = _Entry(now + left, value, now - 1e-6)
        return value

    def put(self, key: str, value: Any, ttl: float, *, started: float | None = None) -> Any:
        """Keep ``value`` for ``ttl`` seconds, unless a fetch begun later already answered.

        ``started`` is when this value's fetch began: a slow fetch of an older list that
        ends after a newer one must not replace it (a revoked badge would turn valid
        again). Returns the value kept, the newer one in that case.
        """
        with self._lock:
            now = self.clock()
            began = now if started is None else started
            current = self._entries.get(key)
            if current is not None and current.started > began and current.expires > now:
                return current.value
            if len(self._entries) > MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = _Entry(now + ttl, value, began)
        if self.shared is not None:
            # another process may have kept an answer fetched later: that one wins here too
            kept = self.shared.put(key, value, ttl, started=time.time() - (now - began))
            if kept is not None and kept is not value:
                with self._lock:
                    self._entries[key] = _Entry(now + ttl, kept, now)
                return kept
        return value
