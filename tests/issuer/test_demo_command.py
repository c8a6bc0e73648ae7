"""``badges serve --demo`` as a newcomer meets it: it prints the logins, a few demo badges and
a command that checks one of them; that command, run exactly as printed, says VALID.

The demo runs as its own process on a free loopback port with its own data folder (SQLite,
whatever DATABASE_URL says), so it shares nothing with the other tests.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent  # the venv's bin folder, where `badges` is installed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("ISSUER_")
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _serve(data: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    command = [
        "badges",
        "serve",
        "--demo",
        "--data",
        str(data),
        "--port",
        str(port),
        "--verifier-port",
        "0",
        *extra,
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )


def _printed_command(lines: list[str]) -> str:
    at = lines.index("  check one from the command line:")
    return lines[at + 1].strip()


def _read_until_ready(server: subprocess.Popen[str], deadline: float) -> list[str]:
    lines: list[str] = []
    assert server.stdout is not None
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl+C"):
            return lines
    server.kill()
    _, err = server.communicate(timeout=30)
    raise AssertionError(f"the demo did not start: {lines} {err}")


def test_the_printed_command_checks_a_demo_badge(tmp_path):
    port = _free_port()
    server = _serve(tmp_path / "data", port)
    try:
        lines = _read_until_ready(server, time.monotonic() + 180)
        assert (
            "  demo logins (password 'aspnet-demo-2026'): admin@demo.example (platform admin), "
            "coordinator@demo.example (centre admin), teacher@demo.example (teacher)" in lines
        )
        assert (
            f"  demo learner (same password): ona@learners.example, portfolio at "
            f"http://127.0.0.1:{port}/portfolio/" in lines
        )
        # the learner's share link is printed and its page answers (loopback only)
        shared = [
            line for line in lines if line.startswith("  the demo learner's shared portfolio: ")
        ]
        assert len(shared) == 1, lines
        share_url = shared[0].split(": ", 1)[1]
        assert share_url.startswith(f"http://127.0.0.1:{port}/s/")
        with urllib.request.urlopen(share_url, timeout=60) as answer:
            assert answer.status == 200
            page = answer.read().decode()
        assert "Ona Petraitytė" in page and "Baltic Sea Project: water monitor" in page
        badges = [line.split(": ", 1)[1] for line in lines if line.startswith("  a demo badge: ")]
        assert len(badges) == 3 and all(
            b.startswith(f"http://127.0.0.1:{port}/credentials/") for b in badges
        )
        command = _printed_command(lines)
        assert command.startswith(f"badges verify {badges[0]} ")
        result = subprocess.run(
            command,
            shell=True,
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(),
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("VALID: "), result.stdout
        assert "Baltic Sea Project: water monitor" in result.stdout
        # without the printed options the same badge cannot be checked (loopback is refused)
        bare = subprocess.run(
            shlex.split(command)[:3],
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(),
            cwd=tmp_path,
        )
        assert bare.returncode == 1 and "allowlisted" in bare.stdout
    finally:
        server.terminate()
        server.communicate(timeout=30)  # waits, and closes the pipes
    # a second start (the demo already exists) prints the same command again
    again = subprocess.run(
        [
            "badges",
            "serve",
            "--demo",
            "--data",
            str(tmp_path / "data"),
            "--port",
            str(port),
            "--verifier-port",
            "0",
            "--check",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(),
    )
    assert again.returncode == 0, again.stderr
    assert _printed_command(again.stdout.splitlines()) == command
    assert f"  the demo learner's shared portfolio: {share_url}" in again.stdout.splitlines()
