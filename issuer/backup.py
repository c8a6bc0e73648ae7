"""``badges backup`` and ``badges restore``: the database to a file and back.

SQLite through its online backup API (``sqlite3.Connection.backup``: a consistent copy
while the app keeps writing, WAL included); PostgreSQL through its own tools
(``pg_dump -Fc`` and ``pg_restore``), which know every object of the schema better than
our code could. A restore brings the schema up to date (Alembic) and then re-applies the
revocation journal (``issuer/journal.py``), so no badge revoked after the backup was
taken comes back valid; it prints what it re-applied.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from .db import normalise_url
from .errors import BackupError

JOURNAL_FILE = "revocation-journal.jsonl"


def locations(data: Path) -> tuple[str, Path]:
    """The database URL and the journal path the commands use: DATABASE_URL and
    ISSUER_REVOCATION_JOURNAL as ``badges serve`` reads them, else the files in ``data``."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data / 'issuer.sqlite3'}"
    journal = os.environ.get("ISSUER_REVOCATION_JOURNAL") or str(data / JOURNAL_FILE)
    return normalise_url(url), Path(journal)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _pg_command(tool: str, url: URL) -> tuple[list[str], dict[str, str]]:
    """``tool`` with the server's address as options; the password goes in the environment
    (PGPASSWORD), never on a command line others can read."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not installed (PostgreSQL's client tools, e.g. the postgresql-client package)"
        )
    words = [path, "--no-password"]
    if url.host:
        words += ["--host", url.host]
    if url.port:
        words += ["--port", str(url.port)]
    if url.username:
        words += ["--username", url.username]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return words, environment


def _run(words: list[str], environment: dict[str, str], tool: str) -> None:
    try:
        done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
            words, env=environment, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{tool} could not be started: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{tool} failed: {lines[0] if lines else f'exit {done.returncode}'}")


def backup(url_text: str, target: Path) -> None:
    """Write the database at ``url_text`` to ``target`` (made whole, then renamed into place)."""
    url = make_url(normalise_url(url_text))
    partial = target.with_name(target.name + ".partial")
    if not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent} to write the backup in")
    try:
        if url.get_backend_name() == "sqlite":
            source_path = _sqlite_path(url)
            if not source_path.exists():
                raise BackupError(f"no database at {source_path}")
            source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                copy = sqlite3.connect(partial)
                try:
                    source.backup(copy)
                finally:
                    copy.close()
            except sqlite3.Error as exc:
                raise BackupError(f"the SQLite backup failed: {exc}") from exc
            finally:
                source.close()
        elif url.get_backend_name() == "postgresql":
            words, environment = _pg_command("pg_dump", url)
            words += ["--format=custom", "--no-owner", "--file", str(partial)]
            words += ["--dbname", str(url.database)]
            _run(words, environment, "pg_dump")
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(url_text: str, source: Path) -> None:
    """Replace the database at ``url_text`` with the backup ``source`` (stop the app first)."""
    url = make_url(normalise_url(url_text))
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    if url.get_backend_name() == "sqlite":
        target_path = _sqlite_path(url)
        try:
            backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                if backup_db.execute("PRAGMA quick_check").fetchone() != ("ok",):
                    raise BackupError(f"{source} is damaged (SQLite's quick_check fails)")
                target = sqlite3.connect(target_path)
                try:
                    backup_db.backup(target)
                finally:
                    target.close()
            finally:
                backup_db.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup ({exc})") from exc
    elif url.get_backend_name() == "postgresql":
        words, environment = _pg_command("pg_restore", url)
        words += ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        words += ["--exit-on-error", "--dbname", str(url.database), str(source)]
        _run(words, environment, "pg_restore")
    else:
        raise BackupError(f"cannot restore a {url.get_backend_name()} database")
