"""Load test and soak of the issuer and the verifier on PostgreSQL, on loopback only.

Run from the repository root, with the load extra (``pip install -e '.[load]'``: locust,
psutil), PostgreSQL at 127.0.0.1:5432 and, for the class award job, Redis at 127.0.0.1:6379:

    .venv/bin/python benchmarks/load/run.py               # 10,000-learner class award under load
    .venv/bin/python benchmarks/load/run.py --soak        # 10 minutes at a steady rate
    .venv/bin/python benchmarks/load/run.py --smoke       # ~20 s of load, a class of 200

What one run does:

1. Creates its own database (``--db``, dropped first: everything in it is the run's), migrates
   it and seeds it through the services: ``--schools`` schools with a badge each and
   ``--seed-awards`` awards signed for real (1% revoked), and one more school whose class
   is awarded during the load.
2. Times the core signing alone (``sign_credential``, both proof formats, the credentials
   built beforehand) on ``--baseline`` of that class's credentials, in this process: the
   baseline the job's throughput is compared with. Again after the load, and the mean used.
3. Starts the issuer under ``gunicorn -w 4`` and the verifier under ``gunicorn -w 2`` on free
   127.0.0.1 ports (the verifier may fetch from the issuer's port, and answers the
   issuer's ``https://`` did:web addresses from its ``http://`` address: VERIFIER_URL_MAP;
   its throttling lifted: the load generator is one client).
4. Runs locust headless (benchmarks/load/locustfile.py): visitors of badge pages, credential
   JSON and VC-JWT, status lists and DID documents, and clients of the verifier's JSON API
   verifying real badges of this issuer. Load mode: the class award (``--class-size``
   learners) is submitted as the staff's upload does it and runs as a job on Redis (DB 3 by
   default, a queue of the run's own) in one of ``--job-workers`` ``badges worker``
   processes; meanwhile the same school awards ``--side-classes`` classes of
   ``--side-size`` (jobs the other worker runs, their status indexes drawn beside the big
   class's). The load stops a few seconds after the jobs have finished (or at
   ``--max-seconds``). Soak mode: ``--seconds`` at a steady ``--rate`` requests/s, no
   job, every gunicorn worker's memory (RSS) sampled each minute.
5. Prints requests/s, p50 and p99 per route and the errors (non-200 answers, and
   verifications whose verdict is not ``valid``), the job's awards/s against the core
   signing alone, the CPU time the workers (and their PostgreSQL server processes) spent
   per request and per award against the core signing's per credential (these do not
   change with the machine's other load), the database's size per award, every worker's
   RSS at the start (after a warm-up) and at the end, and the load average. Exit status 1 when there was any error, the job failed, or (soak) a
   worker's RSS grew by more than ``--rss-bound`` (fraction of its start).

The run is ``nice``d when ``--nice`` is given (a shared machine). Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import select  # noqa: E402

from badges.issuing import ProofFormat, sign_credential  # noqa: E402
from issuer.db import Database  # noqa: E402
from issuer.jobqueue import RqRunner  # noqa: E402
from issuer.migrate import upgrade  # noqa: E402
from issuer.models import Achievement, Award, JobStatus, Organisation  # noqa: E402
from issuer.models.base import public_id  # noqa: E402
from issuer.seed import seed_frameworks  # noqa: E402
from issuer.services import awards  # noqa: E402
from issuer.services.achievements import AchievementInput, create_achievement  # noqa: E402
from issuer.services.jobs import get_job, submit_class_award  # noqa: E402
from issuer.services.keys import Sealer  # noqa: E402
from issuer.services.orgs import create_organisation  # noqa: E402
from issuer.services.status import revoke_award  # noqa: E402
from issuer.urls import PublicUrls  # noqa: E402

LEVELS = ["Emerging", "Developing", "Proficient", "Mastered"]
CLASS_SCHOOL = "load-class-school"


# --- the database ----------------------------------------------------------------------------


def create_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``admin_url``; its URL."""
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"--db {name!r}: letters, digits and _ only")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def learners(n: int, tag: str) -> list[awards.AwardInput]:
    return [
        awards.AwardInput(
            learner_name=f"Learner {tag}-{i}",
            learner_email=f"learner.{tag}.{i}@pupils.example",
            level=LEVELS[i % len(LEVELS)],
        )
        for i in range(n)
    ]


