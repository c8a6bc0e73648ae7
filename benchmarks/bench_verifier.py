"""Verifier benchmark: verifications per second through the JSON API under gunicorn.

Run from the repository root:

    .venv/bin/python benchmarks/bench_verifier.py            # about a minute and a half
    .venv/bin/python benchmarks/bench_verifier.py --quick    # about twenty seconds, rough numbers

The verifier app runs as ``gunicorn -w 2 'verifier:create_app()'`` on a random 127.0.0.1
port, configured only through ``VERIFIER_*`` environment variables (throttling off). A load
generator on loopback POSTs one badge again and again to /api/v1/verify: ``wrk`` when it is
installed (Debian package ``wrk``), else Python threads with http.client. Three badges:

* a VC-JWT (EdDSA) and an eddsa-rdfc-2022 Data Integrity credential from a did:key issuer,
  so no verification fetches anything;
* a VC-JWT from did:web:school.example whose DID document and Bitstring status list a small
  loopback server answers (through VERIFIER_URL_MAP). After the warm-up every worker holds
  both in its caches, so the rows measure verification with warm caches, not fetching.

Each row is compared with the core verification alone, ``Verifier().verify(text)`` in this
process, one thread, on the very text the API is sent (measured before and after the server
runs, in the same run). Machines are shared: trust the ratios more than the absolute numbers.
Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from badges.dids import did_key, did_key_verification_method, did_web_document  # noqa: E402
from badges.fetch import Fetcher, FetchPolicy  # noqa: E402
from badges.identity import hashed_email  # noqa: E402
from badges.issuing import sign_credential  # noqa: E402
from badges.keys import KeyPair  # noqa: E402
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
from badges.resolve import KeyResolver  # noqa: E402
from badges.status import bitstring_status_list as bsl  # noqa: E402
from badges.verification import Verifier  # noqa: E402

ISSUED = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
SCHOOL = "https://school.example"
SCHOOL_DID = "did:web:school.example"
STATUS_URL = f"{SCHOOL}/status/1"


# --- the badges ------------------------------------------------------------------------------


def badge(issuer_id: str, status: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ASPnet school's badge with a rubric level, alignments, evidence and a hashed recipient."""
    levels = [
        RubricCriterionLevel(id=f"https://school.example/bsp/levels#{n.lower()}", name=n)
        for n in ("Emerging", "Developing", "Proficient", "Mastered")
    ]
    rubric = ResultDescription(
        id="https://school.example/bsp/levels",
        name="Monitoring skill",
        result_type="RubricCriterionLevel",
        rubric_criterion_level=levels,
    )
    achievement = Achievement(
        id="https://school.example/bsp",
        name="Baltic Sea Project: water monitor",
        description="Monitored the water quality of a Baltic Sea river for a school year.",
        criteria=Criteria(
            narrative="Four sampling sessions, readings shared with the BSP network."
        ),
        achievement_type="Badge",
        image=Image(id="https://school.example/bsp.png"),
        alignment=[
            Alignment(target_name=name, target_url=f"https://aspnet.example/pillars#{i}")
            for i, name in enumerate(
                (
                    "Learning to know",
                    "Learning to do",
                    "Learning to be",
                    "Learning to live together",
                ),
                1,
            )
        ],
        result_description=[rubric],
    )
    credential = OpenBadgeCredential(
        id="urn:uuid:0d4c8a52-6f7e-4b1a-9c2d-3e4f5a6b7c8d",
        name="Baltic Sea Project: water monitor",
        issuer=Profile(id=issuer_id, name="Vilniaus licėjus", url="https://school.example/"),
        valid_from=ISSUED,
        credential_subject=AchievementSubject(
            achievement=achievement,
            identifier=[hashed_email("ona@pupils.example", salt="5a1t")],
            result=[Result(result_description=rubric.id, achieved_level=levels[2].id)],
        ),
        evidence=[Evidence(id="https://school.example/bsp/2025/neris", name="Neris river report")],
        credential_status=status or [],
    )
    return credential.to_json()


@dataclass
class Case:
    label: str
    body: bytes  # the API request
    source: str  # the same badge as the core is given it


