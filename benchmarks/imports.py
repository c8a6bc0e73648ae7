"""Importing 100 badges of mixed formats into a portfolio, next to the core verifier alone on
the same badges, in one run.

Run from the repository root:

    .venv/bin/python benchmarks/imports.py             # 100 badges, 3 rounds
    .venv/bin/python benchmarks/imports.py --quick     # 25 badges, 1 round
    .venv/bin/python benchmarks/imports.py --badges 200 --rounds 5 --json out.json

The badges, one fifth of each: Open Badges 3.0 with a Data Integrity proof (pasted JSON), as
a VC-JWT (pasted), baked into a PNG (the JSON inside) and into an SVG (the JWT inside), and
Open Badges 2.0 hosted assertions (pasted JSON; their hosted copy, badge class and issuer
profile served by a loopback server through the fetch policy's URL map). All are awarded to
the learner's confirmed address (hashed, each with its own salt); did:key issuers.

What is timed, each round in turn (times are medians over the rounds; each ratio is the
median of the per-round ratios, so a noisy machine slows both sides alike):

- **verify alone**: the core verifier (``Verifier.verify``, warm, the same fetcher) over the
  N badges as given;
- **import**: ``issuer.services.imports.import_badge`` of each badge in a transaction of its
  own, as a request makes it (the verifier, the recipient among the learner's confirmed
  addresses, the check for a copy, the row stored as received), on SQLite; the rows are
  removed after the round;
- **show again**: ``imported_cards`` for the learner (every badge verified again, as the
  portfolio's pages do when they show them), for information; **and again**: the same at
  once after, as the next page view (the canonical-form memo warm).

The canonical-form memo is cleared before each phase. Ratio: import / verify alone. The exit
status is 1 when a badge does not verify or is not imported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402

from badges import baking  # noqa: E402
from badges.dids import did_key, did_key_verification_method  # noqa: E402
from badges.fetch import Fetcher, FetchPolicy  # noqa: E402
from badges.identity import hash_identity, hashed_email  # noqa: E402
from badges.issuing import sign_credential  # noqa: E402
from badges.jsonld.canon import clear_canonical_memo  # noqa: E402
from badges.keys import KeyPair  # noqa: E402
from badges.model import (  # noqa: E402
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.resolve import KeyResolver  # noqa: E402
from badges.verification import Verdict, Verifier  # noqa: E402
from issuer.db import Database  # noqa: E402
from issuer.migrate import upgrade  # noqa: E402
from issuer.models import ImportedBadge, Learner  # noqa: E402
from issuer.services import imports, learners  # noqa: E402
from issuer.urls import PublicUrls  # noqa: E402

ISSUED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
EMAIL = "ona@pupils.example"
SCHOOL = "https://school.example"
OB2 = "https://w3id.org/openbadges/v2"


def _png(size: int = 16) -> bytes:
    """A small RGBA PNG to bake into."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 16 % 256, y * 16 % 256, 128, 255)) for x in range(size))
        for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30"/></svg>'


