"""Long signing jobs: a class from a CSV file, and a re-issue after a key compromise.

Each is one function that does the whole job in the caller's transaction (it flushes and
never commits, like every service) and reports its way through ``progress(done, total)``.
Nothing here knows about Flask or pages: the staff views run these in a thread of their own
and stream the progress (issuer/views/progress.py), a command line or a test can call them
as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import Achievement, Organisation
from ..translate import _
from ..urls import PublicUrls
from .audit import Actor
from .awards import AwardInput, award_many, earlier_awards, normalised_email
from .keys import Sealer
from .reissue import awaiting_reissue, count_awaiting, endorsements_awaiting, reissue

Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """A progress callback for callers that do not show progress."""


@dataclass(frozen=True)
class ClassAwarded:
    """What a class award did: badges awarded, learners left out (they held the badge)."""

    count: int
    skipped: int
    batch_id: int


def class_award_size(
    session: Session,
    *,
    org: Organisation,
    achievement: Achievement,
    rows: Sequence[AwardInput],
    skip_earlier: bool,
) -> int:
    """How many badges ``run_class_award`` signs for ``rows`` (the total its progress counts to)."""
    holders = (
        earlier_awards(session, org, achievement, [row.learner_email for row in rows])
        if skip_earlier
        else {}
    )
    return sum(1 for row in rows if normalised_email(row.learner_email) not in holders)


def run_class_award(
    session: Session,
    *,
    org: Organisation,
    achievement: Achievement,
    rows: Sequence[AwardInput],
    sealer: Sealer,
    urls: PublicUrls,
    awarded_by: int | None,
    actor: Actor | None,
    request_key: str | None,
    skip_earlier: bool,
    first_row: int,
    progress: Progress,
) -> ClassAwarded:
    """Sign and store a whole class (all of it, or raise and leave the rollback to the
    caller), with one audit entry for it (written by ``award_many``). The same ``request_key`` again returns the first
    result and awards nothing. Raises InvalidInput when a row is not valid (any more)."""
    result = award_many(
        session,
        org=org,
        achievement=achievement,
        rows=rows,
        sealer=sealer,
        urls=urls,
        awarded_by=awarded_by,
        progress=progress,
        request_key=request_key,
        skip_earlier=skip_earlier,
        first_row=first_row,
        actor=actor,
    )
    if result.errors or result.batch is None:
        raise InvalidInput(_("Some rows are not valid any more; upload the file again."))
    batch_id = result.batch.id  # award_many wrote the class's one audit entry with the awards
    return ClassAwarded(len(result.awards), result.skipped, batch_id)


def reissue_size(session: Session, *, org: Organisation) -> int:
    """Badges and endorsements waiting for re-issue (0: nothing for ``run_reissue`` to do)."""
    return count_awaiting(session, org) + len(endorsements_awaiting(session, org))


def run_reissue(
    session: Session,
    *,
    org: Organisation,
    sealer: Sealer,
    urls: PublicUrls,
    actor: Actor | None,
    reissued_by: int | None,
    progress: Progress,
) -> int:
    """Re-issue every badge (and endorsement) waiting since a key compromise, with the active
    key, in the caller's transaction; returns how many badges were re-issued."""
    pairs = reissue(
        session,
        org=org,
        awards=awaiting_reissue(session, org),
        sealer=sealer,
        urls=urls,
        actor=actor,
        reissued_by=reissued_by,
        progress=progress,
    )
    return len(pairs)
