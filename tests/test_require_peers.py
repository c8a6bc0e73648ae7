"""tests/require_peers.py: with BADGES_REQUIRE_PEERS=1, a skipped interop or browser test
fails where node/npm or Chromium are on PATH; otherwise a skip stays a skip.

Each case runs pytest in a subprocess on a small test file of its own, with PATH set to a
folder holding only the (fake, never run) tools the case says are installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parents[1]

TESTS = """
import pytest

@pytest.mark.interop
def test_interop_skips():
    pytest.skip("node and npm are not installed, so bakery cannot run")

@pytest.mark.e2e
def test_browser_skips():
    pytest.skip("Debian's chromium is not installed")

@pytest.fixture
def browser():
    pytest.skip("no browser in the fixture")

@pytest.mark.e2e
def test_browser_fixture_skips(browser):
    pass

@pytest.mark.interop
@pytest.mark.skipif(True, reason="a skip mark")
def test_interop_marked_skip():
    pass

def test_plain_skips():
    pytest.skip("nothing to do with peers")

@pytest.mark.interop
@pytest.mark.xfail(reason="known", strict=True)
def test_interop_xfails():
    assert False

@pytest.mark.interop
def test_interop_passes():
    pass

@pytest.mark.a11y
def test_a11y_skips():
    pytest.skip("node and npm are not installed, so axe cannot run")
"""

INI = """[pytest]
markers =
    interop: interop
    e2e: browser
    a11y: axe-core in the browser
"""


def run(tmp_path: Path, tools: list[str], env_value: str | None) -> dict[str, str]:
    """Outcome ('passed', 'failed', 'skipped', 'error', 'xfailed') of each test, by name,
    and the output under the key ``output``."""
    (tmp_path / "test_cases.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text(INI)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        path = bin_dir / tool
        path.write_text("#!/bin/sh\nexit 1\n")
        path.chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BADGES_REQUIRE_PEERS", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")
    }
    env["PATH"] = str(bin_dir)
    env["PYTHONPATH"] = str(ROOT)
    # only the plugin under test (-p below) and pytest's own: the installed plugins
    # (xdist, hypothesis...) play no part in it, and loading them was most of each run
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if env_value is not None:
        env["BADGES_REQUIRE_PEERS"] = env_value
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.require_peers",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "-rA",
            "-q",
            "--junitxml=report.xml",
            "test_cases.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcomes: dict[str, str] = {"output": result.stdout + result.stderr}
    outcomes["exit"] = str(result.returncode)
    for case in ElementTree.parse(tmp_path / "report.xml").iter("testcase"):
        children = {child.tag: child for child in case}
        if "error" in children:
            outcome = "error"
        elif "failure" in children:
            outcome = "failed"
        elif "skipped" in children:
            kind = children["skipped"].get("type", "")
            outcome = "xfail" if kind == "pytest.xfail" else "skipped"
        else:
            outcome = "passed"
        outcomes[case.get("name", "")] = outcome
    return outcomes


SKIPPING = {
    "test_interop_skips",
    "test_browser_skips",
    "test_browser_fixture_skips",
    "test_interop_marked_skip",
    "test_plain_skips",
    "test_a11y_skips",
}


ALL_TOOLS = ["node", "npm", "chromium"]


def test_with_the_tools_and_the_variable_a_peer_test_skip_fails(tmp_path):
    outcomes = run(tmp_path, ALL_TOOLS, "1")
    assert outcomes["exit"] == "1", outcomes["output"]
    output = outcomes["output"]
    assert outcomes["test_interop_skips"] == "failed", output
    assert outcomes["test_browser_skips"] == "failed", output
    # a skip mark or a fixture's skip happens in the setup: it fails there (an error)
    assert outcomes["test_interop_marked_skip"] == "error", output
    assert outcomes["test_browser_fixture_skips"] == "error", output
    # why it skipped is said
    assert "skipped although node, npm are on PATH and BADGES_REQUIRE_PEERS=1" in output
    assert "node and npm are not installed, so bakery cannot run" in output
    assert "skipped although chromium or chromium-browser is on PATH" in output
    assert "no browser in the fixture" in output
    # the accessibility checks need all three
    assert outcomes["test_a11y_skips"] == "failed", output
    assert "skipped although node, npm, chromium or chromium-browser are on PATH" in output
    # others are untouched
    assert outcomes["test_plain_skips"] == "skipped", output
    assert outcomes["test_interop_xfails"] == "xfail", output
    assert outcomes["test_interop_passes"] == "passed", output


@pytest.mark.parametrize("value", [None, "", "0", "no"])
def test_without_the_variable_a_skip_stays_a_skip(tmp_path, value):
    outcomes = run(tmp_path, ALL_TOOLS, value)
    assert outcomes["exit"] == "0", outcomes["output"]
    for name in SKIPPING:
        assert outcomes[name] == "skipped", outcomes["output"]


def test_without_the_tools_a_skip_stays_a_skip(tmp_path):
    outcomes = run(tmp_path, [], "1")
    assert outcomes["exit"] == "0", outcomes["output"]
    for name in SKIPPING:
        assert outcomes[name] == "skipped", outcomes["output"]


def test_each_kind_needs_its_own_tools(tmp_path):
    # node without npm: interop skips may stay; chromium there: browser skips fail
    outcomes = run(tmp_path, ["node", "chromium-browser"], "true")
    output = outcomes["output"]
    assert outcomes["test_interop_skips"] == "skipped", output
    assert outcomes["test_interop_marked_skip"] == "skipped", output
    assert outcomes["test_browser_skips"] == "failed", output
    assert outcomes["test_browser_fixture_skips"] == "error", output
    assert outcomes["test_a11y_skips"] == "skipped", output  # no npm

    other = tmp_path / "other"
    other.mkdir()
    outcomes = run(other, ["node", "npm"], "1")
    output = outcomes["output"]
    assert outcomes["test_interop_skips"] == "failed", output
    assert outcomes["test_browser_skips"] == "skipped", output
    assert outcomes["test_browser_fixture_skips"] == "skipped", output
    assert outcomes["test_a11y_skips"] == "skipped", output  # no chromium


def test_ci_sets_the_variable():
    script = (ROOT / ".ci" / "run").read_text()
    assert "BADGES_REQUIRE_PEERS=1" in script
