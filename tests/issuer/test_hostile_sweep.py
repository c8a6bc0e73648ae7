"""A hostile-input sweep over every route of the issuer app: no input gets a 500.

Every rule of ``app.url_map`` (all its methods) is called as a platform admin (logged in,
with a valid CSRF token) and, under /api/v1, with a valid API token, with hostile values
in each path part, in every query parameter the views read, in every form field and file
the views read, and (for the JSON API) as malformed JSON, wrong content types and JSON
fields of the wrong type. Each answer must be below 500 and carry no traceback.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from issuer.api import document
from issuer.models import Learner, Organisation, SigningKey, User
from issuer.services import accounts, learners, tokens
from tests.hostile_inputs import (
    FILES,
    HOSTILE,
    HUGE,
    JSON_HOSTILE,
    PATH_HOSTILE,
    RAW_BODIES,
    Sweep,
    sweep_client,
)

pytestmark = pytest.mark.slow
DOC = document()

QUERY_NAMES = [
    "page",
    "q",
    "year",
    "school",
    "format",
    "next",
    "action",
    "limit",
    "cursor",
    "status",
    "created",
    "achievement",
    "learner_email",
    "url",
    "recipient",
    "since",
    "until",
    "purpose",
]
FORM_NAMES = [
    "achievement_type",
    "action",
    "activity_end",
    "activity_start",
    "admin_email",
    "alg",
    "alignment_ids",
    "comment",
    "confirm",
    "country",
    "criteria",
    "criteria_md",
    "csv_b64",
    "description",
    "email",
    "evidence_narrative",
    "evidence_url",
    "expires",
    "external_alignments",
    "form_id",
    "image_caption",
    "input",
    "items",
    "key_alg",
    "kind",
    "language",
    "learner_email",
    "learner_name",
    "level",
    "levels",
    "name",
    "narrative",
    "parent",
    "password",
    "reason",
    "recipient",
    "request_key",
    "role",
    "slug",
    "status_method",
    "tags",
    "target",
    "target_url",
    "url",
    "validity_days",
    "withdrawn",
    "year",
]
# good values for every field, so that one hostile field at a time gets past the others
FORM_BASELINE = {
    "achievement_type": "Badge",
    "action": "",
    "activity_end": "2026-06-15",
    "activity_start": "2026-04-01",
    "admin_email": "head@new.example",
    "alg": "EdDSA",
    "alignment_ids": "",
    "comment": "Well done.",
    "confirm": "yes",
    "country": "LT",
    "criteria": "Do it.",
    "criteria_md": "Take **ten** samples.",
    "csv_b64": "bmFtZSxlbWFpbApPbmEsb25hQHB1cGlscy5leGFtcGxl",
    "description": "A good badge.",
    "email": "new@sweep.example",
    "evidence_narrative": "Samples.",
    "evidence_url": "https://blog.example/ona",
    "expires": "2027-09-01",
    "external_alignments": "ESCO | https://esco.example/1",
    "form_id": "f1",
    "image_caption": "A wave",
    "input": "https://badges.test/credentials/x",
    "items": "A1 | One",
    "key_alg": "EdDSA",
    "kind": "school",
    "language": "lt",
    "learner_email": "ona@pupils.example",
    "learner_name": "Ona Petraitytė",
    "level": "Mastered",
    "levels": "Emerging\nMastered",
    "name": "Sweep badge",
    "narrative": "Good work.",
    "parent": "",
    "password": "correct horse battery",
    "reason": "A mistake.",
    "recipient": "ona@pupils.example",
    "request_key": "r1",
    "role": "teacher",
    "slug": "new-school",
    "status_method": "bitstring",
    "tags": "water, science",
    "target": "",
    "target_url": "https://school.example/",
    "url": "https://frameworks.example/",
    "validity_days": "30",
    "withdrawn": "",
    "year": "2026",
}
# the values that pass a form's own checks most easily and then meet the database
FOCUSED = ["x" * 10_000, HUGE, str(2**31), "0001-01-01"]
FILE_NAMES = ["image", "csv", "evidence_file", "file"]
# a good example of each request schema of the OpenAPI document, so that one hostile
# property at a time gets past the others
GOOD_BODIES: dict[str, dict[str, Any]] = {
    "AchievementCreate": {
        "name": "Sweep badge",
        "description": "A good badge.",
        "criteria_md": "Take samples.",
        "levels": ["Emerging", "Mastered"],
        "tags": ["water"],
        "validity_days": 30,
        "language": "lt",
        "external_alignments": [{"name": "ESCO", "url": "https://esco.example/1"}],
    },
    "AchievementUpdate": {"name": "Sweep badge, renamed"},
    "Learner": {
        "name": "Ona",
        "email": "ona@pupils.example",
        "level": "Mastered",
        "narrative": "Good.",
        "evidence_url": "https://blog.example/ona",
        "evidence_narrative": "Samples.",
        "activity_start": "2026-04-01",
        "activity_end": "2026-06-15",
    },
    "Reason": {"reason": "A mistake."},
    "Revocation": {"reason": "A mistake."},
}
GOOD_BODIES["LearnerBatch"] = {"learners": [GOOD_BODIES["Learner"]]}
HEADER_HOSTILE = [v for v in HOSTILE if not any(c in v for c in "\r\n\x00") and len(v) < 8_000]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = DOC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _request_schemas(op: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, schema) of each object a request body may be (a oneOf gives several)."""
    if "requestBody" not in op:
        return []
    schema = _resolve(op["requestBody"])["content"]["application/json"]["schema"]
    options = schema.get("oneOf") or schema.get("anyOf") or [schema]
    return [(option["$ref"].rsplit("/", 1)[-1], _resolve(option)) for option in options]