def cases(key: KeyPair) -> list[Case]:
    method = did_key_verification_method(key.public)
    jwt = sign_credential(
        badge(did_key(key.public)), key, verification_method=method, proof="jwt", created=ISSUED
    ).jwt
    di = sign_credential(
        badge(did_key(key.public)),
        key,
        verification_method=method,
        proof="data-integrity",
        created=ISSUED,
    ).json
    web = sign_credential(
        badge(SCHOOL_DID, status=[bsl.status_entry(STATUS_URL, 4242)]),
        key,
        verification_method=f"{SCHOOL_DID}#key-1",
        proof="jwt",
        created=ISSUED,
    ).jwt
    assert jwt is not None and di is not None and web is not None
    di_text = json.dumps(di, ensure_ascii=False)
    return [
        Case("VC-JWT, did:key", json.dumps({"jwt": jwt}).encode(), jwt),
        Case(
            "eddsa-rdfc-2022, did:key",
            json.dumps({"credential": di}, ensure_ascii=False).encode(),
            di_text,
        ),
        Case("VC-JWT, did:web + status list", json.dumps({"jwt": web}).encode(), web),
    ]


# --- the school's loopback server (DID document and status list) ------------------------------


def school_documents(key: KeyPair) -> dict[str, bytes]:
    bits = bsl.BitstringStatusList()
    bits.set(7)  # another learner's badge is revoked; ours is not
    unsigned = bsl.status_list_credential(
        list_url=STATUS_URL,
        issuer=SCHOOL_DID,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    status = sign_credential(
        unsigned,
        key,
        verification_method=f"{SCHOOL_DID}#key-1",
        proof="data-integrity",
        created=ISSUED,
    ).json
    did = did_web_document(SCHOOL_DID, [("key-1", key.public)])
    return {
        "/.well-known/did.json": json.dumps(did).encode(),
        "/status/1": json.dumps(status).encode(),
    }


@contextmanager
def school_server(documents: dict[str, bytes]) -> Iterator[tuple[str, list[str]]]:
    """Serve ``documents`` on 127.0.0.1; yields (base URL, the paths requested)."""
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            body = documents.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


# --- the core alone --------------------------------------------------------------------------


def core_rate(verify: Callable[[], Any], seconds: float) -> float:
    """Verifications per second, one thread, after a warm-up."""
    for _ in range(3):
        verify()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        verify()
        count += 1
    return count / elapsed


def core_verifier(base: str) -> Verifier:
    """The core as the app builds it: the guarded fetcher with the same map and allowlist."""
    fetcher = Fetcher(
        FetchPolicy(
            allowed_hosts=frozenset({base.removeprefix("http://")}),
            url_map=((f"{SCHOOL}/", f"{base}/"),),
        )
    )
    return Verifier(fetcher=fetcher, key_resolver=KeyResolver(fetcher))


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(base: str, workers: int, threads: int = 1) -> Iterator[int]:
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if binary is None:
        raise SystemExit("gunicorn is not installed (pip install -e .)")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VERIFIER_ALLOWED_HOSTS": base.removeprefix("http://"),
        "VERIFIER_URL_MAP": f"{SCHOOL}/={base}/",
        "VERIFIER_RATE_PER_MINUTE": "1000000000",  # the load generator is one client
        "VERIFIER_BURST": "1000000000",
    }
    extra = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else []
    process = subprocess.Popen(
        [
            binary,
            "-w",
            str(workers),
            *extra,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "verifier:create_app()",
        ],
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post(port: int, body: bytes) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/verify", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


# --- load generators -------------------------------------------------------------------------


@dataclass
class Load:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    errors: int


def wrk_load(port: int, body: bytes, seconds: float, connections: int, threads: int) -> Load:
    with tempfile.TemporaryDirectory() as folder:
        body_file = Path(folder) / "body.json"
        body_file.write_bytes(body)
        script = Path(folder) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'local f = assert(io.open("{body_file}", "rb"))\n'
            "wrk.body = f:read('*a')\nf:close()\n"
        )
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/api/v1/verify",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s*(\d+)", out))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += int(socket_errors.group(1)) + int(socket_errors.group(4))

    def percentile(name: str) -> float:
        match = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", out)
        if match is None:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return Load(rate, percentile("50"), percentile("99"), errors)


