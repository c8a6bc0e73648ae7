"""Helpers for the JSON API tests: a client that checks every answer against the OpenAPI
document the app serves, and the document's schemas resolved with ``referencing``; the
request bodies and token helper the API tests share (their fixtures are in conftest.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from issuer.api import document
from issuer.db import Database
from issuer.models import AuditEvent, Organisation
from issuer.services import idempotency, tokens

DOC = document()
URI = "urn:issuer:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(URI, DRAFT202012.create_resource(DOC))
METHODS = ("get", "put", "post", "patch", "delete")
# (method, path template, status) of every response checked against the document
CHECKED: set[tuple[str, str, int]] = set()
SECRET = re.compile(r"ob_[A-Za-z0-9_-]{43}")
AWARDS = "/achievements/{achievement_id}/awards"
ACHIEVEMENT = {
    "name": "Baltic Sea Project",
    "description": "Monitored the water quality of a Baltic river for a season.",
    "criteria_md": "Took **ten** samples and reported them.",
    "levels": ["Emerging", "Developing", "Proficient", "Mastered"],
    "tags": ["water", "science"],
    "validity_days": 730,
}


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _resolve(node: dict[str, Any], path: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Follow a local ``$ref`` (e.g. to #/components/responses/X) to its node and path."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        path = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        node = DOC
        for part in path:
            node = node[part]
    return node, path


def operation(method: str, template: str) -> dict[str, Any]:
    assert template in DOC["paths"], f"{template} is not in the OpenAPI document"
    item = DOC["paths"][template]
    assert method.lower() in item, f"{method} {template} is not in the OpenAPI document"
    op: dict[str, Any] = item[method.lower()]
    return op


def response_schema_pointer(method: str, template: str, status: int) -> str:
    op = operation(method, template)
    responses = op["responses"]
    key = str(status) if str(status) in responses else "default"
    # "default" stands only for the unexpected (500): every status a client can provoke is named
    assert key in responses and (key != "default" or status >= 500), (
        f"{method} {template} does not document the status {status}"
    )
    node, path = _resolve(responses[key], ["paths", template, method.lower(), "responses", key])
    assert "application/json" in node.get("content", {}), (
        f"{method} {template} {status}: no JSON content"
    )
    return f"{URI}#/" + "/".join(
        _escape(p) for p in [*path, "content", "application/json", "schema"]
    )


def request_schema_pointer(method: str, template: str) -> str | None:
    op = operation(method, template)
    if "requestBody" not in op:
        return None
    path = [
        "paths",
        template,
        method.lower(),
        "requestBody",
        "content",
        "application/json",
        "schema",
    ]
    return f"{URI}#/" + "/".join(_escape(p) for p in path)


def schema_errors(pointer: str, value: Any) -> list[str]:
    validator = Draft202012Validator(
        {"$ref": pointer}, registry=REGISTRY, format_checker=FormatChecker()
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)
    ]


def check_response(method: str, template: str, response: Any) -> Any:
    """Validate ``response`` (a Flask test response) against the document; its JSON body."""
    assert response.mimetype == "application/json", (response.status_code, response.data[:300])
    body = json.loads(response.data)
    pointer = response_schema_pointer(method, template, response.status_code)
    errors = schema_errors(pointer, body)
    assert not errors, (method, template, response.status_code, errors[:5])
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    CHECKED.add((method.upper(), template, response.status_code))
    return body


def documented_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), template)
        for template, item in DOC["paths"].items()
        for method in item
        if method in METHODS
    }


class Api:
    """A test client for /api/v1 with a bearer token; every answer is checked against the
    OpenAPI document, and every request body that succeeds against its request schema."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def call(
        self,
        method: str,
        template: str,
        *,
        json_body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        token: str | None = "default",
        **params: str,
    ) -> Any:
        sent = dict(headers or {})
        bearer = self.token if token == "default" else token
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        data = raw
        if json_body is not None:
            data = json.dumps(json_body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        response = self.client.open(
            "/api/v1" + template.format(**params),
            method=method,
            data=data,
            headers=sent,
            query_string=query,
        )
        check_response(method, template, response)
        pointer = request_schema_pointer(method, template)
        if response.status_code < 400 and pointer is not None and json_body is not None:
            errors = schema_errors(pointer, json_body)
            assert not errors, (method, template, "request body the server accepted", errors[:5])
        return response

    def get(self, template: str, **kwargs: Any) -> Any:
        return self.call("GET", template, **kwargs)

    def post(self, template: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", template, json_body=body, **kwargs)

    def patch(self, template: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("PATCH", template, json_body=body, **kwargs)


def learners(count: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {"name": f"Learner {i:03d}", "email": f"learner{i:03d}@pupils.example"}
        for i in range(start, start + count)
    ]


def token_for(database: Database, org: Organisation, name: str = "Moodle") -> str:
    """A new API token of ``org``; its secret."""
    with database.transaction() as session:
        _token, secret = tokens.create_token(
            session, org=session.get(Organisation, org.id), name=name
        )
    return secret


def audit_rows(database: Database) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@contextmanager
def alive(database: Database, claim: idempotency.Claim) -> Iterator[None]:
    """The request that made ``claim`` still running: its transaction holds the claim (on
    PostgreSQL a retry tells a live request from a lost one by that lock)."""
    with database.transaction() as session:
        idempotency.hold(session, claim)
        yield
