"""CLR 2.0 export of 500 badges, next to the core signer and verifier alone, in one run.

Run from the repository root:

    .venv/bin/python benchmarks/clr_export.py             # 500 badges, 3 rounds
    .venv/bin/python benchmarks/clr_export.py --quick     # 50 badges, 1 round
    .venv/bin/python benchmarks/clr_export.py --badges 200 --rounds 5 --json out.json

What is timed, each round in turn (times are medians over the rounds; each ratio is the
median of the per-round ratios, so a noisy machine slows both sides of it alike):

- **sign alone**: the core signer (``sign_credential``, eddsa-rdfc-2022 then VC-JWT, as the
  issuer signs every badge) over N distinct badges, one after another;
- **verify alone**: the core verifier (one ``Verifier``, warm) over the same N badges,
  with the canonical-form memo cleared first (signing filled it with these very documents;
  every phase starts with it cleared);
- **CLR export**: ``build_clr`` of the N signed badges, ``sign_clr`` (eddsa-rdfc-2022 over
  the whole record, then its VC-JWT) and the JSON text, as ``export_clr`` makes it;
- **CLR verify**: the core verifier over the record (memo cleared likewise): its own
  checks, then each of the N badges inside with the whole pipeline.

A record of 500 such badges is about 2.4 MB of JSON: more than the core's 2 MB limit on
JSON given as text, and its VC-JWT more than the 1 MB token limit; it is verified here as
the object it is built as.

Ratios: CLR export / sign alone, and CLR verify / verify alone. The badges are did:key
(Ed25519) badges with a hashed recipient, a rubric level and evidence, ~3 KB each; no
status lists, so nothing is fetched. The exit status is 1 when anything does not verify.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from badges import jsonutil  # noqa: E402
from badges.clr import build_clr, sign_clr  # noqa: E402
from badges.dids import did_key, did_key_verification_method  # noqa: E402
from badges.identity import hashed_email  # noqa: E402
from badges.issuing import sign_credential  # noqa: E402
from badges.jsonld.canon import clear_canonical_memo  # noqa: E402
from badges.keys import KeyPair  # noqa: E402
from badges.model import (  # noqa: E402
    Achievement,
    AchievementSubject,
    Criteria,
    Evidence,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.verification import Verdict, Verifier  # noqa: E402

ISSUED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def unsigned_badges(key: KeyPair, count: int) -> list[dict[str, Any]]:
    """``count`` distinct badges: 20 achievements, each learner's own recipient."""
    issuer = Profile(id=did_key(key.public), name="Vilniaus licėjus", url="https://school.example/")
    badges = []
    for number in range(count):
        kind = number % 20
        levels = [
            RubricCriterionLevel(id=f"urn:uuid:00000000-0000-4000-8000-{kind:06d}{i:06d}", name=n)
            for i, n in enumerate(["Emerging", "Developing", "Proficient", "Mastered"])
        ]
        achievement = Achievement(
            id=f"urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-{kind:012d}",
            name=f"Baltic Sea Project, part {kind + 1}",
            description="Monitored water quality on the Baltic coast with the Baltic Sea Project.",
            criteria=Criteria(narrative="Take **ten** samples over a season and report them."),
            achievement_type="Competency",
            result_description=[
                ResultDescription(
                    id=f"urn:uuid:5d0c7a1e-0000-4000-8000-{kind:012d}",
                    name="Level",
                    rubric_criterion_level=levels,
                )
            ],
        )
        credential = OpenBadgeCredential(
            id=f"urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-{number:012d}",
            name=achievement.name,
            issuer=issuer,
            valid_from=ISSUED + timedelta(minutes=number),
            credential_subject=AchievementSubject(
                achievement=achievement,
                identifier=[hashed_email(f"learner{number}@pupils.example")],
                result=[
                    Result(
                        result_description=achievement.result_description[0].id,
                        achieved_level=levels[number % 4].id,
                    )
                ],
            ),
            evidence=[Evidence(name="Season report", narrative=f"Samples, round {number}.")],
        )
        badges.append(credential.to_json())
    return badges


