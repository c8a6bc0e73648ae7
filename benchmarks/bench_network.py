"""Network view benchmark: the counts a national council asks for, over a large network.

Run from the repository root:

    .venv/bin/python benchmarks/bench_network.py            # 100 schools, 100,000 awards
    .venv/bin/python benchmarks/bench_network.py --quick    # 20 schools, 10,000 awards

A national centre over three regional centres over the schools; each school has four
achievements aligned to 0, 1 or 2 framework areas, and awards spread over three school
years (10% revoked). Times ``network_report`` (members, then GROUP BY per school,
achievement, year and term in the database, spread over areas in Python) and the CSV built
from it, on SQLite and, when it answers, on the PostgreSQL at 127.0.0.1:5432 (database
``test``; the tables are emptied before and after). The baseline, measured in the same run
and interleaved with it, is one bare GROUP BY of the awards by school, achievement, year and
month (no terms, no re-issue chains, no revocations): the least such counts can cost. Machines here are shared and
noisy: read the ratios. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_issuer import KEK, PG_URL, _empty  # noqa: E402
from sqlalchemy import extract, func, insert, select  # noqa: E402

from issuer.db import Database  # noqa: E402
from issuer.migrate import upgrade  # noqa: E402
from issuer.models import Award, FrameworkItem, Organisation, SigningKey  # noqa: E402
from issuer.seed import seed_frameworks  # noqa: E402
from issuer.services.achievements import AchievementInput, create_achievement  # noqa: E402
from issuer.services.keys import Sealer  # noqa: E402
from issuer.services.network import network_report, report_csv  # noqa: E402
from issuer.services.orgs import create_organisation  # noqa: E402


def _build(url: str, schools: int, awards: int) -> tuple[Database, int]:
    upgrade(url)
    database = Database(url)
    _empty(database)
    sealer = Sealer.from_config(KEK)
    with database.transaction() as session:
        seed_frameworks(session)
        items = list(session.scalars(select(FrameworkItem.id).order_by(FrameworkItem.id)))
        centre = create_organisation(
            session, sealer=sealer, slug="lt-centre", name="Lithuanian ASPnet centre", kind="centre"
        )
        regions = [
            create_organisation(
                session,
                sealer=sealer,
                slug=f"region-{r}",
                name=f"Region {r}",
                kind="centre",
                parent=centre,
            )
            for r in range(3)
        ]
        plan = []
        for s in range(schools):
            org = create_organisation(
                session,
                sealer=sealer,
                slug=f"school-{s}",
                name=f"Mokykla {s}",
                parent=regions[s % 3],
            )
            key_id = session.scalar(select(SigningKey.id).where(SigningKey.org_id == org.id))
            for a in range(4):
                aligned = [items[(s + a) % len(items)], items[(s + 2 * a + 1) % len(items)]][
                    : a % 3
                ]
                achievement = create_achievement(
                    session,
                    org=org,
                    data=AchievementInput(
                        name=f"Badge {a}", description="A badge.", alignment_ids=aligned
                    ),
                )
                plan.append((org.id, achievement.id, key_id))
        per = awards // len(plan)
        rows = []
        for n, (org_id, achievement_id, key_id) in enumerate(plan):
            first_index = (n % 4) * per  # status indexes are unique per school
            for i in range(per):
                year, month = 2023 + i % 3, 1 + (i * 7 + n) % 12
                rows.append(
                    {
                        "public_id": f"b{n}-{i}",
                        "org_id": org_id,
                        "achievement_id": achievement_id,
                        "key_id": key_id,
                        "learner_name": "Learner",
                        "learner_name_search": "learner",
                        "learner_email": "x@pupils.example",
                        "credential_json": "{}",
                        "status_index": first_index + i,
                        "issued_at": datetime(year, month, 1 + i % 28, 9, tzinfo=UTC),
                        "revoked_at": datetime(2026, 6, 1, tzinfo=UTC) if i % 10 == 0 else None,
                    }
                )
        for start in range(0, len(rows), 5000):
            session.execute(insert(Award), rows[start : start + 5000])
        return database, centre.id


def bench(label: str, url: str, schools: int, awards: int, rounds: int) -> None:
    try:
        database, centre_id = _build(url, schools, awards)
    except Exception as exc:  # PostgreSQL not there: say so, go on
        print(f"  {label}: skipped ({str(exc).splitlines()[0][:100]})")
        return
    report_times, csv_times, base_times, ratios = [], [], [], []
    try:
        for _ in range(rounds):
            with database.transaction() as session:
                started = time.perf_counter()
                year, month = extract("year", Award.issued_at), extract("month", Award.issued_at)
                session.execute(
                    select(Award.org_id, Award.achievement_id, year, month, func.count()).group_by(
                        Award.org_id, Award.achievement_id, year, month
                    )
                ).all()
                base = time.perf_counter() - started
                started = time.perf_counter()
                report = network_report(session, session.get(Organisation, centre_id))
                took = time.perf_counter() - started
                started = time.perf_counter()
                csv_text = report_csv(report)
                csv_times.append(time.perf_counter() - started)
            assert report.total.issued == awards - awards % (schools * 4), report.total
            report_times.append(took)
            base_times.append(base)
            ratios.append(took / base)
    finally:
        _empty(database)
        database.dispose()
    r, b, c = (
        statistics.median(report_times),
        statistics.median(base_times),
        statistics.median(csv_times),
    )
    print(
        f"  {label:<11} {schools} schools, {awards:,} awards: report {r * 1000:7.1f} ms, CSV {c * 1000:6.1f} ms"
        f" ({csv_text.count(chr(10))} rows); bare GROUP BY by month {b * 1000:6.1f} ms; ratio {statistics.median(ratios):.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 schools, 10,000 awards, one round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL alone")
    args = parser.parse_args(argv)
    schools, awards = (20, 10_000) if args.quick else (100, 100_000)
    rounds = args.rounds or (1 if args.quick else 5)
    print(f"Network view benchmark: python {sys.version.split()[0]}, {rounds} round(s)")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", schools, awards, rounds)
    if not args.sqlite_only:
        bench("PostgreSQL", PG_URL, schools, awards, rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
