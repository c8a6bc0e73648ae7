"""Core performance benchmark: raw crypto vs our VC-JWT and Data Integrity sign/verify.

Run from the repository root:

    .venv/bin/python benchmarks/bench_core.py            # full run, about a minute
    .venv/bin/python benchmarks/bench_core.py --quick    # smoke test, a few seconds
    .venv/bin/python benchmarks/bench_core.py --json out.json

Machines are shared and noisy, so what matters are the *ratios* against a baseline
measured in the same run. Every benchmark is warmed up, calibrated to N iterations per
repeat, and the repeats are interleaved round-robin (a benchmark and its baseline run
next to each other in every round); times are medians over the repeats and each ratio
is the median of the per-round ratios. Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cryptography  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402
from pyld import jsonld as pyld_jsonld  # noqa: E402

from badges import dids, keys, standards  # noqa: E402
from badges.identity import hashed_email  # noqa: E402
from badges.jsonld import canonicalize, expand_strict  # noqa: E402
from badges.jsonld.canon import clear_canonical_memo  # noqa: E402
from badges.jsonld.compiled import to_quads  # noqa: E402
from badges.jsonld.loader import default_loader  # noqa: E402
from badges.jsonld.rdfc import canonical_nquads  # noqa: E402
from badges.jsonld.terms import context_certainly_ok  # noqa: E402
from badges.jsonutil import compact_bytes  # noqa: E402
from badges.model import (  # noqa: E402
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    Evidence,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.multibase import b64url_encode  # noqa: E402
from badges.proofs import add_data_integrity_proof, decode_jwt, sign_jwt  # noqa: E402
from badges.proofs.eddsa_rdfc_2022 import _proof_config  # noqa: E402
from badges.proofs.vc_jwt import credential_from_payload, looks_like_jwt, registered_claims  # noqa: E402
from badges.resolve import KeyResolver  # noqa: E402
from badges.schema import schema_errors  # noqa: E402
from badges.verification import Verifier  # noqa: E402

# Fixed instants so that runs are comparable and verification does not depend on the clock.
VALID_FROM = datetime(2025, 5, 20, 9, 0, 0, tzinfo=UTC)
VALID_UNTIL = datetime(2030, 5, 20, 9, 0, 0, tzinfo=UTC)
AWARDED = datetime(2025, 5, 19, 15, 30, 0, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)

RS_ISSUER = "https://school.example/issuers/1"
RS_JWKS = "https://school.example/issuers/1/jwks.json"
RS_KID = RS_JWKS + "#key-1"

JWT_SIGN_TARGET = 2.0  # VC-JWT sign / raw sign, same algorithm: printed as info (no target)
JWT_VERIFY_TARGET = 3.0  # first-sight VC-JWT verify / raw Ed25519 verify (issue 15)
# Issue 15 sets the first-sight target against one floor for every algorithm: "a first-sight
# VC-JWT verify, for each of EdDSA, ES256 and RS256, within 3x the raw Ed25519 verify".
# Measured against each algorithm's own raw verify instead (as this benchmark did), the
# target for RS256 asked for the whole verification (JSON parse, context and schema
# checks, claims, dates, report) in about 1.5x an RSA-2048 signature check, which is
# 5-6x cheaper than Ed25519's here: a bar for the signature, not for the verifier. The
# same-algorithm ratio is still printed (info), and openbadgeslib is still compared with
# its own same-algorithm raw verify. Only the issue's targets print PASS/MISS (these, the
# openbadgeslib comparison, Data Integrity against pyld, the whole process); signing, the
# known-shape and seen-before verifies are "info", with the bar they used to be held to.
JWT_FIRST_SIGHT_FLOOR = "EdDSA"
# Data Integrity sign and first-sight verify against pyld's normalize of the same
# credential (issue 15): at least this many times faster, and a first milestone
DI_SPEEDUP_TARGET = 10.0
DI_SPEEDUP_MILESTONE = 5.0

# `badges verify FILE` as a whole process against `python -c pass` (issue 15): at most
CLI_TARGET = 8.0

ALGS = ("EdDSA", "ES256", "RS256")
RAW_NAMES = {
    "EdDSA": "Ed25519",
    "ES256": "P-256 ECDSA",
    "RS256": "RSA-2048 PKCS1v15",
}  # all SHA-256/512 as JWS

# --- the credential ------------------------------------------------------------------------

PILLARS = [
    ("Learning to know", "L2K"),
    ("Learning to do", "L2D"),
    ("Learning to live together", "L2LT"),
    ("Learning to be", "L2B"),
]
LEVELS = [
    ("emerging", "Emerging"),
    ("developing", "Developing"),
    ("proficient", "Proficient"),
    ("mastered", "Mastered"),
]


def build_credential(issuer_id: str, learner: int = 0) -> dict[str, Any]:
    """A realistic ASPnet-school badge (about 2.8 KB of compact JSON) issued by ``issuer_id``.

    ``learner`` varies the recipient and the credential id: the same badge for another
    learner (the same JSON-LD shape, other content).
    """
    base = "https://zg.example/bsp"
    pillars = [
        Alignment(
            target_name=name,
            target_url=f"https://aspnet.example/pillars#{code.lower()}",
        )
        for name, code in PILLARS
    ]
    rubric = ResultDescription(
        id=f"{base}/r",
        name="Water monitoring skill",
        result_type="RubricCriterionLevel",
        rubric_criterion_level=[
            RubricCriterionLevel(id=f"{base}/r#{key}", name=name) for key, name in LEVELS
        ],
        required_level=f"{base}/r#developing",
    )
    achievement = Achievement(
        id=base,
        name="Baltic Sea Project: water monitor",
        description=(
            "Monitors the water quality of a Baltic Sea river "
            "(temperature, pH, oxygen) and shares the data."
        ),
        criteria=Criteria(
            narrative=(
                "Four monitoring sessions in one school year, "
                "readings recorded in the BSP database."
            )
        ),
        achievement_type="Badge",
        image=Image(id=f"{base}.png"),
        alignment=pillars,
        result_description=[rubric],
    )
    issuer = Profile(
        id=issuer_id,
        name="Vilniaus Žirmūnų gimnazija",
        url="https://zg.example/",
        parent_org=Profile(id="https://aspnet-lt.example/", name="ASPnet Lithuania coordination"),
    )
    subject = AchievementSubject(
        achievement=achievement,
        identifier=[hashed_email(f"learner{learner}@student.example", salt=f"{learner:012x}")],
        result=[Result(result_description=rubric.id, achieved_level=f"{base}/r#proficient")],
    )
    credential = OpenBadgeCredential(
        id=f"urn:uuid:6b9f2c1e-8e0d-4b5a-9c3f-{learner:012x}",
        name="Baltic Sea Project: water monitor",
        issuer=issuer,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        awarded_date=AWARDED,
        credential_subject=subject,
        evidence=[
            Evidence(
                id="https://zg.example/bsp/2025/neris",
                name="Neris river report 2024/25",
            )
        ],
    )
    return credential.to_json()


def compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# --- the harness ---------------------------------------------------------------------------


@dataclass
class Bench:
    key: str
    label: str  # the row name in the table
    short: str  # how the row is named when it is another row's baseline
    group: str
    fn: Callable[[], object]
    baseline: str | None = None
    n: int = 1
    samples: list[float] = field(default_factory=list)  # seconds per op, one per round

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median over the rounds: a rough noise indicator."""
        return (max(self.samples) - min(self.samples)) / self.median if self.samples else 0.0


