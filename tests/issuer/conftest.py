"""Issuer app fixtures (flaskr style): app, client, auth, session, factories, API client.

The database is migrated once per test session (tests/issuer/test_migrations.py migrates
from empty): each test gets a copy of the migrated SQLite file in its temporary folder, or,
when DATABASE_URL names a PostgreSQL (CI sets it when the server answers), that database
emptied and seeded again.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from issuer import create_app
from issuer.db import Database, normalise_url
from issuer.migrate import upgrade
from issuer.models import Base, Organisation, User
from issuer.seed import seed_frameworks
from issuer.services import accounts
from issuer.services.achievements import AchievementInput, create_achievement
from issuer.services.keys import Sealer
from issuer.services.orgs import create_organisation

from .api_helpers import ACHIEVEMENT, Api, token_for


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every issuer test uses the database: CI runs them again on PostgreSQL (-m db)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.db)


KEK = "A" * 43  # 32 zero-ish bytes, base64url: a fixed key-encryption key for tests
BASE_URL = "https://badges.test"
PASSWORD = "correct horse battery"


def _clear(database: Database) -> None:
    """Empty every issuer table and restart its identity counters (PostgreSQL), in one
    round trip. DELETE rather than TRUNCATE: the tables hold a few rows, and TRUNCATE makes
    new files for every table and index (several times slower for so little data)."""
    deletes = "".join(
        f'DELETE FROM "{table.name}"; ' for table in reversed(Base.metadata.sorted_tables)
    )
    with database.engine.begin() as conn:
        conn.exec_driver_sql(
            "DO $$ DECLARE s text; BEGIN "
            + deletes
            + "FOR s IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            " LOOP EXECUTE 'ALTER SEQUENCE ' || quote_ident(s) || ' RESTART'; END LOOP; END $$"
        )


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The PostgreSQL named by DATABASE_URL, migrated once for the session; "" for SQLite.

    Under pytest-xdist each worker gets a database of its own beside it (``<name>_gw0``,
    ...), made and migrated from empty when the worker starts and dropped when it ends."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield ""
        return
    url = normalise_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        upgrade(url)
        yield url
        return
    server = make_url(url)
    name = f"{server.database}_{worker}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    own = server.set(database=name).render_as_string(hide_password=False)
    upgrade(own)
    yield own
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema and seeded, once per test session: each
    test gets a copy of it (see ``app``); tests/issuer/test_migrations.py migrates from empty."""
    path = tmp_path_factory.mktemp("migrated") / "issuer.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        seed_frameworks(session)
    database.dispose()  # the last connection closed: the WAL is folded into the file
    return path


@pytest.fixture(scope="session")
def compiled_templates(tmp_path_factory: pytest.TempPathFactory) -> FileSystemBytecodeCache:
    """Jinja's compiled templates kept for the session: each test's app renders the same
    templates, and compiling them again for every app cost about as much as the rest of
    its setup. (Keyed by each template's source, so an edit still shows at once.)"""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("jinja")))


@pytest.fixture(scope="session", autouse=True)
def shared_sql_compilation() -> Iterator[None]:
    """Each test's app makes an engine of its own (on its own database), and SQLAlchemy
    keeps the SQL it compiled per engine and dialect: every test compiled the same
    statements again (about 60 a test, a quarter of a short test's time). Here the engines
    of one kind (SQLite, PostgreSQL) share the first one's dialect and compiled statements,
    as one long-running app's requests do; each still has its own pool, connections and
    database, and the SQL sent is the same."""
    from issuer import db

    real = db.make_engine
    first: dict[tuple[str, str], Any] = {}

    def make_engine(url: str) -> Any:
        engine = real(url)
        kind = (engine.dialect.name, engine.dialect.driver)
        shared = first.get(kind)
        if shared is not None and shared.dialect.server_version_info is not None:
            # a dialect that has met its server (initialised at an engine's first connection)
            engine.dialect = shared.dialect
            engine._compiled_cache = shared._compiled_cache
        else:
            first[kind] = engine
        return engine

    db.make_engine = make_engine  # type: ignore[assignment]
    yield
    db.make_engine = real  # type: ignore[assignment]


def _loopback_only(host: str, port: int) -> list[str]:
    """The name resolver of a test app's imports: 127.0.0.1 and nothing else."""
    if host == "127.0.0.1":
        return ["127.0.0.1"]
    raise OSError(f"tests resolve no names ({host})")


