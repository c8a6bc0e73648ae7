"""Issuer benchmark: bulk awarding from CSV, and public page latency under gunicorn.

Run from the repository root:

    .venv/bin/python benchmarks/bench_issuer.py            # 1,000 learners; pages for 10 s
    .venv/bin/python benchmarks/bench_issuer.py --quick    # 100 learners; pages for 2 s

1. Bulk award: a CSV of N learners through the service layer (parse, validate, sign both
   proof formats, store in one transaction), on SQLite and, when it answers, on the
   PostgreSQL at 127.0.0.1:5432 (database ``test``; the tables are emptied before and
   after). The baseline, measured in the same run and interleaved with it, is the core
   library signing the same N credentials alone. Target: within 1.5x.
2. Public pages: the issuer under gunicorn with 2 workers on a loopback port, and a load
   generator (threads with keep-alive connections, in this process) requesting a
   credential's HTML page and its JSON, next to a static file as the same-run baseline.

Machines here are shared and noisy: read the ratios. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from badges.issuing import ProofFormat, sign_credential  # noqa: E402
from issuer.db import Database  # noqa: E402
from issuer.demo import seed_demo  # noqa: E402
from issuer.migrate import upgrade  # noqa: E402
from issuer.models import Achievement, Base, Organisation  # noqa: E402
from issuer.models.base import public_id  # noqa: E402
from issuer.seed import seed_frameworks  # noqa: E402
from issuer.services import awards  # noqa: E402
from issuer.services.achievements import AchievementInput, create_achievement  # noqa: E402
from issuer.services.keys import Sealer  # noqa: E402
from issuer.services.orgs import create_organisation  # noqa: E402
from issuer.urls import PublicUrls  # noqa: E402
from issuer.views.forms import rows_from_csv  # noqa: E402

KEK = Sealer.new_secret()
URLS = PublicUrls("https://badges.bench.example")
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _csv(n: int) -> bytes:
    lines = ["name,email,level"]
    lines += [f"Learner {i},learner{i}@school.example,Proficient" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def _empty(database: Database) -> None:
    names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.url.startswith("postgresql"):
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
            )
        else:
            for name in names:
                conn.execute(text(f'DELETE FROM "{name}"'))


def _prepare(url: str) -> tuple[Database, int, int]:
    upgrade(url)
    database = Database(url)
    _empty(database)
    sealer = Sealer.from_config(KEK)
    with database.transaction() as session:
        seed_frameworks(session)
        org = create_organisation(session, sealer=sealer, slug="bench-school", name="Bench School")
        achievement = create_achievement(
            session,
            org=org,
            data=AchievementInput(
                name="Baltic Sea Project",
                description="Monitored a river.",
                levels=["Emerging", "Developing", "Proficient", "Mastered"],
            ),
        )
        return database, org.id, achievement.id


def bulk_once(database: Database, org_id: int, achievement_id: int, content: bytes) -> float:
    sealer = Sealer.from_config(KEK)
    started = time.perf_counter()
    with database.transaction() as session:
        org = session.get(Organisation, org_id)
        achievement = session.get(Achievement, achievement_id)
        assert org is not None and achievement is not None
        result = awards.award_many(
            session,
            org=org,
            achievement=achievement,
            rows=rows_from_csv(content),
            sealer=sealer,
            urls=URLS,
        )
        assert len(result.awards) == content.count(b"\n") - 1 and not result.errors
    return time.perf_counter() - started


def sign_alone_once(database: Database, org_id: int, achievement_id: int, content: bytes) -> float:
    """The core library's signing of the same credentials, built beforehand (not timed)."""
    sealer = Sealer.from_config(KEK)
    with database.transaction() as session:
        org = session.get(Organisation, org_id)
        achievement = session.get(Achievement, achievement_id)
        assert org is not None and achievement is not None
        ctx = awards._context(session, org, achievement, sealer, URLS)
        rows = rows_from_csv(content)
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
    started = time.perf_counter()
    for credential in unsigned:
        sign_credential(
            credential, ctx.key, verification_method=ctx.verification_method, proof=ProofFormat.BOTH
        )
    return time.perf_counter() - started