def _time(fn: Callable[[], object], n: int) -> float:
    """Seconds for ``n`` calls, with the garbage collector off (as timeit does)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in itertools.repeat(None, n):
            fn()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def calibrate(bench: Bench, *, warmup: float, target: float) -> None:
    """Warm up for ``warmup`` seconds (at least 3 calls), then pick N so a repeat takes ~target."""
    calls = 0
    start = time.perf_counter()
    while calls < 3 or time.perf_counter() - start < warmup:
        bench.fn()
        calls += 1
    probe = max(1, calls // 2)
    per_call = _time(bench.fn, probe) / probe
    bench.n = max(1, round(target / per_call)) if per_call > 0 else 1


def run(benches: list[Bench], *, repeats: int, warmup: float, target: float) -> None:
    for b in benches:
        calibrate(b, warmup=warmup, target=target)
    log(f"  warmed up and calibrated; {repeats} interleaved rounds:")
    for r in range(repeats):
        for b in benches:
            b.samples.append(_time(b.fn, b.n) / b.n)
        log(f"  round {r + 1}/{repeats} done")


def ratio(by_key: dict[str, Bench], key: str, base: str) -> float:
    """The median over the rounds of (this round's time / the baseline's in the same round)."""
    a, b = by_key[key], by_key[base]
    return statistics.median(x / y for x, y in zip(a.samples, b.samples, strict=True))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def instrumented(
    verify: Callable[[], object], resolver: KeyResolver | None, n: int
) -> tuple[float, dict[str, float]]:
    """Time ``n`` full verifies with the main steps wrapped in timers.

    Returns seconds per verify and seconds per verify spent in each wrapped function
    (nested: ``verify_data_integrity_proof`` includes its ``canonicalize`` calls). The
    wrappers are removed afterwards; they add well under a microsecond each.
    """
    # the structure step is where the context and schema checks are looked up
    import badges.verification.steps.structure as verification_module
    from badges.proofs import eddsa_rdfc_2022, vc_jwt

    totals: dict[str, float] = defaultdict(float)

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - start

        return timed

    spots = [
        (verification_module, "compiled_canonical"),
        (verification_module, "context_certainly_ok"),
        (verification_module, "expand_strict"),
        (verification_module, "schema_errors"),
        (vc_jwt, "looks_like_jwt"),
        (vc_jwt, "decode_jwt"),
        (vc_jwt, "verify_jwt_signature"),
        (vc_jwt, "claim_mismatches"),
        (eddsa_rdfc_2022, "verify_data_integrity_proof"),
        (eddsa_rdfc_2022, "canonicalize"),
    ]
    saved = [(module, name, getattr(module, name)) for module, name in spots]
    assert resolver is not None
    try:
        for module, name, fn in saved:
            setattr(module, name, wrap(name, fn))
        resolver.resolve = wrap("resolve", resolver.resolve)  # type: ignore[method-assign]
        elapsed = _time(verify, n)
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)
        del resolver.resolve
    return elapsed / n, {name: total / n for name, total in totals.items()}


def _with_other(
    full_us: float, inside_full_s: float, rows: list[tuple[str, float | None, float | None]]
) -> dict[str, Any]:
    """A verify breakdown: each part alone and inside, plus 'other' = full minus the parts."""
    inside_full = inside_full_s * 1e6
    parts: dict[str, dict[str, float | None]] = {}
    for name, alone_us, inside_s in rows:
        parts[name] = {
            "alone_us": alone_us,
            "in_verify_us": None if inside_s is None else inside_s * 1e6,
        }
    known_alone = sum(p["alone_us"] or 0.0 for p in parts.values())
    known_inside = sum(p["in_verify_us"] or 0.0 for p in parts.values())
    parts["other (dates, status, report, ...)"] = {
        "alone_us": full_us - known_alone,
        "in_verify_us": inside_full - known_inside,
    }
    return {"full_us": full_us, "instrumented_full_us": inside_full, "parts": parts}


# --- openbadgeslib -------------------------------------------------------------------------


def openbadgeslib_python() -> tuple[str | None, str]:
    """An interpreter that can import openbadgeslib, and where it came from."""
    try:
        import openbadgeslib  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        pass
    else:
        return sys.executable, "current interpreter"
    # the venv the interop tests create (tests/peers), newest first
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aspnet-badges"
    venvs = sorted(cache.glob("openbadgeslib-*/"), key=lambda p: p.stat().st_mtime, reverse=True)
    for venv in venvs:
        if (venv / ".installed").exists() and (venv / "bin" / "python").exists():
            return str(venv / "bin" / "python"), str(venv)
    return None, "not installed"


def run_openbadgeslib(
    credential: dict[str, Any], *, quick: bool, repeats: int, target: float
) -> dict[str, Any] | None:
    """openbadgeslib's sign/verify timings from obl_timing.py in its interpreter, or None."""
    python, where = openbadgeslib_python()
    if python is None:
        return None
    request = {
        "credential": credential,
        "repeats": repeats,
        "target": target,
        "warmup": 0.02 if quick else 0.2,
    }
    try:
        proc = subprocess.run(
            [python, str(HERE / "obl_timing.py")],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=60 if quick else 180,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "where": where}
    try:
        out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        detail = (proc.stderr or proc.stdout).strip()[-800:]
        return {"error": f"exit {proc.returncode}: {detail}", "where": where}
    out["where"] = where
    return out


