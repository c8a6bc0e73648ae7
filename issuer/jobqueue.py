"""Where jobs run: a Redis queue (RQ) read by ``badges worker``, or a thread of the app.

``ISSUER_REDIS_URL`` set: a submitted job (issuer/services/jobs.py) is put on the RQ queue
``ISSUER_QUEUE`` once the request has committed it, and any ``badges worker`` (on this
machine or another) runs it; its progress is kept in Redis, so every app process shows it.
Not set (``badges serve --demo``, SQLite): the same job runs in a thread of the app process
that took the request, its progress in that process's memory. Either way the work is
``run_job`` in one transaction (all or nothing) and the job's row in the database says
whether it is done.

A worker killed half-way (SIGKILL, a lost machine) leaves its job ``queued`` with nothing
stored. ``recover`` finds such jobs and queues them again: on PostgreSQL precisely (a job
whose row no transaction holds, and that the queue no longer has waiting, was abandoned);
elsewhere (SQLite) by the job's heartbeat: while a worker runs a job, a thread of it renews
a Redis key that lives ``ISSUER_JOB_HEARTBEAT`` seconds (``Heartbeat``); a job RQ calls
started whose key has lapsed lost its worker. (RQ's own clean-up would give it back only
once its whole time, ``ISSUER_JOB_TIMEOUT``, is over.) ``badges worker`` calls ``recover``
when it starts and at each of its maintenance rounds.

RQ rather than Celery: the queue is only Redis lists and hashes that ``redis`` (already a
dependency) speaks, a job is a plain function call, and the worker needs no broker of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask

from .db import Database
from .errors import IssuerError
from .health import database_unavailable
from .models import Job, JobStatus
from .services.jobs import fail_job, held_by_a_worker, run_job, unfinished_jobs
from .services.keys import Sealer
from .services.mail import deliver_after_commit
from .translate import N_, _, in_language
from .urls import PublicUrls

if TYPE_CHECKING:
    from redis import Redis
    from rq import SimpleWorker

log = logging.getLogger(__name__)
UNEXPECTED = N_("the work stopped with an error. Please try again.")
PROGRESS_KEY = "badges:issuer:job-progress:"  # + the job's public id: a hash (done, total)
PROGRESS_TTL = 7 * 24 * 3600
ALIVE_KEY = "badges:issuer:job-alive:"  # + the job's public id: renewed while a worker runs it
STEPS = 100  # progress written at most this many times per job


class ProgressStore(Protocol):
    def set(self, job_id: str, done: int, total: int) -> None: ...

    def get(self, job_id: str) -> tuple[int, int] | None: ...

    def forget(self, job_id: str) -> None: ...


class MemoryProgress:
    """Progress of the jobs running in this process's threads."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def set(self, job_id: str, done: int, total: int) -> None:
        with self._lock:
            self._values[job_id] = (done, total)

    def get(self, job_id: str) -> tuple[int, int] | None:
        with self._lock:
            return self._values.get(job_id)

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._values.pop(job_id, None)


class RedisProgress:
    """Progress in Redis: written by whichever worker runs the job, read by every app."""

    def __init__(self, connection: Redis) -> None:
        self._redis = connection

    def set(self, job_id: str, done: int, total: int) -> None:
        key = PROGRESS_KEY + job_id
        try:
            pipe = self._redis.pipeline()
            pipe.hset(key, mapping={"done": done, "total": total})
            pipe.expire(key, PROGRESS_TTL)
            pipe.execute()
        except OSError as exc:  # redis' ConnectionError: progress is shown, not needed
            log.warning("job %s: progress not written: %s", job_id, exc)
        except Exception as exc:  # redis.RedisError
            log.warning("job %s: progress not written: %s", job_id, exc)

    def get(self, job_id: str) -> tuple[int, int] | None:
        try:
            values: Any = self._redis.hgetall(PROGRESS_KEY + job_id)
        except Exception as exc:  # redis.RedisError: the page says "waiting" instead
            log.warning("job %s: progress not read: %s", job_id, exc)
            return None
        if not values:
            return None
        return int(values[b"done"]), int(values[b"total"])

    def forget(self, job_id: str) -> None:
        try:
            self._redis.delete(PROGRESS_KEY + job_id)
        except Exception as exc:  # redis.RedisError: it expires on its own
            log.warning("job %s: progress not deleted: %s", job_id, exc)


