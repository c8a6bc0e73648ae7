"""Badge images shown inline: ``data:`` images as they are, https images fetched by the verifier.

Why not hot-link an https image: the reader's browser would fetch it from wherever the
badge points, telling that host who looked at the badge and when (a forger's tracking
pixel), and the host could serve something else than what was there when the badge was
made. The verifier fetches it once instead, through the guarded fetcher (https only, no
private addresses, a size cap), keeps only real raster or SVG images (recognised by their
bytes, not by the server's word), and shows them as ``data:`` URIs. The page's
Content-Security-Policy then allows ``img-src data:`` only. An SVG in an ``<img>`` runs no
script. An image that cannot be fetched is offered as a link.
"""

from __future__ import annotations

import base64
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from badges.errors import BadgeError
from badges.fetch import Fetcher

DATA_PREFIXES = ("data:image/png;base64,", "data:image/svg+xml;base64,", "data:image/jpeg;base64,")
MAX_DATA_URI = 1_500_000
MAX_CACHED = 128
ACCEPT = "image/png, image/jpeg, image/gif, image/webp, image/svg+xml;q=0.9, */*;q=0.1"


def sniff(data: bytes) -> str | None:
    """The image type from its first bytes (PNG, JPEG, GIF, WebP or SVG), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (
        head.startswith((b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in head
    ):
        return "image/svg+xml"
    return None


def data_image(value: Any) -> str | None:
    """A ``data:`` image the badge carries, when it is one of the accepted kinds and sizes."""
    if isinstance(value, str) and value.startswith(DATA_PREFIXES) and len(value) < MAX_DATA_URI:
        return value
    return None


class ImageInliner:
    """Fetches https badge images and returns them as ``data:`` URIs, cached by URL."""

    def __init__(
        self, fetcher: Fetcher, *, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetcher = fetcher
        self._ttl = ttl
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def inline(self, url: str) -> str | None:
        """``url``'s image as a data: URI, or None when it cannot be had or is no image."""
        now = self._clock()
        with self._lock:
            hit = self._cache.get(url)
            if hit is not None and hit[0] > now:
                self._cache.move_to_end(url)
                return hit[1]
        try:
            body = self._fetcher.get(url, accept=ACCEPT).body
        except BadgeError:
            body = b""
        kind = sniff(body)
        value = f"data:{kind};base64,{base64.b64encode(body).decode('ascii')}" if kind else None
        with self._lock:
            # a failure is remembered briefly, so a dead image link does not cost a fetch per view
            self._cache[url] = (now + (self._ttl if value else min(self._ttl, 30.0)), value)
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        return value
