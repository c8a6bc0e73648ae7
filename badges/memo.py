"""A small thread-safe LRU for results that are pure functions of a document's content.

Canonical forms and structural checks (JSON-LD context, JSON schema) depend on nothing but
the document's bytes, so a verifier that sees the same badge again can skip recomputing
them. Signatures, dates and status are never memoised.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruMemo(Generic[K, V]):
    """A bounded least-recently-used map."""

    def __init__(self, maxsize: int = 512) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)

    def items(self) -> list[tuple[K, V]]:
        with self._lock:
            return list(self._data.items())

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
