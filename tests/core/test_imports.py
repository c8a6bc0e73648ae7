"""The architecture holds: no import cycles, and the import contracts of pyproject.toml.

An import cycle (module A imports B, which imports A, directly or through others, at
module level or inside a function) makes modules that cannot be understood, tested or
changed one at a time. import-linter's contracts (pyproject.toml, also run by .ci/run as
``lint-imports``) hold the layers; the cycle search here covers every module of the three
packages, which no single contract can.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("badges", "issuer", "verifier")


def cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing
    itself): each is a set of modules that import one another in a circle."""
    graph = {module: sorted(set(targets) & set(imports)) for module, targets in imports.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        # Tarjan's algorithm, iterative: (module, the index of its next import to follow)
        work = [(root, 0)]
        while work:
            module, position = work.pop()
            if position == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            targets = graph[module]
            if position < len(targets):
                work.append((module, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1 or module in graph[module]:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
    return found


def test_the_cycle_search_finds_cycles_and_only_cycles() -> None:
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": []}) == [["a", "b", "c"]]
    assert cycles({"a": ["a"], "b": []}) == [["a"]]
    assert cycles({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}) == []
    assert sorted(cycles({"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c", "a"]})) == [
        ["a", "b"],
        ["c", "d"],
    ]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_no_module_of_the_three_packages_is_in_an_import_cycle(graph: grimp.ImportGraph) -> None:
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    found = cycles(imports)
    shown = [
        " -> ".join(component)
        + ": "
        + "; ".join(
            f"{a} imports {b} (line {detail['line_number']})"
            for a in component
            for b in sorted(set(imports[a]) & set(component))
            for detail in graph.get_import_details(importer=a, imported=b)[:1]
        )
        for component in found
    ]
    assert not found, "import cycles:\n" + "\n".join(shown)


def test_the_verification_package_has_its_steps_in_modules_of_their_own(
    graph: grimp.ImportGraph,
) -> None:
    steps = graph.find_children("badges.verification.steps")
    for step in (
        "structure",
        "issuer",
        "proof",
        "dates",
        "status",
        "recipient",
        "endorsements",
        "ob2",
    ):
        assert f"badges.verification.steps.{step}" in steps
    # badges.ob2 keeps its import path but is no part of the pipeline (the old circle)
    assert not graph.chain_exists("badges.verification.pipeline", "badges.ob2")


def test_the_import_contracts_hold() -> None:
    # lint_imports configures logging with logging.config.dictConfig, whose default
    # disable_existing_loggers=True silences every logger that exists by then in this test
    # process (the issuer app's among them, so a later test in the same worker no longer saw
    # the demo's sign-in link in the log): put each logger back as it was.
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    disabled = {logger: logger.disabled for logger in loggers}
    try:
        assert (
            lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
            == 0
        )
    finally:
        for logger, was in disabled.items():
            logger.disabled = was


def test_every_view_module_is_held_by_the_views_contract():
    """A new page module joins the "views do not import one another" contract; only the
    shared helpers (common, forms, progress) may be imported by views."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"] == "The issuer's views do not import one another"
    )
    helpers = {"__init__", "common", "forms", "progress"}
    views = {
        f"issuer.views.{path.stem}"
        for path in (ROOT / "issuer" / "views").glob("*.py")
        if path.stem not in helpers
    }
    assert set(contract["modules"]) == views
