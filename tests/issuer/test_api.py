"""The JSON API used end to end by a test client, as a learning platform would use it.

Every answer is checked against the OpenAPI document the app serves (api_helpers.Api), and
the credentials it returns are verified by the core library against the DID documents and
status lists the issuer serves on a loopback port (and, in the interop test, by the
independent verifiers of tests/peers).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from badges.verification import Outcome, Verdict
from issuer.models import ApiToken, AuditEvent, Award, IdempotencyRecord, Organisation
from issuer.models.base import now_utc
from issuer.services import tokens
from issuer.services.awards import MAX_BATCH, AwardInput, award_badge
from issuer.urls import PublicUrls

from .api_helpers import (
    ACHIEVEMENT,
    AWARDS,
    CHECKED,
    DOC,
    SECRET,
    Api,
    audit_rows,
    check_response,
    documented_operations,
    learners,
    token_for,
)
from .conftest import BASE_URL, login, post


def assert_no_email(events: list[AuditEvent]) -> None:
    """No learner's address anywhere (the actor may be a member of staff, named by email)."""
    for event in events:
        text = json.dumps([event.subject, event.summary, event.details])
        assert "@" not in text, text
        assert "pupils.example" not in event.actor, event.actor


# -- the must-show -----------------------------------------------------------------------------


