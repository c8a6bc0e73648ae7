"""A hostile-input sweep over every route of the issuer app: hostile path parts on every
rule, and hostile JSON, parameters, bodies and authorisation on every API operation. The
query and form sweeps are test_hostile_sweep_queries.py and test_hostile_sweep_forms.py
(modules of their own, so that pytest-xdist runs them beside this one); the values, the
world and the helpers are tests/issuer/sweep.py."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from tests.hostile_inputs import JSON_HOSTILE, PATH_HOSTILE, RAW_BODIES
from tests.issuer.sweep import (
    DOC,
    GOOD_BODIES,
    HEADER_HOSTILE,
    HOSTILE,
    hostile_bodies,
    path_for,
    request_schemas,
    resolve,
    routes,
    sweep_for,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.slow


def test_hostile_path_parts_on_every_route(app, database, world):
    failures: list[str] = []
    sent = 0
    for rule, methods in routes(app):
        if not rule.arguments:
            continue
        sweep = sweep_for(app, database, world, rule)
        for name in sorted(rule.arguments):
            for value in PATH_HOSTILE:
                for method in methods:
                    sweep.send(
                        method,
                        path_for(rule, world, (name, value)),
                        data={"csrf_token": "sweep-csrf"}
                        if method == "POST" and not rule.rule.startswith("/api/")
                        else None,
                    )
        failures += sweep.failures
        sent += sweep.sent
    assert sent > 2_000
    assert not failures, "\n".join(failures[:40])


def test_hostile_json_on_every_api_route(app, database, world):
    """Driven by the app's own OpenAPI document: every documented operation, each query and
    header parameter, each property of each request schema (nested ones too), set to each
    hostile value; then raw bodies and broken authorisation on every API rule."""
    failures: list[str] = []
    covered: set[tuple[str, str]] = set()
    for rule, methods in routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        sweep = sweep_for(app, database, world, rule)
        path = path_for(rule, world)
        template = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in methods:
            op = DOC["paths"].get(template, {}).get(method.lower())
            assert op is not None, f"{method} {template} is not in the OpenAPI document"
            covered.add((method, template))
            parameters = [resolve(p) for p in op.get("parameters", [])]
            schemas = request_schemas(op)
            good = GOOD_BODIES[schemas[0][0]] if schemas else None
            for parameter in parameters:
                for value in HOSTILE if parameter["in"] == "query" else HEADER_HOSTILE:
                    if parameter["in"] == "query":
                        sweep.send(
                            method, f"{path}?{urlencode({parameter['name']: value})}", json=good
                        )
                    elif parameter["in"] == "header":
                        sweep.send(method, path, json=good, headers={parameter["name"]: value})
            if not schemas:
                continue
            for body, content_type in RAW_BODIES:
                sweep.send(method, path, data=body, content_type=content_type)
            for value in JSON_HOSTILE:
                sweep.send(method, path, data=json.dumps(value), content_type="application/json")
                for name, schema in schemas:
                    for body in hostile_bodies(name, schema, value):
                        sweep.send(
                            method, path, data=json.dumps(body), content_type="application/json"
                        )
        # broken or foreign authorisation headers
        for header in (
            "Bearer",
            "Bearer \x00",
            "Bearer " + "x" * 10_000,
            "Basic Zm9vOmJhcg==",
            "Bearer ob_" + "ą" * 43,
        ):
            for method in methods:
                sweep.send(method, path, headers={"Authorization": header})
        failures += sweep.failures
    documented = {
        (m.upper(), p)
        for p, item in DOC["paths"].items()
        for m in item
        if m in ("get", "post", "patch", "put", "delete")
    }
    assert covered == documented
    assert not failures, "\n".join(failures[:40])
