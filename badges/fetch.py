"""The one guarded fetcher for everything remote.

did:web documents, JWKS, ``kid`` URLs, status lists and hosted badges are all fetched
through :class:`Fetcher`. It enforces, on every hop including redirects:

* https only, unless the ``host:port`` is explicitly allowlisted or reached through an
  operator-configured ``url_map`` http target; other schemes and URLs with userinfo are
  refused;
* the host is resolved once, every resolved address is checked (loopback, private,
  link-local, multicast, reserved, shared, IPv4-mapped/6to4/teredo wrappers … are
  refused unless allowlisted), and the connection is opened to that same checked address
  (TLS is still verified against the host name);
* one total deadline for the whole fetch, redirects and body included;
* a cap on decoded body bytes (gzip and deflate are decoded incrementally, so a
  compression bomb is stopped at the cap);
* no cookies, no credentials, no proxies, no netrc.

``url_map`` lets an operator point a URL prefix at a local http server or at a folder
(for tests, demos and air-gapped verification).
"""

from __future__ import annotations

import io
import ipaddress
import os
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from . import jsonutil

if TYPE_CHECKING:  # imported when something is fetched (`badges verify FILE` never does)
    import http.client
from .errors import (
    FetchBlockedError,
    FetchBudgetError,
    FetchError,
    FetchSkippedError,
    FetchStatusError,
    FetchTimeoutError,
    FetchTooLargeError,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_FETCHES",
    "USER_AGENT",
    "FetchBudget",
    "FetchPolicy",
    "FetchResponse",
    "Fetcher",
    "Resolver",
]

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> list of IP address strings``."""

USER_AGENT = "badges-verifier/0.1"
DEFAULT_DEADLINE = 20.0  # seconds for all the fetches of one verification
DEFAULT_MAX_FETCHES = 20  # fetches one verification may make
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_UNSAFE_URL_CHARS_RE = re.compile(r"[\x00-\x20\x7f]")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"

_FOLDER_CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonld": "application/json",
    ".jwt": "application/jwt",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# --- small helpers ---------------------------------------------------------------------


def _one_line(text: object, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _normalize_host(host: str) -> str:
    """Lower-case, IDNA-encode and validate a host name or IP literal (no brackets).

    Raises ValueError when the host is not a valid name or address.
    """
    host = host.strip().lower()
    if not host:
        raise ValueError("empty host")
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"invalid host name {host!r}") from exc
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253 or not all(_LABEL_RE.match(p) for p in name.split(".")):
        raise ValueError(f"invalid host name {host!r}")
    return host


def _host_key(host: str, port: int) -> str:
    """The ``host:port`` form used by the allowlist (IPv6 hosts in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _parse_host_port(entry: str) -> str:
    """Normalise an allowlist entry ``host:port`` / ``[v6]:port``; ValueError if bad."""
    entry = entry.strip()
    if entry.startswith("["):
        host, sep, port_text = entry[1:].partition("]:")
        if not sep:
            raise ValueError("expected [address]:port")
        try:
            address = ipaddress.ip_address(host)
        except ValueError as exc:
            raise ValueError(f"invalid IPv6 address {host!r}") from exc
        if address.version != 6:
            raise ValueError(f"only IPv6 addresses go in brackets, not {host!r}")
    else:
        host, sep, port_text = entry.rpartition(":")
        if not sep or not host:
            raise ValueError("expected host:port")
        if ":" in host:
            raise ValueError("put IPv6 addresses in brackets: [address]:port")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"invalid port {port_text!r}")
    return _host_key(_normalize_host(host), int(port_text))


