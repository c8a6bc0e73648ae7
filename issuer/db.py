"""The database: one SQLAlchemy engine per app, one session per request.

Services take the session as an argument and flush but never commit; the request (or
the CLI command) commits once at its boundary, then runs its after-commit actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs use psycopg 3 (the driver installed)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _sqlite_begin_before_savepoint(conn: Any, _name: str) -> None:
            # pysqlite opens a transaction only before its first INSERT/UPDATE/DELETE, so a
            # SAVEPOINT issued earlier becomes the outermost transaction and its RELEASE
            # commits at once: a later rollback would not undo it. Open the transaction
            # first; IMMEDIATE takes the write lock now (waiting out the busy timeout)
            # rather than failing later when this connection's read snapshot is stale.
            dbapi_connection = conn.connection.dbapi_connection
            if dbapi_connection is not None and not dbapi_connection.in_transaction:
                dbapi_connection.execute("BEGIN IMMEDIATE")

        return engine
    # connect_timeout: a server that drops packets (not refusing them) is a 503 within
    # seconds (issuer/health.py), not a request hanging until the worker is killed
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": 10},
    )


class Database:
    """An engine and its session factory, with after-commit hooks per session; given a
    ``journal`` path, the revocation journal's entries a session noted are written there
    once it commits (issuer/services/journal.py), whichever code commits it."""

    def __init__(self, url: str, *, journal: str | Path | None = None) -> None:
        from .journal import PENDING, Journal

        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.journal = Journal(journal) if journal is not None else None

        @event.listens_for(self.sessions, "after_commit")
        def _write_journal(session: Session) -> None:
            entries = session.info.pop(PENDING, [])
            if entries and self.journal is not None:
                self.journal.append(entries)

        @event.listens_for(self.sessions, "after_soft_rollback")
        def _drop_journal(session: Session, previous: Any) -> None:
            if previous.parent is None:  # the whole transaction, not a savepoint
                session.info.pop(PENDING, None)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits at the end (or rolls back on error), then runs hooks."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop("after_commit", None)
            raise
        finally:
            session.close()
        run_after_commit(session)

    def dispose(self) -> None:
        self.engine.dispose()


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction has committed (mail, caches)."""
    session.info.setdefault("after_commit", []).append(action)


def run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        action()
