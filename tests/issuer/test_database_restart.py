"""PostgreSQL restarted mid-request (issue 16): the request gets a 503 with Retry-After, the
retry succeeds, and no award is lost or made twice.

Restarting the machine's PostgreSQL would cut every other engineer's and test's connections,
so the restart is a loopback TCP proxy between this test's app and PostgreSQL
(tests/tcp_proxy.py), cut while the request is writing its awards (every connection through
it dropped, new ones refused, as while a server restarts) and restored afterwards.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from issuer import create_app
from issuer.db import Database
from issuer.errors import IdempotencyKeyInFlight
from issuer.models import Award
from issuer.services import awards as award_service
from issuer.services import idempotency
from tests.tcp_proxy import TcpProxy

from .api_helpers import alive, learners
from .conftest import BASE_URL, KEK

pytestmark = pytest.mark.db


def _awards(database: Database) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Award)) or 0)


@pytest.fixture
def proxied(app, tmp_path):
    """A second app on the same PostgreSQL database, through a proxy the test cuts."""
    url = make_url(app.config["DATABASE_URL"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("a PostgreSQL restart needs PostgreSQL (DATABASE_URL)")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": through,
            "BASE_URL": BASE_URL,
            "KEY_ENCRYPTION_KEY": KEK,
            "DATA_DIR": str(tmp_path),
        }
    )
    yield other, proxy
    proxy.close()
    other.extensions["issuer.db"].dispose()


def test_postgresql_restarted_mid_request_is_a_503_then_the_retry_saves_the_class_once(
    database, api, achievement_id, proxied, monkeypatch
):
    other, proxy = proxied
    client = other.test_client()
    engine = other.extensions["issuer.db"].engine
    cut = {"done": False}

    @event.listens_for(engine, "before_cursor_execute")
    def _restart_while_awarding(conn, cursor, statement, *args):
        if not cut["done"] and statement.lstrip().upper().startswith("INSERT INTO AWARD "):
            cut["done"] = True
            proxy.cut()  # the server goes away while the class is being written

    # On PostgreSQL a class's award rows go down a COPY (no INSERT, no SQLAlchemy event):
    # the server goes away once its first rows are on their way
    copy_in = award_service._copy_in

    @contextmanager
    def _restart_while_copying(connection, table, names):
        with copy_in(connection, table, names) as write:

            def writing(columns):
                write(columns)
                if not cut["done"] and table.name == "award":
                    cut["done"] = True
                    proxy.cut()

            yield writing

    monkeypatch.setattr(award_service, "_copy_in", _restart_while_copying)

    body = {"learners": learners(4)}
    headers = {"Authorization": f"Bearer {api.token}", "Idempotency-Key": "class-restart-1"}
    lost = client.post(f"/api/v1/achievements/{achievement_id}/awards", json=body, headers=headers)
    assert cut["done"]
    assert lost.status_code == 503, lost.get_data(as_text=True)
    assert lost.headers["Retry-After"] == "5"
    assert lost.json["error"]["code"] == "database_unavailable"
    assert _awards(database) == 0  # nothing half-saved
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"] == "unavailable"

    proxy.restore()  # the server is back
    assert client.get("/readyz").status_code == 200
    again = client.post(f"/api/v1/achievements/{achievement_id}/awards", json=body, headers=headers)
    assert again.status_code == 201, again.json
    assert again.json["count"] == 4
    assert _awards(database) == 4  # no award lost, none twice
    replay = client.post(
        f"/api/v1/achievements/{achievement_id}/awards", json=body, headers=headers
    )
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert _awards(database) == 4


def test_a_pending_key_whose_request_is_gone_is_taken_over_at_once_on_postgresql(database, school):
    """The request's transaction went with its connection (process killed, database
    restarted) before it could release its key: a retry need not wait PENDING_TIMEOUT."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot tell: the key waits PENDING_TIMEOUT")
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="h")
    assert isinstance(first, idempotency.Claim)
    with alive(database, first), pytest.raises(IdempotencyKeyInFlight):
        idempotency.begin(database, org_id=school.id, key="k", request_hash="h")
    taken = idempotency.begin(database, org_id=school.id, key="k", request_hash="h")
    assert isinstance(taken, idempotency.Claim) and taken.record_id == first.record_id