@dataclass
class Seeded:
    schools: list[str]
    class_org_id: int
    class_achievement_id: int
    seconds: float
    count: int


def seed(database: Database, sealer: Sealer, urls: PublicUrls, schools: int, count: int) -> Seeded:
    """``schools`` schools with a badge each and ``count`` awards among them (1% revoked),
    signed for real through ``award_many``; and the class award's school and badge."""
    started = time.perf_counter()
    slugs = []
    with database.transaction() as session:
        seed_frameworks(session)
    per_school = -(-count // schools)
    for s in range(schools):
        slug = f"load-school-{s}"
        slugs.append(slug)
        with database.transaction() as session:
            org = create_organisation(session, sealer=sealer, slug=slug, name=f"Mokykla {s}")
            achievement = create_achievement(
                session,
                org=org,
                data=AchievementInput(
                    name="Baltic Sea Project: water monitor",
                    description="Monitored the water quality of a river for a school year.",
                    levels=LEVELS,
                ),
            )
        todo = learners(min(per_school, count - s * per_school), f"s{s}")
        for start in range(0, len(todo), awards.MAX_BATCH):
            with database.transaction() as session:
                org = session.get(Organisation, org.id)
                achievement = session.get(Achievement, achievement.id)
                assert org is not None and achievement is not None
                result = awards.award_many(
                    session,
                    org=org,
                    achievement=achievement,
                    rows=todo[start : start + awards.MAX_BATCH],
                    sealer=sealer,
                    urls=urls,
                )
                assert not result.errors, result.errors
                for award in result.awards[::100]:
                    revoke_award(session, award=award, reason="Awarded by mistake.")
    with database.transaction() as session:
        org = create_organisation(session, sealer=sealer, slug=CLASS_SCHOOL, name="Klasės mokykla")
        achievement = create_achievement(
            session,
            org=org,
            data=AchievementInput(
                name="World Heritage in Young Hands",
                description="Took part in the school's World Heritage project for a year.",
                levels=LEVELS,
            ),
        )
        class_ids = (org.id, achievement.id)
    return Seeded(slugs, *class_ids, time.perf_counter() - started, count)


def sample_badges(database: Database, n: int) -> list[dict[str, str]]:
    """``n`` badges that are not revoked: their public ids and VC-JWTs."""
    with database.transaction() as session:
        rows = session.execute(
            select(Award.public_id, Award.credential_jwt)
            .where(Award.revoked_at.is_(None))
            .order_by(Award.id)
            .limit(n)
        ).all()
    return [{"id": pid, "jwt": jwt} for pid, jwt in rows]


def core_signing_rate(
    database: Database, sealer: Sealer, urls: PublicUrls, seeded: Seeded, n: int
) -> tuple[float, float]:
    """Credentials/s of the core signing alone (both proof formats, as an award signs), on
    ``n`` credentials of the class award's badge built beforehand (not timed); and the CPU
    time one took (ms), which the machine's other load does not change."""
    with database.transaction() as session:
        org = session.get(Organisation, seeded.class_org_id)
        achievement = session.get(Achievement, seeded.class_achievement_id)
        assert org is not None and achievement is not None
        ctx = awards._context(session, org, achievement, sealer, urls)
        rows = learners(n, "baseline")
        for row in rows:
            row.validate(achievement)
        unsigned = [
            awards.build_credential(
                ctx,
                row,
                credential_public_id=public_id(),
                status_index=i,
                now=awards.now_utc().replace(microsecond=0),
            )
            for i, row in enumerate(rows)
        ]
        session.rollback()
    started, cpu = time.perf_counter(), time.process_time()
    for credential in unsigned:
        sign_credential(
            credential, ctx.key, verification_method=ctx.verification_method, proof=ProofFormat.BOTH
        )
    return n / (time.perf_counter() - started), (time.process_time() - cpu) / n * 1000


# --- the servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venv_tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (pip install -e '.[load]')")
    return found


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.1)


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A child in a session of its own, its output in ``log``; SIGTERM (then SIGKILL) at the end."""
    with log.open("ab") as out:
        child = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def gunicorn_command(app: str, port: int, workers: int) -> list[str]:
    return [
        venv_tool("gunicorn"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
        app,
    ]


def workers_of(master: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return sorted(psutil.Process(master.pid).children(), key=lambda p: p.pid)


def cpu_seconds(procs: list[psutil.Process]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def database_backends(database_url: str) -> dict[str, dict[int, float]]:
    """The CPU time (s) of each PostgreSQL server process serving the run's database, by the
    application name its client gave (``load-issuer``, ``load-worker``: the gunicorn
    workers' and the badges workers' pooled connections)."""
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, application_name FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchall()
    found: dict[str, dict[int, float]] = {}
    for pid, application in rows:
        if not application.startswith("load-"):
            continue
        try:
            cpu = cpu_seconds([psutil.Process(pid)])
        except psutil.NoSuchProcess:
            continue
        found.setdefault(application.removeprefix("load-"), {})[pid] = cpu
    return found


def rss_mb(procs: list[psutil.Process]) -> dict[int, float]:
    return {p.pid: p.memory_info().rss / 2**20 for p in procs}


# --- locust ----------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p99: float


def read_locust_csv(prefix: Path) -> list[Route]:
    routes = []
    with open(f"{prefix}_stats.csv", newline="") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "Aggregated":
                name = "all routes"
            else:
                name = row["Name"]
            routes.append(
                Route(
                    name,
                    int(row["Request Count"]),
                    int(row["Failure Count"]),
                    float(row["Requests/s"]),
                    float(row["50%"] or "nan"),
                    float(row["99%"] or "nan"),
                )
            )
    return routes


def failures_text(prefix: Path) -> str:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return ""
    rows = list(csv.DictReader(path.open(newline="")))
    return "\n".join(
        f"  {r['Occurrences']} x {r['Method']} {r['Name']}: {r['Error'][:300]}" for r in rows
    )


# --- the class award job ---------------------------------------------------------------------


@dataclass
class JobRun:
    size: int
    seconds: float = float("nan")
    ok: bool = False
    detail: str = ""
    started: float = 0.0

    @property
    def rate(self) -> float:
        return self.size / self.seconds if self.ok else float("nan")


# --- the run ---------------------------------------------------------------------------------


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--soak", action="store_true", help="steady rate for --seconds, no job")
    mode.add_argument("--smoke", action="store_true", help="a short run with a small class")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", default="load_db", help="the run's own database (dropped first)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3", help="the job queue's")
    parser.add_argument("--job-workers", type=int, default=2, help="badges worker processes")
    parser.add_argument("--side-classes", type=int, default=3, help="more classes meanwhile")
    parser.add_argument("--side-size", type=int, default=300, help="learners in each")
    parser.add_argument("--keep-db", action="store_true", help="do not drop it at the end")
    parser.add_argument("--schools", type=int, default=8)
    parser.add_argument("--seed-awards", type=int, default=4000)
    parser.add_argument("--class-size", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1000, help="credentials signed alone")
    parser.add_argument("--issuer-workers", type=int, default=4)
    parser.add_argument("--verifier-workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=16, help="locust users")
    parser.add_argument("--rate", type=float, default=20.0, help="soak: requests/s in all")
    parser.add_argument("--seconds", type=float, default=600.0, help="soak: how long")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="load: at most")
    parser.add_argument("--rss-bound", type=float, default=0.10, help="soak: RSS growth allowed")
    parser.add_argument("--nice", type=int, default=0, help="run the servers and locust niced")
    args = parser.parse_args(argv)
    if args.smoke:
        args.schools, args.seed_awards, args.class_size = 2, 200, 200
        args.baseline, args.users, args.max_seconds = 50, 4, 20.0
        args.side_classes, args.side_size = 1, 100
        if args.db == "load_db":
            args.db = "load_smoke_db"
    if args.soak:
        args.class_size = 0

    work = Path(tempfile.mkdtemp(prefix="badges-load-"))
    print(
        f"machine: {os.cpu_count()} CPUs, load average {loadavg()} at the start; "
        f"python {sys.version.split()[0]}; logs in {work}"
    )
    database_url = create_database(args.pg, args.db)
    try:
        return run(args, database_url, work)
    finally:
        if not args.keep_db:
            drop_database(args.pg, args.db)


def run(args: argparse.Namespace, database_url: str, work: Path) -> int:
    issuer_port, verifier_port = free_port(), free_port()
    issuer_base = f"http://127.0.0.1:{issuer_port}"
    verifier_base = f"http://127.0.0.1:{verifier_port}"
    kek = Sealer.new_secret()
    sealer = Sealer.from_config(kek)
    urls = PublicUrls(issuer_base)

    upgrade(database_url)
    database = Database(database_url)
    seeded = seed(database, sealer, urls, args.schools, args.seed_awards)
    print(
        f"seeded {seeded.count} awards in {len(seeded.schools)} schools "
        f"({seeded.count / seeded.seconds:.0f} awards/s through award_many, before the load)"
    )
    baseline_before, core_cpu_before = core_signing_rate(
        database, sealer, urls, seeded, args.baseline
    )
    print(
        f"core signing alone: {baseline_before:.1f} credentials/s, {core_cpu_before:.2f} ms CPU "
        f"each ({args.baseline}, both formats)"
    )
    badges = sample_badges(database, 500)
    database.dispose()

    nice = ["nice", "-n", str(args.nice)] if args.nice else []
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "ISSUER_SECRET_KEY": secrets.token_urlsafe(32),
        "ISSUER_KEY_ENCRYPTION_KEY": kek,
        "ISSUER_BASE_URL": issuer_base,
        "ISSUER_VERIFIER_URL": verifier_base,
        "VERIFIER_ALLOWED_HOSTS": f"127.0.0.1:{issuer_port}",
        "VERIFIER_URL_MAP": f"https://127.0.0.1:{issuer_port}/={issuer_base}/",
        "VERIFIER_RATE_PER_MINUTE": "1000000000",  # locust is one client
        "VERIFIER_BURST": "1000000000",
        "ISSUER_REDIS_URL": args.redis,
        "ISSUER_QUEUE": f"badges-load-{os.getpid()}",  # this run's own queue
    }
    if args.soak:
        per_user = 1.0
        users = max(1, round(args.rate / per_user))
        wait: Any = {"per_second": per_user}
        limit = args.seconds
    else:
        users = args.users
        wait = [0.1, 0.5]
        limit = args.max_seconds
    plan = {
        "issuer": issuer_base,
        "verifier": verifier_base,
        "badges": badges,
        "schools": seeded.schools,
        "wait": wait,
        "weights": {"issuer": 3, "verifier": 1},
    }
    plan_path = work / "plan.json"
    plan_path.write_text(json.dumps(plan))
    prefix = work / "locust"
    failed = False
    with ExitStack() as stack:
        issuer = stack.enter_context(
            process(
                nice + gunicorn_command("issuer:create_app()", issuer_port, args.issuer_workers),
                {**env, "DATABASE_URL": f"{database_url}?application_name=load-issuer"},
                work / "issuer.log",
            )
        )
        verifier = stack.enter_context(
            process(
                nice
                + gunicorn_command("verifier:create_app()", verifier_port, args.verifier_workers),
                env,
                work / "verifier.log",
            )
        )
        job_workers = [
            stack.enter_context(
                process(
                    [*nice, venv_tool("badges"), "worker", "--data", str(work / "worker-data")],
                    {**env, "DATABASE_URL": f"{database_url}?application_name=load-worker"},
                    work / f"worker-{n}.log",
                )
            )
            for n in range(args.job_workers if args.class_size else 0)
        ]
        wait_for_port(issuer_port, issuer, "the issuer")
        wait_for_port(verifier_port, verifier, "the verifier")
        warm_up(issuer_base, verifier_base, badges, seeded.schools, every_badge=args.soak)
        pools = {
            "issuer": workers_of(issuer),
            "verifier": workers_of(verifier),
            "job": [psutil.Process(w.pid) for w in job_workers],
        }
        locust = stack.enter_context(
            process(
                [
                    *nice,
                    venv_tool("locust"),
                    "-f",
                    str(HERE / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(max(users, 1)),
                    "--run-time",
                    f"{int(limit) + 5}s",
                    "--stop-timeout",
                    "10",
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                {**env, "LOAD_PLAN": str(plan_path)},
                work / "locust.log",
            )
        )
        started = time.monotonic()
        time.sleep(5)  # every user started, the workers at their pace
        rss_start = {name: rss_mb(procs) for name, procs in pools.items()}
        cpu_start = {name: cpu_seconds(procs) for name, procs in pools.items()}
        backends_start = database_backends(database_url)
        print(f"load average {loadavg()} under load (start)")
        job, side_jobs = JobRun(args.class_size), []
        if args.class_size:
            job, side_jobs = run_job(args, database_url, seeded, env, started + limit)
        else:
            minute = 60.0
            next_sample = started + minute
            while time.monotonic() - started < limit:
                time.sleep(max(0.0, min(next_sample, started + limit) - time.monotonic()))
                if time.monotonic() >= next_sample:
                    sizes = {name: rss_mb(procs) for name, procs in pools.items()}
                    print(
                        f"  {time.monotonic() - started:4.0f} s  load average {loadavg()}  RSS MB "
                        + "  ".join(
                            f"{name}: " + " ".join(f"{mb:.0f}" for mb in sizes[name].values())
                            for name in sizes
                            if sizes[name]
                        ),
                        flush=True,
                    )
                    next_sample += minute
        time.sleep(3)
        load_end = loadavg()
        rss_end = {name: rss_mb(procs) for name, procs in pools.items()}
        cpu_end = {name: cpu_seconds(procs) for name, procs in pools.items()}
        backends_end = database_backends(database_url)
        for app in ("issuer", "worker"):
            # a connection opened during the load used all its CPU time during it
            cpu_start[f"database:{app}"] = sum(backends_start.get(app, {}).values())
            cpu_end[f"database:{app}"] = sum(
                {**backends_start.get(app, {}), **backends_end.get(app, {})}.values()
            )
        locust.send_signal(signal.SIGTERM)
        try:
            locust.wait(60)
        except subprocess.TimeoutExpired:
            print("locust did not stop")
            failed = True
        elapsed = time.monotonic() - started

    database = Database(database_url)
    baseline_after, core_cpu_after = core_signing_rate(
        database, sealer, urls, seeded, max(10, args.baseline // 4)
    )
    core_cpu = statistics.mean([core_cpu_before, core_cpu_after])
    sizes = database_sizes(database)
    database.dispose()
    baseline = statistics.mean([baseline_before, baseline_after])

    routes = read_locust_csv(prefix)
    print()
    print(
        f"issuer: gunicorn -w {args.issuer_workers} (sync), verifier: gunicorn -w "
        f"{args.verifier_workers} (sync), PostgreSQL; locust: {users} users, "
        + (
            f"{wait['per_second']} req/s each"
            if isinstance(wait, dict)
            else f"{wait[0]}-{wait[1]} s between requests"
        )
        + f", {elapsed:.0f} s; load average at the end {load_end}"
    )
    header = f"{'route':34} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    print(header)
    print("-" * len(header))
    errors = 0
    for route in routes:
        print(
            f"{route.name:34} {route.requests:9d} {route.rps:7.1f} {route.p50:7.0f} {route.p99:7.0f} {route.failures:6d}"
        )
        if route.name == "all routes":
            errors = route.failures
    if errors:
        print("errors:\n" + failures_text(prefix))
        failed = True
    print()
    if args.class_size:
        ratio = job.rate / baseline if job.ok else float("nan")
        print(
            f"class award job: {job.size} learners, "
            + (
                f"{job.seconds:.1f} s = {job.rate:.1f} awards/s under the load"
                if job.ok
                else f"FAILED ({job.detail})"
            )
        )
        print(
            f"core signing alone: {baseline:.1f} credentials/s (before {baseline_before:.1f}, "
            f"after {baseline_after:.1f}); job / core signing alone = {ratio:.2f}"
        )
        failed = failed or not job.ok
        if side_jobs:
            done = [side for side in side_jobs if side.ok]
            print(
                f"meanwhile in the same school: {len(done)} of {len(side_jobs)} classes of "
                f"{args.side_size} done"
                + (
                    f", each within {max(side.seconds for side in done):.1f} s of its queueing"
                    if done
                    else ""
                )
                + "".join(f"; FAILED: {side.detail}" for side in side_jobs if not side.ok)
            )
            failed = failed or len(done) != len(side_jobs)
    print(
        f"database: {sizes['awards']} awards, {sizes['database'] / 2**20:.0f} MB in all; per award "
        f"{sizes['award'] / sizes['awards'] / 1024:.1f} kB (award row, indexes, TOAST) + "
        f"{sizes['outbox'] / sizes['awards'] / 1024:.1f} kB (its message) + "
        f"{sizes['claim'] / sizes['awards'] / 1024:.1f} kB (claim link) + "
        f"{sizes['audit'] / sizes['awards'] / 1024:.1f} kB (audit log)"
    )
    print()
    used = {name: cpu_end[name] - cpu_start[name] for name in cpu_start}
    served = {
        app: sum(r.requests for r in routes if r.name.startswith(f"{app}: "))
        for app in ("issuer", "verifier")
    }
    print("CPU time used during the load (user + system, whatever the machine's other load):")
    for app in ("issuer", "verifier"):
        per = used[app] / served[app] * 1000 if served[app] else float("nan")
        print(
            f"  {app} workers: {used[app]:.1f} s for {served[app]} requests = {per:.1f} ms a request"
        )
    if args.class_size:
        awarded = args.class_size + args.side_classes * args.side_size
        job_cpu = used["job"] / awarded * 1000
        job_db = used["database:worker"] / awarded * 1000
        print(
            f"  badges workers: {used['job']:.1f} s for {awarded} awards = {job_cpu:.2f} ms an "
            f"award, + {job_db:.2f} ms in PostgreSQL; core signing alone {core_cpu:.2f} ms: "
            f"core / job = {core_cpu / job_cpu:.2f} ({core_cpu / (job_cpu + job_db):.2f} with PostgreSQL's)"
        )
    print(
        f"  PostgreSQL for the issuer's workers: {used['database:issuer']:.1f} s = "
        f"{used['database:issuer'] / max(1, served['issuer']) * 1000:.1f} ms a request"
    )
    print()
    print("worker RSS (MB) at the start (after warm-up) -> at the end:")
    for name in rss_start:
        for pid, start_mb in rss_start[name].items():
            end_mb = rss_end[name].get(pid, float("nan"))
            growth = (end_mb - start_mb) / start_mb
            flag = ""
            if args.soak and not growth <= args.rss_bound:
                flag = f"  GREW more than {args.rss_bound:.0%}"
                failed = True
            print(f"  {name} worker {pid}: {start_mb:6.1f} -> {end_mb:6.1f} ({growth:+.1%}){flag}")
    print()
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


def database_sizes(database: Database) -> dict[str, int]:
    """Bytes on disk: the database, and the tables an award writes to (with their indexes and
    TOAST), after a VACUUM ANALYZE so the counts are settled."""
    from sqlalchemy import text

    with database.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        count = conn.execute(text("SELECT count(*) FROM award")).scalar_one()

        def table(name: str) -> int:
            return int(conn.execute(text(f"SELECT pg_total_relation_size('{name}')")).scalar_one())

        return {
            "database": int(size),
            "awards": int(count),
            "award": table("award"),
            "outbox": table("outbox_message"),
            "claim": table("claim_token"),
            "audit": table("audit_event"),
        }


def warm_up(
    issuer: str,
    verifier: str,
    badges: list[dict[str, str]],
    schools: list[str],
    *,
    every_badge: bool,
) -> None:
    """Requests of every kind, so that every worker has imported what it needs before the
    memory at the start is read. With ``every_badge`` (the soak), every badge of the plan
    is shown and verified in both forms, twice, from 8 connections: the caches that hold one
    entry per badge (the verifier's memos of reports and canonical forms, 1,024 and 512
    entries; the issuer's QR codes, 512) are as full at the start as the soak makes them."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import quote, urlsplit

    def get(base: str, path: str, body: bytes | None = None) -> None:
        split = urlsplit(base)
        conn = http.client.HTTPConnection(split.hostname, split.port, timeout=60)
        try:
            if body is None:
                conn.request("GET", path)
            else:
                conn.request("POST", path, body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"warm-up: {base}{path} answered {response.status}")
        finally:
            conn.close()

    for n in range(16):
        badge = badges[n % len(badges)]
        slug = schools[n % len(schools)]
        get(issuer, f"/credentials/{badge['id']}")
        get(issuer, f"/credentials/{badge['id']}.json")
        get(issuer, f"/orgs/{slug}/status/revocation")
        get(verifier, "/api/v1/verify", json.dumps({"jwt": badge["jwt"]}).encode())
        get(verifier, "/api/v1/verify?url=" + quote(f"{issuer}/credentials/{badge['id']}"))
    if not every_badge:
        return

    def every_form(badge: dict[str, str]) -> None:
        get(issuer, f"/credentials/{badge['id']}")
        get(verifier, "/api/v1/verify", json.dumps({"jwt": badge["jwt"]}).encode())
        get(verifier, "/api/v1/verify?url=" + quote(f"{issuer}/credentials/{badge['id']}"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(every_form, badges * 2))


def submit(database: Database, seeded: Seeded, size: int, tag: str) -> str:
    """A class award submitted as the staff's upload does it (checked, stored as a queued
    job); its job's public id."""
    with database.transaction() as session:
        record, _new = submit_class_award(
            session,
            org=session.get_one(Organisation, seeded.class_org_id),
            achievement=session.get_one(Achievement, seeded.class_achievement_id),
            rows=learners(size, tag),
            request_key=f"load-{tag}-{secrets.token_hex(8)}",
            skip_earlier=False,
            first_row=1,
            actor=None,
            created_by=None,
            language="en",
        )
        return record.public_id


def run_job(
    args: argparse.Namespace,
    database_url: str,
    seeded: Seeded,
    env: dict[str, str],
    deadline: float,
) -> tuple[JobRun, list[JobRun]]:
    """The class award as a job, queued once committed and run by a ``badges worker``; its
    time from the queueing to the commit of its awards (its row ``done``). Meanwhile the
    same school awards ``--side-classes`` smaller classes, also as jobs (the next worker's):
    their status indexes are drawn beside the big class's."""
    database = Database(database_url)
    queue = RqRunner(env["ISSUER_REDIS_URL"], env["ISSUER_QUEUE"], 3600)
    submitted = time.monotonic()
    job_id = submit(database, seeded, args.class_size, "class")
    started = time.monotonic()
    print(
        f"class award job {job_id}: {args.class_size} learners, submitted in "
        f"{started - submitted:.1f} s"
    )
    queue.dispatch(job_id)
    time.sleep(min(5.0, args.class_size / 1000))  # the first worker has taken it
    sides = {}
    for n in range(args.side_classes):
        side_id = submit(database, seeded, args.side_size, f"side{n}")
        queue.dispatch(side_id)
        sides[side_id] = JobRun(args.side_size)
        sides[side_id].started = time.monotonic()
    big = JobRun(args.class_size)
    big.started = started
    pending = {job_id: big, **sides}
    last_print = started
    try:
        while pending and time.monotonic() < deadline:
            time.sleep(0.5)
            with database.transaction() as session:
                states = {jid: get_job(session, jid) for jid in pending}
                finished = {
                    jid: (job.status, job.error)
                    for jid, job in states.items()
                    if job.status != JobStatus.QUEUED
                }
            for jid, (status, error) in finished.items():
                run = pending.pop(jid)
                run.seconds = time.monotonic() - run.started
                run.ok = status == JobStatus.DONE
                run.detail = error or status
            if time.monotonic() - last_print >= 15 and job_id in pending:
                last_print = time.monotonic()
                done = queue.progress.get(job_id)
                print(
                    f"  {last_print - started:4.0f} s  job progress {done[0] if done else 0}/"
                    f"{args.class_size}  load average {loadavg()}",
                    flush=True,
                )
        for run in pending.values():
            run.detail = "not finished in time"
        return big, list(sides.values())
    finally:
        database.dispose()


if __name__ == "__main__":
    sys.exit(main())