def python_load(port: int, body: bytes, seconds: float, connections: int) -> Load:
    """Threads with http.client (reconnecting when a sync worker closes the connection)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/verify", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    with lock:
                        errors[0] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    errors[0] += 1
                continue
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)

    begin = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - begin
    latencies.sort()
    if not latencies:
        return Load(0.0, float("nan"), float("nan"), errors[0])
    return Load(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors[0],
    )


# --- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, rough numbers")
    parser.add_argument("--seconds", type=float, help="load time per badge (default 10, quick 3)")
    parser.add_argument(
        "--connections", type=int, default=8, help="concurrent connections (default 8)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker; above 1 uses gthread workers, which keep connections alive",
    )
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    core_seconds = 1.0 if args.quick else 3.0
    loader = args.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "python"
    elif loader == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    key = KeyPair.generate()
    rows = cases(key)
    failures = 0
    with school_server(school_documents(key)) as (base, requested):
        verifier = core_verifier(base)
        for case in rows:
            report = verifier.verify(case.source)
            if not report.verified:
                print(f"{case.label}: the core does not say valid: {report.message}")
                return 1
        core_before = [
            core_rate(lambda c=case: verifier.verify(c.source), core_seconds) for case in rows
        ]  # type: ignore[misc]
        fetched_by_core = len(requested)

        results: list[Load] = []
        with gunicorn(base, args.workers, args.threads) as port:
            for case in rows:
                # warm every worker: parse caches, schema memo, DID document, status list
                for _ in range(8 * args.workers):
                    status, answer = post(port, case.body)
                    if status != 200 or answer.get("verdict") != "valid":
                        print(f"{case.label}: the API answered {status} {answer.get('message')!r}")
                        failures += 1
                        break

                def run_load(duration: float, case: Case = case) -> Load:
                    if loader == "wrk":
                        return wrk_load(port, case.body, duration, args.connections, threads=1)
                    return python_load(port, case.body, duration, args.connections)

                run_load(1.0)  # untimed: let both workers and the CPU settle under load
                results.append(run_load(seconds))
        fetched_by_server = len(requested) - fetched_by_core
        core_after = [
            core_rate(lambda c=case: verifier.verify(c.source), core_seconds) for case in rows
        ]  # type: ignore[misc]

    kind = f"gthread workers, {args.threads} threads each" if args.threads > 1 else "sync workers"
    print(
        f"verifier API under gunicorn -w {args.workers} ({kind}) on 127.0.0.1, "
        f"{os.cpu_count()} CPUs; load: {loader}, {args.connections} connections, {seconds:g} s per badge"
    )
    print(
        "core alone: Verifier().verify(text) in this process, one thread, before and after the server run"
    )
    print()
    header = f"{'badge':32} {'core/s':>8} {'API req/s':>10} {'API/core':>9} {'per worker':>11} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    print(header)
    print("-" * len(header))
    for case, before, after, load in zip(rows, core_before, core_after, results, strict=True):
        core = statistics.mean([before, after])
        ratio = load.rate / core if core else float("nan")
        print(
            f"{case.label:32} {core:8.0f} {load.rate:10.0f} {ratio:9.2f} {ratio / args.workers:11.2f} "
            f"{load.p50_ms:7.1f} {load.p99_ms:7.1f} {load.errors:6d}"
        )
        if abs(before - after) / max(before, after) > 0.2:
            print(
                f"  (core rate drifted {before:.0f} -> {after:.0f}/s: the machine was busy; run again)"
            )
        failures += load.errors > 0
    print()
    print(
        f"documents the school server served to the {args.workers} workers during the run: "
        f"{fetched_by_server} (warm caches: at most one DID document and one status list per worker)"
    )
    print(
        "API/core > 1 means the workers together beat one in-process verifier; per worker = API/core / workers."
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