@pytest.fixture
def app(
    tmp_path: Path,
    database_url: str,
    compiled_templates: FileSystemBytecodeCache,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """The issuer on a migrated, seeded database of this test's own: a copy of the
    session's migrated SQLite file, or the PostgreSQL database emptied and seeded again."""
    url = database_url
    if not url:
        target = tmp_path / "issuer.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)
        url = f"sqlite:///{target}"
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
    app.jinja_env.bytecode_cache = compiled_templates
    # badges imported in a test reach no name outside it: only loopback addresses resolve
    # (a test that reads the IMPORT_* settings drops this first)
    from issuer.services.imports import import_tools

    app.extensions["issuer.import_tools"] = import_tools(app.config, resolver=_loopback_only)
    database: Database = app.extensions["issuer.db"]
    if database_url:
        _clear(database)
        with database.transaction() as session:
            seed_frameworks(session)
    yield app
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
    def make(
        slug: str = "vilnius-lyceum", name: str = "Vilnius Lyceum", **kwargs: Any
    ) -> Organisation:
        with database.transaction() as session:
            parent = kwargs.pop("parent", None)
            if parent is not None:
                parent = session.get(Organisation, parent.id)
            return create_organisation(
                session, sealer=sealer, slug=slug, name=name, parent=parent, **kwargs
            )

    return make


@pytest.fixture
def make_user(database: Database) -> Callable[..., User]:
    def make(
        email: str, *, org: Organisation | None = None, role: str = "teacher", admin: bool = False
    ) -> User:
        with database.transaction() as session:
            user = accounts.create_user(
                session,
                email=email,
                name=email.split("@")[0].title(),
                password=PASSWORD,
                is_platform_admin=admin,
            )
            if org is not None:
                accounts.add_member(
                    session, user=user, org=session.get(Organisation, org.id), role=role
                )
            return user

    return make


@pytest.fixture
def make_achievement(database: Database) -> Callable[..., Any]:
    def make(org: Organisation, name: str = "Baltic Sea Project", **kwargs: Any) -> Any:
        kwargs.setdefault(
            "description", "Monitored the water quality of a Baltic river for a season."
        )
        kwargs.setdefault("levels", ["Emerging", "Developing", "Proficient", "Mastered"])
        with database.transaction() as session:
            return create_achievement(
                session,
                org=session.get(Organisation, org.id),
                data=AchievementInput(name=name, **kwargs),
            )

    return make


@pytest.fixture
def make_learner(database: Database) -> Callable[..., Any]:
    """A learner account with its address confirmed (unless ``confirmed=False``)."""
    from issuer.services import learners

    def make(
        email: str = "ona@pupils.example",
        name: str = "Ona Petraitytė",
        *,
        confirmed: bool = True,
        password: str | None = PASSWORD,
    ) -> Any:
        with database.transaction() as session:
            learner = learners.create_learner(session, name=name, email=email, password=password)
            if confirmed:
                learners.confirm_email(session, learner, email)
            return learner

    return make


def sign_in_learner(client: FlaskClient, database: Database, learner: Any) -> None:
    """Sign ``learner`` in on ``client`` by giving it a live learner session, as the
    sign-in pages do (tests of the pages themselves go through the forms)."""
    from datetime import timedelta

    from issuer.models import Learner
    from issuer.services import learners

    with database.transaction() as session:
        token = learners.start_learner_session(
            session, learner=session.get(Learner, learner.id), lifetime=timedelta(hours=1)
        )
    with client.session_transaction() as sess:
        sess.clear()
        sess["learner"] = token


def csrf_of(client: FlaskClient) -> str:
    with client.session_transaction() as sess:
        if "csrf" not in sess:
            sess["csrf"] = "test-csrf-token"
        return str(sess["csrf"])


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_of(client)}
    )


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form the way the browser does, with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_of(client))
    return client.post(url, data=payload, **kwargs)


