"""The database: one SQLAlchemy engine per app, one session per request.

Services take the session as an argument and flush but never commit; the request (or
the CLI command) commits once at its boundary, then runs its after-commit actions.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
            # SQLite's own checkpoint only if ours (Checkpointer) has fallen far behind
            cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_CHECKPOINT_PAGES}")
            # the log cut back to this size once it starts again from its beginning
            cursor.execute(f"PRAGMA journal_size_limit={LOG_SIZE_LIMIT}")
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


FALLBACK_CHECKPOINT_PAGES = 100_000  # 400 MB of log (SQLite's default: 1,000 pages)
LOG_SIZE_LIMIT = 64 * 1024 * 1024  # bytes


class Checkpointer:
    """Copies a SQLite database's write-ahead log back into its file in a thread of its own
    after a commit, on a connection of its own, at most once every ``INTERVAL`` seconds.

    SQLite does it itself (``wal_autocheckpoint``) inside the commit that grows the log
    past 1,000 pages: a class award's commit then waited while its 20 MB of rows were
    copied and written to disk, 0.35 s in 10,000 awards, a tenth of their signing
    (measured: benchmarks/bench_bulk.py). Here the commit only wakes this thread, which
    checkpoints beside the next work: sqlite3 lets go of the interpreter while SQLite
    works. PASSIVE: it never waits for a reader or a writer (what it cannot copy yet, the
    next one does). The connection is opened read-write only (a file since removed, as a
    restore does, is never created again), and the thread ends when idle. SQLite's own
    checkpoint stays as a fallback, at ``FALLBACK_CHECKPOINT_PAGES``."""

    INTERVAL = 1.0  # seconds between two checkpoints, at least
    IDLE = 5.0  # seconds without a commit before the thread ends

    def __init__(self, path: str) -> None:
        self._uri = f"file:{quote(path)}?mode=rw"
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        self.checkpoints = 0  # done so far (for the tests)

    def committed(self) -> None:
        """A transaction committed: checkpoint soon."""
        with self._lock:
            if self._closed.is_set():
                return
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            if not self._wake.wait(self.IDLE):
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
            self._wake.clear()
            if self._closed.is_set():
                return
            try:
                with closing(sqlite3.connect(self._uri, uri=True, timeout=1)) as connection:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.checkpoints += 1
            except sqlite3.Error:
                pass  # gone, or busy: the next commit's checkpoint (or SQLite's) does it
            if self._closed.wait(self.INTERVAL):
                return

    def close(self) -> None:
        """Stop the thread (waiting for a checkpoint under way)."""
        with self._lock:
            self._closed.set()
            thread, self._thread = self._thread, None
            self._wake.set()
        if thread is not None:
            thread.join(timeout=10)


def _checkpointer(engine: Engine) -> Checkpointer | None:
    """A ``Checkpointer`` for an engine of a SQLite file (none in memory, nor elsewhere)."""
    url = engine.url
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    if path.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Checkpointer(path)


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
        self.checkpointer = _checkpointer(self.engine)

        @event.listens_for(self.sessions, "after_commit")
        def _write_journal(session: Session) -> None:
            entries = session.info.pop(PENDING, [])
            if entries and self.journal is not None:
                self.journal.append(entries)
            if self.checkpointer is not None:
                self.checkpointer.committed()

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
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.engine.dispose()


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction has committed (mail, caches)."""
    session.info.setdefault("after_commit", []).append(action)


def run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        action()
