"""The verifier's rate limits shared through Redis (VERIFIER_REDIS_URL): two workers give a
client one allowance; with Redis away each process limits on its own and keeps answering,
and the shared limits come back with Redis (issue 16). Redis on loopback (127.0.0.1:6379);
skipped where none answers. Each test is a client address of its own, so runs at once on
one server do not share buckets."""

from __future__ import annotations

import socket
import uuid

import pytest

from verifier.limits import RateLimiter, SharedRateLimiter

REDIS = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _dead_redis() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


@pytest.fixture
def address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def _verify(client, address: str):
    return client.post(
        "/api/v1/verify", json={"jwt": "a.b.c"}, environ_base={"REMOTE_ADDR": address}
    )


def test_two_workers_give_a_client_one_allowance(make_app, address):
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings = {"VERIFIER_REDIS_URL": REDIS, "VERIFIER_BURST": 3, "VERIFIER_RATE_PER_MINUTE": 6}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    assert _verify(first, address).status_code == 200  # (a report on a broken JWT: counted)
    assert _verify(first, address).status_code == 200
    assert _verify(second, address).status_code == 200
    throttled = _verify(second, address)  # the fourth, in the other worker
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 10  # one more every 10 s
    assert _verify(first, address).status_code == 429
    assert second.get("/readyz").json["checks"] == {"redis": "ok"}


def test_a_record_charges_the_shared_allowance(make_app, address):
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = make_app(VERIFIER_REDIS_URL=REDIS, VERIFIER_BURST=6, VERIFIER_RATE_PER_MINUTE=0.001)
    limiter = app.extensions["verifier.limiter"]
    assert isinstance(limiter, SharedRateLimiter)
    assert limiter.take(address) == 0
    limiter.charge(address, 4)  # a record's four badges, after the fact: 1 of 6 left
    assert limiter.take(address) == 0
    assert limiter.take(address) > 0
    assert limiter.fallback.take(address) == 0  # nothing went to the process's own buckets


def test_with_redis_away_each_process_limits_on_its_own_and_answers(make_app, address):
    app = make_app(VERIFIER_REDIS_URL=_dead_redis(), VERIFIER_BURST=2, VERIFIER_RATE_PER_MINUTE=6)
    client = app.test_client()
    assert _verify(client, address).status_code == 200
    assert _verify(client, address).status_code == 200
    throttled = _verify(client, address)
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 10
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["redis"].startswith("unavailable")


def test_the_shared_limits_come_back_with_redis(address):
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    now = [0.0]
    limiter = SharedRateLimiter(
        _dead_redis(), 6, 2, fallback=RateLimiter(6, 2), retry_every=5, clock=lambda: now[0]
    )
    assert limiter.take(address) == 0 and not limiter.shared  # from the process's bucket
    live = SharedRateLimiter(REDIS, 6, 2, fallback=RateLimiter(6, 2))
    limiter.redis, limiter._script = live.redis, live._script  # Redis is back
    assert limiter.take(address) == 0 and not limiter.shared  # not tried again yet
    now[0] = 5.0
    assert limiter.take(address) == 0 and limiter.shared  # tried again: shared
    assert live.take(address) == 0  # the bucket in Redis: one of two taken, one left
    assert limiter.take(address) > 0