def _hostile_bodies(name: str, schema: dict[str, Any], value: Any) -> list[Any]:
    """Each property of ``schema`` set to ``value``: alone, among good ones, and (for an
    array of objects) inside a good item."""
    good = GOOD_BODIES[name]
    bodies: list[Any] = []
    for prop, prop_schema in schema.get("properties", {}).items():
        bodies += [{prop: value}, good | {prop: value}]
        items = _resolve(_resolve(prop_schema).get("items", {}))
        for inner in items.get("properties", {}):
            item = (good.get(prop) or [{}])[0]
            if isinstance(item, dict):
                bodies.append(good | {prop: [item | {inner: value}]})
    return bodies


def _log_in(app: Flask, database: Any, user: User, learner: Any = None) -> FlaskClient:
    """A client with a live login session and a CSRF token (no login form: the sweep must
    not spend the address's login allowance); with ``learner``, a learner session in the
    same cookie too, so that the portfolio's pages and forms are swept signed in."""
    client = sweep_client(app)
    with database.transaction() as session:
        token = accounts.start_login_session(
            session, user=session.get(User, user.id), lifetime=timedelta(hours=1)
        )
        if learner is not None:
            learner_token = learners.start_learner_session(
                session, learner=session.get(Learner, learner.id), lifetime=timedelta(hours=1)
            )
    with client.session_transaction() as sess:
        sess["login"] = token
        sess["csrf"] = "sweep-csrf"
        if learner is not None:
            sess["learner"] = learner_token
    return client


@pytest.fixture
def world(
    app, database, make_org, make_user, make_achievement, award_to, make_learner
) -> dict[str, Any]:
    centre = make_org("sweep-centre", "Sweep Centre", kind="centre")
    school = make_org("sweep-school", "Sweep School", parent=centre)
    admin = make_user("root@sweep.example", admin=True)
    achievement = make_achievement(school)
    award = award_to(school, achievement)
    learner = make_learner()  # the award's address, confirmed: the badge is in the portfolio
    with database.transaction() as session:
        org = session.get(Organisation, school.id)
        token, secret = tokens.create_token(session, org=org, name="Sweep")
        invitation = accounts.invite(session, org=org, email="new@sweep.example", role="teacher")
        kid = session.scalars(select(SigningKey.kid).where(SigningKey.org_id == school.id)).first()
        email_id = session.get(Learner, learner.id).emails[0].id
    return {
        "admin": admin,
        "learner": learner,
        "secret": secret,
        "values": {
            "slug": school.slug,
            "achievement_id": achievement.public_id,
            "award_id": award.public_id,
            "public_id": award.public_id,
            "token_id": str(token.id),
            "kid": kid or "key-1",
            "sha256": "0" * 64,
            "purpose": "revocation",
            "token": invitation,
            "filename": "style.css",
            "file_id": "no-such-file",
            "badge_id": "no-such-badge",
            "email_id": str(email_id),
        },
        "centre": centre.slug,
        "achievement_public_id": achievement.public_id,
    }


def _rules(app: Flask) -> list[tuple[Any, list[str]]]:
    rules = []
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        rules.append((rule, methods))
    return rules


def _path(rule: Any, world: dict[str, Any], override: tuple[str, str] | None = None) -> str:
    values = dict(world["values"])
    if rule.endpoint.startswith("network."):
        values["slug"] = world["centre"]
    if rule.endpoint == "public.achievement":
        values["public_id"] = world["achievement_public_id"]
    if override:
        values[override[0]] = override[1]

    def part(match: re.Match[str]) -> str:
        return quote(values[match.group(2)], safe="")

    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", part, rule.rule)


