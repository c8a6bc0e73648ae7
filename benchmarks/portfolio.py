"""Portfolio benchmark: a learner's portfolio page with 50 and 500 badges, and the shared page,
next to the plain public badge page, in one run.

Run from the repository root:

    .venv/bin/python benchmarks/portfolio.py            # 7 rounds
    .venv/bin/python benchmarks/portfolio.py --quick    # 2 rounds, rough numbers
    .venv/bin/python benchmarks/portfolio.py --sqlite-only
    .venv/bin/python benchmarks/portfolio.py --pg postgresql://postgres@127.0.0.1:5432/mine

Each request goes through the whole issuer app in-process (Flask test client: the learner's
session, the queries, the competence and status work, the template). Two learners of one
school: one with 50 badges, one with 500 (three signed badges with rubric levels and
framework alignments, copied as rows: each its own id, date over three school years, a
reflection and an evidence link of the learner's own). Timed, interleaved in every round:

- **badge page**: ``/credentials/<id>``, the public page of one of those badges (the
  baseline: what a single badge costs to show);
- **portfolio 50** and **portfolio 500**: ``/portfolio/`` signed in as each learner (its
  first page: 48 cards, "page 1 of 11" for 500), and **500, last page** (``?page=11``);
- **map 500** and **timeline 500**: the competence map and the timeline of all 500;
- **share 500**: ``/s/<id>``, the 500-badge learner's whole portfolio shared with the
  reflections and evidence (the map, every badge with its live status and verify link).

Each row's time is the median over the rounds of one request; its ratio is the median of
the per-round ratios to the badge page. Target: portfolio 500 within 5x the badge page (and its last page too).
On SQLite and, when it answers, on a PostgreSQL (``--pg``; default the database ``test`` at
127.0.0.1:5432; its tables are emptied before and after). Machines here are shared and
noisy: read the ratios. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_issuer import KEK, PG_URL, URLS, _empty  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from issuer import create_app  # noqa: E402
from issuer.db import Database  # noqa: E402
from issuer.migrate import upgrade  # noqa: E402
from issuer.models import Award, FrameworkItem, LearnerEvidence, Reflection  # noqa: E402
from issuer.seed import seed_frameworks  # noqa: E402
from issuer.services import learners  # noqa: E402
from issuer.services.achievements import AchievementInput, create_achievement  # noqa: E402
from issuer.services.awards import AwardInput, award_badge  # noqa: E402
from issuer.services.card_fields import CARD_COLUMNS  # noqa: E402
from issuer.services.keys import Sealer  # noqa: E402
from issuer.services.network import term_of  # noqa: E402
from issuer.services.orgs import create_organisation  # noqa: E402
from issuer.services.shares import ShareInput, create_share  # noqa: E402

FIRST = datetime(2023, 9, 3, 9, tzinfo=UTC)
TARGET = 5.0


def _learner_with(session: Any, email: str, templates: list[Award], count: int, at: int) -> Any:
    """A learner holding ``count`` badges like ``templates`` (status indexes from ``at``),
    each with a reflection and an evidence link of their own."""
    taken = {template.status_index for template in templates}  # the signer picks at random
    free = [i for i in range(at, at + count + len(taken)) if i not in taken]
    rows = [
        {
            "public_id": f"{email.split('@')[0]}-{n:06d}",
            "org_id": templates[n % 3].org_id,
            "achievement_id": templates[n % 3].achievement_id,
            "key_id": templates[n % 3].key_id,
            "learner_name": "Ona Petraitytė",
            "learner_name_search": "ona petraityte",
            "learner_email": email,
            "credential_json": templates[n % 3].credential_json,
            "status_index": free[n],
            "issued_at": FIRST + timedelta(days=2 * n),
        }
        # what its card shows, as signing writes it (the same credential: the same card)
        | {column: getattr(templates[n % 3], column) for column in CARD_COLUMNS}
        # ... but awarded over three school years, as a real portfolio grows (the copies
        # share their template's signed awardedDate: the map and timeline would show one term)
        | {
            "awarded_at": FIRST + timedelta(days=2 * n),
            "school_year": term_of(FIRST + timedelta(days=2 * n)).school_year,
        }
        for n in range(count)
    ]
    session.execute(insert(Award), rows)
    learner = learners.create_learner(session, name="Ona Petraitytė", email=email, password=None)
    learners.confirm_email(session, learner, email)
    ids = session.scalars(select(Award.id).where(Award.learner_email == email)).all()
    session.execute(
        insert(Reflection),
        [
            {"learner_id": learner.id, "award_id": i, "body_md": f"What I learned, *{i}*."}
            for i in ids
        ],
    )
    session.execute(
        insert(LearnerEvidence),
        [
            {
                "public_id": f"ev-{i:08d}",
                "learner_id": learner.id,
                "award_id": i,
                "title": f"My report {i}",
                "url": f"https://ona.example/report/{i}",
            }
            for i in ids
        ],
    )
    return learner


def _build(url: str) -> tuple[Database, dict[str, str], dict[str, str]]:
    """The data, then each timed path and each learner's session token."""
    upgrade(url)
    database = Database(url)
    _empty(database)
    sealer = Sealer.from_config(KEK)
    with database.transaction() as session:
        seed_frameworks(session)
        items = list(session.scalars(select(FrameworkItem.id).order_by(FrameworkItem.id)))
        school = create_organisation(
            session, sealer=sealer, slug="klaipeda", name="Klaipėda Baltic Gymnasium"
        )
        templates = []
        for k, name in enumerate(("Baltic Sea Project", "Heritage guide", "Model UN")):
            achievement = create_achievement(
                session,
                org=school,
                data=AchievementInput(
                    name=name,
                    description="A badge of the benchmark.",
                    levels=["Emerging", "Developing", "Proficient", "Mastered"],
                    alignment_ids=items[2 * k : 2 * k + 2],
                ),
            )
            templates.append(
                award_badge(
                    session,
                    org=school,
                    achievement=achievement,
                    sealer=sealer,
                    urls=URLS,
                    data=AwardInput(
                        learner_name="Ona Petraitytė",
                        learner_email="template@pupils.example",
                        level=["Developing", "Proficient", "Mastered"][k],
                    ),
                )
            )
        few = _learner_with(session, "ona50@pupils.example", templates, 50, 1000)
        many = _learner_with(session, "ona500@pupils.example", templates, 500, 2000)
        share = create_share(
            session,
            many,
            ShareInput(title="Everything", include_reflections=True, include_evidence=True),
        )
        paths = {
            "badge page": f"/credentials/{templates[0].public_id}",
            "portfolio 50": "/portfolio/",
            "portfolio 500": "/portfolio/",
            "500, last page": "/portfolio/?page=11",
            "map 500": "/portfolio/competences",
            "timeline 500": "/portfolio/timeline",
            "goals 500": "/portfolio/goals",
            "my shares 500": "/portfolio/shares",
            "share 500": f"/s/{share.public_id}",
        }
        few_token, many_token = (
            learners.start_learner_session(session, learner=who, lifetime=timedelta(hours=2))
            for who in (few, many)
        )
        tokens = {
            name: few_token if name == "portfolio 50" else many_token
            for name in paths
            if name.startswith(("portfolio", "500", "map", "timeline", "goals", "my shares"))
        }
    return database, paths, tokens


