"""The verifier's document and status caches kept in Redis (VERIFIER_REDIS_URL), so that
N workers on N machines behave as one: a status list, revocation list, OB 2.0 document or
issuer's DID document fetched by one is there for the others until its time to live ends,
and all of them see the same (newest) answer. Without VERIFIER_REDIS_URL each process keeps
its own (badges/verification/cache.py); with Redis away, too (it is tried again every few
seconds), and the verifier keeps answering.

What is kept is JSON (a status list's bits as base64), never pickled objects: a value read
back from Redis is data, whoever wrote it.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson

from badges.status.bitstring_status_list import BitstringStatusList

log = logging.getLogger(__name__)

# Keep the value unless the entry there came from a fetch begun later (ARGV[2], wall-clock
# seconds): then that one stays and comes back. One atomic step for every process.
_KEEP_NEWEST = """
local current = redis.call('GET', KEYS[1])
if current then
  local began = tonumber(string.match(current, '^([^\\n]+)\\n'))
  if began and began > tonumber(ARGV[2]) then return current end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return false
"""


def _encode(value: Any) -> bytes | None:
    if isinstance(value, BitstringStatusList):
        return orjson.dumps(
            {
                "bsl": {
                    "size": value.size,
                    "minimum": value.minimum,
                    "bits": base64.b64encode(bytes(value.bits)).decode(),
                }
            }
        )
    if isinstance(value, dict | list):
        try:
            return orjson.dumps({"json": value})
        except TypeError:
            return None
    return None  # nothing else is kept across processes


def _decode(data: bytes) -> Any:
    wrapped = orjson.loads(data)
    if "bsl" in wrapped:
        found = wrapped["bsl"]
        return BitstringStatusList(
            size=int(found["size"]),
            bits=bytearray(base64.b64decode(found["bits"])),
            minimum=int(found["minimum"]),
        )
    return wrapped["json"]


class RedisDocuments:
    """A ``SharedStore`` (badges/sharedstore.py) on Redis, under ``PREFIX``."""

    PREFIX = "badges:verifier:cache:"

    def __init__(
        self,
        url: str,
        *,
        retry_every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._keep: Any = self.redis.register_script(_KEEP_NEWEST)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._retry_every = retry_every
        self._clock = clock
        self._down_until: float | None = None

    @property
    def shared(self) -> bool:
        """Whether Redis is used now (False for a while after it failed to answer)."""
        return self._down_until is None or self._clock() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        if self._down_until is None:
            log.warning("caches: Redis does not answer (%s); caching in-process", exc)
        self._down_until = self._clock() + self._retry_every

    def _answered(self) -> None:
        if self._down_until is not None:
            log.warning("caches: Redis answers again; caches are shared")
            self._down_until = None

    def get(self, key: str) -> tuple[Any, float] | None:
        if not self.shared:
            return None
        try:
            pipe = self.redis.pipeline()
            pipe.get(self.PREFIX + key)
            pipe.pttl(self.PREFIX + key)
            stored, left = pipe.execute()
        except self._errors as exc:
            self._failed(exc)
            return None
        self._answered()
        if not stored or left is None or left <= 0:
            return None
        _began, _, data = bytes(stored).partition(b"\n")
        try:
            return _decode(data), left / 1000.0
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, value: Any, ttl: float, *, started: float) -> Any | None:
        if not self.shared or ttl <= 0:
            return None
        data = _encode(value)
        if data is None:
            return None
        try:
            kept = self._keep(
                keys=[self.PREFIX + key],
                args=[
                    repr(started).encode() + b"\n" + data,
                    repr(started),
                    max(1, int(ttl * 1000)),
                ],
            )
        except self._errors as exc:
            self._failed(exc)
            return None
        self._answered()
        if not kept:
            return value
        try:
            return _decode(bytes(kept).partition(b"\n")[2])
        except (ValueError, KeyError, TypeError):
            return value
