"""Long work on a job queue (issue 16): a large class award is a job keyed by its request,
run once, all or nothing, by a thread of the app (no broker) or by ``badges worker`` from a
Redis queue (RQ); its page reads the job's state.

Faults, each a test: the work stopped half-way (nothing stored, the job runs again once);
a worker killed with SIGKILL mid-job, a class award or a learner's archive (nothing stored;
a new worker finds the job abandoned when it starts, on SQLite too, where the killed
worker's heartbeat key lapses in seconds while RQ would wait out the job's hour, and the job
completes once);
Redis gone (the job waits in the database, pages still answer, /readyz says 503, and the
job runs when Redis is back). Redis is a ``redis-server`` started by the test on a free
loopback port (the machine's own Redis is never stopped), reached through a loopback TCP
proxy that the test cuts and restores (tests/tcp_proxy.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer import jobqueue
from issuer.models import Achievement, Award, AwardBatch, Job, Organisation
from issuer.services import jobs
from issuer.services.audit import Actor
from issuer.services.awards import AwardInput
from tests.redis_server import redis_proxy, redis_server  # noqa: F401 (fixtures)

from .conftest import BASE_URL, KEK, class_csv, post, preview

pytestmark = pytest.mark.db
HEARTBEAT = 2  # seconds a killed worker's job stays "alive" (ISSUER_JOB_HEARTBEAT)


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


@pytest.fixture
def teacher(auth, make_user, school):
    user = make_user("ruta@vilnius.example", org=school, role="teacher")
    assert auth.login(user.email).status_code == 302
    return user


def counts(database) -> tuple[int, int]:
    with database.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Award)) or 0,
            session.scalar(select(func.count()).select_from(AwardBatch)) or 0,
        )


def job_row(database, job_id: str) -> Job:
    with database.transaction() as session:
        return jobs.get_job(session, job_id)


def class_rows(size: int) -> list[AwardInput]:
    return [
        AwardInput(learner_name=f"Learner {i}", learner_email=f"learner{i}@pupils.example")
        for i in range(1, size + 1)
    ]


def submit(database, school, achievement, size: int, key: str = "class-key") -> str:
    with database.transaction() as session:
        job, new = jobs.submit_class_award(
            session,
            org=session.get_one(Organisation, school.id),
            achievement=session.get_one(Achievement, achievement.id),
            rows=class_rows(size),
            request_key=key,
            skip_earlier=False,
            first_row=2,
            actor=Actor(label="test", via="cli"),
            created_by=None,
            language="en",
        )
        assert new
        return job.public_id


def confirm_as_job(client, school, achievement, size: int) -> Any:
    csv_b64, key = preview(client, school, achievement, class_csv(size))
    return post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm",
        {"csv_b64": csv_b64, "request_key": key},
    ), (csv_b64, key)


# -- without a broker: a thread of the app --------------------------------------------------


def test_a_large_class_is_a_job_whose_page_reads_its_state(
    app, client, database, school, achievement, teacher
):
    app.config["JOB_THRESHOLD"] = 5  # a class of more than 5 is a job
    response, (csv_b64, key) = confirm_as_job(client, school, achievement, 8)
    assert response.status_code == 303
    page_url = response.headers["Location"]
    assert re.fullmatch(rf"/staff/{school.slug}/jobs/[\w-]+", page_url)
    jobqueue.runner(app).join()  # type: ignore[attr-defined]
    page = client.get(page_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "8 badges were awarded" in text
    assert "job.js" not in text and "data-job-state" not in text  # finished: no more asking
    assert counts(database) == (8, 1)
    state = client.get(page_url + ".json").get_json()
    assert state | {"id": None} == {
        "id": None,
        "kind": "class_award",
        "status": "done",
        "running": False,
        "done": 8,
        "total": 8,
        "result": state["result"],
        "error": None,
    }
    assert state["result"]["count"] == 8
    # the same confirmation again (a double click, a reload): the same job, nothing new
    again = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm",
        {"csv_b64": csv_b64, "request_key": key},
    )
    assert again.status_code == 303 and again.headers["Location"] == page_url
    jobqueue.runner(app).join()  # type: ignore[attr-defined]
    assert counts(database) == (8, 1)
    assert job_row(database, page_url.rsplit("/", 1)[1]).params is None  # the rows are gone


def test_a_waiting_job_page_asks_for_its_state_and_speaks_it(
    app, client, database, school, achievement, teacher
):
    job_id = submit(database, school, achievement, 3)  # submitted, not dispatched
    text = client.get(f"/staff/{school.slug}/jobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in text  # no page reloading on a timer (WCAG 2.2.1)
    assert '<script src="/static/job.js" defer></script>' in text
    assert f'data-job-state="/staff/{school.slug}/jobs/{job_id}.json" data-job-every="3"' in text
    assert 'data-job-signed="Signed %(done)s of %(of)s"' in text
    assert f'href="/staff/{school.slug}/jobs/{job_id}">Refresh</a>' in text  # without script
    assert 'aria-live="polite"' in text
    assert "Waiting for a worker to start." in text
    assert '<progress max="3" value="0" aria-labelledby="job-progress">' in text
    other = client.get(f"/staff/another-school/jobs/{job_id}")
    assert other.status_code == 404


def test_a_job_stopped_half_way_stores_nothing_and_runs_once_when_run_again(
    app, database, school, achievement
):
    job_id = submit(database, school, achievement, 6)
    sealer = app.extensions["issuer.sealer"]
    urls = app.extensions["issuer.urls"]

    class Killed(BaseException):  # like SIGKILL: nothing of the job's code runs after it
        pass

    def dies_at_four(done: int, total: int) -> None:
        if done == 4:
            raise Killed

    with pytest.raises(Killed), database.transaction() as session:
        jobs.run_job(session, job_id, sealer=sealer, urls=urls, progress=dies_at_four)
    assert counts(database) == (0, 0)  # no half class
    assert job_row(database, job_id).status == "queued"
    seen: list[tuple[int, int]] = []
    jobqueue.execute(app, job_id, _Recording(seen))
    assert counts(database) == (6, 1)
    assert seen[-1] == (6, 6)
    jobqueue.execute(app, job_id, _Recording(seen))  # a finished job: nothing again
    assert counts(database) == (6, 1)
    done = job_row(database, job_id)
    assert done.status == "done"
    assert (done.result["count"], done.result["skipped"]) == (6, 0)


def test_a_job_that_cannot_be_done_fails_with_its_reason_and_stores_nothing(
    app, database, school, achievement, make_achievement
):
    job_id = submit(database, school, achievement, 4)
    with database.transaction() as session:  # the class changed meanwhile: a duplicate row
        job = jobs.get_job(session, job_id)
        rows = [*job.params["rows"], dict(job.params["rows"][0])]
        job.params = {**job.params, "rows": rows}
    jobqueue.execute(app, job_id, jobqueue.MemoryProgress())
    failed = job_row(database, job_id)
    assert failed.status == "failed"
    assert "not valid" in failed.error
    assert counts(database) == (0, 0)


class _Recording:
    def __init__(self, seen: list[tuple[int, int]]) -> None:
        self.seen = seen

    def set(self, job_id: str, done: int, total: int) -> None:
        self.seen.append((done, total))

    def get(self, job_id: str) -> tuple[int, int] | None:
        return self.seen[-1] if self.seen else None

    def forget(self, job_id: str) -> None:
        pass


# -- with Redis: RQ and `badges worker` -------------------------------------------------------


@pytest.fixture
def queued_app(app, redis_proxy):
    """The test's app with the job queue on the test's Redis (DB 1), through the proxy."""
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{redis_proxy.port}/1"
    app.config["QUEUE"] = "test-jobs"
    app.config["JOB_THRESHOLD"] = 5
    app.extensions.pop("issuer.jobs", None)
    yield app
    jobqueue.set_worker_app(None)  # type: ignore[arg-type]


def _burst(app) -> None:
    """An RQ worker in this process that runs what is queued, then stops."""
    jobqueue.set_worker_app(app)
    queue = jobqueue.runner(app).queue  # type: ignore[attr-defined]
    jobqueue.worker_class()([queue], connection=queue.connection).work(burst=True)


def test_with_redis_the_job_is_queued_and_a_worker_runs_it_once(
    queued_app, client, database, school, achievement, teacher
):
    response, _sent = confirm_as_job(client, school, achievement, 7)
    page_url = response.headers["Location"]
    assert "Waiting for a worker to start." in client.get(page_url).get_data(as_text=True)
    assert counts(database) == (0, 0)
    ready = client.get("/readyz").get_json()
    assert ready["checks"] == {"database": "ok", "broker": "ok"}
    _burst(queued_app)
    assert counts(database) == (7, 1)
    assert client.get(page_url + ".json").get_json()["status"] == "done"
    # the same job queued again (a retry, a recovery): done already, nothing twice
    jobqueue.runner(queued_app).dispatch(page_url.rsplit("/", 1)[1])
    _burst(queued_app)
    assert counts(database) == (7, 1)


def test_without_redis_the_job_waits_and_runs_when_redis_is_back(
    queued_app, client, database, school, achievement, teacher, redis_proxy
):
    redis_proxy.cut()
    response, _sent = confirm_as_job(client, school, achievement, 6)
    assert response.status_code == 303  # the award is submitted; the queue is told later
    page_url = response.headers["Location"]
    page = client.get(page_url)
    assert page.status_code == 200 and "Waiting for a worker" in page.get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert ready.get_json()["checks"]["broker"] == "unavailable"
    redis_proxy.restore()
    assert client.get("/readyz").status_code == 200
    # a worker starting (or at its maintenance round) queues what the queue never got
    assert jobqueue.recover(queued_app) == [page_url.rsplit("/", 1)[1]]
    _burst(queued_app)
    assert counts(database) == (6, 1)
    assert jobqueue.recover(queued_app) == []


def _worker(app, redis_port: int, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "ISSUER_REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "ISSUER_QUEUE": "test-jobs",
        "ISSUER_KEY_ENCRYPTION_KEY": KEK,
        "ISSUER_BASE_URL": BASE_URL,
        "ISSUER_SECRET_KEY": "test-secret",
        "ISSUER_JOB_HEARTBEAT": str(HEARTBEAT),
    }
    with open(tmp_path / f"{name}.log", "wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "badges"), "worker", "--data", str(tmp_path)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _log(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text("utf-8", "replace")


def _kill_mid_job(redis, tmp_path: Path, app, redis_port: int, job_id: str) -> int:
    """Start a worker, SIGKILL it once its job has begun (progress 2 or more); how far it got."""
    worker = _worker(app, redis_port, tmp_path, "first")
    try:
        deadline = time.monotonic() + 120
        done = 0
        while done < 2:  # the work has begun
            assert time.monotonic() < deadline, _log(tmp_path, "first")
            assert worker.poll() is None, _log(tmp_path, "first")
            found = redis.hget(jobqueue.PROGRESS_KEY + job_id, "done")
            done = int(found) if found else 0
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    return done


def _heartbeat_lapses(redis, app, job_id: str) -> None:
    """The killed worker's job: RQ still calls it started (its own clean-up would give it
    back only after ISSUER_JOB_TIMEOUT, an hour), and its heartbeat key lapses in seconds."""
    from rq.registry import StartedJobRegistry

    queue = jobqueue.runner(app).queue  # type: ignore[attr-defined]
    assert any(entry.startswith(job_id) for entry in StartedJobRegistry(queue=queue).get_job_ids())
    deadline = time.monotonic() + 60
    while redis.exists(jobqueue.ALIVE_KEY + job_id):
        assert time.monotonic() < deadline, "the heartbeat key did not lapse"
        time.sleep(0.1)


def _run_again(app, redis_port: int, tmp_path: Path, database, job_id: str) -> None:
    """A new worker: it finds the abandoned job when it starts (PostgreSQL: no transaction
    holds its row; SQLite: its heartbeat has lapsed) and runs it."""
    again = _worker(app, redis_port, tmp_path, "second")
    try:
        deadline = time.monotonic() + 180
        while job_row(database, job_id).status == "queued":
            assert time.monotonic() < deadline, _log(tmp_path, "second")
            assert again.poll() is None, _log(tmp_path, "second")
            time.sleep(0.2)
    finally:
        again.send_signal(signal.SIGTERM)
        try:
            again.wait(30)
        except subprocess.TimeoutExpired:
            again.kill()
            again.wait(10)
    assert "queued again 1 job(s) a stopped worker left" in _log(tmp_path, "second")


@pytest.fixture
def rq_app(queued_app, redis_server):
    """The queued app on the test's Redis directly (no proxy: the workers are processes)."""
    queued_app.config["REDIS_URL"] = f"redis://127.0.0.1:{redis_server}/1"
    queued_app.config["JOB_HEARTBEAT"] = HEARTBEAT
    queued_app.extensions.pop("issuer.jobs", None)
    return queued_app


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_nothing_and_the_job_completes_once(
    rq_app, database, school, achievement, redis_server, tmp_path
):
    from redis import Redis

    size = 300
    job_id = submit(database, school, achievement, size)
    jobqueue.runner(rq_app).dispatch(job_id)
    redis = Redis(port=redis_server, db=1)
    done = _kill_mid_job(redis, tmp_path, rq_app, redis_server, job_id)
    assert done < size, "the job finished before the kill: make the class larger"
    assert counts(database) == (0, 0)  # no half class
    assert job_row(database, job_id).status == "queued"
    _heartbeat_lapses(redis, rq_app, job_id)
    _run_again(rq_app, redis_server, tmp_path, database, job_id)
    assert job_row(database, job_id).status == "done"
    assert counts(database) == (size, 1)  # once, whole


