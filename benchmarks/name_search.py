"""Name search benchmark: the staff's award search by folded name (issue 12) against the
search it replaced (``learner_name ILIKE '%q%'``, which ignored neither case beyond ASCII
on SQLite nor diacritics anywhere), in one run.

Run from the repository root:

    .venv/bin/python benchmarks/name_search.py                 # 80 000 awards, 7 rounds
    .venv/bin/python benchmarks/name_search.py --rows 20000 --rounds 3
    .venv/bin/python benchmarks/name_search.py --pg postgresql://postgres@127.0.0.1:5432/mine

The awards table of a migrated database (a temporary SQLite file; or the PostgreSQL named,
whose award rows are deleted before and after) gets ``--rows`` awards over four schools
(Lithuanian, Russian and Kazakh names, a 3 kB credential each, as signed ones are), written
as rows with foreign keys off: no signing, only what the search reads. Timed, interleaved in
every round, the query the awards page runs (one school, newest first, 51 rows) for a name
that many match, one that few match and one that none does:

- **before**: ``learner_name ILIKE '%q%'`` (the baseline);
- **folded**: ``learner_name_search LIKE '%fold(q)%'`` (issuer.services.search.contains),
  which the index on (org_id, learner_name_search) serves.

Each row's time is the median over the rounds; its ratio is the median of the per-round
ratios folded/before. Machines here are shared and noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, insert, select, text

from issuer.migrate import upgrade
from issuer.models import Award
from issuer.services import search

FIRST = ["Ona", "Jonas", "Žydrūnė", "Rūta", "Tomas", "Пётр", "Сергей", "Андрей", "Әлия", "Нұрлан"]
LAST = ["Petraitytė", "Kazlauskas", "Rimkutė", "Vaitkus", "Ёлкин", "Иванов", "Нұрланқызы"]
QUERIES = {"many": "Petraitytė", "few": "kazlauskas1234", "none": "zzzz"}


def fill(engine: Engine, rows: int) -> None:
    rnd = random.Random(12)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys=OFF"))
        else:
            conn.execute(text("SET session_replication_role = replica"))
        conn.execute(delete(Award))
        for start in range(0, rows, 5000):
            batch = []
            for i in range(start, min(rows, start + 5000)):
                name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}{i}"
                batch.append({
                    "public_id": f"bench{i}", "org_id": 1 + i % 4, "achievement_id": 1,
                    "key_id": 1, "learner_name": name, "learner_name_search": search.fold(name),
                    "learner_email": f"l{i}@pupils.example", "credential_json": "x" * 3000,
                    "status_index": i, "issued_at": now + timedelta(seconds=i),
                    "suspended": False, "status_purpose": "revocation", "created_at": now,
                })  # fmt: skip
            conn.execute(insert(Award), batch)
        conn.execute(text("ANALYZE"))


def timed(engine: Engine, folded: bool, typed: str) -> float:
    if folded:
        condition = search.contains(Award.learner_name_search, typed)
    else:
        condition = Award.learner_name.ilike(f"%{typed}%")
    query = (
        select(Award)
        .where(Award.org_id == 2, condition)
        .order_by(Award.issued_at.desc(), Award.id.desc())
        .limit(51)
    )
    start = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(query).all()
    return time.perf_counter() - start


def run(url: str, rows: int, rounds: int) -> None:
    upgrade(url)
    engine = create_engine(url)
    try:
        fill(engine, rows)
        times: dict[tuple[str, bool], list[float]] = {}
        for _ in range(rounds):
            for label, typed in QUERIES.items():
                for folded in (False, True):
                    times.setdefault((label, folded), []).append(timed(engine, folded, typed))
        print(f"{engine.dialect.name}, {rows} awards in 4 schools, {rounds} rounds")
        for label in QUERIES:
            before, after = times[(label, False)], times[(label, True)]
            ratio = statistics.median(a / b for a, b in zip(after, before, strict=True))
            print(
                f"  {label:5} before {statistics.median(before) * 1000:7.1f} ms"
                f"  folded {statistics.median(after) * 1000:7.1f} ms  ratio {ratio:.2f}"
            )
        if engine.dialect.name != "sqlite":
            with engine.begin() as conn:
                conn.execute(delete(Award))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=80_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pg", help="a PostgreSQL URL (its award rows are deleted)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args.rows, args.rounds)
    if args.pg:
        run(args.pg, args.rows, args.rounds)


if __name__ == "__main__":
    main()