def _lower_origin(url: str) -> str:
    """Lower-case the ``scheme://authority`` part of a URL, leaving the rest alone."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    cut = len(rest)
    for ch in "/?#":
        pos = rest.find(ch)
        if pos != -1:
            cut = min(cut, pos)
    tail = rest[cut:]
    if not tail.startswith("/"):
        tail = "/" + tail  # an empty path is "/" in HTTP
    return f"{scheme.lower()}://{rest[:cut].lower()}{tail}"


def _prefix_matches(url: str, prefix: str) -> bool:
    if not url.startswith(prefix):
        return False
    if prefix.endswith("/") or len(url) == len(prefix):
        return True
    return url[len(prefix)] in "/?#"


def _strip_slash(prefix: str) -> str:
    return prefix[:-1] if prefix.endswith("/") else prefix


# Refused whatever this Python's ipaddress tables say (they changed across 3.11.x/3.12.x).
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/8",  # unspecified, loopback, IPv4-mapped/-compatible, NAT64 64:ff9b::/96
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",  # includes teredo 2001::/32
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)


def _is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for globally routable unicast addresses (wrappers unwrapped)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id or ip.teredo is not None:
            return False
        for inner in (ip.ipv4_mapped, ip.sixtofour):
            if inner is not None and not _is_public_address(inner):
                return False
    if any(ip in net for net in _BLOCKED_NETWORKS if net.version == ip.version):
        return False
    return not (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str  # normalised, no brackets
    port: int
    target: str  # request target: path?query, percent-encoded ASCII

    @property
    def key(self) -> str:
        return _host_key(self.host, self.port)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"


def _describe(url: str) -> str:
    """What error messages call a URL: its host, or its scheme when it has none."""
    try:
        parts = urlsplit(url)
        if parts.hostname:
            return parts.hostname
        if parts.scheme:
            return f"a {parts.scheme}: URL"
    except ValueError:
        pass
    return "an invalid URL"


def _parse_url(url: str) -> _Url:
    """Parse and check an http(s) URL's form; FetchBlockedError if it is not allowed."""
    if not isinstance(url, str) or not url:
        raise FetchBlockedError("refusing to fetch an empty URL")
    if _UNSAFE_URL_CHARS_RE.search(url):
        raise FetchBlockedError(
            f"refusing to fetch from {_describe(url)}: URL contains spaces or control characters"
        )
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchBlockedError("refusing to fetch an invalid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        if not scheme:
            raise FetchBlockedError("refusing to fetch a URL without a scheme")
        raise FetchBlockedError(
            f"refusing to fetch {_describe(url)}: only https (or allowlisted http) is fetched"
        )
    if "@" in parts.netloc:
        raise FetchBlockedError(
            f"refusing to fetch from {_describe(url)}: URLs with user:password@ are not allowed"
        )
    raw_host = parts.hostname
    if not raw_host:
        raise FetchBlockedError("refusing to fetch a URL without a host")
    try:
        host = _normalize_host(raw_host)
    except ValueError as exc:
        raise FetchBlockedError(f"refusing to fetch from {_one_line(raw_host, 80)}: {exc}") from exc
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchBlockedError(f"refusing to fetch from {host}: invalid port") from exc
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    if port == 0:
        raise FetchBlockedError(f"refusing to fetch from {host}: invalid port 0")
    target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return _Url(scheme=scheme, host=host, port=port, target=target)


# --- policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _MapRule:
    prefix: str  # normalised (lower-case origin, at least "/" as path)
    target: str  # http(s) URL prefix (normalised like prefix) or absolute folder path
    is_folder: bool
    target_key: str = ""  # host:port of an http target

    def to_target(self, url: str) -> str:
        """The physical URL (or, for a folder, the rest of the path) for a matched URL."""
        rest = url[len(_strip_slash(self.prefix)) :]
        return rest if self.is_folder else _strip_slash(self.target) + rest

    def to_logical(self, physical: str) -> str | None:
        """The logical URL for a physical URL under this http target, else None."""
        if self.is_folder or not _prefix_matches(physical, self.target):
            return None
        return _strip_slash(self.prefix) + physical[len(_strip_slash(self.target)) :]


def _parse_map_target(target: str) -> tuple[str, bool, str]:
    """(target, is_folder, host_key); ValueError if the target is not usable."""
    target = target.strip()
    lowered = target.lower()
    if lowered.startswith(("http://", "https://")):
        parts = urlsplit(target)
        if "@" in parts.netloc:
            raise ValueError("target must not contain user:password@")
        if not parts.hostname:
            raise ValueError("target URL has no host")
        host = _normalize_host(parts.hostname)
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        return _lower_origin(target), False, _host_key(host, port)
    if lowered.startswith("file:"):
        parts = urlsplit(target)
        if parts.netloc not in ("", "localhost"):
            raise ValueError("file: target must be file:///absolute/path")
        path = unquote(parts.path)
    else:
        path = target
    if not path or not os.path.isabs(path):
        raise ValueError("target must be an http(s) URL, an absolute folder path or file:///path")
    return os.path.normpath(path), True, ""


def _parse_map_prefix(prefix: str) -> str:
    prefix = prefix.strip()
    if not prefix.lower().startswith(("http://", "https://")):
        raise ValueError("prefix must be an http(s) URL")
    parts = urlsplit(prefix)
    if not parts.hostname:
        raise ValueError("prefix URL has no host")
    if "@" in parts.netloc:
        raise ValueError("prefix must not contain user:password@")
    _normalize_host(parts.hostname)
    _ = parts.port  # ValueError if invalid
    return _lower_origin(prefix)


def _compile_rules(url_map: Iterable[tuple[str, str]]) -> tuple[_MapRule, ...]:
    rules = []
    for prefix, target in url_map:
        try:
            norm_prefix = _parse_map_prefix(prefix)
            norm_target, is_folder, key = _parse_map_target(target)
        except ValueError as exc:
            raise FetchError(
                f"bad URL map entry {_one_line(prefix, 80)!r} -> {_one_line(target, 80)!r}: "
                f"{_one_line(exc, 100)}"
            ) from exc
        rules.append(_MapRule(norm_prefix, norm_target, is_folder, key))
    # Longest prefix first, so the first match is the longest match.
    rules.sort(key=lambda r: len(r.prefix), reverse=True)
    return tuple(rules)


def _split_map_option(entry: str) -> tuple[str, str]:
    """Split ``PREFIX=TARGET`` at the ``=`` that starts a plausible target."""
    candidates = [i for i, ch in enumerate(entry) if ch == "="]
    if not candidates:
        raise FetchError(f"bad URL map entry {_one_line(entry, 120)!r}: expected PREFIX=TARGET")
    for i in candidates:
        right = entry[i + 1 :].strip().lower()
        if right.startswith(("http://", "https://", "file:", "/")) or os.path.isabs(right):
            return entry[:i].strip(), entry[i + 1 :].strip()
    i = candidates[0]
    return entry[:i].strip(), entry[i + 1 :].strip()


@dataclass(frozen=True)
class FetchPolicy:
    """What the fetcher may fetch and how much time and memory it may spend.

    ``allowed_hosts`` holds exact ``host:port`` entries (``127.0.0.1:8765``,
    ``localhost:5000``, ``[::1]:8080``) that may resolve to loopback/private/special
    addresses and may use plain http. ``url_map`` maps URL prefixes to an http(s) URL
    prefix or a local folder (absolute path or ``file:///path``); a mapped http target's
    ``host:port`` is trusted like an allowlisted one. ``timeout`` is the total deadline in
    seconds for a whole fetch (redirects and body included); ``max_bytes`` caps the
    decoded body. Construction raises FetchError for malformed entries or limits.
    """

    allowed_hosts: frozenset[str] = frozenset()
    url_map: tuple[tuple[str, str], ...] = ()
    timeout: float = 10.0
    max_bytes: int = 2_000_000
    max_redirects: int = 3
    resolver: Resolver | None = None

    def __post_init__(self) -> None:
        if isinstance(self.allowed_hosts, str):
            raise FetchError("allowed_hosts must be a collection of host:port strings")
        hosts = set()
        for entry in self.allowed_hosts:
            try:
                hosts.add(_parse_host_port(entry))
            except (ValueError, TypeError, AttributeError) as exc:
                raise FetchError(
                    f"bad allowed host {_one_line(entry, 80)!r}: {_one_line(exc, 100)}"
                ) from exc
        object.__setattr__(self, "allowed_hosts", frozenset(hosts))
        pairs = tuple((str(p), str(t)) for p, t in self.url_map)
        object.__setattr__(self, "url_map", pairs)
        _compile_rules(pairs)
        if not (isinstance(self.timeout, (int, float)) and self.timeout > 0):
            raise FetchError(f"fetch timeout must be a positive number, not {self.timeout!r}")
        if not (isinstance(self.max_bytes, int) and self.max_bytes > 0):
            raise FetchError(f"fetch max_bytes must be a positive integer, not {self.max_bytes!r}")
        if not (isinstance(self.max_redirects, int) and self.max_redirects >= 0):
            raise FetchError(
                f"fetch max_redirects must be a non-negative integer, not {self.max_redirects!r}"
            )

    @classmethod
    def from_options(
        cls, allow_hosts: Iterable[str] = (), maps: Iterable[str] = (), **kw: Any
    ) -> FetchPolicy:
        """Build a policy from CLI-style options.

        ``allow_hosts`` are ``host:port`` strings; ``maps`` are ``PREFIX=TARGET`` strings.
        Other keyword arguments are passed to the constructor. Raises FetchError with a
        one-line message for a malformed entry or a folder target that is not a folder.
        """
        if isinstance(allow_hosts, str):
            allow_hosts = [allow_hosts]
        if isinstance(maps, str):
            maps = [maps]
        pairs = tuple(_split_map_option(entry) for entry in maps)
        for prefix, target in pairs:
            try:
                folder, is_folder, _ = _parse_map_target(target)
            except ValueError:
                continue  # reported with its reason by the constructor
            if is_folder and not os.path.isdir(folder):
                raise FetchError(
                    f"bad URL map entry {_one_line(prefix, 80)!r}: "
                    f"folder {_one_line(target, 80)!r} does not exist"
                )
        return cls(allowed_hosts=frozenset(allow_hosts), url_map=pairs, **kw)


# --- one verification's budget --------------------------------------------------------


class FetchBudget:
    """What one verification may spend on fetching: one deadline and a number of fetches.

    Every fetch made for one verification (keys, DID documents, status lists, endorsements
    and their keys, nested documents) is given the same budget: each counts one fetch, and
    may take no longer than the time left (nor longer than the policy's own timeout). A
    spent budget refuses further fetches with FetchBudgetError (code ``deadline_exceeded``
    or ``fetch_limit_reached``). Once the verification knows its verdict can no longer
    change, ``settle`` makes every further fetch fail with FetchSkippedError instead.
    Documents answered from a cache are not fetches and cost nothing.
    """

    def __init__(
        self,
        seconds: float = DEFAULT_DEADLINE,
        max_fetches: int = DEFAULT_MAX_FETCHES,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(seconds, bool) or not (isinstance(seconds, (int, float)) and seconds > 0):
            raise FetchError(f"a verification deadline must be a positive number, not {seconds!r}")
        if isinstance(max_fetches, bool) or not (isinstance(max_fetches, int) and max_fetches >= 0):
            raise FetchError(
                f"a verification's fetch cap must be a non-negative integer, not {max_fetches!r}"
            )
        self.seconds = float(seconds)
        self.max_fetches = max_fetches
        self._clock = clock
        self._end = clock() + self.seconds
        self._lock = threading.Lock()
        self.fetches = 0  # fetches begun
        self.refused = 0  # fetches refused because the budget was spent
        self.settled: str | None = None  # why later fetches are skipped, once they are

    def remaining(self) -> float:
        """Seconds left before the deadline (0 once it has passed)."""
        return max(0.0, self._end - self._clock())

    def settle(self, reason: str = "the credential is already known not to be valid") -> None:
        """Skip every later fetch: none of them could change the verdict any more."""
        with self._lock:
            if self.settled is None:
                self.settled = reason

    def take(self, url: str) -> float:
        """Count one fetch of ``url`` and return the seconds it may take.

        Raises FetchSkippedError once settled, FetchBudgetError when the deadline has
        passed or the fetches are used up.
        """
        label = _describe(url) if isinstance(url, str) else "a URL"
        with self._lock:
            if self.settled is not None:
                raise FetchSkippedError(f"{label} was not fetched: {self.settled}")
            left = self.remaining()
            if left <= 0:
                self.refused += 1
                raise FetchBudgetError(
                    f"{label} was not fetched: this verification's time limit of "
                    f"{self.seconds:g} s was used up",
                    code="deadline_exceeded",
                )
            if self.fetches >= self.max_fetches:
                self.refused += 1
                raise FetchBudgetError(
                    f"{label} was not fetched: this verification already made its "
                    f"{self.max_fetches} fetches",
                    code="fetch_limit_reached",
                )
            self.fetches += 1
            return left


# --- response --------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResponse:
    """A successful (2xx) response. ``url``/``final_url`` are logical (before mapping)."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased; "" if there is none."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


# --- network plumbing ------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises TimeoutError (mapped by the caller) when none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline exceeded")
        return left


class _DeadlineSocket:
    """Wraps a connected socket so every send/recv is bounded by the remaining time.

    ``close`` is a no-op: http.client closes the connection while the response is still
    being read, so the fetcher closes the real socket itself when it is done.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data)

    def recv_into(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineRaw(self))

    def close(self) -> None:
        pass


class _DeadlineRaw(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


@cache
def _pinned_connection() -> Callable[[_Url, _DeadlineSocket], http.client.HTTPConnection]:
    """The HTTPConnection class over a socket we connected ourselves (made when a first
    fetch needs it, so that importing this module does not import http.client)."""
    import http.client

    class _PinnedConnection(http.client.HTTPConnection):
        """An HTTPConnection that never dials on its own."""

        def __init__(self, url: _Url, sock: _DeadlineSocket) -> None:
            super().__init__(url.host, url.port)
            self.default_port = _DEFAULT_PORTS[url.scheme]
            self.sock = sock

        def connect(self) -> None:
            raise http.client.NotConnected("pinned connection cannot reconnect")

    return _PinnedConnection


class _Decoder:
    """Incremental Content-Encoding decoder that never produces more than the cap + 1."""

    def __init__(self, encoding: str, cap: int, label: str) -> None:
        self.encoding = encoding
        self.cap = cap
        self.label = label
        self.total = 0
        self._pending = b""
        self._wbits: int | None = None
        self._obj: Any = None
        if encoding == "gzip":
            self._wbits = 16 + zlib.MAX_WBITS

    def _too_large(self) -> FetchTooLargeError:
        return FetchTooLargeError(
            f"response from {self.label} is larger than {self.cap} bytes after decoding"
        )

    def _emit(self, data: bytes) -> bytes:
        self.total += len(data)
        if self.total > self.cap:
            raise self._too_large()
        return data

    def feed(self, data: bytes) -> bytes:
        if self.encoding == "identity":
            return self._emit(data)
        if self._obj is None:
            self._pending += data
            if self._wbits is None:  # deflate: zlib-wrapped or raw, decide on the header
                if len(self._pending) < 2:
                    return b""
                b0, b1 = self._pending[0], self._pending[1]
                zlib_header = (b0 & 0x0F) == 8 and ((b0 << 8) | b1) % 31 == 0
                self._wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
            self._obj = zlib.decompressobj(self._wbits)
            data, self._pending = self._pending, b""
        out = []
        while data:
            if self._obj.eof:
                # Another gzip member (or trailing garbage) after the end of the stream.
                if self.encoding != "gzip":
                    break
                assert self._wbits is not None
                self._obj = zlib.decompressobj(self._wbits)
            chunk = self._obj.decompress(data, self.cap + 1 - self.total)
            out.append(self._emit(chunk))
            data = self._obj.unconsumed_tail or (self._obj.unused_data if self._obj.eof else b"")
        return b"".join(out)

    def finish(self) -> bytes:
        if self.encoding == "identity":
            return b""
        if self._obj is None:
            if not self._pending:
                return b""  # empty body
            raise zlib.error("truncated compressed body")
        tail = self._emit(self._obj.flush())
        if not self._obj.eof:
            raise zlib.error("truncated compressed body")
        return tail


def _content_encoding(value: str, label: str) -> str:
    codings = [c.strip().lower() for c in value.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip"):
        return "gzip"
    if len(codings) == 1 and codings[0] == "deflate":
        return "deflate"
    raise FetchError(
        f"response from {label} uses an unsupported Content-Encoding {_one_line(value, 60)!r}"
    )


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    location: str | None  # set for a redirect to follow


@dataclass(frozen=True)
class _Hop:
    logical: str  # the URL as the caller (or a redirect) named it
    physical: str  # what is fetched: the mapped URL, or for a folder the rest of the path
    trusted: bool  # allowlisted or mapped: may be http and non-public
    rule: _MapRule | None

    @property
    def is_folder(self) -> bool:
        return self.rule is not None and self.rule.is_folder

    @property
    def label(self) -> str:
        """How messages name this hop: the logical host (and a mapped target's)."""
        host = _describe(self.logical)
        if self.rule is not None and not self.rule.is_folder:
            return f"{host} (mapped to {self.rule.target_key})"
        return host


# --- the fetcher -----------------------------------------------------------------------


class Fetcher:
    """Fetches remote documents under a :class:`FetchPolicy` (the default is strict)."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy if policy is not None else FetchPolicy()
        self._rules = _compile_rules(self.policy.url_map)
        self._resolver: Resolver = self.policy.resolver or _default_resolver

    # -- public ------------------------------------------------------------------------

    def get(
        self, url: str, *, accept: str = "application/json", budget: FetchBudget | None = None
    ) -> FetchResponse:
        """Fetch ``url`` and return the 2xx response.

        With a ``budget`` (one verification's, see :class:`FetchBudget`) the fetch counts
        against it and its deadline is the sooner of the policy's timeout and the time the
        budget has left; running past the budget's deadline raises FetchBudgetError.

        Raises FetchBlockedError for a URL refused before connecting (scheme, userinfo,
        address, allowlist, path traversal in a folder map), FetchTimeoutError past the
        total deadline, FetchTooLargeError past the decoded size cap, FetchStatusError for
        a non-2xx answer (``.status`` holds it; 404 for a missing mapped file) and
        FetchError for anything else (DNS, connection, TLS, too many redirects, bad
        encoding).
        """
        if not isinstance(accept, str) or "\r" in accept or "\n" in accept:
            raise FetchError("invalid Accept header")
        hop = self._plan(url)  # a refused URL is refused before it costs any budget
        seconds = self.policy.timeout
        cut_by_budget = False
        if budget is not None:
            left = budget.take(url)
            if left < seconds:
                seconds, cut_by_budget = left, True
        deadline = _Deadline(seconds)
        try:
            return self._get(url, hop, accept, deadline)
        except FetchTimeoutError as exc:
            if not cut_by_budget or budget is None:
                raise
            raise FetchBudgetError(
                f"fetching from {hop.label} was cut off: this verification's time limit of "
                f"{budget.seconds:g} s ran out",
                code="deadline_exceeded",
            ) from exc

    def _get(self, url: str, hop: _Hop, accept: str, deadline: _Deadline) -> FetchResponse:
        for redirects in range(self.policy.max_redirects + 1):
            if hop.is_folder:
                return self._read_folder(url, hop)
            answer = self._request(hop, accept, deadline)
            if answer.location is None:
                return FetchResponse(
                    url=url,
                    final_url=hop.logical,
                    status=answer.status,
                    headers=MappingProxyType(answer.headers),
                    body=answer.body,
                )
            if redirects == self.policy.max_redirects:
                break
            hop = self._follow(hop, answer.location)
        raise FetchError(
            f"too many redirects (more than {self.policy.max_redirects}) "
            f"fetching from {_describe(url)}"
        )

    def get_json(
        self, url: str, *, accept: str = "application/json", budget: FetchBudget | None = None
    ) -> Any:
        """Fetch ``url`` and parse its body as JSON with :func:`badges.jsonutil.loads`.

        Raises what :meth:`get` raises, and FormatError (or InputTooLargeError) when the
        body is not acceptable JSON.
        """
        response = self.get(url, accept=accept, budget=budget)
        return jsonutil.loads(response.body, max_bytes=self.policy.max_bytes)

    # -- planning ----------------------------------------------------------------------

    def _plan(self, logical: str) -> _Hop:
        """Check a logical URL and decide where it is fetched from (FetchBlockedError)."""
        url = _parse_url(logical)
        norm = _lower_origin(logical)
        for rule in self._rules:
            if not _prefix_matches(norm, rule.prefix):
                continue
            if rule.is_folder:
                return _Hop(logical, rule.to_target(norm), True, rule)
            physical = rule.to_target(norm)
            if _parse_url(physical).key != rule.target_key:
                raise FetchBlockedError(
                    f"refusing to fetch from {url.host}: URL map gives a different host"
                )
            return _Hop(logical, physical, True, rule)
        trusted = url.key in self.policy.allowed_hosts
        if url.scheme == "http" and not trusted:
            raise FetchBlockedError(
                f"refusing to fetch from {url.host}: plain http is only allowed for "
                "allowlisted host:port entries"
            )
        return _Hop(logical, logical, trusted, None)

    def _follow(self, hop: _Hop, location: str) -> _Hop:
        """The next hop for a redirect, re-checked by every rule."""
        try:
            physical = urljoin(hop.physical, location.strip()).partition("#")[0]
        except ValueError as exc:
            raise FetchError(f"{hop.label} redirected to an invalid URL") from exc
        logical = physical
        if hop.rule is not None:
            back = hop.rule.to_logical(_lower_origin(physical))
            if back is not None:
                logical = back
        try:
            nxt = self._plan(logical)
        except FetchBlockedError as exc:
            if hop.physical.lower().startswith("https:") and logical.lower().startswith("http:"):
                raise FetchBlockedError(
                    f"refusing redirect from https at {hop.label} to plain http at "
                    f"{_describe(logical)}"
                ) from exc
            raise
        return nxt

    # -- folders -----------------------------------------------------------------------

    def _read_folder(self, url: str, hop: _Hop) -> FetchResponse:
        assert hop.rule is not None
        label = _describe(hop.logical)
        folder = os.path.realpath(hop.rule.target)
        rest = hop.physical.partition("#")[0].partition("?")[0]
        segments: list[str] = []
        for raw in rest.split("/"):
            try:
                segment = unquote(raw, errors="strict")
            except UnicodeDecodeError as exc:
                raise FetchBlockedError(f"refusing to map {label}: path is not UTF-8") from exc
            if segment == "..":
                raise FetchBlockedError(f"refusing to map {label}: path leaves the mapped folder")
            if any(ch in segment for ch in "/\\\0") or _UNSAFE_URL_CHARS_RE.search(segment):
                raise FetchBlockedError(f"refusing to map {label}: path has unsafe characters")
            if segment not in ("", "."):
                segments.append(segment)
        base = os.path.join(folder, *segments)
        if not segments or rest.endswith("/"):
            candidates = [os.path.join(base, "index.json")]
        else:
            candidates = [base, base + ".json", os.path.join(base, "index.json")]
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if os.path.commonpath([real, folder]) != folder:
                raise FetchBlockedError(f"refusing to map {label}: path leaves the mapped folder")
            if os.path.isfile(real):
                return self._read_file(url, hop, real, label)
        raise FetchStatusError(f"{label} (mapped to a folder) has no such file", status=404)

    def _read_file(self, url: str, hop: _Hop, path: str, label: str) -> FetchResponse:
        cap = self.policy.max_bytes
        try:
            if os.path.getsize(path) > cap:
                raise FetchTooLargeError(f"mapped file for {label} is larger than {cap} bytes")
            with open(path, "rb") as fh:
                body = fh.read(cap + 1)
        except OSError as exc:
            raise FetchError(f"cannot read the mapped file for {label}") from exc
        if len(body) > cap:
            raise FetchTooLargeError(f"mapped file for {label} is larger than {cap} bytes")
        ext = os.path.splitext(path)[1].lower()
        headers = {
            "content-type": _FOLDER_CONTENT_TYPES.get(ext, "application/octet-stream"),
            "content-length": str(len(body)),
        }
        return FetchResponse(
            url=url,
            final_url=hop.logical,
            status=200,
            headers=MappingProxyType(headers),
            body=body,
        )

    # -- network -----------------------------------------------------------------------

    def _request(self, hop: _Hop, accept: str, deadline: _Deadline) -> _Answer:
        url = _parse_url(hop.physical)
        label = hop.label
        with _network_errors(label, deadline):
            addresses = self._addresses(url, hop, deadline)
            sock = self._connect(url, addresses, deadline)
            try:
                conn = _pinned_connection()(url, _DeadlineSocket(sock, deadline))
                conn.request(
                    "GET",
                    url.target,
                    headers={
                        "Host": url.host_header,
                        "User-Agent": USER_AGENT,
                        "Accept": accept,
                        "Accept-Encoding": "gzip, deflate",
                        "Connection": "close",
                    },
                )
                response = conn.getresponse()
                try:
                    return self._answer(response, label, deadline)
                finally:
                    response.close()
            finally:
                sock.close()

    def _addresses(
        self, url: _Url, hop: _Hop, deadline: _Deadline
    ) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        try:
            addresses = [ipaddress.ip_address(url.host)]
        except ValueError:
            try:
                raw = _resolve_within(self._resolver, url.host, url.port, deadline)
            except (FetchError, TimeoutError):
                raise
            except (OSError, UnicodeError, ValueError) as exc:
                raise FetchError(f"cannot resolve {hop.label}") from exc
            addresses = []
            for item in raw:
                try:
                    addresses.append(ipaddress.ip_address(str(item)))
                except ValueError as exc:
                    raise FetchError(f"resolver gave an invalid address for {hop.label}") from exc
        if not addresses:
            raise FetchError(f"{hop.label} does not resolve to any address")
        if not hop.trusted:
            for address in addresses:
                if not _is_public_address(address):
                    raise FetchBlockedError(
                        f"refusing to fetch from {hop.label}: it resolves to the "
                        f"non-public address {address}"
                    )
        return addresses

    def _connect(
        self,
        url: _Url,
        addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
        deadline: _Deadline,
    ) -> socket.socket:
        """Connect to the first reachable checked address; TLS verified against the name."""
        error: OSError | None = None
        for address in addresses:
            try:
                sock = socket.create_connection(
                    (str(address), url.port), timeout=deadline.remaining()
                )
            except TimeoutError:
                raise
            except OSError as exc:
                error = exc
                continue
            if url.scheme != "https":
                return sock
            try:
                sock.settimeout(deadline.remaining())
                import ssl

                context = ssl.create_default_context()
                return context.wrap_socket(sock, server_hostname=url.host)
            except BaseException:
                sock.close()
                raise
        assert error is not None
        raise error

    def _answer(
        self, response: http.client.HTTPResponse, label: str, deadline: _Deadline
    ) -> _Answer:
        status = response.status
        headers: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if status in REDIRECT_STATUSES:
            location = headers.get("location", "").strip()
            if not location:
                raise FetchStatusError(
                    f"{label} answered HTTP {status} without a Location", status=status
                )
            return _Answer(status, headers, b"", location)
        if not 200 <= status < 300:
            raise FetchStatusError(f"{label} answered HTTP {status}", status=status)
        return _Answer(status, headers, self._read_body(response, headers, label, deadline), None)

    def _read_body(
        self,
        response: http.client.HTTPResponse,
        headers: dict[str, str],
        label: str,
        deadline: _Deadline,
    ) -> bytes:
        cap = self.policy.max_bytes
        length = headers.get("content-length", "").split(",")[0].strip()
        if length.isdigit() and int(length) > cap:
            raise FetchTooLargeError(
                f"response from {label} declares {int(length)} bytes, more than {cap}"
            )
        decoder = _Decoder(
            _content_encoding(headers.get("content-encoding", ""), label), cap, label
        )
        parts: list[bytes] = []
        received = 0
        while True:
            deadline.remaining()
            data = response.read(_CHUNK)
            if not data:
                break
            received += len(data)
            if received > cap:
                raise FetchTooLargeError(f"response from {label} is larger than {cap} bytes")
            parts.append(decoder.feed(data))
        parts.append(decoder.finish())
        return b"".join(parts)


def _resolve_within(resolver: Resolver, host: str, port: int, deadline: _Deadline) -> list[str]:
    """Run the resolver in a helper thread so a hanging DNS lookup obeys the deadline.

    Raises TimeoutError when the deadline passes first (the lookup is abandoned), or
    whatever the resolver raised.
    """
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", list(resolver(host, port))))
        except Exception as exc:
            outcome.append(("error", exc))

    worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if not outcome:
        raise TimeoutError(f"resolving {host} took too long")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    addresses: list[str] = value
    return addresses


@contextmanager
def _network_errors(label: str, deadline: _Deadline) -> Iterator[None]:
    """Map socket, TLS, http.client and zlib errors to one-line FetchError subclasses."""
    import http.client
    import ssl

    try:
        yield
    except FetchError:
        raise
    except TimeoutError as exc:
        raise FetchTimeoutError(
            f"fetching from {label} took longer than {deadline.seconds:g} s"
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        reason = _one_line(exc.verify_message or type(exc).__name__, 100)
        raise FetchError(f"TLS certificate of {label} was not accepted: {reason}") from exc
    except ssl.SSLError as exc:
        reason = _one_line(exc.reason or type(exc).__name__, 100)
        raise FetchError(f"TLS failed with {label}: {reason}") from exc
    except ConnectionRefusedError as exc:
        raise FetchError(f"connection to {label} was refused") from exc
    except http.client.IncompleteRead as exc:
        raise FetchError(f"{label} closed the connection before the body was complete") from exc
    except http.client.HTTPException as exc:
        raise FetchError(f"{label} sent a malformed HTTP response ({type(exc).__name__})") from exc
    except OSError as exc:
        reason = _one_line(exc.strerror or type(exc).__name__, 100)
        raise FetchError(f"cannot fetch from {label}: {reason}") from exc
    except zlib.error as exc:
        raise FetchError(f"response from {label} has a corrupt compressed body") from exc
    except ValueError as exc:
        raise FetchError(f"cannot fetch from {label}: invalid request or response") from exc
