"""A learner's archive and CLR export through the issuer (500 badges), next to the core signer
and verifier alone, in one run.

Run from the repository root:

    .venv/bin/python benchmarks/archive.py              # 500 badges, 3 rounds
    .venv/bin/python benchmarks/archive.py --quick      # 50 badges, 1 round
    .venv/bin/python benchmarks/archive.py --badges 200 --rounds 5

One learner holds N badges of one school (20 achievements with rubric levels; each badge
awarded through ``award_badge``, so each is its own signed credential with JSON and VC-JWT),
in a SQLite database of its own. Timed, each round in turn (medians over the rounds; each
ratio is the median of the per-round ratios, so a noisy machine slows both sides alike):

- **sign alone**: the core signer (``sign_credential``: eddsa-rdfc-2022, then VC-JWT) over
  the N badges' unsigned bodies, one after another (the canonical memo cleared first);
- **verify alone**: one warm core ``Verifier`` over the N signed badges (memo cleared);
- **CLR export**: ``services.clr.export_clr`` of the learner's N awards read from the
  database: the record built, signed by the platform (Data Integrity and VC-JWT), as text;
- **archive**: ``services.archive.build_archive`` into a temporary file: the N badges as
  JSON, VC-JWT and baked PNG and SVG, the CLR above, and index.html.

Ratios: CLR export / sign alone, archive / sign alone, archive / CLR export. The archive's
size is printed too. Nothing is fetched; nothing leaves the process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_issuer import KEK, URLS  # noqa: E402

from badges.dids import did_key, did_key_verification_method  # noqa: E402
from badges.issuing import sign_credential  # noqa: E402
from badges.jsonld.canon import clear_canonical_memo  # noqa: E402
from badges.keys import KeyPair  # noqa: E402
from badges.verification import Verdict, Verifier  # noqa: E402
from issuer.db import Database  # noqa: E402
from issuer.migrate import upgrade  # noqa: E402
from issuer.models import Learner  # noqa: E402
from issuer.seed import seed_frameworks  # noqa: E402
from issuer.services import learners  # noqa: E402
from issuer.services.achievements import AchievementInput, create_achievement  # noqa: E402
from issuer.services.archive import ArchiveIndex, build_archive  # noqa: E402
from issuer.services.awards import AwardInput, award_badge  # noqa: E402
from issuer.services.clr import export_clr  # noqa: E402
from issuer.services.keys import Sealer  # noqa: E402
from issuer.services.orgs import create_organisation  # noqa: E402

EMAIL = "ona@pupils.example"


def _index(index: ArchiveIndex) -> str:
    """index.html as the view makes it, without Flask: one line per file."""
    lines = [f"<li><a href='{f.path}'>{f.label}</a></li>" for b in index.badges for f in b.files]
    return "<!doctype html><ul>" + "".join(lines) + "</ul>"


def _build(folder: Path, count: int) -> tuple[Database, int, list[dict[str, Any]]]:
    url = f"sqlite:///{folder / 'issuer.sqlite3'}"
    upgrade(url)
    database = Database(url)
    sealer = Sealer.from_config(KEK)
    with database.transaction() as session:
        seed_frameworks(session)
        school = create_organisation(session, sealer=sealer, slug="klaipeda", name="Klaipėda")
        kinds = [
            create_achievement(
                session,
                org=school,
                data=AchievementInput(
                    name=f"Baltic Sea Project, part {k + 1}",
                    description="Monitored water quality on the Baltic coast.",
                    levels=["Emerging", "Developing", "Proficient", "Mastered"],
                ),
            )
            for k in range(20)
        ]
        signed = []
        for n in range(count):
            award = award_badge(
                session,
                org=school,
                achievement=kinds[n % 20],
                sealer=sealer,
                urls=URLS,
                data=AwardInput(
                    learner_name="Ona Petraitytė",
                    learner_email=EMAIL,
                    level=["Emerging", "Developing", "Proficient", "Mastered"][n % 4],
                ),
            )
            signed.append(json.loads(award.credential_json))
        learner = learners.create_learner(session, name="Ona Petraitytė", email=EMAIL)
        learners.confirm_email(session, learner, EMAIL)
        learner_id = learner.id
    return database, learner_id, signed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50 badges, 1 round")
    args = parser.parse_args(argv)
    count, rounds = (50, 1) if args.quick else (args.badges, args.rounds)
    sealer = Sealer.from_config(KEK)
    key = KeyPair.generate("EdDSA")
    method = did_key_verification_method(key.public)
    with tempfile.TemporaryDirectory() as tmp:
        database, learner_id, signed = _build(Path(tmp), count)
        # the same bodies, issued by a did:key of our own and without a status entry: the
        # core alone, nothing to fetch
        issuer = {"id": did_key(key.public), "type": ["Profile"], "name": "Klaipėda"}
        unsigned = [
            {k: v for k, v in b.items() if k not in ("proof", "credentialStatus")}
            | {"issuer": issuer}
            for b in signed
        ]
        verifier = Verifier(status_ttl=0)
        times: dict[str, list[float]] = {k: [] for k in ("sign", "verify", "clr", "archive")}
        size = 0
        ok = True
        for _round in range(rounds):
            clear_canonical_memo()
            clock = time.perf_counter()
            mine = [sign_credential(u, key, verification_method=method) for u in unsigned]
            times["sign"].append(time.perf_counter() - clock)
            clear_canonical_memo()
            clock = time.perf_counter()
            for badge in mine:
                # did:key badges of our own key: nothing to fetch, the same checks
                ok &= verifier.verify(badge.json).verdict is Verdict.VALID
            times["verify"].append(time.perf_counter() - clock)
            with database.transaction() as session:
                learner = session.get(Learner, learner_id)
                assert learner is not None
                awards = learners.portfolio_awards(session, learner)
                clear_canonical_memo()
                clock = time.perf_counter()
                export_clr(session, awards, sealer=sealer, urls=URLS)
                times["clr"].append(time.perf_counter() - clock)
                clear_canonical_memo()
                with tempfile.TemporaryFile() as out:
                    clock = time.perf_counter()
                    build_archive(
                        session, learner, out, sealer=sealer, urls=URLS, render_index=_index
                    )
                    times["archive"].append(time.perf_counter() - clock)
                    size = out.tell()
                assert len(awards) == count
        database.dispose()
    median = {k: statistics.median(v) for k, v in times.items()}

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    print(f"Archive and CLR export of {count} badges through the issuer ({rounds} rounds, medians)")
    rows = [
        ("sign alone", "sign", "core sign_credential (DI + VC-JWT) of each badge"),
        ("verify alone", "verify", "core Verifier.verify of each badge"),
        ("CLR export", "clr", "services.clr.export_clr: read, build, sign (DI + VC-JWT)"),
        ("archive", "archive", "services.archive.build_archive: all files, CLR, index"),
    ]
    for label, k, what in rows:
        per = median[k] / count * 1000
        print(f"  {label:<13} {median[k]:8.3f} s  ({per:6.2f} ms a badge)  {what}")
    print(f"  archive: {size / 1024 / 1024:.1f} MB")
    print(f"  ratio CLR export / sign alone: {ratio('clr', 'sign'):5.2f}")
    print(f"  ratio archive / sign alone:    {ratio('archive', 'sign'):5.2f}")
    print(f"  ratio archive / CLR export:    {ratio('archive', 'clr'):5.2f}")
    if not ok:
        print("  NOT VALID: a badge did not verify", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
