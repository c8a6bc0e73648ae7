"""The revocation journal: revocations, suspensions and key compromises, also written to an
append-only file kept apart from the database, so that a restore from an older backup
cannot quietly un-revoke a badge (``badges restore`` re-applies it; issue 16).

Services note an entry on their session (``note``); the database writes the session's
entries once its transaction has committed (``issuer/db.py``), so the journal holds only
what the database holds too. One JSON object a line, appended under an exclusive lock
(several workers share the file) and fsync'd before the request answers. A crash in the
instant between the commit and the write loses that one entry: the window is the fsync.

Replaying (``issuer/services/restore.py``) is by state, not by time: an entry the restored database already shows changes
nothing, so the whole journal can be read after any backup. Revocations and compromises
only ever add; for a suspension, the last entry of each badge is its state.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PENDING = "revocation_journal"  # the session.info key of the entries waiting for the commit
FILE_NAME = "revocation-journal.jsonl"


def note(session: Session, event: str, **fields: Any) -> None:
    """Journal ``event`` once ``session`` commits (dropped if it rolls back)."""
    entry = {"event": event, "at": datetime.now(UTC).isoformat(), **fields}
    session.info.setdefault(PENDING, []).append(entry)


class Journal:
    """The append-only file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        data = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one writer at a time: whole lines, never mixed
            os.write(fd, data.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)  # (closing releases the lock)

    def entries(self) -> Iterator[dict[str, Any]]:
        """The entries in order; a torn last line (a crash mid-write) is skipped."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("event"), str):
                    yield entry
