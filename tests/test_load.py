"""The load test's smoke run: benchmarks/load/run.py --smoke, so that the driver does not rot.

About twenty seconds of load on a small database of its own (dropped afterwards), a class of
200 awarded as a job meanwhile (and one of 100 beside it in the same school). It needs the load extra (``pip install -e '.[load]'``),
PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379; it skips, saying why, where one
is missing, unless ``BADGES_REQUIRE_LOAD=1`` (.ci/run's load step), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.load, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def _missing() -> str | None:
    for module in ("locust", "psutil"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[load]')"
    for name, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            return f"{name} does not answer on 127.0.0.1:{port}"
    return None


def test_smoke_run_serves_every_route_without_errors_and_awards_the_class() -> None:
    missing = _missing()
    if missing:
        if os.environ.get("BADGES_REQUIRE_LOAD") == "1":
            pytest.fail(f"the load smoke run cannot run: {missing}")
        pytest.skip(missing)
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "load" / "run.py"),
            "--smoke",
            "--db",
            f"load_smoke_{os.getpid()}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    routes = dict(
        re.findall(r"^((?:issuer|verifier): [^\n]+?|all routes)\s+(\d+)\s+[\d.]+\s", out, re.M)
    )
    for route in (
        "issuer: badge page (HTML)",
        "issuer: credential JSON",
        "issuer: status list",
        "verifier: POST a VC-JWT",
        "verifier: GET ?url=badge link",
    ):
        assert int(routes[route]) > 0, out
    assert re.search(r"^all routes\s+\d+\s+[\d.]+\s+\d+\s+\d+\s+0$", out, re.M), out
    assert re.search(r"class award job: 200 learners, [\d.]+ s = [\d.]+ awards/s", out), out
    assert re.search(r"job / core signing alone = \d+\.\d\d", out), out
    assert re.search(r"issuer workers: [\d.]+ s for \d+ requests = [\d.]+ ms a request", out), out
    assert re.search(r"badges workers: [\d.]+ s for 300 awards = [\d.]+ ms an award", out), out
    assert len(re.findall(r"^  issuer worker \d+: ", out, re.M)) == 4, out
    assert out.rstrip().endswith("OK"), out
