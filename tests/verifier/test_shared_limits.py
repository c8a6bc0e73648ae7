"""The verifier's rate limits (Flask-Limiter) shared through Redis (VERIFIER_REDIS_URL): two
workers give a client one allowance; with Redis away each process limits on its own (the
library's in-memory fallback) and keeps answering, and the shared limits come back with Redis
(issue 16). Redis on loopback (127.0.0.1:6379), reached directly or through a switch in this
file that can cut it off; skipped where none answers. Each test is a client address of its
own, so runs at once on one server do not share allowances."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest

from verifier.limits import RequestLimits, allowance

REDIS = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")


def _dead_redis() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


class RedisSwitch:
    """A loopback port forwarding to the Redis on 6379, which a test can cut (every
    connection closed, new ones closed at once) and restore, as a Redis stopped and started."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.up = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", 6379))
            with self.lock:
                self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.server.close()


@pytest.fixture
def switch() -> Iterator[RedisSwitch]:
    proxy = RedisSwitch()
    yield proxy
    proxy.close()


@pytest.fixture
def address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def _verify(client, address: str):
    return client.post(
        "/api/v1/verify", json={"jwt": "a.b.c"}, environ_base={"REMOTE_ADDR": address}
    )


def test_the_settings_become_a_burst_window_and_an_hour():
    # 30 at once and 120 a minute: 30 per 15 s, and the hour's 7,200
    assert allowance(120, 30) == ["30 per 15 second", "7200 per 1 hour"]
    assert allowance(6, 3) == ["3 per 30 second", "360 per 1 hour"]
    # a rate too small for the hour to hold a burst: the burst sets both
    assert allowance(0.001, 6) == ["6 per 360000 second", "6 per 1 hour"]


@needs_redis
def test_two_workers_give_a_client_one_allowance(make_app, address):
    settings = {"VERIFIER_REDIS_URL": REDIS, "VERIFIER_BURST": 3, "VERIFIER_RATE_PER_MINUTE": 6}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    assert _verify(first, address).status_code == 200  # (a report on a broken JWT: counted)
    assert _verify(first, address).status_code == 200
    assert _verify(second, address).status_code == 200
    throttled = _verify(second, address)  # the fourth, in the other worker
    assert throttled.status_code == 429
    assert throttled.json["error"]["code"] == "too_many_requests"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 30  # the 30-second window's end
    assert _verify(first, address).status_code == 429
    assert second.get("/readyz").json["checks"] == {"redis": "ok"}
    # another client has its own allowance
    assert _verify(first, address + "1").status_code == 200


@needs_redis
def test_a_record_charges_the_shared_allowance(make_app, address):
    settings = {
        "VERIFIER_REDIS_URL": REDIS,
        "VERIFIER_BURST": 6,
        "VERIFIER_RATE_PER_MINUTE": 0.001,
    }
    app, other = make_app(**settings), make_app(**settings).test_client()
    limits = app.extensions["verifier.limits"]
    assert isinstance(limits, RequestLimits) and limits.shared
    client = app.test_client()
    assert _verify(client, address).status_code == 200
    limits.charge(address, 4)  # a record's four badges, after the fact: 1 of 6 left
    assert _verify(other, address).status_code == 200  # the other worker sees the charge
    throttled = _verify(client, address)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 3000
    assert _verify(other, address).status_code == 429


def test_with_redis_away_each_process_limits_on_its_own_and_answers(make_app, address):
    app = make_app(VERIFIER_REDIS_URL=_dead_redis(), VERIFIER_BURST=2, VERIFIER_RATE_PER_MINUTE=6)
    client = app.test_client()
    assert _verify(client, address).status_code == 200
    assert _verify(client, address).status_code == 200
    throttled = _verify(client, address)
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 20
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["redis"].startswith("unavailable")
    # a record's credentials are charged to the process's own allowance meanwhile
    other = address + "1"
    assert _verify(client, other).status_code == 200
    app.extensions["verifier.limits"].charge(other, 1)
    assert _verify(client, other).status_code == 429


@needs_redis
def test_the_shared_limits_go_and_come_back_with_redis(make_app, address, switch, monkeypatch):
    import flask_limiter._extension as extension

    # Flask-Limiter tries a storage that went away again after 1, 2, 4 ... 32 seconds:
    # its clock, moved by hand
    now = [extension.time.time()]

    class Clock:
        @staticmethod
        def time() -> float:
            return now[0]

    monkeypatch.setattr(extension, "time", Clock)
    settings = {"VERIFIER_BURST": 3, "VERIFIER_RATE_PER_MINUTE": 0.001}
    worker = make_app(VERIFIER_REDIS_URL=switch.url, **settings).test_client()
    other = make_app(VERIFIER_REDIS_URL=REDIS, **settings).test_client()
    assert _verify(worker, address).status_code == 200  # 1 of 3 taken, in Redis

    switch.cut()  # Redis stops: the worker keeps answering, limiting on its own
    assert [_verify(worker, address).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert worker.get("/readyz").json["checks"]["redis"].startswith("unavailable")
    assert _verify(other, address).status_code == 200  # Redis's allowance untouched: 2 of 3

    switch.restore()  # back, but not tried again yet: still the process's own (spent)
    assert _verify(worker, address).status_code == 429
    now[0] += 100  # the next try is due: Redis answers, its allowance is shared again
    assert _verify(worker, address).status_code == 200  # 3 of 3
    assert _verify(other, address).status_code == 429
    assert _verify(worker, address).status_code == 429
    assert worker.get("/readyz").json["checks"] == {"redis": "ok"}