def sign_all(unsigned: list[dict[str, Any]], key: KeyPair) -> list[dict[str, Any]]:
    method = did_key_verification_method(key.public)
    signed = [sign_credential(u, key, verification_method=method, created=ISSUED) for u in unsigned]
    return [s.json for s in signed if s.json is not None]


def verify_all(verifier: Verifier, badges: list[dict[str, Any]]) -> bool:
    return all(verifier.verify(b, now=NOW).verdict is Verdict.VALID for b in badges)


def export(badges: list[dict[str, Any]], platform: KeyPair) -> tuple[dict[str, Any], str]:
    clr = build_clr(
        badges,
        issuer=Profile(id=did_key(platform.public), name="ASPnet Badges"),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1a0",
        valid_from=NOW,
        name="Comprehensive Learner Record",
        identifiers=[hashed_email("learner@pupils.example")],
    )
    signed = sign_clr(
        clr, platform, verification_method=did_key_verification_method(platform.public)
    )
    assert signed.json is not None and signed.jwt is not None
    jsonutil.dumps(signed.json)  # the JSON text export_clr returns
    return signed.json, signed.jwt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50 badges, 1 round")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    count, rounds = (50, 1) if args.quick else (args.badges, args.rounds)
    school, platform = KeyPair.generate("EdDSA"), KeyPair.generate("EdDSA")
    unsigned = unsigned_badges(school, count)
    badges = sign_all(unsigned[:5], school)  # warm up: contexts, schemas, memos
    verifier = Verifier()
    verify_all(verifier, badges)
    times: dict[str, list[float]] = {k: [] for k in ("sign", "verify", "export", "clr_verify")}
    ok = True
    size = token_size = 0
    for _round in range(rounds):
        clear_canonical_memo()  # each phase starts cold: the memo would hold the last one's
        clock = time.perf_counter()
        badges = sign_all(unsigned, school)
        times["sign"].append(time.perf_counter() - clock)
        clear_canonical_memo()  # what signing canonicalised is not known to a verifier
        clock = time.perf_counter()
        ok &= verify_all(verifier, badges)
        times["verify"].append(time.perf_counter() - clock)
        clear_canonical_memo()
        clock = time.perf_counter()
        clr, token = export(badges, platform)
        times["export"].append(time.perf_counter() - clock)
        size, token_size = len(jsonutil.dumps(clr)), len(token)
        clear_canonical_memo()
        clock = time.perf_counter()
        report = verifier.verify(clr, now=NOW)
        times["clr_verify"].append(time.perf_counter() - clock)
        inside = report.credentials or []
        ok &= report.verdict is Verdict.VALID and len(inside) == count
        ok &= all(r.verdict is Verdict.VALID for r in inside)
    median = {k: statistics.median(v) for k, v in times.items()}
    ratio_export = statistics.median(
        e / s for e, s in zip(times["export"], times["sign"], strict=True)
    )
    ratio_verify = statistics.median(
        c / v for c, v in zip(times["clr_verify"], times["verify"], strict=True)
    )
    print(f"CLR 2.0 export of {count} badges ({rounds} round{'s' * (rounds != 1)}, medians)")
    print(f"  record: {size / 1024:.0f} KB of JSON; its VC-JWT {token_size / 1024:.0f} KB")
    rows = [
        ("sign alone", "sign", "sign_credential (DI + VC-JWT) of each badge"),
        ("verify alone", "verify", "Verifier.verify of each badge"),
        ("CLR export", "export", "build_clr + sign_clr (DI + VC-JWT) + JSON text"),
        ("CLR verify", "clr_verify", "the record's checks, then each badge inside"),
    ]
    for label, key, what in rows:
        per = median[key] / count * 1000
        print(f"  {label:<13} {median[key]:8.3f} s  ({per:6.2f} ms a badge)  {what}")
    print(f"  ratio CLR export / sign alone:   {ratio_export:5.2f}")
    print(f"  ratio CLR verify / verify alone: {ratio_verify:5.2f}")
    if not ok:
        print("  NOT VALID: a badge or the record did not verify", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "badges": count,
                    "rounds": rounds,
                    "seconds": median,
                    "ratios": {
                        "export_over_sign": ratio_export,
                        "verify_over_verify": ratio_verify,
                    },
                    "record_bytes": size,
                    "jwt_bytes": token_size,
                },
                indent=2,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
