"""A skipped interop or browser test is a failure where it could have run (CI).

The interop tests (marked ``interop``) skip where node and npm are missing, the browser
tests (marked ``e2e``) where Chromium is, and the accessibility checks (marked ``a11y``:
axe-core from npm in Chromium) where any of the three is: right on a developer's machine without them, but
on a machine that has them a skip means the test silently checked nothing (a peer that no
longer installs, a driver that breaks on a new Node). With ``BADGES_REQUIRE_PEERS=1`` (set
by .ci/run), such a skip is reported as a failure, saying why it skipped, whenever the
tools the test needs are on PATH. Without the variable, or without the tools, a skip stays
a skip. Loaded by tests/conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator

import pytest

ENV = "BADGES_REQUIRE_PEERS"

# what each kind of test needs: every name of a group must be on PATH (one of its spellings)
NEEDS: dict[str, list[tuple[str, ...]]] = {
    "interop": [("node",), ("npm",)],
    "e2e": [("chromium", "chromium-browser")],
    # the accessibility checks: axe-core from npm, injected into pages in Chromium
    "a11y": [("node",), ("npm",), ("chromium", "chromium-browser")],
}


def required() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def present(spellings: tuple[str, ...]) -> bool:
    return any(shutil.which(name) is not None for name in spellings)


def must_run(item: pytest.Item) -> list[str]:
    """The kinds (``interop``, ``e2e``) of ITEM whose tools are all on PATH."""
    return [
        kind
        for kind, needs in NEEDS.items()
        if item.get_closest_marker(kind) is not None and all(present(n) for n in needs)
    ]


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if not report.skipped or hasattr(report, "wasxfail") or not required():
        return report
    kinds = must_run(item)
    if kinds:
        tools = ", ".join(" or ".join(n) for kind in kinds for n in NEEDS[kind])
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} ({'/'.join(kinds)}) skipped although {tools} "
            f"{'is' if tools.count(',') == 0 else 'are'} on PATH and {ENV}=1: "
            f"{skip_reason(report)}"
        )
    return report