def test_the_api_end_to_end(client, database, school, make_user, make_verifier, table_counts):
    """A token made on the staff page; an achievement; 100 learners in one request with an
    Idempotency-Key; the retry changes nothing; the key with another body is refused; one
    badge revoked. Every credential verifies in the core library, the revoked one fails."""
    make_user("admin@lyceum.example", org=school, role="admin")
    assert login(client, "admin@lyceum.example").status_code == 302
    page = post(client, "/staff/vilnius-lyceum/tokens", {"name": "Moodle"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    [secret] = SECRET.findall(page.text)
    with database.transaction() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret.startswith(stored.prefix) and secret not in (stored.prefix, stored.name)
    api = Api(client, secret)

    created = api.post("/achievements", ACHIEVEMENT)
    assert created.status_code == 201
    achievement_id = created.json["id"]
    assert created.json["levels"] == ACHIEVEMENT["levels"] and created.json["version"] == 1

    body = {"learners": learners(100)}
    body["learners"][7]["level"] = "Proficient"
    key = {"Idempotency-Key": "moodle-course-42-2026-06"}
    first = api.post(AWARDS, body, achievement_id=achievement_id, headers=key)
    assert first.status_code == 201, first.json
    assert "Idempotent-Replayed" not in first.headers
    issued = first.json["awards"]
    assert first.json["count"] == 100 and len(issued) == 100
    assert [a["learner_name"] for a in issued] == [f"Learner {i:03d}" for i in range(100)]
    assert len({a["id"] for a in issued}) == 100
    for award in issued:
        assert award["status"] == "active" and award["status_purpose"] == "revocation"
        assert award["signed_as"] == ["data-integrity", "vc-jwt"]
        assert award["url"] == f"{BASE_URL}/credentials/{award['id']}"
        assert award["credential"]["id"] == award["url"]
        assert award["credential_jwt"].count(".") == 2
    counts = table_counts()
    assert counts["award"] == 100 and counts["outbox_message"] == 100

    # the retry: the same response, byte for byte, and nothing new
    again = api.post(AWARDS, body, achievement_id=achievement_id, headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.data == first.data
    # same key, the same learners in another order: another request
    reordered = {"learners": list(reversed(body["learners"]))}
    refused = api.post(AWARDS, reordered, achievement_id=achievement_id, headers=key)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "idempotency_key_reused"
    other = api.post(
        AWARDS, {"learners": learners(3, 500)}, achievement_id=achievement_id, headers=key
    )
    assert other.status_code == 422
    assert table_counts() == counts

    # revoke one
    victim = issued[42]
    revoked = api.post(
        "/awards/{award_id}/revoke", {"reason": "Awarded by mistake"}, award_id=victim["id"]
    )
    assert revoked.status_code == 200
    assert (
        revoked.json["status"] == "revoked"
        and revoked.json["revocation_reason"] == "Awarded by mistake"
    )
    twice = api.post("/awards/{award_id}/revoke", {"reason": "again"}, award_id=victim["id"])
    assert twice.status_code == 409 and twice.json["error"]["code"] == "conflict"

    # every credential returned verifies (both forms) through the served documents; but one
    verifier = make_verifier()
    for award in issued:
        for form in (award["credential"], award["credential_jwt"]):
            report = verifier.verify(
                form, recipient=f"learner{int(award['learner_name'][-3:]):03d}@pupils.example"
            )
            if award["id"] == victim["id"]:
                assert report.verdict is Verdict.INVALID
                status = report.check("status")
                assert status.outcome is Outcome.FAILED and "revoked" in status.message
                assert report.check("proof").outcome is Outcome.PASSED
            else:
                assert report.verdict is Verdict.VALID, report.to_dict()
                assert report.check("recipient").outcome is Outcome.PASSED
    # the level given to one learner is in its credential
    result = issued[7]["credential"]["credentialSubject"]["result"]
    assert result and result[0]["achievedLevel"].startswith(
        f"{BASE_URL}/achievements/{achievement_id}#level-"
    )

    # who did what: the token, through the API; never a learner's email
    events = audit_rows(database)
    actions = [e.action for e in events]
    assert actions == ["token.create", "achievement.create", "award.batch", "award.revoke"]
    assert_no_email(events)
    assert secret not in json.dumps([[e.summary, e.details, e.subject] for e in events])
    api_events = [e for e in events if e.via == "api"]
    assert len(api_events) == 3
    assert all(e.actor == f"API token Moodle ({stored.prefix}…)" for e in api_events)
    batch = next(e for e in events if e.action == "award.batch")
    assert batch.details["count"] == 100 and batch.details["awards"] == [a["id"] for a in issued]
    # the token's last use is noted
    with database.transaction() as session:
        assert session.scalars(select(ApiToken)).one().last_used_at is not None


@pytest.mark.interop
@pytest.mark.slow
def test_api_credentials_verify_in_verify_ob3(tmp_path, client, api, achievement_id, live_server):
    """All 100 credentials of one request, JSON and VC-JWT, in DCC verifier-core, Digital
    Bazaar vc and jose (all in one node process: verify_many); the revoked one fails."""
    from tests.core.test_interop import write
    from tests.peers import verify_many

    first = api.post(
        AWARDS,
        {"learners": learners(100)},
        achievement_id=achievement_id,
        headers={"Idempotency-Key": "interop"},
    )
    assert first.status_code == 201
    issued = first.json["awards"]
    victim = issued[50]
    assert (
        api.post(
            "/awards/{award_id}/revoke", {"reason": "Mistake"}, award_id=victim["id"]
        ).status_code
        == 200
    )
    mapping = ("--map", f"{BASE_URL}/={live_server.base}/")
    jobs = [
        (award, name, write(tmp_path, f"{number}-{name}", content))
        for number, award in enumerate(issued)
        for name, content in (("c.json", award["credential"]), ("c.jwt", award["credential_jwt"]))
    ]
    assert len(jobs) == 200
    reports = verify_many([path for _, _, path in jobs], *mapping)
    for (award, name, _path), report in zip(jobs, reports, strict=True):
        expected = award is not victim
        assert report["verified"] is expected, (
            award["id"],
            name,
            report["errors"],
            report.get("warnings"),
        )
        if not expected:
            assert any("revoked" in error for error in report["errors"]), report["errors"]


# -- authentication and scope -----------------------------------------------------------------


def test_requests_without_a_valid_token_are_401(client, database, school, api, achievement_id):
    anonymous = Api(client, None)
    for response in (
        anonymous.get("/achievements"),
        anonymous.post("/achievements", ACHIEVEMENT),
        anonymous.get("/awards"),
        api.get("/achievements", token="ob_" + "x" * 43),
        api.get("/achievements", token="not-even-our-format"),
    ):
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert (
        'error="invalid_token"' in api.get("/awards", token="ob_nope").headers["WWW-Authenticate"]
    )
    basic = client.get("/api/v1/achievements", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401 and basic.json["error"]["code"] == "unauthorized"
    # a cookie login does not open the API: only the bearer token does
    # (and the API never needs a CSRF token, since no cookie is used)

    # a revoked token stops working at once
    with database.transaction() as session:
        row = session.scalars(select(ApiToken)).one()
        tokens.revoke_token(session, org=session.get(Organisation, school.id), token_id=row.id)
    gone = api.get("/achievements")
    assert gone.status_code == 401 and "revoked" in gone.json["error"]["message"]
    assert api.post("/achievements", ACHIEVEMENT).status_code == 401
    assert (
        api.get("/achievements/{achievement_id}", achievement_id=achievement_id).status_code == 401
    )


def test_another_organisations_records_are_not_found(
    client, database, make_org, make_achievement, award_to, api, achievement_id, table_counts
):
    other = make_org("kaunas-gymnasium", "Kaunas Gymnasium")
    theirs = make_achievement(other, "Their badge")
    their_award = award_to(other, theirs, email="ieva@pupils.example", name="Ieva")
    mine = api.post(
        AWARDS, {"name": "Ona", "email": "ieva@pupils.example"}, achievement_id=achievement_id
    )
    assert mine.status_code == 201
    before = table_counts()
    answers = [
        api.get("/achievements/{achievement_id}", achievement_id=theirs.public_id),
        api.patch(
            "/achievements/{achievement_id}", {"name": "Mine now"}, achievement_id=theirs.public_id
        ),
        api.post(
            AWARDS, {"name": "X", "email": "x@pupils.example"}, achievement_id=theirs.public_id
        ),
        api.get("/awards/{award_id}", award_id=their_award.public_id),
        api.post("/awards/{award_id}/revoke", {"reason": "mine"}, award_id=their_award.public_id),
        api.post("/awards/{award_id}/suspend", award_id=their_award.public_id),
        api.post("/awards/{award_id}/unsuspend", award_id=their_award.public_id),
        api.get("/achievements/{achievement_id}", achievement_id="no-such-thing"),
    ]
    for response in answers:
        assert response.status_code == 404, response.json
        assert response.json["error"]["code"] == "not_found"
    assert table_counts() == before
    # lists and filters only ever show the token's organisation
    listed = api.get("/awards").json["awards"]
    assert [a["id"] for a in listed] == [mine.json["id"]]
    assert api.get("/awards", query={"email": "ieva@pupils.example"}).json["awards"] == listed
    assert api.get("/awards", query={"achievement": theirs.public_id}).json["awards"] == []
    assert [a["id"] for a in api.get("/achievements").json["achievements"]] == [achievement_id]
    # and their token sees theirs, not ours
    theirs_api = Api(client, token_for(database, other, "Their script"))
    assert [a["id"] for a in theirs_api.get("/awards").json["awards"]] == [their_award.public_id]
    assert theirs_api.get("/awards/{award_id}", award_id=mine.json["id"]).status_code == 404


def test_unknown_paths_and_methods_answer_in_json(client, api):
    missing = client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {api.token}"})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/achievements", headers={"Authorization": f"Bearer {api.token}"})
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"


# -- the OpenAPI document --------------------------------------------------------------------


def test_the_openapi_document_lists_every_route_and_no_other(app, client):
    served = client.get("/api/v1/openapi.json")  # no token needed
    assert served.status_code == 200 and served.mimetype == "application/json"
    document = served.json
    assert document["openapi"].startswith("3.1") and document["paths"] == DOC["paths"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An organisation's API token.",
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(method, template) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented_operations()
    # every schema in it is a valid JSON Schema (2020-12), every $ref resolves
    from jsonschema import Draft202012Validator

    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(DOC))
    for ref in refs:
        node: Any = DOC
        for part in ref.split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    # every operation says what it answers when unauthorised (but the document itself)
    for template, item in DOC["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            if op.get("security") == []:
                continue
            assert "401" in op["responses"], (method, template)


def test_every_documented_operation_was_checked_against_its_schema(
    client, database, make_org, api, achievement_id
):
    """A tour of the whole API; each answer is validated on the way (Api.call), and at the
    end every documented operation has had a success and an error answer checked."""
    CHECKED.clear()
    api.get("/openapi.json", token=None)
    api.get("/achievements")
    api.get("/achievements/{achievement_id}", achievement_id=achievement_id)
    api.patch("/achievements/{achievement_id}", {"tags": ["rivers"]}, achievement_id=achievement_id)
    single = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement_id
    )
    api.post(AWARDS, {"learners": learners(2)}, achievement_id=achievement_id)
    api.get("/awards")
    api.get("/awards/{award_id}", award_id=single.json["id"])
    suspension_org = make_org(
        "suspending-school", "Suspending School", status_method="bitstring-suspension"
    )
    other = Api(client, token_for(database, suspension_org))
    made = other.post("/achievements", ACHIEVEMENT).json["id"]
    theirs = other.post(
        AWARDS, {"name": "Jonas", "email": "jonas@pupils.example"}, achievement_id=made
    ).json["id"]
    other.post("/awards/{award_id}/suspend", {"reason": "Under review"}, award_id=theirs)
    other.post("/awards/{award_id}/unsuspend", award_id=theirs)
    api.post("/awards/{award_id}/revoke", {"reason": "Mistake"}, award_id=single.json["id"])
    job = api.post(
        "/achievements/{achievement_id}/award-jobs",
        {"learners": learners(3, start=50)},
        achievement_id=achievement_id,
    )
    assert job.status_code == 202 and job.json["status"] == "queued"
    from issuer.jobqueue import runner

    runner(client.application).join()  # type: ignore[attr-defined]
    done = api.get("/jobs/{job_id}", job_id=job.json["id"])
    assert done.json["status"] == "done" and done.json["result"]["count"] == 3
    # the errors
    api.post(
        "/achievements/{achievement_id}/award-jobs", {"learners": []}, achievement_id=achievement_id
    )
    api.get("/jobs/{job_id}", job_id="nope")
    api.get("/achievements", query={"limit": "0"})
    api.get("/awards", query={"status": "lost"})
    api.get("/achievements", token=None)
    api.get("/awards", token=None)
    api.get("/achievements/{achievement_id}", achievement_id="nope")
    api.get("/awards/{award_id}", award_id="nope")
    api.patch("/achievements/{achievement_id}", {"name": ""}, achievement_id=achievement_id)
    api.post("/achievements", {"name": "No description"})
    api.post(AWARDS, {"learners": []}, achievement_id=achievement_id)
    api.post("/awards/{award_id}/revoke", {"reason": "again"}, award_id=single.json["id"])
    api.post("/awards/{award_id}/suspend", award_id=single.json["id"])
    api.post("/awards/{award_id}/unsuspend", award_id=single.json["id"])
    key = {"Idempotency-Key": "tour"}
    api.post("/achievements", ACHIEVEMENT, headers=key)
    api.post("/achievements", ACHIEVEMENT | {"name": "Other"}, headers=key)
    api.post(
        AWARDS,
        {"name": "A", "email": "a@pupils.example"},
        achievement_id=achievement_id,
        headers=key,
    )
    for method, template in documented_operations():
        statuses = {status for m, t, status in CHECKED if (m, t) == (method, template)}
        assert any(s < 300 for s in statuses), (method, template, statuses)
        if template != "/openapi.json":
            assert any(s >= 400 for s in statuses), (method, template, statuses)


# -- validation ---------------------------------------------------------------------------------


def test_bad_input_is_refused_field_by_field_and_changes_nothing(
    client, api, achievement_id, table_counts
):
    before = table_counts()
    missing = api.post("/achievements", {"name": "  "})
    assert missing.status_code == 400 and missing.json["error"]["code"] == "invalid_input"
    assert set(missing.json["error"]["fields"]) == {"name", "description"}
    typed = api.post(
        "/achievements", ACHIEVEMENT | {"levels": "one", "validity_days": "ten", "colour": "red"}
    )
    assert set(typed.json["error"]["fields"]) == {"levels", "validity_days", "colour"}
    assert typed.json["error"]["fields"]["colour"] == "Unknown field."
    bad_type = api.post(
        "/achievements", ACHIEVEMENT | {"achievement_type": "Trophy", "language": "English"}
    )
    assert set(bad_type.json["error"]["fields"]) == {"achievement_type", "language"}
    bad_image = api.post("/achievements", ACHIEVEMENT | {"image": "bm90IGFuIGltYWdl"})
    assert bad_image.status_code == 400 and "image" in bad_image.json["error"]["fields"]
    not_json = api.call("POST", "/achievements", raw=b'{"name": "x",')
    assert not_json.status_code == 400 and not_json.json["error"]["code"] == "invalid_json"
    duplicate_keys = api.call(
        "POST", "/achievements", raw=b'{"name": "a", "name": "b", "description": "c"}'
    )
    assert duplicate_keys.json["error"]["code"] == "invalid_json"
    a_list = api.post("/achievements", [ACHIEVEMENT])
    assert a_list.status_code == 400 and a_list.json["error"]["code"] == "invalid_json"

    rows = learners(4)
    rows[1]["email"] = "not an address"
    rows[2] = {"name": "Jonas", "email": rows[0]["email"]}  # the same learner twice
    rows[3] |= {"level": "Legendary", "activity_start": "yesterday", "shoe_size": "42"}
    batch = api.post(AWARDS, {"learners": rows}, achievement_id=achievement_id)
    assert batch.status_code == 400
    fields = batch.json["error"]["fields"]
    assert set(fields) == {
        "learners[1].email",
        "learners[3].shoe_size",
        "learners[3].level",
        "learners[3].activity_start",
    }
    del rows[3]["shoe_size"]
    batch = api.post(AWARDS, {"learners": rows}, achievement_id=achievement_id)
    fields = batch.json["error"]["fields"]
    assert set(fields) == {
        "learners[1].email",
        "learners[2].email",
        "learners[3].level",
        "learners[3].activity_start",
    }
    assert "row 1" in fields["learners[2].email"]  # names the first occurrence
    single = api.post(AWARDS, {"name": "", "email": "ona@"}, achievement_id=achievement_id)
    assert set(single.json["error"]["fields"]) == {"name", "email"}
    assert api.post(AWARDS, {"email": "ona@pupils.example"}, achievement_id=achievement_id).json[
        "error"
    ]["fields"] == {"name": "Required."}
    wrong_type = api.post(
        AWARDS, {"name": 7, "email": ["ona@pupils.example"]}, achievement_id=achievement_id
    )
    assert set(wrong_type.json["error"]["fields"]) == {"name", "email"}
    empty = api.post(AWARDS, {"learners": []}, achievement_id=achievement_id)
    assert empty.status_code == 400 and "learners" in empty.json["error"]["fields"]
    too_many = api.post(
        AWARDS, {"learners": learners(MAX_BATCH + 1)}, achievement_id=achievement_id
    )
    assert too_many.status_code == 400 and str(MAX_BATCH) in too_many.json["error"]["message"]
    mixed = api.post(
        AWARDS, {"learners": learners(1), "name": "Ona"}, achievement_id=achievement_id
    )
    assert mixed.json["error"]["fields"] == {"name": "Unknown field."}
    no_reason = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement_id
    )
    assert no_reason.status_code == 201
    before_revoke = table_counts()
    for body in ({}, {"reason": "   "}, {"reason": 12}, {"reason": "x" * 501}):
        refused = api.post("/awards/{award_id}/revoke", body, award_id=no_reason.json["id"])
        assert refused.status_code == 400 and "reason" in refused.json["error"]["fields"], body
    assert table_counts() == before_revoke
    bad_key = api.post("/achievements", ACHIEVEMENT, headers={"Idempotency-Key": "k" * 201})
    assert bad_key.status_code == 400 and "Idempotency-Key" in bad_key.json["error"]["fields"]
    assert table_counts()["achievement"] == before["achievement"]
    assert table_counts()["award"] == before["award"] + 1


# -- reading: achievements, awards, filters and pages ---------------------------------------


def test_achievements_are_read_and_updated(api, client, achievement_id, database):
    got = api.get("/achievements/{achievement_id}", achievement_id=achievement_id)
    assert got.json["name"] == ACHIEVEMENT["name"] and got.json["validity_days"] == 730
    earlier = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement_id
    )
    changed = api.patch(
        "/achievements/{achievement_id}",
        {
            "name": "Baltic Sea Project 2026",
            "validity_days": None,
            "external_alignments": [
                {
                    "name": "UNESCO ESD",
                    "url": "https://www.unesco.org/en/sustainable-development/education",
                }
            ],
        },
        achievement_id=achievement_id,
    )
    assert changed.status_code == 200
    assert changed.json["name"] == "Baltic Sea Project 2026" and changed.json["version"] == 2
    assert changed.json["validity_days"] is None
    assert changed.json["levels"] == ACHIEVEMENT["levels"]  # not given: kept
    assert changed.json["description"] == ACHIEVEMENT["description"]
    later = api.post(
        AWARDS, {"name": "Jonas", "email": "jonas@pupils.example"}, achievement_id=achievement_id
    )
    assert (
        later.json["credential"]["credentialSubject"]["achievement"]["name"]
        == "Baltic Sea Project 2026"
    )
    assert later.json["valid_until"] is None
    # the badge awarded before keeps what it was signed with
    again = api.get("/awards/{award_id}", award_id=earlier.json["id"])
    assert again.json["credential"] == earlier.json["credential"]
    assert (
        again.json["credential"]["credentialSubject"]["achievement"]["name"] == "Baltic Sea Project"
    )
    events = [e for e in audit_rows(database) if e.action == "achievement.update"]
    assert len(events) == 1 and events[0].details["fields"] == [
        "external_alignments",
        "name",
        "validity_days",
    ]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#0a6"/></svg>'
    pictured = api.patch(
        "/achievements/{achievement_id}",
        {"image": base64.b64encode(svg).decode(), "image_caption": "A green disc"},
        achievement_id=achievement_id,
    )
    assert pictured.status_code == 200 and pictured.json["version"] == 3
    assert (
        pictured.json["image_url"] != changed.json["image_url"]
        and pictured.json["image_caption"] == "A green disc"
    )
    assert client.get(pictured.json["image_url"].removeprefix(BASE_URL)).data.startswith(b"<svg")
    # pages of achievements
    for i in range(4):
        api.post("/achievements", {"name": f"Badge {i}", "description": "More."})
    first = api.get("/achievements", query={"limit": 3})
    assert [a["name"] for a in first.json["achievements"]] == ["Badge 3", "Badge 2", "Badge 1"]
    path = first.json["next"].removeprefix("http://localhost/api/v1")
    second = api.get(
        path.split("?")[0], query=dict(p.split("=") for p in path.split("?")[1].split("&"))
    )
    assert [a["name"] for a in second.json["achievements"]] == [
        "Badge 0",
        "Baltic Sea Project 2026",
    ]
    assert second.json["next"] is None


def test_awards_are_listed_with_filters_and_pages(
    api, client, achievement_id, database, sealer, school
):
    other_id = api.post("/achievements", {"name": "Reader", "description": "Read ten books."}).json[
        "id"
    ]
    base = now_utc().replace(microsecond=0) - timedelta(days=10)
    with database.transaction() as session:
        from issuer.services.achievements import get_achievement

        org = session.get(Organisation, school.id)
        for day in range(6):
            target = get_achievement(session, achievement_id if day % 2 == 0 else other_id, org=org)
            award_badge(
                session,
                org=org,
                achievement=target,
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
                data=AwardInput(
                    learner_name=f"Day {day}", learner_email=f"Day{day}@Pupils.example"
                ),
                now=base + timedelta(days=day),
            )
    every = api.get("/awards").json["awards"]
    assert [a["learner_name"] for a in every] == [
        f"Day {d}" for d in range(5, -1, -1)
    ]  # newest first
    assert all("credential" not in a for a in every)  # the list is a summary

    seen: list[str] = []
    url = "/api/v1/awards?limit=4"
    while url:
        page = client.get(url, headers={"Authorization": f"Bearer {api.token}"})
        assert page.status_code == 200
        seen += [a["learner_name"] for a in page.json["awards"]]
        url = page.json["next"] and page.json["next"].removeprefix("http://localhost")
        assert len(seen) <= 6
    assert seen == [a["learner_name"] for a in every]

    def names(**query: Any) -> list[str]:
        response = api.get("/awards", query=query)
        assert response.status_code == 200, response.json
        return [a["learner_name"] for a in response.json["awards"]]

    assert names(achievement=other_id) == ["Day 5", "Day 3", "Day 1"]
    assert names(email="day4@pupils.example") == ["Day 4"]  # exact, in any case
    assert names(email="day4") == []
    assert names(issued_since=(base + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%SZ")) == [
        "Day 5",
        "Day 4",
    ]
    assert names(issued_until=(base + timedelta(days=1)).date().isoformat()) == ["Day 0"]
    assert names(
        issued_since=(base + timedelta(days=1)).isoformat(),
        issued_until=(base + timedelta(days=3)).isoformat(),
    ) == ["Day 2", "Day 1"]
    day2 = next(a for a in every if a["learner_name"] == "Day 2")
    api.post("/awards/{award_id}/revoke", {"reason": "Mistake"}, award_id=day2["id"])
    assert names(status="revoked") == ["Day 2"]
    assert names(status="active") == ["Day 5", "Day 4", "Day 3", "Day 1", "Day 0"]
    assert names(status="active", achievement=achievement_id, limit=1) == ["Day 4"]
    assert names(status="suspended") == []
    for query, field in (
        ({"status": "gone"}, "status"),
        ({"limit": "500"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"cursor": "!!"}, "cursor"),
        ({"issued_since": "last week"}, "issued_since"),
        ({"issued_until": "2026-13-01"}, "issued_until"),
        ({"colour": "red"}, "colour"),
    ):
        refused = api.get("/awards", query=query)
        assert refused.status_code == 400 and field in refused.json["error"]["fields"], query


def test_one_learner_is_awarded_with_every_field(api, achievement_id, make_verifier):
    body = {
        "name": "Ona Petraitytė",
        "email": "ona@pupils.example",
        "level": "Mastered",
        "narrative": "Led the sampling team.",
        "evidence_url": "https://school.example/report.pdf",
        "evidence_narrative": "The river report.",
        "activity_start": "2026-03-01",
        "activity_end": "2026-05-30",
    }
    response = api.post(AWARDS, body, achievement_id=achievement_id)
    assert response.status_code == 201
    award = response.json
    subject = award["credential"]["credentialSubject"]
    assert subject["narrative"] == "Led the sampling team."
    assert subject["activityStartDate"].startswith("2026-03-01")
    assert award["credential"]["evidence"][0]["id"] == "https://school.example/report.pdf"
    assert award["valid_until"] is not None and award["learner_email"] == "ona@pupils.example"
    report = make_verifier().verify(award["credential_jwt"], recipient="ona@pupils.example")
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert api.get("/awards/{award_id}", award_id=award["id"]).json == award
    # the helper itself catches an answer off the schema
    off_schema = SimpleNamespace(
        status_code=201,
        mimetype="application/json",
        headers={},
        data=json.dumps({"id": award["id"]}).encode(),
    )
    with pytest.raises(AssertionError):
        check_response("POST", AWARDS, off_schema)


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_a_jwt_only_organisation_says_which_form_is_signed(
    client, database, make_org, make_verifier, alg
):
    org = make_org(f"school-{alg.lower()}", "JWT School", key_alg=alg)
    api = Api(client, token_for(database, org))
    achievement = api.post("/achievements", ACHIEVEMENT).json["id"]
    award = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement
    ).json
    assert award["signed_as"] == ["vc-jwt"] and "proof" not in award["credential"]
    report = make_verifier().verify(award["credential_jwt"], recipient="ona@pupils.example")
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert (
        make_verifier().verify(award["credential"]).verdict is Verdict.INVALID
    )  # unsigned: no proof


def test_audit_entries_name_the_token_and_never_an_email(api, database, achievement_id):
    one = api.post(
        AWARDS,
        {"name": "ona@pupils.example", "email": "ona@pupils.example"},
        achievement_id=achievement_id,
    )
    api.post(AWARDS, {"learners": learners(3)}, achievement_id=achievement_id)
    api.post(
        "/awards/{award_id}/revoke",
        {"reason": "Sent to ona@pupils.example by mistake"},
        award_id=one.json["id"],
    )
    events = audit_rows(database)
    assert {e.action for e in events} >= {
        "achievement.create",
        "award.issue",
        "award.batch",
        "award.revoke",
    }
    assert_no_email(events)
    with database.transaction() as session:
        assert session.scalar(select(IdempotencyRecord)) is None  # no key, no record
        assert {a.learner_email for a in session.scalars(select(Award))} >= {
            "learner000@pupils.example"
        }