@pytest.mark.slow
def test_a_worker_killed_mid_archive_leaves_no_zip_and_the_archive_is_made_once(
    rq_app, database, school, achievement, award_to, make_learner, redis_server, tmp_path
):
    import io
    import zipfile

    from redis import Redis

    from issuer.models import JobFile, Learner

    size = 150
    learner = make_learner()
    for _ in range(size):
        award_to(school, achievement)
    with database.transaction() as session:
        job, _new = jobs.submit_archive(
            session, learner=session.get(Learner, learner.id), request_key="k", language="en"
        )
        job_id = job.public_id
    jobqueue.runner(rq_app).dispatch(job_id)
    redis = Redis(port=redis_server, db=1)
    done = _kill_mid_job(redis, tmp_path, rq_app, redis_server, job_id)
    assert done < size, "the archive was made before the kill: give the learner more badges"

    def files() -> list[JobFile]:
        with database.transaction() as session:
            found = list(session.scalars(select(JobFile)))
            session.expunge_all()
            return found

    assert files() == []  # no half zip
    assert job_row(database, job_id).status == "queued"
    _heartbeat_lapses(redis, rq_app, job_id)
    _run_again(rq_app, redis_server, tmp_path, database, job_id)
    finished = job_row(database, job_id)
    assert finished.status == "done" and finished.result["count"] == size
    (kept,) = files()  # once
    assert kept.job_id == finished.id
    names = zipfile.ZipFile(io.BytesIO(kept.data)).namelist()
    assert len({name.split("/")[1] for name in names if name.startswith("badges/")}) == size
    assert "index.html" in names and "clr/portfolio.json" in names


def test_badges_worker_without_a_broker_runs_what_a_stopped_app_left(
    app, database, school, achievement, tmp_path, monkeypatch, capsys
):
    import argparse

    from issuer.worker_cli import cmd_worker

    job_id = submit(database, school, achievement, 4)  # the app stopped before running it
    for name, value in {
        "DATABASE_URL": app.config["DATABASE_URL"],
        "ISSUER_KEY_ENCRYPTION_KEY": KEK,
        "ISSUER_BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ISSUER_REDIS_URL", raising=False)
    try:
        assert cmd_worker(argparse.Namespace(data=str(tmp_path), burst=True)) == 0
        assert "ran 1 unfinished job(s)" in capsys.readouterr().out
        assert job_row(database, job_id).status == "done"
        assert counts(database) == (4, 1)
        assert cmd_worker(argparse.Namespace(data=str(tmp_path), burst=True)) == 0
        assert "ran 0 unfinished job(s)" in capsys.readouterr().out
    finally:
        jobqueue.set_worker_app(None)  # type: ignore[arg-type]