# --- `badges verify` as a whole process ----------------------------------------------------


def badges_command() -> list[str]:
    """How a user runs the command: the ``badges`` script next to this interpreter, else
    ``python -m badges.cli``."""
    script = Path(sys.executable).with_name("badges")
    return [str(script)] if script.exists() else [sys.executable, "-m", "badges.cli"]


def byte_compile() -> str:
    """Byte-compile the core package (into its ``__pycache__`` folders, which git ignores),
    as ``pip install`` does and as Python does itself on a first import unless bytecode
    writing is off (``PYTHONDONTWRITEBYTECODE``, set on some machines): otherwise every
    ``badges verify`` process would compile the package's source again, and the ratio
    against ``python -c pass`` (whose standard library is byte-compiled) would measure the
    compiler. Python reads the bytecode whatever that setting says. Says what it did."""
    import compileall

    if not compileall.compile_dir(str(ROOT / "badges"), quiet=1):
        raise RuntimeError("byte-compiling the badges package failed")
    off = bool(os.environ.get("PYTHONDONTWRITEBYTECODE")) or sys.flags.dont_write_bytecode
    return "byte-compiled first" + (" (bytecode writing is off here)" if off else "")


def run_processes(files: dict[str, Path], *, runs: int, now: datetime) -> dict[str, dict[str, Any]]:
    """Wall time of whole processes, median of ``runs``: ``python -c pass`` and ``badges
    verify FILE`` for each file, one after the other in every run (a noisy machine slows
    both alike). Ratios are medians of the per-run ratios."""
    commands: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
    for name, path in files.items():
        commands[name] = [*badges_command(), "verify", str(path), "--now", now.isoformat()]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPROFILEIMPORTTIME",)}
    for name, cmd in commands.items():  # once each, untimed: caches, and a check
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{name}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
            )
            times[name].append(time.perf_counter() - start)
    base = times["python -c pass"]
    return {
        name: {
            "ms": statistics.median(samples) * 1e3,
            "ratio": statistics.median(a / b for a, b in zip(samples, base, strict=True)),
            "command": " ".join(commands[name]),
        }
        for name, samples in times.items()
    }


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: a few seconds, rough numbers"
    )
    parser.add_argument("--json", metavar="OUT", help="also write the numbers as JSON to OUT")
    parser.add_argument(
        "--breakdown", action="store_true", help="print the breakdowns even when targets are met"
    )
    parser.add_argument("--repeats", type=int, help="interleaved rounds (default 7; --quick 3)")
    parser.add_argument(
        "--target", type=float, help="seconds per benchmark per round (default 0.12; --quick 0.01)"
    )
    parser.add_argument(
        "--process-runs",
        type=int,
        help="runs of each whole process (`badges verify`, `python -c pass`; default 11; "
        "--quick 5; 0 to skip)",
    )
    parser.add_argument(
        "--no-byte-compile",
        action="store_true",
        help="measure `badges verify` with whatever bytecode there is (by default the badges "
        "package is byte-compiled first, as an installed package is; with "
        "PYTHONDONTWRITEBYTECODE set and no bytecode, each process compiles the source)",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    process_runs = args.process_runs if args.process_runs is not None else (5 if args.quick else 11)
    target = args.target or (0.01 if args.quick else 0.12)
    warmup = 0.02 if args.quick else 0.2
    wall = time.perf_counter()

    # Keys, credentials, tokens. ------------------------------------------------------------
    kp = {alg: keys.KeyPair.generate(alg) for alg in ALGS}
    issuer_id: dict[str, str] = {}
    kid: dict[str, str] = {}
    for alg in ("EdDSA", "ES256"):
        issuer_id[alg] = dids.did_key(kp[alg].public)
        kid[alg] = dids.did_key_verification_method(kp[alg].public)
    issuer_id["RS256"], kid["RS256"] = RS_ISSUER, RS_KID
    rs_resolver = KeyResolver(documents={RS_JWKS: keys.jwks([(RS_KID, kp["RS256"].public)])})
    verifier = {
        "EdDSA": Verifier(),
        "ES256": Verifier(),
        "RS256": Verifier(key_resolver=rs_resolver),
    }
    di_verifier = Verifier()

    def first_sight(alg: str) -> Verifier:
        """A verifier that has never seen the credential; only its issuer's key is cached."""
        return Verifier(key_resolver=verifier[alg].key_resolver)

    def di_first_sight() -> object:
        clear_canonical_memo()
        return Verifier(key_resolver=di_verifier.key_resolver).verify(di_signed, now=NOW)

    cred = {alg: build_credential(issuer_id[alg]) for alg in ALGS}
    token = {alg: sign_jwt(cred[alg], kp[alg], kid=kid[alg]) for alg in ALGS}
    # Other learners' badges of the same achievement: more than the verifier's content memo
    # holds, so each is "first sight" for the content but its JSON-LD shape is known.
    pool_size = 300 if args.quick else 3000
    pool = {
        alg: [
            sign_jwt(build_credential(issuer_id[alg], i), kp[alg], kid=kid[alg])
            for i in range(1, pool_size + 1)
        ]
        for alg in ALGS
    }
    cursor = {alg: itertools.cycle(pool[alg]) for alg in ALGS}
    decoded = {alg: decode_jwt(token[alg]) for alg in ALGS}
    di_cred = cred["EdDSA"]  # the credential without a proof: also what is canonicalised
    di_signed = add_data_integrity_proof(
        di_cred, kp["EdDSA"], verification_method=kid["EdDSA"], created=VALID_FROM
    )
    proof_options = _proof_config(
        di_cred, {k: v for k, v in di_signed["proof"][0].items() if k != "proofValue"}
    )
    message = compact(di_cred)  # the raw-crypto message: the credential's compact JSON

    # Raw cryptography: nothing but the primitive, on the same message for every algorithm.
    ed_priv, ed_pub = kp["EdDSA"].private, kp["EdDSA"].private.public_key()
    ec_priv, ec_pub = kp["ES256"].private, kp["ES256"].private.public_key()
    rsa_priv, rsa_pub = kp["RS256"].private, kp["RS256"].private.public_key()
    ecdsa, pkcs1, sha256 = ec.ECDSA(hashes.SHA256()), padding.PKCS1v15(), hashes.SHA256()
    ed_sig = ed_priv.sign(message)
    ec_sig = ec_priv.sign(message, ecdsa)
    rsa_sig = rsa_priv.sign(message, pkcs1, sha256)
    raw_sign: dict[str, Callable[[], object]] = {
        "EdDSA": lambda: ed_priv.sign(message),
        "ES256": lambda: ec_priv.sign(message, ecdsa),
        "RS256": lambda: rsa_priv.sign(message, pkcs1, sha256),
    }
    raw_verify: dict[str, Callable[[], object]] = {
        "EdDSA": lambda: ed_pub.verify(ed_sig, message),
        "ES256": lambda: ec_pub.verify(ec_sig, message, ecdsa),
        "RS256": lambda: rsa_pub.verify(rsa_sig, message, pkcs1, sha256),
    }
    pyld_options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": default_loader(),
    }

    # Sanity first: everything verifies, and our canonical form is pyld's. -------------------
    problems: list[str] = []
    valid: dict[str, bool] = {}
    checks: list[tuple[str, Verifier, Any]] = [
        *((f"VC-JWT {alg}", verifier[alg], token[alg]) for alg in ALGS),
        ("DI eddsa-rdfc-2022", di_verifier, di_signed),
    ]
    for name, v, source in checks:
        report = v.verify(source, now=NOW)
        valid[name] = report.verified
        if not report.verified:
            problems.append(f"{name} does not verify as valid ({report.verdict.value})")
            print(f"!! {name}: the verdict is {report.verdict.value}; the report:")
            print(
                json.dumps({**report.to_dict(), "credential": "..."}, indent=2, ensure_ascii=False)
            )
    if canonicalize(di_cred) != pyld_jsonld.normalize(di_cred, dict(pyld_options)):
        problems.append("badges.jsonld.canonicalize differs from pyld's URDNA2015 output")
        print("!! badges.jsonld.canonicalize(credential) != pyld.jsonld.normalize(credential)")

    # The benchmarks, each next to its baseline in every round. -----------------------------
    benches: list[Bench] = []

    def add(
        key: str,
        label: str,
        group: str,
        fn: Callable[[], object],
        baseline: str | None = None,
        short: str = "",
    ) -> None:
        benches.append(Bench(key, label, short or label, group, fn, baseline))

    for alg in ALGS:
        raw = RAW_NAMES[alg]
        add(f"raw.sign.{alg}", f"raw {raw} sign", "raw", raw_sign[alg], short=f"raw {raw} sign")
        add(
            f"jwt.sign.{alg}",
            f"VC-JWT {alg} sign_jwt",
            "jwt",
            lambda alg=alg: sign_jwt(cred[alg], kp[alg], kid=kid[alg]),
            f"raw.sign.{alg}",
        )
        add(
            f"raw.verify.{alg}",
            f"raw {raw} verify",
            "raw",
            raw_verify[alg],
            short=f"raw {raw} verify",
        )
        if alg != JWT_FIRST_SIGHT_FLOOR:
            # the first-sight target's floor, timed next to this algorithm's verify in
            # every round as every baseline is (a row eight rows away is another moment)
            floor_raw = RAW_NAMES[JWT_FIRST_SIGHT_FLOOR]
            add(
                f"raw.verify_floor.{alg}",
                f"raw {floor_raw} verify (next to VC-JWT {alg})",
                "raw",
                raw_verify[JWT_FIRST_SIGHT_FLOOR],
                short=f"raw {floor_raw} verify",
            )
        add(
            f"jwt.verify.{alg}",
            f"VC-JWT {alg} full verify, first sight",
            "jwt",
            lambda alg=alg: first_sight(alg).verify(token[alg], now=NOW),
            f"raw.verify.{alg}",
        )
        add(
            f"jwt.verify_known.{alg}",
            f"VC-JWT {alg} full verify, new badge, known shape",
            "jwt",
            lambda alg=alg: verifier[alg].verify(next(cursor[alg]), now=NOW),
            f"raw.verify.{alg}",
        )
        add(
            f"jwt.verify_repeat.{alg}",
            f"VC-JWT {alg} full verify, seen before",
            "jwt",
            lambda alg=alg: verifier[alg].verify(token[alg], now=NOW),
            f"raw.verify.{alg}",
        )
    add(
        "canon.pyld",
        "pyld jsonld.normalize (URDNA2015)",
        "di",
        lambda: pyld_jsonld.normalize(di_cred, dict(pyld_options)),
        short="pyld normalize",
    )
    add(
        "canon.ours",
        "badges.jsonld.canonicalize",
        "di",
        lambda: (clear_canonical_memo(), canonicalize(di_cred)),
        "canon.pyld",
        short="badges canonicalize",
    )
    add(
        "di.sign",
        "DI add_data_integrity_proof",
        "di",
        lambda: (
            clear_canonical_memo(),
            add_data_integrity_proof(
                di_cred, kp["EdDSA"], verification_method=kid["EdDSA"], created=VALID_FROM
            ),
        ),
        "canon.pyld",
    )
    add(
        "di.verify",
        "DI full verify, first sight",
        "di",
        di_first_sight,
        "canon.pyld",
    )
    add(
        "di.verify_repeat",
        "DI full verify, seen before",
        "di",
        lambda: di_verifier.verify(di_signed, now=NOW),
        "canon.pyld",
    )

    # Pieces of sign_jwt and of a full verify, timed alone (for the breakdowns).
    payload_json = {alg: compact({**cred[alg], **registered_claims(cred[alg])}) for alg in ALGS}
    jwt_cred = credential_from_payload(decoded["EdDSA"].payload)
    add(
        "part.claims",
        "registered_claims (iss, jti, nbf, exp)",
        "part",
        lambda: registered_claims(cred["EdDSA"]),
    )
    add(
        "part.dumps",
        "compact JSON of the payload (orjson)",
        "part",
        lambda: compact_bytes({**cred["EdDSA"], **registered_claims(cred["EdDSA"])}),
    )
    add("part.b64", "b64url_encode(payload)", "part", lambda: b64url_encode(payload_json["EdDSA"]))
    for alg in ALGS:
        add(
            f"part.keysign.{alg}",
            f"KeyPair.sign {alg} (JWS form, signing input)",
            "part",
            lambda alg=alg: kp[alg].sign(decoded[alg].signing_input),
        )
    add(
        "part.looks",
        "looks_like_jwt (verifier's format sniff)",
        "part",
        lambda: looks_like_jwt(token["EdDSA"]),
    )
    add(
        "part.schema",
        "schema_errors(AchievementCredential schema)",
        "part",
        lambda: schema_errors(jwt_cred, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA),
    )
    add(
        "part.expand",
        "expand_strict (the context check)",
        "part",
        lambda: expand_strict(jwt_cred, default_loader()),
        short="expand_strict",
    )
    add(
        "part.fast_context",
        "context_certainly_ok (compiled contexts, fast path)",
        "part",
        lambda: context_certainly_ok(jwt_cred, default_loader()),
        short="context_certainly_ok",
    )
    add(
        "part.to_quads",
        "compiled.to_quads (the credential's RDF, compiled contexts)",
        "part",
        lambda: to_quads(di_cred, default_loader()),
    )
    di_quads = to_quads(di_cred, default_loader())
    assert di_quads is not None, "the compiled path does not settle the benchmark credential"
    add(
        "part.rdfc",
        "rdfc.canonical_nquads (first-degree RDFC-1.0 of those quads)",
        "part",
        lambda: canonical_nquads(di_quads),
    )
    add(
        "part.canon_proof",
        "canonicalize(DI proof options)",
        "part",
        lambda: (clear_canonical_memo(), canonicalize(proof_options)),
    )
    for alg in ALGS:
        add(
            f"part.decode.{alg}",
            f"decode_jwt + credential_from_payload {alg}",
            "part",
            lambda alg=alg: credential_from_payload(decode_jwt(token[alg]).payload),
        )
        resolver = verifier[alg].key_resolver
        assert resolver is not None
        add(
            f"part.resolve.{alg}",
            f"KeyResolver.resolve {alg}",
            "part",
            lambda alg=alg, resolver=resolver: resolver.resolve(kid[alg], issuer_id=issuer_id[alg]),
        )
        add(
            f"part.sig.{alg}",
            f"PublicKey.verify {alg} (JWS form, signing input)",
            "part",
            lambda alg=alg: kp[alg].public.verify(
                decoded[alg].signature, decoded[alg].signing_input
            ),
        )

    mode = "quick (smoke test)" if args.quick else "full"
    log(
        f"bench_core: {mode} run, {len(benches)} benchmarks, {repeats} rounds of ~{target:g} s each"
    )
    run(benches, repeats=repeats, warmup=warmup, target=target)
    by_key = {b.key: b for b in benches}

    log("  openbadgeslib ...")
    obl = run_openbadgeslib(cred["EdDSA"], quick=args.quick, repeats=repeats, target=target)

    processes: dict[str, dict[str, Any]] | None = None
    bytecode = "as found (--no-byte-compile)"
    if process_runs > 0:
        log(f"  whole processes, {process_runs} runs ...")
        if not args.no_byte_compile:
            try:
                bytecode = byte_compile()
            except (OSError, RuntimeError) as exc:
                problems.append(f"byte-compiling badges: {exc}")
        with tempfile.TemporaryDirectory() as folder:
            files = {
                "badges verify badge.jwt (VC-JWT EdDSA)": Path(folder) / "badge.jwt",
                "badges verify badge.json (DI eddsa-rdfc-2022)": Path(folder) / "badge.json",
            }
            paths = list(files.values())
            paths[0].write_text(token["EdDSA"] + "\n", "utf-8")
            paths[1].write_text(json.dumps(di_signed, indent=2, ensure_ascii=False), "utf-8")
            try:
                processes = run_processes(files, runs=process_runs, now=NOW)
            except (OSError, RuntimeError) as exc:
                problems.append(f"`badges verify` as a process: {exc}")

    # The table. -----------------------------------------------------------------------------
    def row(label: str, us: float, r: str, base: str, spread: float) -> str:
        return f"{label:<50} {us:>10.1f} {1e6 / us:>9.0f} {r:>8}  {base:<28} {spread * 100:>5.0f}%"

    header = f"{'benchmark':<50} {'µs/op':>10} {'ops/s':>9} {'ratio':>8}  {'(vs baseline)':<28} {'spread':>6}"
    print()
    print(
        "Open Badges core benchmark"
        + (" -- QUICK: smoke test, numbers are rough" if args.quick else "")
    )
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpu, "
        f"cryptography {cryptography.__version__}, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"credential: {len(message)} bytes of compact JSON (raw crypto signs exactly these bytes); "
        f"VC-JWT {len(token['EdDSA'])} chars (EdDSA)"
    )
    print(
        f"times: median of {repeats} interleaved rounds; ratio: median of the per-round ratios; "
        "spread: (max-min)/median"
    )
    titles = {
        "raw": "raw cryptography (the baselines)",
        "jwt": "VC-JWT, ours",
        "di": "Data Integrity eddsa-rdfc-2022, ours, and JSON-LD canonicalisation",
        "part": "pieces of sign_jwt and of a full verify, timed alone",
    }
    for group, title in titles.items():
        print()
        print(f"-- {title}")
        print(header)
        for b in benches:
            if b.group == group:
                r = f"{ratio(by_key, b.key, b.baseline):.2f}x" if b.baseline else "-"
                base = by_key[b.baseline].short if b.baseline else ""
                print(row(b.label, b.median * 1e6, r, base, b.spread))

    print()
    print("-- openbadgeslib (independent Python OB 3.0 library; JWT-VC; its own process)")
    if obl is None:
        print("openbadgeslib: not installed (skipped)")
    elif "error" in obl:
        print(f"openbadgeslib ({obl['where']}): the timing script failed: {obl['error']}")
    else:
        print(f"from {obl['where']}")
        print(header)
        per_alg = obl.get("algorithms") or {obl["algorithm"]: obl}
        for alg, numbers in per_alg.items():
            if "verify_vs_raw" in numbers:
                print(
                    f"  openbadgeslib {alg} verify = {numbers['verify_vs_raw']:.2f}x its raw "
                    f"verify (interleaved in its process); ours (first sight) = "
                    f"{ratio(by_key, f'jwt.verify.{alg}', f'raw.verify.{alg}'):.2f}x"
                )
            for op in ("sign", "verify"):
                us = numbers[f"{op}_us"]
                label = f"openbadgeslib {obl['version']} {alg} {op}"
                if alg in ALGS:
                    base = by_key[f"raw.{op}.{alg}"]
                    print(
                        row(
                            label,
                            us,
                            f"{us / (base.median * 1e6):.2f}x",
                            base.short,
                            numbers[f"{op}_spread"],
                        )
                    )
                else:
                    print(row(label, us, "-", "", numbers[f"{op}_spread"]))
        for note in obl.get("notes", []):
            print(f"  note: {note}")
        print("  (ratios against this process's raw baselines: indicative only)")

    # Targets. ------------------------------------------------------------------------------
    # PASS/MISS only for what issue 15 asks; every other ratio is printed as "info", with
    # the bar it is usually held to (none of them decides anything).
    targets: list[dict[str, Any]] = []
    floor = JWT_FIRST_SIGHT_FLOOR
    for alg in ALGS:
        # the issue's target: each algorithm's first-sight verify within 3x the raw
        # Ed25519 verify (timed next to it in every round)
        base = f"raw.verify.{alg}" if alg == floor else f"raw.verify_floor.{alg}"
        value = ratio(by_key, f"jwt.verify.{alg}", base)
        targets.append(
            {
                "name": f"VC-JWT {alg} verify (first sight) / raw {RAW_NAMES[floor]} verify",
                "ratio": value,
                "limit": JWT_VERIFY_TARGET,
                "status": "PASS"
                if value <= JWT_VERIFY_TARGET and valid[f"VC-JWT {alg}"]
                else "MISS",
            }
        )
    for alg in ALGS:
        for op, raw_op, limit, what in (
            ("sign", "sign", JWT_SIGN_TARGET, "sign"),
            ("verify", "verify", JWT_VERIFY_TARGET, "verify (first sight)"),
            ("verify_known", "verify", JWT_VERIFY_TARGET, "verify (new badge, known shape)"),
            ("verify_repeat", "verify", JWT_VERIFY_TARGET, "verify (seen before)"),
        ):
            if op == "verify" and alg == floor:
                continue  # that one is the target above
            targets.append(
                {
                    "name": f"VC-JWT {alg} {what} / raw {RAW_NAMES[alg]} {raw_op}",
                    "ratio": ratio(by_key, f"jwt.{op}.{alg}", f"raw.{raw_op}.{alg}"),
                    "limit": limit,
                    "status": "info",
                }
            )
    obl_algs: dict[str, Any] = {}
    if obl is not None and "error" not in obl:
        obl_algs = obl.get("algorithms") or {obl["algorithm"]: obl}
    for alg in ALGS:
        if alg not in obl_algs:
            continue
        # Each side as a multiple of the raw signature check timed next to it in its own
        # process (their µs come from another process and moment: not comparable here).
        ours = ratio(by_key, f"jwt.verify.{alg}", f"raw.verify.{alg}")
        theirs = obl_algs[alg].get("verify_vs_raw")
        if theirs is None:  # an older obl_timing.py: the µs, indicative only
            ours = by_key[f"jwt.verify.{alg}"].median * 1e6
            theirs = obl_algs[alg]["verify_us"]
        targets.append(
            {
                "name": f"VC-JWT {alg} verify (first sight) / openbadgeslib's",
                "ratio": ours / theirs,
                "limit": 1.0,
                "status": "PASS" if ours < theirs and valid[f"VC-JWT {alg}"] else "MISS",
            }
        )
    if processes is not None:
        for name, entry in processes.items():
            if name == "python -c pass":
                continue
            targets.append(
                {
                    "name": f"{name.split(' (')[0]} / python -c pass",
                    "ratio": entry["ratio"],
                    "limit": CLI_TARGET,
                    "status": "PASS" if entry["ratio"] <= CLI_TARGET else "MISS",
                }
            )
    di_targets: list[dict[str, Any]] = []
    di_ratios = {
        "sign_vs_pyld": ratio(by_key, "di.sign", "canon.pyld"),
        "verify_vs_pyld": ratio(by_key, "di.verify", "canon.pyld"),
        "verify_repeat_vs_pyld": ratio(by_key, "di.verify_repeat", "canon.pyld"),
        "ours_vs_pyld_canonicalize": ratio(by_key, "canon.ours", "canon.pyld"),
    }
    if processes is not None:
        print()
        print(
            f"-- whole processes: wall time, median of {process_runs} runs (ratio: vs python -c pass); "
            f"badges package bytecode: {bytecode}"
        )
        for name, entry in processes.items():
            print(f"{name:<50} {entry['ms']:>8.1f} ms {entry['ratio']:>7.2f}x")
    print()
    print("-- targets (openbadgeslib: its own process, indicative)")
    for t in targets:
        bar = (
            f"(no target; usual bar {t['limit']:.0f}x)"
            if t["status"] == "info"
            else f"(target <= {t['limit']:.0f}x)"
        )
        print(f"{t['status']:<5} {t['name']:<58} {t['ratio']:>8.2f}x   {bar}")
    for key, what, note in (
        ("sign_vs_pyld", "DI sign", "canonicalises document + proof options, signs"),
        ("verify_vs_pyld", "DI verify (first sight)", "+ context check, schema, report"),
    ):
        speedup = 1 / di_ratios[key]
        status = (
            "PASS"
            if speedup >= DI_SPEEDUP_TARGET and valid["DI eddsa-rdfc-2022"]
            else "MILE"
            if speedup >= DI_SPEEDUP_MILESTONE and valid["DI eddsa-rdfc-2022"]
            else "MISS"
        )
        di_targets.append({"name": f"{what} vs pyld normalize", "speedup": speedup})
        print(
            f"{status:<5} {what + ' / pyld normalize':<32} {di_ratios[key]:>8.2f}x   "
            f"= {speedup:.1f}x faster (target >= {DI_SPEEDUP_TARGET:.0f}x faster, "
            f"milestone {DI_SPEEDUP_MILESTONE:.0f}x; {note})"
        )
    print(
        f"info  {'DI verify again / pyld normalize':<32} {di_ratios['verify_repeat_vs_pyld']:>8.2f}x   (no target; canonical form and structure checks memoised)"
    )
    for p in problems:
        print(f"FAIL  {p}")

    # Breakdowns. ---------------------------------------------------------------------------
    # Two views: each part timed alone (above), and the same parts timed inside full
    # verifies by wrapping them in timers (instrumented()). "other" = full minus the parts.
    def med(key: str) -> float:
        return by_key[key].median * 1e6

    def context_rows(inside: dict[str, float]) -> list[tuple[str, float | None, float | None]]:
        """The context check: the compiled-context walk, and strict expansion only when
        the walk could not settle it (then its "alone" time counts)."""
        fallback = inside.get("expand_strict")
        return [
            (
                "context settled by the compiled canonical form",
                None,
                inside.get("compiled_canonical"),
            ),
            (
                "context check (context_certainly_ok)",
                med("part.fast_context"),
                inside.get("context_certainly_ok"),
            ),
            (
                "context fallback (expand_strict)",
                med("part.expand") if fallback else None,
                fallback,
            ),
        ]

    breakdown: dict[str, Any] = {}
    for alg in ALGS:
        alone = {
            "registered_claims": med("part.claims"),
            "compact JSON of the payload": med("part.dumps"),
            "base64url(payload)": med("part.b64"),
            "KeyPair.sign (the signature)": med(f"part.keysign.{alg}"),
        }
        full = med(f"jwt.sign.{alg}")
        alone["other"] = full - sum(alone.values())
        breakdown[f"VC-JWT {alg} sign"] = {
            "full_us": full,
            "parts": {k: {"alone_us": v, "in_verify_us": None} for k, v in alone.items()},
        }
    log("  instrumented verifies (for the breakdown) ...")
    for alg in ALGS:
        n = max(3, by_key[f"jwt.verify.{alg}"].n * 2)
        per_op, inside = instrumented(
            lambda alg=alg: first_sight(alg).verify(token[alg], now=NOW),
            verifier[alg].key_resolver,
            n,
        )
        rows = [
            ("format sniff (looks_like_jwt)", med("part.looks"), inside.get("looks_like_jwt")),
            (
                "decode_jwt (bounded JSON parse)",
                med(f"part.decode.{alg}"),
                inside.get("decode_jwt"),
            ),
            *context_rows(inside),
            ("schema check (schema_errors)", med("part.schema"), inside.get("schema_errors")),
            ("key resolution", med(f"part.resolve.{alg}"), inside.get("resolve")),
            (
                "signature (verify_jwt_signature)",
                med(f"part.sig.{alg}"),
                inside.get("verify_jwt_signature"),
            ),
            ("claim_mismatches", None, inside.get("claim_mismatches")),
        ]
        breakdown[f"VC-JWT {alg} verify"] = _with_other(med(f"jwt.verify.{alg}"), per_op, rows)
    n = max(3, by_key["di.verify"].n * 2)
    per_op, inside = instrumented(di_first_sight, di_verifier.key_resolver, n)
    canon_inside = inside.get("canonicalize", 0.0)
    rows = [
        *context_rows(inside),
        ("schema check (schema_errors)", med("part.schema"), inside.get("schema_errors")),
        ("key resolution", med("part.resolve.EdDSA"), inside.get("resolve")),
        (
            "canonicalize: document + proof options",
            med("canon.ours") + med("part.canon_proof"),
            canon_inside,
        ),
        (
            "rest of the proof check (hash, Ed25519)",
            med("raw.verify.EdDSA"),
            inside.get("verify_data_integrity_proof", 0.0) - canon_inside,
        ),
    ]
    breakdown["DI eddsa-rdfc-2022 verify"] = _with_other(med("di.verify"), per_op, rows)

    # (signing has no target of issue 15: its breakdown is shown with --breakdown)
    missed_sign = False
    missed_verify = any(
        t["status"] == "MISS" and t["name"].startswith("VC-JWT ") and " verify " in t["name"]
        for t in targets
    )
    shown = [
        name
        for name in breakdown
        if args.breakdown
        or (name.endswith(" sign") and missed_sign)
        or (name.endswith(" verify") and missed_verify)
    ]
    if shown:
        print()
        print("-- breakdown: µs per op; 'alone' = the part timed by itself (table above),")
        print("   'inside' = the same call timed inside full verifies (instrumented run)")
        for name in shown:
            entry = breakdown[name]
            inside_full = entry.get("instrumented_full_us")
            extra = f", instrumented run {inside_full:.1f} µs" if inside_full else ""
            print(f"{name}: {entry['full_us']:.1f} µs{extra}")
            print(f"    {'part':<40} {'alone':>9} {'inside':>9} {'share':>6}")
            base = inside_full or entry["full_us"]
            for part, v in entry["parts"].items():
                a = "-" if v["alone_us"] is None else f"{v['alone_us']:.1f}"
                i = v["in_verify_us"] if v["in_verify_us"] is not None else v["alone_us"]
                shown_i = "-" if v["in_verify_us"] is None else f"{v['in_verify_us']:.1f}"
                share = f"{i / base * 100:.1f}%" if i is not None else ""
                print(f"    {part:<40} {a:>9} {shown_i:>9} {share:>6}")
    else:
        print("(every target met; --breakdown shows where the time goes anyway)")

    elapsed = time.perf_counter() - wall
    print()
    print(f"wall time {elapsed:.1f} s")

    if args.json:
        out = {
            "meta": {
                "quick": args.quick,
                "repeats": repeats,
                "seconds_per_round": target,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "cryptography": cryptography.__version__,
                "load_average": os.getloadavg()[0],
                "credential_bytes": len(message),
                "jwt_chars": {alg: len(token[alg]) for alg in ALGS},
                "now": NOW.isoformat(),
                "wall_seconds": elapsed,
            },
            "valid": valid,
            "problems": problems,
            "results": {
                b.key: {
                    "label": b.label,
                    "us_per_op": b.median * 1e6,
                    "ops_per_s": 1 / b.median,
                    "n_per_round": b.n,
                    "samples_us": [s * 1e6 for s in b.samples],
                    "spread": b.spread,
                    "baseline": b.baseline,
                    "ratio": ratio(by_key, b.key, b.baseline) if b.baseline else None,
                }
                for b in benches
            },
            "targets": targets,
            "di_ratios": di_ratios,
            "di_targets": di_targets,
            "breakdown": breakdown,
            "openbadgeslib": obl if obl is not None else {"skipped": "not installed"},
            "processes": processes if processes is not None else {"skipped": "--process-runs 0"},
            "processes_bytecode": bytecode,
        }
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"wrote {args.json}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