def _sweep_for(app: Flask, database: Any, world: dict[str, Any], rule: Any) -> Sweep:
    client = _log_in(app, database, world["admin"], world["learner"])
    api = rule.rule.startswith("/api/")
    return Sweep(
        app, client, {"Authorization": f"Bearer {world['secret']}"} if api else {}, FORM_BASELINE
    )


def test_hostile_path_parts_on_every_route(app, database, world):
    failures: list[str] = []
    sent = 0
    for rule, methods in _rules(app):
        if not rule.arguments:
            continue
        sweep = _sweep_for(app, database, world, rule)
        for name in sorted(rule.arguments):
            for value in PATH_HOSTILE:
                for method in methods:
                    sweep.send(
                        method,
                        _path(rule, world, (name, value)),
                        data={"csrf_token": "sweep-csrf"}
                        if method == "POST" and not rule.rule.startswith("/api/")
                        else None,
                    )
        failures += sweep.failures
        sent += sweep.sent
    assert sent > 2_000
    assert not failures, "\n".join(failures[:40])


def test_hostile_query_parameters_on_every_route(app, database, world):
    failures: list[str] = []
    for rule, methods in _rules(app):
        sweep = _sweep_for(app, database, world, rule)
        path = _path(rule, world)
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


def test_hostile_form_fields_and_files_on_every_form(app, database, world):
    failures: list[str] = []
    for rule, methods in _rules(app):
        if "POST" not in methods or rule.rule.startswith("/api/") or rule.endpoint == "auth.logout":
            continue
        sweep = _sweep_for(app, database, world, rule)
        path = _path(rule, world)
        for value in HOSTILE:
            form = dict.fromkeys(FORM_NAMES, value) | {"csrf_token": "sweep-csrf"}
            sweep.send("POST", path, data=form)
            # a field given twice, and list-valued fields with the hostile value among good ones
            sweep.send(
                "POST",
                path,
                data=MultiDict(
                    [
                        ("csrf_token", "sweep-csrf"),
                        ("alignment_ids", "1"),
                        ("alignment_ids", value),
                        ("name", value),
                        ("name", "x"),
                    ]
                ),
            )
        for field in FORM_NAMES:  # one hostile field among good ones
            for value in FOCUSED:
                form = FORM_BASELINE | {field: value, "csrf_token": "sweep-csrf"}
                if field != "request_key":
                    form["request_key"] = f"r{sweep.sent}"
                sweep.send("POST", path, data=form)
        for content in FILES:
            form = dict.fromkeys(FORM_NAMES, "x") | {"csrf_token": "sweep-csrf"}
            for name in FILE_NAMES:
                form[name] = (io.BytesIO(content), "upload.svg")
            sweep.send("POST", path, data=form, content_type="multipart/form-data")
        # no or a wrong CSRF token, and bodies that are not forms
        sweep.send("POST", path, data={"name": "x"})
        sweep.send("POST", path, data={"csrf_token": "\x00" * 3})
        for body, content_type in RAW_BODIES:
            sweep.send(
                "POST",
                path,
                data=body,
                content_type=content_type,
                headers={"X-CSRF-Token": "sweep-csrf"},
            )
        failures += sweep.failures
    # and the login form, with no session at all
    anonymous = Sweep(app, sweep_client(app))
    for value in HOSTILE:
        with anonymous.client.session_transaction() as sess:
            sess["csrf"] = "c"
        anonymous.send(
            "POST",
            "/login",
            data={"email": value, "password": value, "csrf_token": "c"},
            environ_base={"REMOTE_ADDR": "198.51.100.99"},
        )
    failures += anonymous.failures
    assert not failures, "\n".join(failures[:40])


def test_hostile_json_on_every_api_route(app, database, world):
    """Driven by the app's own OpenAPI document: every documented operation, each query and
    header parameter, each property of each request schema (nested ones too), set to each
    hostile value; then raw bodies and broken authorisation on every API rule."""
    failures: list[str] = []
    covered: set[tuple[str, str]] = set()
    for rule, methods in _rules(app):
        if not rule.rule.startswith("/api/"):
            continue
        sweep = _sweep_for(app, database, world, rule)
        path = _path(rule, world)
        template = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in methods:
            op = DOC["paths"].get(template, {}).get(method.lower())
            assert op is not None, f"{method} {template} is not in the OpenAPI document"
            covered.add((method, template))
            parameters = [_resolve(p) for p in op.get("parameters", [])]
            schemas = _request_schemas(op)
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
                    for body in _hostile_bodies(name, schema, value):
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