class Heartbeat:
    """While its ``with`` block runs, a thread renews ``ALIVE_KEY + job_id`` (it lives ``ttl``
    seconds, renewed every third of that); the key is deleted at the end. A process killed
    stops renewing it, and ``recover`` sees the job abandoned once the key has lapsed."""

    def __init__(self, connection: Redis, job_id: str, ttl: int) -> None:
        self._redis = connection
        self._key = ALIVE_KEY + job_id
        self._ttl = max(1, ttl)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat {job_id}")

    def _renew(self) -> None:
        try:
            self._redis.set(self._key, "1", ex=self._ttl)
        except Exception as exc:  # redis.RedisError: renewed at the next beat
            log.warning("job heartbeat not renewed: %s", exc)

    def _beat(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            self._renew()

    def __enter__(self) -> Heartbeat:
        self._renew()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self._redis.delete(self._key)
        except Exception as exc:  # redis.RedisError: it lapses on its own
            log.warning("job heartbeat not deleted: %s", exc)


def _render_index(index: Any) -> str:
    """index.html of a learner's archive (in the app context, in the job's language)."""
    from flask import render_template

    return render_template("issuer/portfolio/archive_index.html", index=index)


def execute(app: Flask, job_id: str, progress_store: ProgressStore) -> None:
    """Run the job ``job_id`` with ``app``'s database, keys and mail, in ``app``'s context.
    The work's IssuerError, or an unexpected error, marks the job failed (nothing of its
    work stored). A database that does not answer is raised: RQ tries the job again later
    (a thread logs it; ``badges worker`` runs it once the database is back)."""
    database: Database = app.extensions["issuer.db"]
    urls: PublicUrls = app.extensions["issuer.urls"]
    from .services.jobs import get_job
    from .web import smtp_settings

    with app.app_context():
        sealer: Sealer = app.extensions.get("issuer.sealer") or Sealer.from_config(
            app.config["KEY_ENCRYPTION_KEY"]
        )
        with database.transaction() as session:
            job = get_job(session, job_id)
            language, status = job.language, job.status
        if status != "queued":
            return  # finished already: nothing is done twice
        mail = smtp_settings()

        def progress(done: int, total: int) -> None:
            if done % max(1, total // STEPS) == 0 or done == total:
                progress_store.set(job_id, done, total)

        try:
            with in_language(language), database.transaction() as session:
                run_job(
                    session,
                    job_id,
                    sealer=sealer,
                    urls=urls,
                    progress=progress,
                    render_index=_render_index,
                    keep_files=timedelta(days=app.config["ARCHIVE_KEEP_DAYS"]),
                )
                deliver_after_commit(session, database, mail)
            progress_store.forget(job_id)  # the job's row says it is done
        except IssuerError as exc:
            with in_language(language):
                message = exc.description
            with database.transaction() as session:
                fail_job(session, job_id, message)
            progress_store.forget(job_id)
        except Exception as exc:
            if database_unavailable(exc):
                raise
            log.exception("job %s failed", job_id)
            with in_language(language):
                message = _(UNEXPECTED)
            with database.transaction() as session:
                fail_job(session, job_id, message)


class JobRunner:
    """Runs submitted jobs: ``dispatch`` after the submitting transaction has committed."""

    progress: ProgressStore

    def dispatch(self, job_id: str) -> None:
        raise NotImplementedError


class ThreadRunner(JobRunner):
    """No broker: each job in a daemon thread of this process."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self.progress = MemoryProgress()
        self._threads: list[threading.Thread] = []

    def _run(self, job_id: str) -> None:
        try:
            execute(self._app, job_id, self.progress)
        except Exception:  # the database was away: `badges worker` runs it later
            log.exception("job %s stopped; `badges worker` runs it again", job_id)

    def dispatch(self, job_id: str) -> None:
        thread = threading.Thread(target=self._run, args=(job_id,), daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def join(self, timeout: float = 60.0) -> None:
        """Wait for the jobs started here (tests, and the end of ``badges worker``)."""
        for thread in list(self._threads):
            thread.join(timeout)


def redis_connection(url: str, *, timeout: float | None = 5.0) -> Redis:
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=timeout)


COMMAND_WAIT = 1.0  # seconds a worker's command thread waits for a message at a time


def worker_class() -> type[SimpleWorker]:
    """RQ's ``SimpleWorker`` (each job in the worker's own process) that stops promptly.

    RQ's worker listens for commands (stop, kill) on a pub/sub channel in a thread that
    waits up to 60 seconds at a time for a message, and at its end unsubscribes and joins
    that thread: since redis-py 6 that join waits for the thread's wait to end, so a worker
    told to stop (SIGTERM, or the end of a ``--burst``) often took a further minute to
    exit. Here the thread waits a second at a time: a stopped worker exits within about a
    second, for one wake-up a second of an idle thread."""
    from rq import SimpleWorker

    class PromptWorker(SimpleWorker):
        def subscribe(self) -> None:
            self.log.info(
                "Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name
            )
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
                sleep_time=COMMAND_WAIT,
                daemon=True,
                exception_handler=self._pubsub_exception_handler,
            )

    return PromptWorker


class RqRunner(JobRunner):
    """A Redis queue: ``badges worker`` processes (anywhere) run the jobs."""

    def __init__(self, url: str, queue_name: str, timeout: int, heartbeat: int = 30) -> None:
        from rq import Queue

        self.connection = redis_connection(url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.progress = RedisProgress(self.connection)
        self._timeout = timeout
        self.heartbeat = heartbeat

    def dispatch(self, job_id: str) -> None:
        from rq import Retry

        try:
            self.queue.enqueue(
                "issuer.jobqueue.perform",
                job_id,
                job_id=job_id,
                job_timeout=self._timeout,
                retry=Retry(max=3),  # an abandoned job (its worker died) goes back on the queue
                result_ttl=24 * 3600,
                failure_ttl=7 * 24 * 3600,
            )
        except Exception as exc:  # redis.RedisError: the job waits in the database
            log.warning(
                "job %s not queued (%s); `badges worker` queues it when it starts", job_id, exc
            )

    def waiting(self, job_id: str) -> bool:
        """Whether the queue has this job waiting, scheduled, or (SQLite: cannot tell
        otherwise) running."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RqJob

        try:
            found = RqJob.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return False
        status = found.get_status()
        return status is not None and status.value in ("queued", "scheduled", "deferred")


def runner(app: Flask) -> JobRunner:
    """The app's job runner (made on first use from ISSUER_REDIS_URL)."""
    found: JobRunner | None = app.extensions.get("issuer.jobs")
    if found is None:
        if app.config["REDIS_URL"]:
            found = RqRunner(
                app.config["REDIS_URL"],
                app.config["QUEUE"],
                app.config["JOB_TIMEOUT"],
                app.config["JOB_HEARTBEAT"],
            )
        else:
            found = ThreadRunner(app)
        app.extensions["issuer.jobs"] = found
    return found


def state_of(app: Flask, job: Job) -> dict[str, Any]:
    """What a page or the API shows of ``job``: its status, done of total (from the progress
    store while it runs), its result or error."""
    done, total = 0, job.total
    if job.status == JobStatus.DONE:
        done = total
    else:
        found = runner(app).progress.get(job.public_id)
        if found is not None:
            done, total = found
    return {
        "id": job.public_id,
        "kind": job.kind,
        "status": job.status,
        "running": job.status == JobStatus.QUEUED and done > 0,
        "done": done,
        "total": total,
        "result": job.result,
        "error": job.error,
    }


def recover(app: Flask, *, run: Callable[[str], None] | None = None) -> list[str]:
    """Queue again (or with ``run``: run here) the unfinished jobs that nothing is running
    or holding in the queue; returns their ids. See the module's doc for how an abandoned
    job is told apart from a waiting or running one."""
    database: Database = app.extensions["issuer.db"]
    jobs = runner(app)
    with database.transaction() as session:
        pending = unfinished_jobs(session)
    again = []
    for job_id in pending:
        with database.transaction() as session:
            held = held_by_a_worker(session, job_id)
        if held:
            continue
        if isinstance(jobs, RqRunner):
            if jobs.waiting(job_id):
                continue
            if held is None and _alive(jobs, job_id):
                continue  # SQLite: a worker runs it (its heartbeat has not lapsed)
        again.append(job_id)
        if run is not None:
            run(job_id)
        else:
            jobs.dispatch(job_id)
    return again


def _alive(jobs: RqRunner, job_id: str) -> bool:
    """Whether a worker runs the job now: RQ calls it started, and its heartbeat key is
    there (or it started less than a heartbeat ago: the key is written as the work begins)."""
    from datetime import UTC, datetime, timedelta

    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RqJob

    try:
        found = RqJob.fetch(job_id, connection=jobs.connection)
    except NoSuchJobError:
        return False
    status = found.get_status()
    if status is None or status.value != "started":
        return False
    if jobs.connection.exists(ALIVE_KEY + job_id):
        return True
    started_at = found.started_at
    if started_at is None:
        return True  # marked started, not yet stamped: just now
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    return datetime.now(UTC) - started_at < timedelta(seconds=jobs.heartbeat)


# -- the worker ------------------------------------------------------------------------------

_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    """The app whose database, keys and settings ``perform`` uses (``badges worker`` sets it)."""
    global _worker_app
    _worker_app = app


def perform(job_id: str) -> None:
    """RQ's entry point for a job: run it with the worker's app (``badges worker`` sets it;
    a plain ``rq worker`` has none, and the job fails there without touching anything)."""
    if _worker_app is None:
        raise RuntimeError("issuer jobs are run by `badges worker`")
    jobs = runner(_worker_app)
    if isinstance(jobs, RqRunner):
        with Heartbeat(jobs.connection, job_id, jobs.heartbeat):
            execute(_worker_app, job_id, jobs.progress)
    else:
        execute(_worker_app, job_id, jobs.progress)
