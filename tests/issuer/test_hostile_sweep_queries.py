"""A hostile-input sweep over every route of the issuer app: every query parameter the
views read set to each hostile value, on every rule and method (tests/issuer/sweep.py)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.hostile_inputs import HOSTILE
from tests.issuer.sweep import (
    QUERY_NAMES,
    path_for,
    routes,
    sweep_for,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.slow


def test_hostile_query_parameters_on_every_route(app, database, world):
    failures: list[str] = []
    for rule, methods in routes(app):
        sweep = sweep_for(app, database, world, rule)
        path = path_for(rule, world)
        for value in HOSTILE:
            query = urlencode(dict.fromkeys(QUERY_NAMES, value))
            for method in methods:
                sweep.send(
                    method,
                    f"{path}?{query}",
                    data={"csrf_token": "sweep-csrf"}
                    if method == "POST" and not rule.rule.startswith("/api/")
                    else None,
                )
        failures += sweep.failures
    assert not failures, "\n".join(failures[:40])