def bench_bulk(label: str, url: str, n: int, rounds: int) -> None:
    try:
        database, org_id, achievement_id = _prepare(url)
    except Exception as exc:  # PostgreSQL not there: say so, go on
        print(f"  {label}: skipped ({str(exc).splitlines()[0][:100]})")
        return
    content = _csv(n)
    bulk_times, sign_times, ratios = [], [], []
    try:
        for _ in range(rounds):
            s = sign_alone_once(database, org_id, achievement_id, content)
            b = bulk_once(database, org_id, achievement_id, content)
            sign_times.append(s)
            bulk_times.append(b)
            ratios.append(b / s)
    finally:
        _empty(database)
        database.dispose()
    b, s = statistics.median(bulk_times), statistics.median(sign_times)
    ratio = statistics.median(ratios)
    verdict = "PASS" if ratio <= 1.5 else "MISS"
    print(
        f"  {label:<11} bulk award {n:>5} learners: {b:7.2f} s = {n / b:7.1f} credentials/s;"
        f" core signing alone {s:6.2f} s = {n / s:7.1f}/s; ratio {ratio:.2f}x  {verdict} (target <= 1.5x)"
    )


# -- public pages under gunicorn -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load(
    port: int, path: str, headers: dict[str, str], seconds: float, threads: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    began = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - began, latencies


def bench_pages(seconds: float, threads: int) -> None:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if gunicorn is None:
        print("  skipped: gunicorn is not installed")
        return
    data = Path(tempfile.mkdtemp(prefix="bench-issuer-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{data / 'issuer.sqlite3'}"
    upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        seed_frameworks(session)
        logins = seed_demo(session, sealer=Sealer.from_config(KEK), urls=PublicUrls(base))
    database.dispose()
    assert logins is not None
    env = dict(
        os.environ,
        ISSUER_SECRET_KEY="bench",
        ISSUER_KEY_ENCRYPTION_KEY=KEK,
        ISSUER_BASE_URL=base,
        DATABASE_URL=url,
    )
    proc = subprocess.Popen(
        [
            gunicorn,
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "issuer:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        cid = logins.credential_ids[0]
        cases: list[tuple[str, str, dict[str, str]]] = [
            ("static file (baseline)", "/static/style.css", {}),
            ("credential page (HTML)", f"/credentials/{cid}", {"Accept": "text/html"}),
            ("credential JSON", f"/credentials/{cid}", {"Accept": "application/vc+ld+json"}),
            ("status list (signed now)", "/orgs/klaipeda-gymnasium/status/revocation", {}),
        ]
        for _, path, headers in cases:  # warm up
            _load(port, path, headers, 0.3, 2)
        baseline_rps = None
        print(f"  gunicorn -w 2, {threads} client threads with keep-alive, {seconds:.0f} s each")
        for label, path, headers in cases:
            elapsed, latencies = _load(port, path, headers, seconds, threads)
            rps = len(latencies) / elapsed
            latencies.sort()
            p50 = latencies[len(latencies) // 2] * 1000
            p95 = latencies[int(len(latencies) * 0.95)] * 1000
            if baseline_rps is None:
                baseline_rps = rps
            print(
                f"  {label:<26} {rps:8.0f} req/s   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"
                f"   {baseline_rps / rps:5.2f}x the baseline's time per request"
            )
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 100 learners, 2 s of load"
    )
    parser.add_argument("--learners", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    n = args.learners or (100 if args.quick else 1000)
    rounds = args.rounds or (1 if args.quick else 3)
    print(
        f"Issuer benchmark{' -- QUICK' if args.quick else ''}: python {sys.version.split()[0]}, {os.cpu_count()} cpu"
    )
    print("1. bulk award from CSV through the service layer (one transaction per batch)")
    with tempfile.TemporaryDirectory() as tmp:
        bench_bulk("SQLite", f"sqlite:///{tmp}/bench.sqlite3", n, rounds)
    bench_bulk("PostgreSQL", PG_URL, n, rounds)
    print("2. public pages")
    bench_pages(2.0 if args.quick else 10.0, 8)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
