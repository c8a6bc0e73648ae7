"""`badges verifier` runs the verifier alone; bad options are one line and exit 2."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time

ROOT_CMD = [sys.executable, "-m", "badges.cli"]


def test_badges_verifier_serves_the_app_alone():
    proc = subprocess.Popen(
        [*ROOT_CMD, "verifier", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        port = int(re.search(r":(\d+)/", line).group(1))
        deadline = time.monotonic() + 60  # a hang guard: a loaded machine starts slowly
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/openapi.json")
                response = conn.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status == 200 and b'"openapi"' in response.read()
        conn.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # also closes the pipes


def test_a_bad_map_option_is_one_line_and_exit_2():
    done = subprocess.run(
        [*ROOT_CMD, "verifier", "--map", "no-equals-sign"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert (
        done.stderr.count("\n") == 1
        and "badges verifier:" in done.stderr
        and "Traceback" not in done.stderr
    )


def test_an_unreadable_registry_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "registry.json"
    bad.write_text('{"name": "LT", "issuers": {"Vilniaus licėjus": "a name is no identifier"}}')
    done = subprocess.run(
        [*ROOT_CMD, "verifier", "--registry", str(bad)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "is not a DID or an http(s) URL" in done.stderr
