"""Idempotent API requests: an ``Idempotency-Key`` makes a retry return the first result.

The protocol, for one key of one organisation:

1. ``begin`` inserts a *pending* record (the hash of method, path and canonical body) and
   commits it at once in a short transaction of its own, so that a concurrent request
   with the same key finds it: that request gets ``IdempotencyKeyInFlight`` (409).
2. The work runs in the request's transaction; ``complete`` stores the response (status
   and exact body text) in that same transaction and marks the record *done*: the work
   and its recorded result commit together or not at all.
3. A retry with the same key and the same request gets a ``Replay`` of the stored
   response, byte for byte, and nothing is done again; the same key with another request
   gets ``IdempotencyKeyReused`` (422).
4. If the work fails (an error response, an exception, a failed commit), ``release``
   deletes the pending record, so the client may retry with the same key. Error
   responses are therefore never stored: a retry after a 4xx runs the request again.
5. Keys are remembered for ``RETENTION`` (24 hours): older records of the organisation are
   deleted when it claims a new key, so the table stays small; a retry a day later is a
   new request.
6. A record left *pending* for longer than ``PENDING_TIMEOUT`` (its process died) is
   abandoned: the next request with that key takes it over. On PostgreSQL sooner: the
   request doing the work holds an advisory lock on its record in its own transaction
   (``hold``), which the server drops with the connection; a pending record whose lock
   nobody holds lost its request (its process killed, or the database restarted under
   it before ``release`` could run), and a retry takes it over at once instead of
   getting 409 for ten minutes. ``complete`` only succeeds
   for the request that holds the record (compared by its start time), so a request
   that was taken over rolls back instead of doing the work twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges.jsonutil import dumps_sorted

from ..db import Database
from ..errors import IdempotencyKeyInFlight, IdempotencyKeyReused, InvalidInput
from ..models import IdempotencyRecord
from ..models.base import now_utc
from ..translate import _

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
PENDING_TIMEOUT = timedelta(minutes=10)
RETENTION = timedelta(hours=24)
IN_FLIGHT = "A request with this Idempotency-Key is still being processed. Retry in a moment to get its result."
KEY = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII, as HTTP header values carry it


@dataclass(frozen=True)
class Claim:
    """This request holds the key: it does the work and then calls ``complete``."""

    record_id: int
    org_id: int
    key: str
    started_at: datetime


@dataclass(frozen=True)
class Replay:
    """The key's first request finished: its response, to send again as it was."""

    status: int
    body: str


def check_key(value: str) -> str:
    """The key as sent, or InvalidInput when it is empty, too long or not visible ASCII."""
    key = value.strip()
    if not KEY.fullmatch(key):
        raise InvalidInput(
            _("The Idempotency-Key header must be 1 to 200 visible ASCII characters."),
            fields={HEADER: _("Use 1 to 200 visible ASCII characters, e.g. a UUID.")},
        )
    return key


def request_hash(method: str, path: str, body: Any) -> str:
    """SHA-256 of the method, the path and the body's canonical JSON (sorted keys)."""
    digest = hashlib.sha256()
    digest.update(method.upper().encode() + b"\n" + path.encode() + b"\n")
    digest.update(dumps_sorted(body))
    return digest.hexdigest()


def begin(
    database: Database, *, org_id: int, key: str, request_hash: str, now: datetime | None = None
) -> Claim | Replay:
    """Claim ``key`` for this request (committed at once), or the stored response.

    Raises IdempotencyKeyReused (422) for another request under the same key, and
    IdempotencyKeyInFlight (409) while the first request is still running.
    """
    for _attempt in range(3):
        started = now or now_utc()
        try:
            with database.transaction() as session:
                session.execute(
                    delete(IdempotencyRecord)
                    .where(
                        IdempotencyRecord.org_id == org_id,
                        IdempotencyRecord.created_at < started - RETENTION,
                    )
                    .execution_options(synchronize_session=False)
                )
                record = IdempotencyRecord(
                    org_id=org_id,
                    key=key,
                    request_hash=request_hash,
                    state="pending",
                    created_at=started,
                )
                session.add(record)
                session.flush()
                claim = Claim(record.id, org_id, key, started)
            return claim
        except IntegrityError:
            pass  # the key is known: what became of its first request?
        with database.transaction() as session:
            existing = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.org_id == org_id, IdempotencyRecord.key == key
                )
            )
            if existing is None:
                continue  # its failed first request released it just now: claim it again
            if existing.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    _(
                        "This Idempotency-Key was already used for a different request (another method, path or body). Use a new key for a new request."
                    )
                )
            if existing.state == "done" and existing.response_status is not None:
                return Replay(existing.response_status, existing.response_body or "")
            if existing.created_at > started - PENDING_TIMEOUT and _held(session, existing.id):
                raise IdempotencyKeyInFlight(IN_FLIGHT)
            # Abandoned (its process stopped): take it over, unless another retry just did.
            taken = session.execute(
                update(IdempotencyRecord)
                .where(*_pending(existing.id, existing.created_at))
                .values(created_at=started)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) != 1:
                raise IdempotencyKeyInFlight(IN_FLIGHT)
            claim = Claim(existing.id, org_id, key, started)
        return claim
    raise IdempotencyKeyInFlight(IN_FLIGHT)


LOCK_CLASS = 0x1DE  # the advisory locks' first key: "idempotency record" (the second: its id)


def hold(session: Session, claim: Claim) -> None:
    """On PostgreSQL, lock the claim's record in ``session``'s transaction (the work's)
    until it ends: while it runs, a retry knows the request is alive (see 6. above)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_CLASS, claim.record_id)))


def _held(session: Session, record_id: int) -> bool:
    """Whether a request's transaction holds the record's lock (always True where the
    database cannot tell: SQLite waits for PENDING_TIMEOUT)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    free = session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_CLASS, record_id)))
    return not free


def _pending(record_id: int, started_at: datetime) -> tuple[Any, ...]:
    """The record ``record_id`` while still pending under the claim made at ``started_at``."""
    return (
        IdempotencyRecord.id == record_id,
        IdempotencyRecord.state == "pending",
        IdempotencyRecord.created_at == started_at,
    )


def complete(
    session: Session, claim: Claim, *, status: int, body: str, now: datetime | None = None
) -> None:
    """Store the response in the work's own transaction (``session``), marking it done.

    Raises IdempotencyKeyInFlight when the claim was lost (taken over as abandoned): the
    caller's transaction must then roll back, so the work is not done twice.
    """
    result = session.execute(
        update(IdempotencyRecord)
        .where(*_pending(claim.record_id, claim.started_at))
        .values(
            state="done", response_status=status, response_body=body, completed_at=now or now_utc()
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise IdempotencyKeyInFlight(
            _(
                "This request took too long and another request with the same Idempotency-Key took over; nothing was changed by this one."
            )
        )


def release(database: Database, claim: Claim) -> bool:
    """Delete the claim's record if it is still pending (its work did not commit), so
    the key may be used again; True when it was deleted. A done record is kept."""
    with database.transaction() as session:
        result = session.execute(
            delete(IdempotencyRecord)
            .where(*_pending(claim.record_id, claim.started_at))
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
