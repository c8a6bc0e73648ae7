"""The verifier's rate limits (Flask-Limiter) shared through Redis (VERIFIER_REDIS_URL): two
workers give a client one allowance; with Redis away each process limits on its own (the
library's in-memory fallback) and keeps answering, and the shared limits come back with Redis
(issue 16). Redis is a redis-server of the test's own, reached directly or through a loopback
proxy the test cuts (tests/redis_server.py)."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.redis_server import redis_proxy, redis_server  # noqa: F401 (fixtures)
from verifier.limits import RequestLimits, allowance


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


def test_the_settings_become_a_burst_window_and_an_hour():
    # 30 at once and 120 a minute: 30 per 15 s, and the hour's 7,200
    assert allowance(120, 30) == ["30 per 15 second", "7200 per 1 hour"]
    assert allowance(6, 3) == ["3 per 30 second", "360 per 1 hour"]
    # a rate too small for the hour to hold a burst: the burst sets both
    assert allowance(0.001, 6) == ["6 per 360000 second", "6 per 1 hour"]


def test_two_workers_give_a_client_one_allowance(make_app, address, redis_server):
    settings = {
        "VERIFIER_REDIS_URL": f"redis://127.0.0.1:{redis_server}/0",
        "VERIFIER_BURST": 3,
        "VERIFIER_RATE_PER_MINUTE": 6,
    }
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


def test_a_record_charges_the_shared_allowance(make_app, address, redis_server):
    settings = {
        "VERIFIER_REDIS_URL": f"redis://127.0.0.1:{redis_server}/0",
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


def test_the_shared_limits_go_and_come_back_with_redis(
    make_app, address, redis_server, redis_proxy, monkeypatch
):
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
    proxied = f"redis://127.0.0.1:{redis_proxy.port}/0"
    worker = make_app(VERIFIER_REDIS_URL=proxied, **settings).test_client()
    direct = f"redis://127.0.0.1:{redis_server}/0"
    other = make_app(VERIFIER_REDIS_URL=direct, **settings).test_client()
    assert _verify(worker, address).status_code == 200  # 1 of 3 taken, in Redis

    redis_proxy.cut()  # Redis stops: the worker keeps answering, limiting on its own
    assert [_verify(worker, address).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert worker.get("/readyz").json["checks"]["redis"].startswith("unavailable")
    assert _verify(other, address).status_code == 200  # Redis's allowance untouched: 2 of 3

    redis_proxy.restore()  # back, but not tried again yet: still the process's own (spent)
    assert _verify(worker, address).status_code == 429
    now[0] += 100  # the next try is due: Redis answers, its allowance is shared again
    assert _verify(worker, address).status_code == 200  # 3 of 3
    assert _verify(other, address).status_code == 429
    assert _verify(worker, address).status_code == 429
    assert worker.get("/readyz").json["checks"] == {"redis": "ok"}


def test_a_charge_that_meets_redis_gone_is_logged_and_the_report_stands(
    make_app, address, redis_proxy, caplog
):
    app = make_app(VERIFIER_REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/0")
    assert _verify(app.test_client(), address).status_code == 200
    redis_proxy.cut()  # between the request's check and the record's charge
    app.extensions["verifier.limits"].charge(address, 3)
    assert f"could not charge {address} for 3 more" in caplog.text