class Site:
    """A loopback server for the OB 2.0 documents (https://school.example/ maps here)."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = routes.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def publish(self, document: dict[str, Any]) -> None:
        self.routes[document["id"][len(SCHOOL) :]] = json.dumps(document).encode()


def ob3_badge(key: KeyPair, number: int) -> dict[str, Any]:
    levels = [
        RubricCriterionLevel(id=f"urn:uuid:00000000-0000-4000-8000-00000000000{i}", name=n)
        for i, n in enumerate(["Emerging", "Developing", "Proficient", "Mastered"])
    ]
    achievement = Achievement(
        id=f"urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-{number % 10:012d}",
        name=f"Baltic Sea Project, part {number % 10 + 1}",
        description="Monitored water quality on the Baltic coast.",
        criteria=Criteria(narrative="Take ten samples over a season and report them."),
        alignment=[
            Alignment(
                target_name="Learning to do",
                target_url="https://school.example/frameworks/pillars#to-do",
                target_framework="Four pillars of learning",
            )
        ],
        result_description=[
            ResultDescription(
                id="urn:uuid:5d0c7a1e-0000-4000-8000-0000000000aa",
                name="Level",
                rubric_criterion_level=levels,
            )
        ],
    )
    return OpenBadgeCredential(
        id=f"urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-{number:012d}",
        name=achievement.name,
        issuer=Profile(id=did_key(key.public), name="Kauno gimnazija"),
        valid_from=ISSUED + timedelta(minutes=number),
        credential_subject=AchievementSubject(
            achievement=achievement,
            identifier=[hashed_email(EMAIL)],
            result=[
                Result(
                    result_description=achievement.result_description[0].id,
                    achieved_level=levels[number % 4].id,
                )
            ],
        ),
    ).to_json()


def ob2_badges(site: Site, count: int) -> list[str]:
    """``count`` hosted OB 2.0 assertions (pasted as JSON), their documents published."""
    site.publish(
        {
            "@context": OB2,
            "type": "Issuer",
            "id": f"{SCHOOL}/ob2/issuer",
            "name": "Vilniaus licėjus",
            "url": f"{SCHOOL}/",
            "email": "info@school.example",
        }
    )
    site.publish(
        {
            "@context": OB2,
            "type": "BadgeClass",
            "id": f"{SCHOOL}/ob2/badges/water",
            "name": "Baltic Sea Project: water monitor",
            "description": "Monitored water quality on the Baltic coast.",
            "image": f"{SCHOOL}/ob2/badges/water.png",
            "criteria": {"narrative": "Take ten samples over a season."},
            "issuer": f"{SCHOOL}/ob2/issuer",
        }
    )
    texts = []
    for number in range(count):
        salt = f"salt-{number}"
        assertion = {
            "@context": OB2,
            "type": "Assertion",
            "id": f"{SCHOOL}/ob2/assertions/{number}",
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": salt,
                "identity": hash_identity(EMAIL, salt),
            },
            "badge": f"{SCHOOL}/ob2/badges/water",
            "issuedOn": (ISSUED + timedelta(days=number)).isoformat(),
            "verification": {"type": "HostedBadge"},
        }
        site.publish(assertion)
        texts.append(json.dumps(assertion))
    return texts


def mixed_badges(key: KeyPair, site: Site, count: int) -> list[imports.Given]:
    """``count`` badges, one fifth of each kind (see the module notes)."""
    per = count // 5
    method = did_key_verification_method(key.public)
    given: list[imports.Given] = []
    for number in range(4 * per):
        signed = sign_credential(ob3_badge(key, number), key, verification_method=method)
        assert signed.json is not None and signed.jwt is not None
        kind = number % 4
        if kind == 0:
            given.append(imports.Given("text", json.dumps(signed.json)))
        elif kind == 1:
            given.append(imports.Given("text", signed.jwt))
        elif kind == 2:
            given.append(imports.Given("file", baking.bake_png(PNG, json.dumps(signed.json))))
        else:
            given.append(imports.Given("file", baking.bake_svg(SVG, signed.jwt)))
    given += [imports.Given("text", text) for text in ob2_badges(site, count - 4 * per)]
    return given


def source_of(item: imports.Given) -> Any:
    return item.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="25 badges, 1 round")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    count, rounds = (25, 1) if args.quick else (args.badges, args.rounds)
    site = Site()
    fetcher = Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{site.base}/"),), timeout=5.0))
    verifier = Verifier(fetcher=fetcher, key_resolver=KeyResolver(fetcher))
    tools = imports.ImportTools(
        fetcher=fetcher,
        verifier=Verifier(fetcher=fetcher, key_resolver=KeyResolver(fetcher)),
        max_bytes=4 << 20,
    )
    badges = mixed_badges(KeyPair.generate("EdDSA"), site, count)
    urls = PublicUrls("https://badges.example")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'issuer.sqlite3'}"
        upgrade(url)
        database = Database(url)
        with database.transaction() as session:
            learner = learners.create_learner(session, name="Ona", email=EMAIL, password=None)
            learners.confirm_email(session, learner, EMAIL)
            learner_id = learner.id
        # warm up: contexts, schemas, keys, the OB 2.0 documents (as a running app would be)
        ok = all(verifier.verify(source_of(b)).verdict is Verdict.VALID for b in badges[-5:])
        ok &= all(tools.verifier.verify(source_of(b)).verdict is Verdict.VALID for b in badges[-5:])
        times: dict[str, list[float]] = {"verify": [], "import": [], "show": [], "show_warm": []}
        for _round in range(rounds):
            clear_canonical_memo()
            clock = time.perf_counter()
            ok &= all(verifier.verify(source_of(b)).verdict is Verdict.VALID for b in badges)
            times["verify"].append(time.perf_counter() - clock)
            clear_canonical_memo()
            clock = time.perf_counter()
            for item in badges:
                with database.transaction() as session:
                    learner = session.get(Learner, learner_id)
                    assert learner is not None
                    imports.import_badge(session, learner, item, tools=tools, urls=urls)
            times["import"].append(time.perf_counter() - clock)
            clear_canonical_memo()
            clock = time.perf_counter()
            with database.transaction() as session:
                learner = session.get(Learner, learner_id)
                assert learner is not None
                cards = imports.imported_cards(session, learner, tools=tools)
            times["show"].append(time.perf_counter() - clock)
            ok &= len(cards) == count and all(card.status == "active" for card in cards)
            clock = time.perf_counter()  # once more, as the next page view: the memos warm
            with database.transaction() as session:
                learner = session.get(Learner, learner_id)
                assert learner is not None
                imports.imported_cards(session, learner, tools=tools)
            times["show_warm"].append(time.perf_counter() - clock)
            with database.transaction() as session:
                session.execute(delete(ImportedBadge))
        database.dispose()
    site.server.shutdown()
    median = {k: statistics.median(v) for k, v in times.items()}
    ratio = statistics.median(i / v for i, v in zip(times["import"], times["verify"], strict=True))
    ratio_show = statistics.median(
        s / v for s, v in zip(times["show"], times["verify"], strict=True)
    )
    per = count // 5
    print(f"Import of {count} badges ({rounds} round{'s' * (rounds != 1)}, medians)")
    print(
        f"  {per} each: OB 3.0 DI JSON, OB 3.0 VC-JWT, baked PNG (JSON), baked SVG (JWT); "
        f"{count - 4 * per} OB 2.0 hosted (pasted JSON, documents on loopback)"
    )
    rows = [
        ("verify alone", "verify", "Verifier.verify of each badge"),
        ("import", "import", "import_badge of each, a transaction each (SQLite)"),
        ("show again", "show", "imported_cards: every badge verified again"),
        ("and again", "show_warm", "the same at once (canonical forms memoised)"),
    ]
    for label, key, what in rows:
        each = median[key] / count * 1000
        print(f"  {label:<13} {median[key]:8.3f} s  ({each:6.2f} ms a badge)  {what}")
    print(f"  ratio import / verify alone:     {ratio:5.2f}")
    print(f"  ratio show again / verify alone: {ratio_show:5.2f}")
    if not ok:
        print("  NOT VALID: a badge did not verify or was not imported", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "badges": count,
                    "rounds": rounds,
                    "seconds": median,
                    "ratios": {"import_over_verify": ratio, "show_over_verify": ratio_show},
                },
                indent=2,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
