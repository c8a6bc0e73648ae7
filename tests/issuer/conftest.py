"""Issuer app fixtures (flaskr style): app, client, session, factories, login helper.

The database is SQLite in a temporary folder, or the PostgreSQL named by DATABASE_URL
(CI sets it when the server answers): then each test starts from empty tables.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from issuer import create_app
from issuer.db import Database
from issuer.migrate import upgrade
from issuer.models import Base, Organisation, User
from issuer.seed import seed_frameworks
from issuer.services import accounts
from issuer.services.achievements import AchievementInput, create_achievement
from issuer.services.keys import Sealer
from issuer.services.orgs import create_organisation


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every issuer test uses the database: CI runs them again on PostgreSQL (-m db)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.db)

KEK = "A" * 43  # 32 zero-ish bytes, base64url: a fixed key-encryption key for tests
BASE_URL = "https://badges.test"
PASSWORD = "correct horse battery"


def _reset(database: Database) -> None:
    if database.url.startswith("postgresql"):
        with database.engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
        upgrade(url)
        return url
    return ""


@pytest.fixture
def app(tmp_path: Any, database_url: str) -> Iterator[Flask]:
    url = database_url or f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    if not database_url:
        upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "BASE_URL": BASE_URL,
            "VERIFIER_URL": "https://verify.test",
            "KEY_ENCRYPTION_KEY": KEK,
            "DATA_DIR": str(tmp_path),
        }
    )
    database: Database = app.extensions["issuer.db"]
    _reset(database)
    with database.transaction() as session:
        seed_frameworks(session)
    yield app
    _reset(database)
    database.dispose()


@pytest.fixture
def database(app: Flask) -> Database:
    db: Database = app.extensions["issuer.db"]
    return db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sealer() -> Sealer:
    return Sealer.from_config(KEK)


@pytest.fixture
def make_org(database: Database, sealer: Sealer) -> Callable[..., Organisation]:
    def make(slug: str = "vilnius-lyceum", name: str = "Vilnius Lyceum", **kwargs: Any) -> Organisation:
        with database.transaction() as session:
            parent = kwargs.pop("parent", None)
            if parent is not None:
                parent = session.get(Organisation, parent.id)
            return create_organisation(session, sealer=sealer, slug=slug, name=name, parent=parent, **kwargs)

    return make


@pytest.fixture
def make_user(database: Database) -> Callable[..., User]:
    def make(email: str, *, org: Organisation | None = None, role: str = "teacher", admin: bool = False) -> User:
        with database.transaction() as session:
            user = accounts.create_user(
                session, email=email, name=email.split("@")[0].title(), password=PASSWORD,
                is_platform_admin=admin,
            )
            if org is not None:
                accounts.add_member(session, user=user, org=session.get(Organisation, org.id), role=role)
            return user

    return make


@pytest.fixture
def make_achievement(database: Database) -> Callable[..., Any]:
    def make(org: Organisation, name: str = "Baltic Sea Project", **kwargs: Any) -> Any:
        kwargs.setdefault("description", "Monitored the water quality of a Baltic river for a season.")
        kwargs.setdefault("levels", ["Emerging", "Developing", "Proficient", "Mastered"])
        with database.transaction() as session:
            return create_achievement(
                session, org=session.get(Organisation, org.id), data=AchievementInput(name=name, **kwargs)
            )

    return make


def csrf_of(client: FlaskClient) -> str:
    with client.session_transaction() as sess:
        if "csrf" not in sess:
            sess["csrf"] = "test-csrf-token"
        return str(sess["csrf"])


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(client)})


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form the way the browser does, with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_of(client))
    return client.post(url, data=payload, **kwargs)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.transaction() as s:
        yield s


# --- fixtures for the per-flow tests (test_access, test_forms, test_bulk, ...) ---------------


@pytest.fixture
def table_counts(database: Database) -> Callable[[], dict[str, int]]:
    """A callable returning the row count of every issuer table (to prove nothing changed)."""
    from sqlalchemy import func, select

    def counts() -> dict[str, int]:
        with database.engine.connect() as conn:
            return {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }

    return counts


@pytest.fixture
def award_to(database: Database, sealer: Sealer) -> Callable[..., Any]:
    """Award through the service in a transaction of its own; returns the committed Award."""
    from issuer.models import Achievement
    from issuer.services.awards import AwardInput, award_badge
    from issuer.urls import PublicUrls

    def award(org: Organisation, achievement: Any, email: str = "ona@pupils.example",
              name: str = "Ona Petraitytė", **kwargs: Any) -> Any:
        request_key = kwargs.pop("request_key", None)
        with database.transaction() as session:
            return award_badge(
                session, org=session.get(Organisation, org.id),
                achievement=session.get(Achievement, achievement.id),
                data=AwardInput(learner_name=name, learner_email=email, **kwargs),
                sealer=sealer, urls=PublicUrls(BASE_URL), request_key=request_key,
            )

    return award


class LiveServer:
    """The app served on a loopback port by werkzeug, in a thread of its own."""

    def __init__(self, app: Flask) -> None:
        import logging
        import threading

        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log(self, *args: Any) -> None:
                pass

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.port = self.server.server_port
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.close()


@pytest.fixture
def badges_fetcher(live_server: LiveServer) -> Any:
    """A guarded fetcher answering https://badges.test/ from the live server (loopback only)."""
    from badges.fetch import Fetcher, FetchPolicy

    return Fetcher(
        FetchPolicy(
            allowed_hosts=frozenset({live_server.host}),
            url_map=((f"{BASE_URL}/", f"{live_server.base}/"),),
            timeout=10.0,
        )
    )


@pytest.fixture
def make_verifier(badges_fetcher: Any) -> Callable[[], Any]:
    """A fresh core Verifier (no cached status lists) that reaches the app through the map."""
    from badges.verification import Verifier

    return lambda: Verifier(fetcher=badges_fetcher, status_ttl=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id still, with test-sized costs: the production cost (~0.1 s a hash) would
    make the suite slow; nothing here measures the hash strength."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def pause_once(monkeypatch, module: Any, name: str, other: threading.Thread) -> None:
    """The first call of ``module.name`` starts ``other`` and gives it half a second to
    finish first, as a second request arriving at that moment would."""
    real = getattr(module, name)
    calls: list[int] = []

    def paused(*args: Any, **kwargs: Any) -> Any:
        if not calls:
            calls.append(1)
            other.start()
            other.join(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)


@pytest.fixture
def crash_on_fifth_signature(monkeypatch):
    """Signing raises for the 5th learner; returns the list of learners signed before."""
    from issuer.services import awards as award_service

    real = award_service.sign_credential
    calls: list[int] = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("the signing key went away (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(award_service, "sign_credential", flaky)
    return calls
