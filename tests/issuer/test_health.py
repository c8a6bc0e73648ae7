"""Health probes, and a database that goes away: a clear 503 with Retry-After, never a
traceback, never a half-saved award (issue 16).

The database is made to go away three ways: the app pointed at a SQLite file it cannot
open, at a PostgreSQL port on loopback where nothing listens, and the connection lost at
the moment of the commit (a PostgreSQL restart mid-request, injected at the engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from issuer import create_app
from issuer.db import Database
from issuer.models import Award

from .api_helpers import ACHIEVEMENT, AWARDS, Api, learners
from .conftest import BASE_URL, KEK


def test_healthz_and_readyz_answer_when_the_database_does(client):
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"status": "ok"}
    assert alive.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json == {"status": "ok", "checks": {"database": "ok"}}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["sqlite-unopenable", "postgresql-nothing-listening"])
def app_without_database(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    if request.param == "sqlite-unopenable":
        # a file in a folder that does not exist: SQLite cannot open it ("unable to open")
        url = f"sqlite:///{tmp_path / 'gone' / 'issuer.sqlite3'}"
    else:
        url = f"postgresql://postgres@127.0.0.1:{_free_port()}/badges"
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "BASE_URL": BASE_URL,
            "KEY_ENCRYPTION_KEY": KEK,
            "DATA_DIR": str(tmp_path),
        }
    )


def test_without_a_database_the_app_says_so_with_503(app_without_database):
    client = app_without_database.test_client()
    assert client.get("/healthz").status_code == 200  # the process is alive
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
    assert ready.json == {"status": "unavailable", "checks": {"database": "unavailable"}}

    badge = client.get("/credentials/nothing-here")
    assert badge.status_code == 503, badge.text
    assert badge.headers["Retry-After"] == "5"
    assert badge.mimetype == "text/html"
    assert "Temporarily unavailable" in badge.text and "try again" in badge.text
    assert "Traceback" not in badge.text

    as_json = client.get("/credentials/nothing-here", headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.headers["Retry-After"] == "5"
    assert as_json.json["error"]["code"] == "database_unavailable"

    api = client.get("/api/v1/achievements", headers={"Authorization": "Bearer ob_" + "x" * 43})
    assert api.status_code == 503 and api.json["error"]["code"] == "database_unavailable"
    assert api.headers["Retry-After"] == "5"


class _LostAtCommit:
    """Make the next ``count`` commits on ``database`` fail as a restarted PostgreSQL's do."""

    def __init__(self, database: Database, count: int = 1) -> None:
        self.left = count
        event.listen(database.engine, "commit", self)

    def __call__(self, _conn: Any) -> None:
        if self.left > 0:
            self.left -= 1
            raise OperationalError(
                "COMMIT", {}, Exception("server closed the connection unexpectedly")
            )


def _awards(database: Database) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Award)) or 0)


def test_a_connection_lost_at_commit_is_a_503_and_the_retry_saves_the_class_once(
    client, database, api: Api, achievement_id: str
):
    body = {"learners": learners(5)}
    key = {"Idempotency-Key": "class-7b-2026"}
    _LostAtCommit(database)
    lost = client.post(
        f"/api/v1/achievements/{achievement_id}/awards",
        json=body,
        headers={"Authorization": f"Bearer {api.token}", **key},
    )
    assert lost.status_code == 503, lost.json
    assert lost.headers["Retry-After"] == "5"
    assert lost.json["error"]["code"] == "database_unavailable"
    assert "Nothing was saved" in lost.json["error"]["message"]
    assert _awards(database) == 0  # all or nothing: nothing

    again = api.post(AWARDS, body, achievement_id=achievement_id, headers=key)
    assert again.status_code == 201, again.json
    assert again.json["count"] == 5 and "Idempotent-Replayed" not in again.headers
    assert _awards(database) == 5
    assert client.get("/readyz").status_code == 200


def test_a_page_form_meets_a_lost_connection_with_a_page_not_a_traceback(
    app, client, database, school, make_user
):
    from .conftest import login, post

    make_user("admin@lyceum.example", org=school, role="admin")
    assert login(client, "admin@lyceum.example").status_code == 302
    _LostAtCommit(database)
    page = post(client, "/staff/vilnius-lyceum/achievements/new", {**_form(ACHIEVEMENT)})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Temporarily unavailable" in page.text and "Nothing was saved" in page.text


def _form(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": values["name"],
        "description": values["description"],
        "criteria_md": values["criteria_md"],
        "levels": "\n".join(values["levels"]),
    }
