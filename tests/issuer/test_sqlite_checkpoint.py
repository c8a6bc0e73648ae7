"""SQLite's write-ahead log copied back into the database file by the Checkpointer
(issuer/db.py) after a commit, in its own thread, instead of inside a commit."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from issuer.db import FALLBACK_CHECKPOINT_PAGES, LOG_SIZE_LIMIT, Checkpointer, Database

HANG_GUARD = 60.0  # seconds: only against a hang, never a measure of speed


def _wait_for(condition, what: str) -> None:
    done = threading.Event()
    for _ in range(int(HANG_GUARD / 0.02)):
        if condition():
            return
        done.wait(0.02)
    pytest.fail(f"never happened: {what}")


def _database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'school.sqlite3'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (body TEXT)"))
    with sqlite3.connect(tmp_path / "school.sqlite3") as connection:  # the table in the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database


def test_a_commit_is_checkpointed_into_the_database_file_by_its_own_thread(tmp_path):
    database = _database(tmp_path)
    try:
        checkpointer = database.checkpointer
        assert checkpointer is not None
        with database.transaction() as session:
            session.execute(text("INSERT INTO note VALUES ('Baltic Sea Project')"))
        _wait_for(lambda: checkpointer.checkpoints >= 1, "a checkpoint after the commit")
        # the database file alone (no log beside it) holds the row
        alone = tmp_path / "alone.sqlite3"
        shutil.copyfile(tmp_path / "school.sqlite3", alone)
        with sqlite3.connect(alone) as copy:
            assert copy.execute("SELECT body FROM note").fetchall() == [("Baltic Sea Project",)]
    finally:
        database.dispose()


def test_without_it_the_row_would_still_be_only_in_the_log(tmp_path, monkeypatch):
    """The test above can fail: with no checkpoint, the file alone lacks the row."""
    monkeypatch.setattr(Checkpointer, "committed", lambda self: None)
    database = _database(tmp_path)
    try:
        with database.transaction() as session:
            session.execute(text("INSERT INTO note VALUES ('World Heritage in Young Hands')"))
        alone = tmp_path / "alone.sqlite3"
        shutil.copyfile(tmp_path / "school.sqlite3", alone)
        with sqlite3.connect(alone) as copy:
            assert copy.execute("SELECT body FROM note").fetchall() == []
    finally:
        database.dispose()


def test_sqlite_checkpoints_itself_only_far_behind(tmp_path):
    database = _database(tmp_path)
    try:
        with database.engine.connect() as connection:
            pages = connection.execute(text("PRAGMA wal_autocheckpoint")).scalar()
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            limit = connection.execute(text("PRAGMA journal_size_limit")).scalar()
        assert (pages, mode, limit) == (FALLBACK_CHECKPOINT_PAGES, "wal", LOG_SIZE_LIMIT)
        assert FALLBACK_CHECKPOINT_PAGES > 1000  # SQLite's own default, inside the commit
    finally:
        database.dispose()


def test_a_removed_database_is_not_made_again(tmp_path):
    """Its connection only opens an existing file (a restore may have moved it away)."""
    path = tmp_path / "gone.sqlite3"
    sqlite3.connect(path).close()
    checkpointer = Checkpointer(str(path))
    path.unlink()
    checkpointer.committed()
    _wait_for(lambda: checkpointer._thread is not None, "the thread started")
    checkpointer.close()
    assert not path.exists()
    assert checkpointer.checkpoints == 0


def test_the_thread_ends_when_idle_and_starts_again_on_the_next_commit(tmp_path, monkeypatch):
    monkeypatch.setattr(Checkpointer, "IDLE", 0.05)
    monkeypatch.setattr(Checkpointer, "INTERVAL", 0.0)
    threads = []  # each thread that ran
    run = Checkpointer._run

    def running(self):
        threads.append(threading.current_thread())
        run(self)

    monkeypatch.setattr(Checkpointer, "_run", running)
    database = _database(tmp_path)
    try:
        checkpointer = database.checkpointer
        assert checkpointer is not None
        for round_ in (1, 2):
            with database.transaction() as session:
                session.execute(text("INSERT INTO note VALUES ('Peace')"))
            _wait_for(lambda r=round_: checkpointer.checkpoints >= r, "a checkpoint")
            _wait_for(lambda: checkpointer._thread is None, "the idle thread ended")
        assert len(threads) == 2  # a new one for the second commit
        for thread in threads:
            thread.join(HANG_GUARD)
            assert not thread.is_alive()
    finally:
        database.dispose()


def test_dispose_stops_it_and_later_commits_start_nothing(tmp_path):
    database = _database(tmp_path)
    checkpointer = database.checkpointer
    assert checkpointer is not None
    with database.transaction() as session:
        session.execute(text("INSERT INTO note VALUES ('Sustainable development')"))
    database.dispose()
    assert checkpointer._thread is None
    checkpointer.committed()
    assert checkpointer._thread is None


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_database_in_memory_has_none(url):
    database = Database(url)
    try:
        assert database.checkpointer is None
    finally:
        database.dispose()
