"""Issuer app fixtures (flaskr style): app, client, session, factories, login helper.

The database is SQLite in a temporary folder, or the PostgreSQL named by DATABASE_URL
(CI sets it when the server answers): then each test starts from empty tables.
"""

from __future__ import annotations

import os
import re
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

pytestmark = pytest.mark.db

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