def bench(label: str, url: str, rounds: int) -> bool:
    try:
        database, paths, tokens = _build(url)
    except Exception as exc:  # PostgreSQL not there: say so, go on
        print(f"  {label}: skipped ({str(exc).splitlines()[0][:100]})")
        return True
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "BASE_URL": URLS.base, "KEY_ENCRYPTION_KEY": KEK}
        | {"SECRET_KEY": "bench"}
    )
    clients = {}
    for name in paths:
        client = app.test_client()
        if name in tokens:
            with client.session_transaction() as sess:
                sess["learner"] = tokens[name]
        clients[name] = client
    times: dict[str, list[float]] = {name: [] for name in paths}
    ratios: dict[str, list[float]] = {name: [] for name in paths}
    try:
        for name, path in paths.items():  # warm: templates compiled, caches filled
            answer = clients[name].get(path)
            assert answer.status_code == 200, (name, answer.status_code)
            if name == "portfolio 500":  # its first page of 48, of all 500
                page = answer.get_data(as_text=True)
                assert page.count('class="portfolio-card') == 48, page.count("portfolio-card")
                assert "Page 1 of 11" in page
        for _ in range(rounds):
            took = {}
            for name, path in paths.items():
                started = time.perf_counter()
                answer = clients[name].get(path)
                took[name] = time.perf_counter() - started
                assert answer.status_code == 200
            for name in paths:
                times[name].append(took[name])
                ratios[name].append(took[name] / took["badge page"])
    finally:
        _empty(database)
        database.dispose()
    print(f"  {label}")
    ok = True
    for name in paths:
        t, r = statistics.median(times[name]), statistics.median(ratios[name])
        note = ""
        if name in ("portfolio 500", "500, last page"):
            ok = ok and r <= TARGET
            note = f"  {'PASS' if r <= TARGET else 'MISS'} (target <= {TARGET:.0f}x)"
        print(f"    {name:<14} {t * 1000:8.1f} ms  {r:6.2f}x the badge page{note}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL alone")
    parser.add_argument("--pg", default=PG_URL, help="the PostgreSQL database to use (emptied)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 7)
    print(f"Portfolio benchmark: python {sys.version.split()[0]}, {rounds} round(s)")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", rounds)
    if not args.sqlite_only:
        bench("PostgreSQL", args.pg, rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