def post_multipart(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    """POST multipart/form-data encoded here: werkzeug's test encoder leaves an unclosed
    temporary file behind for bodies over 500 KB (a warning, which this suite treats as an error)."""
    boundary = "----issuer-test-boundary-7d1f"
    parts = []
    for name, value in (data | {"csrf_token": csrf_of(client)}).items():
        if isinstance(value, tuple):
            stream, filename = value
            head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            head += "Content-Type: application/octet-stream\r\n\r\n"
            parts.append(f"--{boundary}\r\n".encode() + head.encode() + stream.read() + b"\r\n")
        else:
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(
                f"--{boundary}\r\n".encode() + head.encode() + str(value).encode() + b"\r\n"
            )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


class AuthActions:
    """Logging in and out through the forms, as flaskr's tests do: ``auth.login(email)``."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return login(self._client, email, password)

    def logout(self) -> Any:
        return post(self._client, "/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


# --- a whole class at once (test_bulk, test_audit) --------------------------------------------

CLASS_SIZE = 12


def class_csv(size: int = CLASS_SIZE) -> bytes:
    lines = ["name,email,level"] + [
        f"Learner {i},learner{i}@pupils.example,Proficient" for i in range(1, size + 1)
    ]
    return ("\n".join(lines) + "\n").encode()


def preview(
    client: FlaskClient, school: Organisation, achievement: Any, content: bytes
) -> tuple[str, str]:
    """Upload the CSV (the dry run) and return the confirmation form's csv_b64 and request key."""
    page = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk",
        {"csv": (io.BytesIO(content), "class.csv")},
    )
    assert page.status_code == 200, page.text
    csv_b64 = re.search(r'name="csv_b64" value="([^"]+)"', page.text)
    key = re.search(r'name="request_key" value="([^"]+)"', page.text)
    assert csv_b64 is not None and key is not None, page.text
    return csv_b64.group(1), key.group(1)


def confirm(
    client: FlaskClient, school: Organisation, achievement: Any, csv_b64: str, key: str
) -> Any:
    return post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm",
        {"csv_b64": csv_b64, "request_key": key},
    )


# --- the JSON API (test_api*.py) ----------------------------------------------------------------


@pytest.fixture
def school(make_org: Callable[..., Organisation]) -> Organisation:
    """The default organisation (test modules that need another define their own)."""
    return make_org("vilnius-lyceum", "Vilnius Lyceum")


@pytest.fixture
def api(client: FlaskClient, database: Database, school: Organisation) -> Api:
    """An API client with a token of ``school``; every answer checked against the document."""
    return Api(client, token_for(database, school))


@pytest.fixture
def achievement_id(api: Api) -> str:
    response = api.post("/achievements", ACHIEVEMENT)
    assert response.status_code == 201, response.json
    return str(response.json["id"])


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

    def award(
        org: Organisation,
        achievement: Any,
        email: str = "ona@pupils.example",
        name: str = "Ona Petraitytė",
        **kwargs: Any,
    ) -> Any:
        request_key = kwargs.pop("request_key", None)
        with database.transaction() as session:
            return award_badge(
                session,
                org=session.get(Organisation, org.id),
                achievement=session.get(Achievement, achievement.id),
                data=AwardInput(learner_name=name, learner_email=email, **kwargs),
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
                request_key=request_key,
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
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
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

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


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


# a valid achievement form, for tests that change one field of it
GOOD_ACHIEVEMENT = {
    "name": "Young Hands for Heritage",
    "description": "Cared for a World Heritage site.",
    "criteria_md": "Spend **three** days at the site.",
    "achievement_type": "Competency",
    "levels": "Emerging\nProficient",
    "tags": "heritage, volunteering",
    "language": "lt",
    "validity_days": "",
    "image_caption": "",
    "external_alignments": "",
}


@pytest.fixture
def import_tools(site: Any) -> Any:
    """Import tools (services.imports) reaching the Open Badges 2.0 test school
    (https://school.example/, its profile, badge class and key) on the loopback site;
    Open Badges 3.0 badges signed by a did:key need nothing fetched."""
    from badges.fetch import Fetcher, FetchPolicy
    from badges.resolve import KeyResolver
    from badges.verification import Verifier
    from issuer.services.imports import ImportTools
    from tests.conftest import SCHOOL
    from tests.core.test_ob2 import School

    School(site)
    fetcher = Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{site.base}/"),), timeout=5.0))
    verifier = Verifier(fetcher=fetcher, key_resolver=KeyResolver(fetcher))
    return ImportTools(fetcher=fetcher, verifier=verifier, max_bytes=4 << 20)


def ob2_in_the_clear(email: str) -> str:
    """A signed Open Badges 2.0 assertion of the test school naming ``email`` in the clear
    (``recipient.hashed`` false), as an issuer may."""
    from tests.core.test_ob2 import make_assertion, sign

    return sign(
        make_assertion("signed", recipient={"type": "email", "hashed": False, "identity": email})
    )
