"""The hostile-input sweep over every route of the issuer app (no input gets a 500): its
values, the world it runs in and its helpers, shared by the sweep's test modules
(test_hostile_sweep.py: path parts and the JSON API; test_hostile_sweep_queries.py;
test_hostile_sweep_forms.py), which pytest-xdist runs side by side.

Every rule of ``app.url_map`` (all its methods) is called as a platform admin (logged in,
with a valid CSRF token) and, under /api/v1, with a valid API token, with hostile values
in each path part, in every query parameter the views read, in every form field and file
the views read, and (for the JSON API) as malformed JSON, wrong content types and JSON
fields of the wrong type. Each answer must be below 500 and carry no traceback.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from issuer.api import document
from issuer.models import Achievement, Learner, Organisation, SigningKey, User
from issuer.services import accounts, jobs, learners, tokens
from issuer.services.awards import AwardInput
from tests.hostile_inputs import (
    HOSTILE,
    HUGE,
    Sweep,
    sweep_client,
)

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
GOOD_BODIES["LearnerJob"] = {"learners": [GOOD_BODIES["Learner"]]}
HEADER_HOSTILE = [v for v in HOSTILE if not any(c in v for c in "\r\n\x00") and len(v) < 8_000]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = DOC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def request_schemas(op: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, schema) of each object a request body may be (a oneOf gives several)."""
    if "requestBody" not in op:
        return []
    schema = resolve(op["requestBody"])["content"]["application/json"]["schema"]
    options = schema.get("oneOf") or schema.get("anyOf") or [schema]
    return [(option["$ref"].rsplit("/", 1)[-1], resolve(option)) for option in options]


def hostile_bodies(name: str, schema: dict[str, Any], value: Any) -> list[Any]:
    """Each property of ``schema`` set to ``value``: alone, among good ones, and (for an
    array of objects) inside a good item."""
    good = GOOD_BODIES[name]
    bodies: list[Any] = []
    for prop, prop_schema in schema.get("properties", {}).items():
        bodies += [{prop: value}, good | {prop: value}]
        items = resolve(resolve(prop_schema).get("items", {}))
        for inner in items.get("properties", {}):
            item = (good.get(prop) or [{}])[0]
            if isinstance(item, dict):
                bodies.append(good | {prop: [item | {inner: value}]})
    return bodies


def log_in(app: Flask, database: Any, user: User, learner: Any = None) -> FlaskClient:
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
        job, _new = jobs.submit_class_award(  # a class waiting for a worker (not dispatched)
            session,
            org=org,
            achievement=session.get_one(Achievement, achievement.id),
            rows=[AwardInput(learner_name="Jonas", learner_email="jonas@sweep.example")],
            request_key="sweep-job",
            skip_earlier=False,
            first_row=1,
            actor=None,
            created_by=None,
            language="en",
        )
        job_id = job.public_id
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
            "job_id": job_id,
        },
        "centre": centre.slug,
        "achievement_public_id": achievement.public_id,
    }


def routes(app: Flask) -> list[tuple[Any, list[str]]]:
    rules = []
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        rules.append((rule, methods))
    return rules


def path_for(rule: Any, world: dict[str, Any], override: tuple[str, str] | None = None) -> str:
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


def sweep_for(app: Flask, database: Any, world: dict[str, Any], rule: Any) -> Sweep:
    client = log_in(app, database, world["admin"], world["learner"])
    api = rule.rule.startswith("/api/")
    return Sweep(
        app, client, {"Authorization": f"Bearer {world['secret']}"} if api else {}, FORM_BASELINE
    )
