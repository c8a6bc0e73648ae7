"""Tests for the guarded fetcher.

Every network test talks to loopback only: the servers below listen on 127.0.0.1, fake
host names are resolved by an injected resolver, and refusals are checked with a guard
that fails the test if the fetcher ever tries to open a connection.
"""

from __future__ import annotations

import datetime
import gzip
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from badges import fetch as fetch_module
from badges.errors import (
    FetchBlockedError,
    FetchBudgetError,
    FetchError,
    FetchSkippedError,
    FetchStatusError,
    FetchTimeoutError,
    FetchTooLargeError,
    FormatError,
)
from badges.fetch import USER_AGENT, FetchBudget, Fetcher, FetchPolicy, FetchResponse

BOMB_DECODED = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(BOMB_DECODED // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


class _Server:
    """A loopback HTTP server that records the requests it sees."""

    def __init__(self, bomb: bytes, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.trickled: list[str] = []  # slow answers sent to their end (see _trickle)
        self.closed = threading.Event()
        self.bomb = bomb
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append({"path": self.path, "headers": dict(self.headers)})
                route = outer.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    _send(self, 404, b'{"error": "not found"}')
                else:
                    route(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.host_port = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def count(self) -> int:
        return len(self.requests)

    def close(self) -> None:
        self.closed.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    length: bool = True,
) -> None:
    handler.send_response(status)
    all_headers = {"Content-Type": "application/json; charset=utf-8"}
    all_headers.update(headers or {})
    for name, value in all_headers.items():
        handler.send_header(name, value)
    if length and "Content-Length" not in all_headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


TRICKLE = 600  # bytes a slow answer sends, one every 0.05 s: 30 s, far past any deadline here


def _trickle(handler: BaseHTTPRequestHandler, server: _Server, byte: bytes) -> None:
    """Send ``byte`` TRICKLE times, 0.05 s apart, each resetting a per-read timeout; note
    in ``server.trickled`` an answer that ran to its end (no client gave up on it)."""
    try:
        for _ in range(TRICKLE):
            handler.wfile.write(byte)
            handler.wfile.flush()
            if server.closed.wait(0.05):
                return
    except OSError:
        return  # the client gave up
    server.trickled.append(handler.path)


def _slow_body(handler: BaseHTTPRequestHandler, server: _Server) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    _trickle(handler, server, b" ")


def _slow_headers(handler: BaseHTTPRequestHandler, server: _Server) -> None:
    try:
        handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
    except OSError:
        return
    _trickle(handler, server, b"y")  # one header's value, a byte at a time


def _install_routes(server: _Server) -> None:
    r = server.routes
    r["/json"] = lambda h: _send(h, 200, b'{"ok": true}')
    r["/echo"] = lambda h: _send(h, 200, b"{}")
    r["/bad-json"] = lambda h: _send(h, 200, b'{"ok": tru')
    r["/gone"] = lambda h: _send(h, 410, b"gone")
    r["/error"] = lambda h: _send(h, 500, b"boom")
    r["/redirect"] = lambda h: _send(h, 302, b"", {"Location": "/json"})
    r["/redirect-abs"] = lambda h: _send(h, 301, b"", {"Location": f"{server.base}/json"})
    r["/redirect-no-location"] = lambda h: _send(h, 302, b"")
    r["/loop"] = lambda h: _send(h, 302, b"", {"Location": "/loop"})
    r["/gzip"] = lambda h: _send(
        h, 200, gzip.compress(b'{"enc": "gzip"}'), {"Content-Encoding": "gzip"}
    )
    r["/deflate"] = lambda h: _send(
        h, 200, zlib.compress(b'{"enc": "deflate"}'), {"Content-Encoding": "deflate"}
    )
    r["/deflate-raw"] = lambda h: _send(
        h, 200, _raw_deflate(b'{"enc": "raw"}'), {"Content-Encoding": "deflate"}
    )
    r["/brotli"] = lambda h: _send(h, 200, b"xx", {"Content-Encoding": "br"})
    r["/bomb"] = lambda h: _send(h, 200, server.bomb, {"Content-Encoding": "gzip"})
    r["/big"] = lambda h: _send(h, 200, b"x" * 5000)
    r["/big-no-length"] = lambda h: _send(h, 200, b"x" * 5000, length=False)
    r["/huge-length"] = lambda h: _send(h, 200, b"{}", {"Content-Length": str(10**12)})
    r["/slow"] = lambda h: _slow_body(h, server)
    r["/slow-headers"] = lambda h: _slow_headers(h, server)


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.fixture
def make_server(gzip_bomb: bytes) -> Iterator[Callable[..., _Server]]:
    servers: list[_Server] = []

    def start(tls: ssl.SSLContext | None = None) -> _Server:
        server = _Server(gzip_bomb, tls)
        _install_routes(server)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def server(make_server: Callable[[], _Server]) -> _Server:
    return make_server()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Safety net for every test: the fetcher may only ever connect to loopback."""
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        if address[0] not in ("127.0.0.1", "::1"):
            raise AssertionError(f"fetcher tried to connect to non-loopback {address[0]!r}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "create_connection", guarded)


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the fetcher tries to open any connection."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"fetcher tried to connect to {args[0]!r}")

    monkeypatch.setattr(fetch_module.socket, "create_connection", refuse)


def resolver_for(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(f"unknown test host {host}")
        return table[host]

    return resolve


def allow(server: _Server, **kw: Any) -> Fetcher:
    return Fetcher(FetchPolicy(allowed_hosts=frozenset({server.host_port}), **kw))


# --- default policy refusals -------------------------------------------------------------


def test_default_policy_refuses_loopback_http(server: _Server) -> None:
    with pytest.raises(FetchBlockedError) as info:
        Fetcher().get(f"{server.base}/json")
    assert "127.0.0.1" in str(info.value)
    assert server.count == 0


def test_default_policy_refuses_https_localhost(server: _Server, no_connect: None) -> None:
    # The real resolver: localhost is loopback, refused before any connection.
    with pytest.raises(FetchBlockedError):
        Fetcher().get(f"https://localhost:{server.port}/json")
    with pytest.raises(FetchBlockedError):
        Fetcher().get("https://localhost/json")
    assert server.count == 0


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "fe80::1",
        "fc00::1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # teredo
        "ff02::1",
    ],
)
def test_names_resolving_to_special_addresses_are_refused(
    server: _Server, no_connect: None, address: str
) -> None:
    fetcher = Fetcher(FetchPolicy(resolver=resolver_for({"evil.example": [address]})))
    with pytest.raises(FetchBlockedError) as info:
        fetcher.get("https://evil.example/json")
    assert "evil.example" in str(info.value)
    assert server.count == 0


def test_every_resolved_address_is_checked(no_connect: None) -> None:
    # The public-looking address is never contacted: the loopback one blocks the fetch
    # first, and no_connect fails the test should any connection be attempted.
    resolver = resolver_for({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(FetchBlockedError):
        Fetcher(FetchPolicy(resolver=resolver)).get("https://mixed.example/")


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/", "https://[::1]/", "https://10.1.2.3/x", "https://169.254.169.254/"],
)
def test_ip_literals_are_checked(no_connect: None, url: str) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise AssertionError("IP literals must not be resolved")

    with pytest.raises(FetchBlockedError):
        Fetcher(FetchPolicy(resolver=resolver)).get(url)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://files.example/x.json",
        "data:application/json,{}",
        "gopher://old.example/",
        "javascript:alert(1)",
        "//no-scheme.example/x",
        "https://user:pass@issuer.example/x",
        "https://user@issuer.example/x",
        "https://issuer.example/a b",
        "https://issuer.example/a\nb",
        "https:///nohost",
        "https://issuer.example:99999/",
    ],
)
def test_bad_urls_are_refused(no_connect: None, url: str) -> None:
    resolver = resolver_for({"issuer.example": ["127.0.0.1"]})
    with pytest.raises(FetchBlockedError) as info:
        Fetcher(FetchPolicy(resolver=resolver)).get(url)
    assert "\n" not in str(info.value)
    assert "user:pass@" not in str(info.value)


def test_userinfo_refused_even_for_allowlisted_host(server: _Server) -> None:
    with pytest.raises(FetchBlockedError):
        allow(server).get(f"http://user:pw@{server.host_port}/json")
    assert server.count == 0


def test_plain_http_refused_for_public_name(no_connect: None) -> None:
    resolver = resolver_for({"issuer.example": ["93.184.216.34"]})
    with pytest.raises(FetchBlockedError) as info:
        Fetcher(FetchPolicy(resolver=resolver)).get("http://issuer.example/x")
    assert "http" in str(info.value)
    assert str(info.value) == (
        "refusing to fetch from issuer.example: plain http is only allowed for allowlisted "
        "host:port entries"
    )


def test_resolver_failure_is_fetch_error() -> None:
    with pytest.raises(FetchError) as info:
        Fetcher(FetchPolicy(resolver=resolver_for({}))).get("https://nowhere.example/")
    assert not isinstance(info.value, FetchBlockedError)
    assert "nowhere.example" in str(info.value)


# --- allowlist ---------------------------------------------------------------------------


def test_allowlisted_host_port_works_over_http(server: _Server) -> None:
    response = allow(server).get(f"{server.base}/json")
    assert isinstance(response, FetchResponse)
    assert response.status == 200
    assert response.body == b'{"ok": true}'
    assert response.content_type == "application/json"
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.url == response.final_url == f"{server.base}/json"


def test_request_headers(server: _Server) -> None:
    allow(server).get(f"{server.base}/echo", accept="application/did+json")
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert headers["user-agent"] == USER_AGENT
    assert headers["accept"] == "application/did+json"
    assert headers["host"] == server.host_port
    assert "authorization" not in headers
    assert "cookie" not in headers


def test_allowlisted_name_connects_to_resolved_address_with_host_header(
    server: _Server,
) -> None:
    policy = FetchPolicy(
        allowed_hosts=frozenset({f"issuer.example:{server.port}"}),
        resolver=resolver_for({"issuer.example": ["127.0.0.1"]}),
    )
    data = Fetcher(policy).get_json(f"http://issuer.example:{server.port}/json")
    assert data == {"ok": True}
    assert server.requests[0]["headers"]["Host"] == f"issuer.example:{server.port}"


def test_host_resolved_once_and_connection_pinned(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return ["127.0.0.1"]

    real_getaddrinfo = socket.getaddrinfo

    def numeric_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        # create_connection may call getaddrinfo, but only with the checked IP literal.
        assert host == "127.0.0.1", f"second DNS lookup for {host!r}"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
    policy = FetchPolicy(
        allowed_hosts=frozenset({f"issuer.example:{server.port}"}), resolver=resolver
    )
    Fetcher(policy).get(f"http://issuer.example:{server.port}/json")
    assert calls == [("issuer.example", server.port)]


def test_hanging_resolver_obeys_deadline(no_connect: None) -> None:
    """The lookup would answer after 60 s; the fetch gives up at its 0.3 s, while the
    lookup still hangs (had it waited, the lookup would have answered first)."""
    release = threading.Event()
    answered = threading.Event()

    def resolver(host: str, port: int) -> list[str]:
        release.wait(60)
        answered.set()
        return ["127.0.0.1"]

    try:
        with pytest.raises(FetchTimeoutError):
            Fetcher(FetchPolicy(timeout=0.3, resolver=resolver)).get("https://slow-dns.example/")
        assert not answered.is_set()
    finally:
        release.set()


def test_allowlist_is_exact_host_and_port(server: _Server, make_server: Any) -> None:
    other = make_server()
    with pytest.raises(FetchBlockedError):
        allow(server).get(f"{other.base}/json")
    with pytest.raises(FetchBlockedError):  # same port, different name
        allow(server).get(f"http://localhost:{server.port}/json")
    assert other.count == 0 and server.count == 0


def test_https_to_plain_http_server_fails_cleanly(server: _Server) -> None:
    # TLS handshake against a plain HTTP listener: an ssl error, mapped to FetchError.
    with pytest.raises(FetchError) as info:
        allow(server, timeout=2.0).get(f"https://{server.host_port}/json")
    assert "127.0.0.1" in str(info.value)
    assert "\n" not in str(info.value)


def test_connection_refused_is_fetch_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    fetcher = Fetcher(FetchPolicy(allowed_hosts=frozenset({f"127.0.0.1:{port}"})))
    with pytest.raises(FetchError) as info:
        fetcher.get(f"http://127.0.0.1:{port}/")
    assert type(info.value) is FetchError


# --- redirects ---------------------------------------------------------------------------


def test_redirect_is_followed(server: _Server) -> None:
    response = allow(server).get(f"{server.base}/redirect")
    assert response.body == b'{"ok": true}'
    assert response.url == f"{server.base}/redirect"
    assert response.final_url == f"{server.base}/json"


def test_redirect_to_non_allowlisted_loopback_is_refused(server: _Server, make_server: Any) -> None:
    second = make_server()
    server.routes["/away"] = lambda h: _send(h, 302, b"", {"Location": f"{second.base}/json"})
    with pytest.raises(FetchBlockedError):
        allow(server).get(f"{server.base}/away")
    assert server.count == 1
    assert second.count == 0


def test_redirect_to_name_resolving_privately_is_refused(server: _Server) -> None:
    server.routes["/away"] = lambda h: _send(h, 302, b"", {"Location": "https://evil.example/json"})
    resolver = resolver_for({"evil.example": ["10.0.0.5"]})
    with pytest.raises(FetchBlockedError):
        allow(server, resolver=resolver).get(f"{server.base}/away")


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://x.example/"])
def test_redirect_to_bad_scheme_is_refused(server: _Server, target: str) -> None:
    server.routes["/away"] = lambda h: _send(h, 302, b"", {"Location": target})
    with pytest.raises(FetchBlockedError):
        allow(server).get(f"{server.base}/away")


def test_redirect_loop_stops_at_max_redirects(server: _Server) -> None:
    with pytest.raises(FetchError) as info:
        allow(server, max_redirects=3).get(f"{server.base}/loop")
    assert "redirect" in str(info.value)
    assert server.count == 4  # the first request and three redirects


def test_no_redirects_allowed(server: _Server) -> None:
    with pytest.raises(FetchError):
        allow(server, max_redirects=0).get(f"{server.base}/redirect")
    assert server.count == 1


def test_redirect_without_location(server: _Server) -> None:
    with pytest.raises(FetchStatusError) as info:
        allow(server).get(f"{server.base}/redirect-no-location")
    assert info.value.status == 302


# --- status codes ------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/gone", 410), ("/error", 500)])
def test_non_2xx_raises_status_error(server: _Server, path: str, status: int) -> None:
    with pytest.raises(FetchStatusError) as info:
        allow(server).get(f"{server.base}{path}")
    assert info.value.status == status
    assert str(status) in str(info.value)
    assert "boom" not in str(info.value)  # the body is never echoed


# --- size and encodings ------------------------------------------------------------------


def test_gzip_bomb_is_stopped(server: _Server, gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < 1_000_000
    with pytest.raises(FetchTooLargeError):
        allow(server).get(f"{server.base}/bomb")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/gzip", {"enc": "gzip"}),
        ("/deflate", {"enc": "deflate"}),
        ("/deflate-raw", {"enc": "raw"}),
    ],
)
def test_compressed_bodies_are_decoded(server: _Server, path: str, expected: Any) -> None:
    assert allow(server).get_json(f"{server.base}{path}") == expected


def test_unknown_content_encoding_is_refused(server: _Server) -> None:
    with pytest.raises(FetchError) as info:
        allow(server).get(f"{server.base}/brotli")
    assert "br" in str(info.value)


def test_oversized_plain_body(server: _Server) -> None:
    with pytest.raises(FetchTooLargeError):
        allow(server, max_bytes=1000).get(f"{server.base}/big-no-length")
    assert allow(server, max_bytes=5000).get(f"{server.base}/big-no-length").body == b"x" * 5000


def test_oversized_content_length_rejected_up_front(server: _Server) -> None:
    with pytest.raises(FetchTooLargeError):
        allow(server, max_bytes=1000).get(f"{server.base}/big")
    with pytest.raises(FetchTooLargeError) as info:
        allow(server).get(f"{server.base}/huge-length")
    assert str(10**12) in str(info.value)


# --- deadline ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/slow", "/slow-headers"])
def test_slow_server_hits_total_deadline(server: _Server, path: str) -> None:
    """A byte every 0.05 s for 30 s never trips a per-read timeout of 1 s; the total
    deadline of 1 s ends the fetch while the server is still sending."""
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError) as info:
        allow(server, timeout=1.0).get(f"{server.base}{path}")
    # not before the deadline (a lower bound only: a loaded machine can only add to it)
    assert time.monotonic() - started >= 0.9
    assert server.trickled == []  # cut off, not waited out
    assert "127.0.0.1" in str(info.value)


# --- one verification's budget ------------------------------------------------------------


def test_a_budget_cuts_a_fetch_off_at_its_own_deadline(server: _Server) -> None:
    """The policy allows 60 s per fetch and the server sends for 30 s; the verification
    has 1 s left in all, and cuts the fetch off while the server is still sending."""
    budget = FetchBudget(1.0, 10)
    with pytest.raises(FetchBudgetError) as info:
        allow(server, timeout=60.0).get(f"{server.base}/slow", budget=budget)
    assert server.trickled == []
    assert info.value.code == "deadline_exceeded"
    assert "time limit of 1 s" in str(info.value)
    with pytest.raises(FetchBudgetError) as again:  # nothing left: not even tried
        allow(server).get(f"{server.base}/json", budget=budget)
    assert again.value.code == "deadline_exceeded"
    assert server.count == 1


def test_the_policy_timeout_still_applies_within_a_budget(server: _Server) -> None:
    with pytest.raises(FetchTimeoutError) as info:
        allow(server, timeout=0.5).get(f"{server.base}/slow", budget=FetchBudget(30.0, 10))
    assert not isinstance(info.value, FetchBudgetError)


def test_a_budget_caps_the_number_of_fetches(server: _Server) -> None:
    budget = FetchBudget(30.0, 3)
    fetcher = allow(server)
    for _ in range(3):
        assert fetcher.get_json(f"{server.base}/json", budget=budget) == {"ok": True}
    with pytest.raises(FetchBudgetError) as info:
        fetcher.get_json(f"{server.base}/json", budget=budget)
    assert info.value.code == "fetch_limit_reached"
    assert server.count == 3
    assert budget.fetches == 3 and budget.refused == 1


def test_a_refused_url_costs_no_budget(no_connect: None) -> None:
    budget = FetchBudget(30.0, 1)
    with pytest.raises(FetchBlockedError):
        Fetcher().get("http://127.0.0.1:9/x", budget=budget)
    assert budget.fetches == 0


def test_a_settled_budget_skips_every_fetch(server: _Server) -> None:
    budget = FetchBudget(30.0, 10)
    budget.settle()
    with pytest.raises(FetchSkippedError) as info:
        allow(server).get(f"{server.base}/json", budget=budget)
    assert info.value.code == "verdict_settled"
    assert server.count == 0


@pytest.mark.parametrize(("seconds", "fetches"), [(0, 5), (-1, 5), (5, -1), (True, 5), (5, 2.5)])
def test_a_budget_refuses_bad_limits(seconds: Any, fetches: Any) -> None:
    with pytest.raises(FetchError):
        FetchBudget(seconds, fetches)


# --- JSON --------------------------------------------------------------------------------


def test_get_json_with_invalid_json(server: _Server) -> None:
    with pytest.raises(FormatError):
        allow(server).get_json(f"{server.base}/bad-json")


# --- url_map: http targets ---------------------------------------------------------------


def test_url_map_http_target_keeps_logical_url(server: _Server) -> None:
    policy = FetchPolicy.from_options(maps=[f"https://issuer.example/={server.base}/"])
    fetcher = Fetcher(policy)
    response = fetcher.get("https://issuer.example/json?x=1#frag")
    assert response.body == b'{"ok": true}'
    assert response.url == "https://issuer.example/json?x=1#frag"
    assert response.final_url == "https://issuer.example/json?x=1#frag"
    assert server.requests[0]["path"] == "/json?x=1"
    # A same-server redirect is reported in logical terms, relative and absolute.
    assert fetcher.get("https://issuer.example/redirect").final_url == (
        "https://issuer.example/json"
    )
    assert fetcher.get("https://issuer.example/redirect-abs").final_url == (
        "https://issuer.example/json"
    )
    # Hosts that are not mapped are still held to the default rules.
    with pytest.raises(FetchBlockedError):
        fetcher.get(f"{server.base}/json")


def test_url_map_longest_prefix_wins(server: _Server, make_server: Any, tmp_path: Path) -> None:
    other = make_server()
    (tmp_path / "doc.json").write_text('{"from": "folder"}')
    policy = FetchPolicy(
        url_map=(
            ("https://issuer.example/", f"{server.base}/"),
            ("https://issuer.example/deep/", f"{other.base}/"),
            ("https://issuer.example/files", str(tmp_path)),
        )
    )
    fetcher = Fetcher(policy)
    fetcher.get("https://issuer.example/deep/json")
    assert other.count == 1 and server.count == 0
    fetcher.get("https://issuer.example/json")
    assert server.count == 1
    assert fetcher.get_json("https://issuer.example/files/doc") == {"from": "folder"}
    # "files" only matches on a path boundary.
    with pytest.raises(FetchStatusError):
        fetcher.get("https://issuer.example/filesx")
    assert server.requests[-1]["path"] == "/filesx"


def test_url_map_redirect_away_from_target_is_checked(server: _Server, make_server: Any) -> None:
    second = make_server()
    server.routes["/away"] = lambda h: _send(h, 302, b"", {"Location": f"{second.base}/json"})
    fetcher = Fetcher(FetchPolicy(url_map=(("https://issuer.example/", f"{server.base}/"),)))
    with pytest.raises(FetchBlockedError):
        fetcher.get("https://issuer.example/away")
    assert second.count == 0


# --- url_map: folders --------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.json").write_text('{"page": "index"}')
    (root / "a.json").write_text('{"page": "a"}')
    (root / "sub" / "index.json").write_text('{"page": "sub index"}')
    (root / "sub" / "b.json").write_text('{"page": "b"}')
    (root / "token.jwt").write_text("eyJ.x.y")
    (root / "image.png").write_bytes(b"\x89PNG")
    (root / "plain").write_bytes(b"raw")
    (root / "big.json").write_text("[" + "0," * 1000 + "0]")
    (tmp_path / "secret.json").write_text('{"secret": true}')
    return root


@pytest.mark.parametrize("as_file_url", [False, True])
def test_url_map_to_folder(folder: Path, no_connect: None, as_file_url: bool) -> None:
    target = folder.as_uri() if as_file_url else str(folder)
    fetcher = Fetcher(FetchPolicy.from_options(maps=[f"https://issuer.example/={target}"]))
    get = fetcher.get_json
    assert get("https://issuer.example/") == {"page": "index"}
    assert get("https://issuer.example") == {"page": "index"}
    assert get("https://issuer.example/a") == {"page": "a"}
    assert get("https://issuer.example/a.json") == {"page": "a"}
    assert get("https://issuer.example/sub/") == {"page": "sub index"}
    assert get("https://issuer.example/sub") == {"page": "sub index"}
    assert get("https://issuer.example/sub/b?query=1#frag") == {"page": "b"}
    assert get("https://ISSUER.example/sub/%62") == {"page": "b"}
    response = fetcher.get("https://issuer.example/a")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.url == response.final_url == "https://issuer.example/a"
    assert fetcher.get("https://issuer.example/token.jwt").content_type == "application/jwt"
    assert fetcher.get("https://issuer.example/image.png").content_type == "image/png"
    assert fetcher.get("https://issuer.example/plain").content_type == "application/octet-stream"


def test_url_map_folder_missing_file_is_404(folder: Path) -> None:
    fetcher = Fetcher(FetchPolicy(url_map=(("https://issuer.example/", str(folder)),)))
    with pytest.raises(FetchStatusError) as info:
        fetcher.get("https://issuer.example/nope")
    assert info.value.status == 404


def test_url_map_folder_size_cap(folder: Path) -> None:
    fetcher = Fetcher(
        FetchPolicy(url_map=(("https://issuer.example/", str(folder)),), max_bytes=100)
    )
    with pytest.raises(FetchTooLargeError):
        fetcher.get("https://issuer.example/big")


@pytest.mark.parametrize(
    "path",
    [
        "../secret.json",
        "../secret",
        "sub/../../secret",
        "%2e%2e/secret",
        "%2E%2E/secret.json",
        "sub/%2e%2e/%2e%2e/secret",
        "..%2fsecret",
        "%2e%2e%2fsecret",
        "..%5csecret",
        "a%00.json",
    ],
)
def test_url_map_folder_traversal_is_refused(folder: Path, path: str) -> None:
    fetcher = Fetcher(FetchPolicy(url_map=(("https://issuer.example/", str(folder)),)))
    with pytest.raises(FetchBlockedError):
        fetcher.get(f"https://issuer.example/{path}")


def test_url_map_folder_symlink_out_is_refused(folder: Path) -> None:
    (folder / "link.json").symlink_to(folder.parent / "secret.json")
    fetcher = Fetcher(FetchPolicy(url_map=(("https://issuer.example/", str(folder)),)))
    with pytest.raises(FetchBlockedError):
        fetcher.get("https://issuer.example/link")


# --- from_options ------------------------------------------------------------------------


def test_from_options_parses_entries(tmp_path: Path) -> None:
    policy = FetchPolicy.from_options(
        allow_hosts=["127.0.0.1:8765", "LocalHost:5000", "[::1]:8080", "[0:0::1]:9"],
        maps=[
            "https://issuer.example/=http://127.0.0.1:8765/",
            f"https://files.example/a=b/={tmp_path}",
        ],
        timeout=2.5,
        max_bytes=10,
        max_redirects=1,
    )
    assert policy.allowed_hosts == frozenset(
        {"127.0.0.1:8765", "localhost:5000", "[::1]:8080", "[::1]:9"}
    )
    assert policy.url_map == (
        ("https://issuer.example/", "http://127.0.0.1:8765/"),
        ("https://files.example/a=b/", str(tmp_path)),
    )
    assert (policy.timeout, policy.max_bytes, policy.max_redirects) == (2.5, 10, 1)
    assert FetchPolicy.from_options() == FetchPolicy()


@pytest.mark.parametrize(
    ("allow_hosts", "maps"),
    [
        (["localhost"], []),
        (["localhost:"], []),
        (["localhost:http"], []),
        (["localhost:70000"], []),
        (["::1:8080"], []),
        (["[::1]"], []),
        (["[127.0.0.1]:80"], []),
        (["bad host:80"], []),
        ([], ["https://issuer.example/"]),
        ([], ["issuer.example=http://127.0.0.1:1/"]),
        ([], ["ftp://issuer.example/=http://127.0.0.1:1/"]),
        ([], ["https://issuer.example/=ftp://127.0.0.1/"]),
        ([], ["https://issuer.example/=relative/folder"]),
        ([], ["https://issuer.example/=/definitely/not/a/folder/here"]),
        ([], ["https://issuer.example/=http://user:pw@127.0.0.1:1/"]),
        ([], ["https://issuer.example/=http://127.0.0.1:notaport/"]),
    ],
)
def test_from_options_bad_entries(allow_hosts: list[str], maps: list[str]) -> None:
    with pytest.raises(FetchError) as info:
        FetchPolicy.from_options(allow_hosts=allow_hosts, maps=maps)
    assert "\n" not in str(info.value)


def test_policy_rejects_bad_limits() -> None:
    for kw in ({"timeout": 0}, {"max_bytes": -1}, {"max_redirects": -1}):
        with pytest.raises(FetchError):
            FetchPolicy(**kw)


# --- TLS ---------------------------------------------------------------------------------


def _make_tls(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA and a server certificate for issuer.example (test use only)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name("badges test CA"))
        .issuer_name(name("badges test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("issuer.example"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("issuer.example")]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = directory / "ca.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path = directory / "server.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = directory / "server.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    return ca_path, server_context


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    return _make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(
    make_server: Callable[..., _Server], tls_material: tuple[Path, ssl.SSLContext]
) -> _Server:
    return make_server(tls_material[1])


@pytest.fixture
def trust_test_ca(
    monkeypatch: pytest.MonkeyPatch, tls_material: tuple[Path, ssl.SSLContext]
) -> None:
    """Make the fetcher's default TLS context trust the throwaway CA instead of the system's."""
    real = ssl.create_default_context
    ca_path = tls_material[0]
    # the ssl module itself: badges.fetch imports it when it first makes a TLS connection
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: real(cafile=str(ca_path)))


def _tls_policy(name: str, server: _Server, **kw: Any) -> FetchPolicy:
    return FetchPolicy(
        allowed_hosts=frozenset({f"{name}:{server.port}", *kw.pop("extra_allowed", ())}),
        resolver=resolver_for({name: ["127.0.0.1"]}),
        **kw,
    )


def test_https_certificate_checked_against_host_name(
    tls_server: _Server, trust_test_ca: None
) -> None:
    fetcher = Fetcher(_tls_policy("issuer.example", tls_server))
    response = fetcher.get(f"https://issuer.example:{tls_server.port}/json")
    assert response.body == b'{"ok": true}'
    assert tls_server.requests[0]["headers"]["Host"] == f"issuer.example:{tls_server.port}"


def test_https_certificate_for_another_name_is_refused(
    tls_server: _Server, trust_test_ca: None
) -> None:
    # Same IP, same certificate, but the name asked for is not in it.
    fetcher = Fetcher(_tls_policy("other.example", tls_server))
    with pytest.raises(FetchError) as info:
        fetcher.get(f"https://other.example:{tls_server.port}/json")
    assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)
    assert "other.example" in str(info.value)
    assert tls_server.count == 0


def test_https_untrusted_certificate_is_refused(tls_server: _Server) -> None:
    fetcher = Fetcher(_tls_policy("issuer.example", tls_server))
    with pytest.raises(FetchError) as info:
        fetcher.get(f"https://issuer.example:{tls_server.port}/json")
    assert isinstance(info.value.__cause__, ssl.SSLError)
    assert tls_server.count == 0


def test_https_to_http_redirect_is_refused_unless_allowlisted(
    tls_server: _Server, server: _Server, trust_test_ca: None
) -> None:
    tls_server.routes["/down"] = lambda h: _send(h, 302, b"", {"Location": f"{server.base}/json"})
    url = f"https://issuer.example:{tls_server.port}/down"
    with pytest.raises(FetchBlockedError) as info:
        Fetcher(_tls_policy("issuer.example", tls_server)).get(url)
    assert "https" in str(info.value)
    assert server.count == 0
    policy = _tls_policy("issuer.example", tls_server, extra_allowed=[server.host_port])
    response = Fetcher(policy).get(url)
    assert response.final_url == f"{server.base}/json"
    assert server.count == 1


# --- what a refused redirect or a bad resolver answer says -------------------------------


def test_a_redirect_drops_the_fragment(server: _Server) -> None:
    server.routes["/to-part"] = lambda h: _send(h, 302, b"", {"Location": "/json#part"})
    response = allow(server).get(f"{server.base}/to-part")
    assert response.final_url == f"{server.base}/json"
    assert server.requests[-1]["path"] == "/json"


def test_a_redirect_to_an_invalid_url_says_so(server: _Server) -> None:
    server.routes["/broken"] = lambda h: _send(h, 302, b"", {"Location": "http://[::1/x"})
    with pytest.raises(FetchError, match=r"^127\.0\.0\.1 redirected to an invalid URL$"):
        allow(server).get(f"{server.base}/broken")


def test_https_redirect_to_another_scheme_is_refused_for_its_scheme(
    tls_server: _Server, trust_test_ca: None
) -> None:
    tls_server.routes["/ftp"] = lambda h: _send(h, 302, b"", {"Location": "ftp://x.example/"})
    url = f"https://issuer.example:{tls_server.port}/ftp"
    message = "refusing to fetch x.example: only https (or allowlisted http) is fetched"
    with pytest.raises(FetchBlockedError, match=f"^{re.escape(message)}$"):
        Fetcher(_tls_policy("issuer.example", tls_server)).get(url)


def test_https_to_http_redirect_names_both_hosts(
    tls_server: _Server, server: _Server, trust_test_ca: None
) -> None:
    tls_server.routes["/down"] = lambda h: _send(h, 302, b"", {"Location": f"{server.base}/json"})
    url = f"https://issuer.example:{tls_server.port}/down"
    message = "refusing redirect from https at issuer.example to plain http at 127.0.0.1"
    with pytest.raises(FetchBlockedError, match=f"^{re.escape(message)}$"):
        Fetcher(_tls_policy("issuer.example", tls_server)).get(url)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["not-an-address"], "resolver gave an invalid address for issuer.example"),
        ([], "issuer.example does not resolve to any address"),
    ],
)
def test_a_useless_resolver_answer_is_a_fetch_error(
    no_connect: None, answer: list[str], message: str
) -> None:
    fetcher = Fetcher(FetchPolicy(resolver=resolver_for({"issuer.example": answer})))
    with pytest.raises(FetchError, match=f"^{re.escape(message)}$") as info:
        fetcher.get("https://issuer.example/x")
    assert not isinstance(info.value, FetchBlockedError)
