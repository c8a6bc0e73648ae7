"""Long jobs: a class from a CSV file, a re-issue after a key compromise (a school's), and a
learner's archive of the whole portfolio (a learner's; its zip kept in ``job_file`` for the
learner alone to download).

Each is one function that does the whole job in the caller's transaction (it flushes and
never commits, like every service) and reports its way through ``progress(done, total)``.
Nothing here knows about Flask, Redis or pages. A small job runs while its page streams
(issuer/views/progress.py); a larger one is *submitted*: a ``Job`` row keyed by the
request's key (the same request again finds the same job), which a worker *runs*
(``run_job``: issuer/queue.py calls it, from ``badges worker`` or a thread of the app).

All or nothing, once: ``run_job`` locks the job's row, does the work and marks the job
``done`` in one transaction. A worker killed half-way commits nothing (the database rolls
its transaction back), so the job is still ``queued`` and running it again does the whole
work once; running a finished job again does nothing.
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound
from ..models import Achievement, Job, JobFile, JobStatus, Learner, Organisation
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .archive import ArchiveIndex, archive_size, build_archive
from .audit import Actor
from .awards import (
    MAX_BATCH,
    MAX_JOB_BATCH,
    AwardInput,
    award_many,
    earlier_awards,
    normalised_email,
)
from .keys import Sealer
from .reissue import awaiting_reissue, count_awaiting, endorsements_awaiting, reissue

Progress = Callable[[int, int], None]
RenderIndex = Callable[[ArchiveIndex], str]


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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a class is built, signed and stored (then it
    runs as before). The class's credentials, thousands of small dicts and lists, stay
    alive until the class is stored, and each of the collector's passes meanwhile went
    through all of them again: about a fifth of what a class award costs besides signing
    (measured, benchmarks/bench_bulk.py). Objects are freed as before (reference counting);
    only cycles wait. Another thread's class (or one already paused) leaves the collector
    as it finds it, and the first to pause it starts it again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
    limit: int = MAX_BATCH,
) -> ClassAwarded:
    """Sign and store a whole class (all of it, or raise and leave the rollback to the
    caller), with one audit entry for it (written by ``award_many``). The same ``request_key`` again returns the first
    result and awards nothing. Raises InvalidInput when a row is not valid (any more)."""
    with _collector_paused():
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
            limit=limit,
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


# -- jobs: submitted in a request, run by a worker --------------------------------------------

CLASS_AWARD = "class_award"
REISSUE = "reissue"
ARCHIVE = "archive"
ARCHIVE_TYPE = "application/zip"
SPOOL_BYTES = 16 * 1024 * 1024  # an archive larger than this is built in a temporary file
_DATES = ("activity_start", "activity_end")
_ROW_FIELDS = tuple(f.name for f in fields(AwardInput) if f.name not in ("errors", "parse_errors"))


def _row_params(row: AwardInput) -> dict[str, Any]:
    values = asdict(row)
    out = {name: values[name] for name in _ROW_FIELDS}
    for name in _DATES:
        if out[name] is not None:
            out[name] = out[name].isoformat()
    return out


def _row_from_params(values: dict[str, Any]) -> AwardInput:
    known: dict[str, Any] = {name: values[name] for name in _ROW_FIELDS if name in values}
    for name in _DATES:
        if known.get(name):
            known[name] = date.fromisoformat(str(known[name]))
    return AwardInput(**known)


def _actor_params(actor: Actor | None) -> dict[str, Any] | None:
    return None if actor is None else asdict(actor)


def _actor_from_params(values: dict[str, Any] | None) -> Actor | None:
    return None if values is None else Actor(**values)


def get_job(session: Session, public_id_: str, *, org: Organisation | None = None) -> Job:
    """The job with this public id (of ``org`` when given); NotFound otherwise."""
    query = select(Job).where(Job.public_id == public_id_)
    if org is not None:
        query = query.where(Job.org_id == org.id)
    job = session.scalar(query)
    if job is None:
        raise NotFound(_("No such job."))
    return job


def learner_job(session: Session, public_id_: str, *, learner: Learner) -> Job:
    """The learner's own job with this public id; NotFound for anyone else's (or none)."""
    job = session.scalar(
        select(Job).where(Job.public_id == public_id_, Job.learner_id == learner.id)
    )
    if job is None:
        raise NotFound(_("No such job."))
    return job


def job_file(
    session: Session, job: Job, *, keep: timedelta, now: datetime | None = None
) -> JobFile:
    """What the finished ``job`` made; NotFound while it runs, when it failed, when a
    newer archive has replaced it, or when it is older than ``keep``."""
    found = session.get(JobFile, job.id) if job.status == JobStatus.DONE else None
    if found is None or found.created_at < (now or now_utc()) - keep:
        raise NotFound(_("No such file."))
    return found


def find_job(session: Session, *, org: Organisation, request_key: str | None) -> Job | None:
    """The job submitted under ``request_key`` for ``org``, if any."""
    if not request_key:
        return None
    return session.scalar(select(Job).where(Job.org_id == org.id, Job.request_key == request_key))


def _submit(
    session: Session,
    *,
    org: Organisation,
    kind: str,
    request_key: str,
    params: dict[str, Any],
    total: int,
    created_by: int | None,
    language: str,
) -> tuple[Job, bool]:
    """A new queued job, or the one already submitted under ``request_key`` (and False)."""
    if not request_key or len(request_key) > 200:
        raise InvalidInput(_("The form was damaged; start again."))
    query = select(Job).where(Job.org_id == org.id, Job.request_key == request_key)
    existing = session.scalar(query)
    if existing is None:
        job = Job(
            org_id=org.id,
            kind=kind,
            request_key=request_key,
            params=params,
            total=total,
            created_by=created_by,
            language=language,
        )
        try:
            with session.begin_nested():
                session.add(job)
                session.flush()
            return job, True
        except IntegrityError:  # the same request, submitted at the same time elsewhere
            existing = session.scalar(query)
            if existing is None:
                raise
    if existing.kind != kind:
        raise Conflict(_("This request key was already used for different work."))
    return existing, False


def submit_class_award(
    session: Session,
    *,
    org: Organisation,
    achievement: Achievement,
    rows: Sequence[AwardInput],
    request_key: str,
    skip_earlier: bool,
    first_row: int,
    actor: Actor | None,
    created_by: int | None,
    language: str,
) -> tuple[Job, bool]:
    """Check the class now (every row valid, at most MAX_JOB_BATCH learners: InvalidInput
    otherwise, nothing stored) and store it as a queued job for a worker to sign; returns the
    job and whether it is new (False: this request key was submitted before, that job)."""
    existing = session.scalar(
        select(Job).where(Job.org_id == org.id, Job.request_key == request_key)
    )
    if existing is not None and existing.kind == CLASS_AWARD:
        return existing, False
    checked = award_many(
        session,
        org=org,
        achievement=achievement,
        rows=rows,
        sealer=None,  # type: ignore[arg-type]  # a dry run signs nothing
        urls=PublicUrls("http://unused.invalid"),
        dry_run=True,
        first_row=first_row,
        limit=MAX_JOB_BATCH,
    )
    if checked.errors:
        raise InvalidInput(_("Some rows are not valid; upload the file again."))
    total = len(rows) - (len(checked.earlier) if skip_earlier else 0)
    if total == 0:
        raise InvalidInput(_("Every learner in the list already has this badge: nothing to award."))
    return _submit(
        session,
        org=org,
        kind=CLASS_AWARD,
        request_key=request_key,
        params={
            "achievement": achievement.id,
            "rows": [_row_params(row) for row in rows],
            "skip_earlier": skip_earlier,
            "first_row": first_row,
            "actor": _actor_params(actor),
        },
        total=total,
        created_by=created_by,
        language=language,
    )


def submit_reissue(
    session: Session,
    *,
    org: Organisation,
    request_key: str,
    actor: Actor | None,
    created_by: int | None,
    language: str,
) -> tuple[Job, bool]:
    """A queued job re-issuing what waits since a key compromise (Conflict: nothing waits)."""
    total = reissue_size(session, org=org)
    if total == 0:
        raise Conflict(_("No badges are waiting for re-issue."))
    return _submit(
        session,
        org=org,
        kind=REISSUE,
        request_key=request_key,
        params={"actor": _actor_params(actor)},
        total=total,
        created_by=created_by,
        language=language,
    )


def submit_archive(
    session: Session, *, learner: Learner, request_key: str, language: str
) -> tuple[Job, bool]:
    """A queued job making ``learner``'s archive, and whether it is new. The same request
    again (a double click, a reload) finds its job; while one archive of this learner is
    waiting or being made, asking again gives that one (one at a time)."""
    if not request_key or len(request_key) > 200:
        raise InvalidInput(_("The form was damaged; start again."))
    mine = select(Job).where(Job.learner_id == learner.id, Job.kind == ARCHIVE)
    existing = session.scalar(mine.where(Job.request_key == request_key))
    if existing is None:
        existing = session.scalar(mine.where(Job.status == JobStatus.QUEUED).order_by(Job.id))
    if existing is not None:
        return existing, False
    job = Job(
        learner_id=learner.id,
        kind=ARCHIVE,
        request_key=request_key,
        params={},
        total=archive_size(session, learner),
        language=language,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # the same request, submitted at the same time elsewhere
        found = session.scalar(mine.where(Job.request_key == request_key))
        if found is None:
            raise
        return found, False
    return job, True


@dataclass(frozen=True)
class JobTools:
    """What the work of a job is given: keys, the public URLs, where its progress goes,
    and (an archive) how its index.html is made from a template."""

    sealer: Sealer
    urls: PublicUrls
    progress: Progress
    render_index: RenderIndex | None = None
    keep_files: timedelta = timedelta(days=7)


def _school(session: Session, job: Job) -> Organisation:
    assert job.org_id is not None  # a school's job
    return session.get_one(Organisation, job.org_id)


def _work_class_award(session: Session, job: Job, tools: JobTools) -> dict[str, Any]:
    params = job.params or {}
    outcome = run_class_award(
        session,
        org=_school(session, job),
        achievement=session.get_one(Achievement, params["achievement"]),
        rows=[_row_from_params(row) for row in params["rows"]],
        sealer=tools.sealer,
        urls=tools.urls,
        awarded_by=job.created_by,
        actor=_actor_from_params(params.get("actor")),
        request_key=f"job:{job.public_id}",
        skip_earlier=bool(params.get("skip_earlier")),
        first_row=int(params.get("first_row", 1)),
        progress=tools.progress,
        limit=MAX_JOB_BATCH,
    )
    return {"count": outcome.count, "skipped": outcome.skipped, "batch": outcome.batch_id}


def _work_reissue(session: Session, job: Job, tools: JobTools) -> dict[str, Any]:
    count = run_reissue(
        session,
        org=_school(session, job),
        sealer=tools.sealer,
        urls=tools.urls,
        actor=_actor_from_params((job.params or {}).get("actor")),
        reissued_by=job.created_by,
        progress=tools.progress,
    )
    return {"count": count}


def _work_archive(session: Session, job: Job, tools: JobTools) -> dict[str, Any]:
    """The learner's archive, stored as the job's file; the learner's earlier archive is
    deleted with it (one kept per learner), and so is any archive older than
    ``tools.keep_files`` (its page has not offered it since)."""
    assert job.learner_id is not None and tools.render_index is not None
    learner = session.get_one(Learner, job.learner_id)
    made_at = now_utc()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        index = build_archive(
            session,
            learner,
            spool,
            sealer=tools.sealer,
            urls=tools.urls,
            render_index=tools.render_index,
            now=made_at,
            progress=tools.progress,
        )
        size = spool.tell()
        spool.seek(0)
        data = spool.read()
    earlier = select(Job.id).where(
        Job.learner_id == job.learner_id, Job.kind == ARCHIVE, Job.id != job.id
    )
    session.execute(  # the learner's earlier archive, and anyone's kept past its time
        delete(JobFile)
        .where(or_(JobFile.job_id.in_(earlier), JobFile.created_at < made_at - tools.keep_files))
        .execution_options(synchronize_session=False)
    )
    session.add(
        JobFile(
            job_id=job.id,
            filename=f"badges-{made_at:%Y-%m-%d}.zip",
            content_type=ARCHIVE_TYPE,
            size=size,
            data=data,
        )
    )
    return {"count": len(index.badges), "bytes": size}


_WORK: dict[str, Callable[[Session, Job, JobTools], dict[str, Any]]] = {
    CLASS_AWARD: _work_class_award,
    REISSUE: _work_reissue,
    ARCHIVE: _work_archive,
}


def run_job(
    session: Session,
    public_id_: str,
    *,
    sealer: Sealer,
    urls: PublicUrls,
    progress: Progress,
    render_index: RenderIndex | None = None,
    keep_files: timedelta = timedelta(days=7),
) -> Job:
    """Do a queued job's work in the caller's transaction and mark it ``done`` with its
    result (both commit together, or neither). The job's row is locked first (PostgreSQL:
    ``FOR UPDATE``; a second worker given the same job waits, then finds it done). A job
    already finished is returned as it is: nothing is done twice. Raises what the work
    raises (IssuerError: the job cannot be done as asked; ``fail_job`` records it)."""
    job = session.scalar(select(Job).where(Job.public_id == public_id_).with_for_update())
    if job is None:
        raise NotFound(_("No such job."))
    if job.status != JobStatus.QUEUED:
        return job
    tools = JobTools(
        sealer=sealer,
        urls=urls,
        progress=progress,
        render_index=render_index,
        keep_files=keep_files,
    )
    job.result = _WORK[job.kind](session, job, tools)
    job.status = JobStatus.DONE
    job.params = None  # the class list is in the awards now
    job.finished_at = now_utc()
    session.flush()
    return job


def fail_job(session: Session, public_id_: str, error: str) -> Job | None:
    """Mark a queued job failed with ``error`` (its work was rolled back: nothing stored)."""
    job = session.scalar(select(Job).where(Job.public_id == public_id_).with_for_update())
    if job is None or job.status != JobStatus.QUEUED:
        return job
    job.status = JobStatus.FAILED
    job.error = error
    job.params = None
    job.finished_at = now_utc()
    session.flush()
    return job


def unfinished_jobs(session: Session) -> list[str]:
    """The public ids of the jobs not finished, oldest first."""
    return list(
        session.scalars(
            select(Job.public_id).where(Job.status == JobStatus.QUEUED).order_by(Job.id)
        )
    )


def held_by_a_worker(session: Session, public_id_: str) -> bool | None:
    """Whether a worker's transaction holds this job's row now (PostgreSQL: a row lock
    tried with NOWAIT); None where the database cannot tell (SQLite). A queued job that no
    worker holds, and that the queue no longer has, was abandoned (its worker died)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    from sqlalchemy.exc import OperationalError

    try:
        with session.begin_nested():
            session.execute(
                select(Job.id).where(Job.public_id == public_id_).with_for_update(nowait=True)
            )
    except OperationalError:  # could not obtain the lock: a worker holds it
        return True
    return False
