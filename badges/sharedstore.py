"""What several verifier processes may share: documents they fetched, kept for a while.

The protocol only; the verifier app implements it on Redis (verifier/shared_cache.py).
"""

from __future__ import annotations

from typing import Any, Protocol


class SharedStore(Protocol):
    """Entries kept for several processes. Both methods answer None, rather than raise,
    when the store cannot be reached (the process's own cache then serves alone)."""

    def get(self, key: str) -> tuple[Any, float] | None:
        """The value under ``key`` and its seconds left, or None."""

    def put(self, key: str, value: Any, ttl: float, *, started: float) -> Any | None:
        """Keep ``value`` for ``ttl`` seconds unless an entry from a fetch begun after
        ``started`` (wall-clock seconds) is there; the value kept, or None."""
