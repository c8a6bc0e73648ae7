"""The JSON API against hostile and clumsy clients.

Every refused request answers JSON ``{"error": {"code", "message"}}`` with a stable code and
a status its operation documents (api_helpers checks each answer against the OpenAPI
document, and a status other than a 500 must be named there), never a 500, and changes
nothing stored. Then: odd bearer headers, Idempotency-Key edge cases, the suspension state
machine, requests racing over real HTTP (loopback), and what the audit log records.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from flask import g
from sqlalchemy import delete, func, select, update
from sqlalchemy import event as sqlalchemy_event

from badges.errors import FormatError
from badges.timeutil import parse_datetime
from issuer.models import ApiToken, AuditEvent, Award, AwardBatch, Organisation
from issuer.models.accounts import Membership
from issuer.services import idempotency, tokens
from issuer.services.awards import MAX_BATCH

from .api_helpers import (
    ACHIEVEMENT,
    AWARDS,
    SECRET,
    Api,
    audit_rows,
    check_response,
    learners,
    token_for,
)
from .conftest import login, post

REVOKE = "/awards/{award_id}/revoke"
SUSPEND = "/awards/{award_id}/suspend"
UNSUSPEND = "/awards/{award_id}/unsuspend"
ACHIEVEMENT_ONE = "/achievements/{achievement_id}"
AWARD_ONE = "/awards/{award_id}"
MIB = 1024 * 1024


def refused(
    api: Api,
    method: str,
    template: str,
    status: int,
    code: str,
    field: str | None = None,
    **kwargs: Any,
) -> Any:
    """Send one bad request; it must be the documented error (checked by Api.call)."""
    response = api.call(method, template, **kwargs)
    context = (method, template, kwargs, response.status_code, response.data[:300])
    assert response.status_code == status, context
    error = response.json["error"]
    assert error["code"] == code, context
    assert b"Traceback" not in response.data and b"<html" not in response.data.lower(), context
    if field is not None:
        assert field in error.get("fields", {}), context
    return response


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# -- bad bodies, bad parameters: documented errors, nothing stored ------------------------------


BAD_ACHIEVEMENTS: list[tuple[Any, str, str | None]] = [
    # (body, code, field); a bytes body is sent as it is
    (b"", "invalid_input", "name"),
    (b"null", "invalid_json", None),
    (b"[]", "invalid_json", None),
    (b'"Baltic"', "invalid_json", None),
    (b"12", "invalid_json", None),
    (b'{"name": "x",', "invalid_json", None),
    (b"\xff\xfe{}", "invalid_json", None),
    (b"name=Baltic&description=Rivers", "invalid_json", None),
    (b"[" * 100 + b"]" * 100, "invalid_json", None),
    (b'{"name": "Baltic", "name": "Sea", "description": "d"}', "invalid_json", None),
    ({"name": "Lone \ud800 surrogate", "description": "d"}, "invalid_json", None),
    ({"name": "Baltic\x00Sea", "description": "d"}, "invalid_input", "name"),
    ({"name": "Baltic", "description": "d", "tags": ["ok", "nul\x00"]}, "invalid_input", "tags[1]"),
    ({"name": "Baltic", "description": "d", "co\x00lour": "red"}, "invalid_input", "co\x00lour"),
    ({"name": None, "description": "d"}, "invalid_input", "name"),
    ({"name": 12, "description": "d"}, "invalid_input", "name"),
    ({"name": ["Baltic"], "description": "d"}, "invalid_input", "name"),
    ({"name": "Baltic", "description": {"text": "d"}}, "invalid_input", "description"),
    ({"name": "x" * 201, "description": "d"}, "invalid_input", "name"),
    ({"name": "Baltic", "description": "d", "tags": "water"}, "invalid_input", "tags"),
    ({"name": "Baltic", "description": "d", "levels": [None]}, "invalid_input", "levels"),
    (
        {"name": "Baltic", "description": "d", "alignment_ids": [2**63]},
        "invalid_input",
        "alignment_ids",
    ),
    (
        {"name": "Baltic", "description": "d", "alignment_ids": [10**30]},
        "invalid_input",
        "alignment_ids",
    ),
    (
        {"name": "Baltic", "description": "d", "alignment_ids": [-1]},
        "invalid_input",
        "alignment_ids",
    ),
    (
        {"name": "Baltic", "description": "d", "alignment_ids": ["1", True]},
        "invalid_input",
        "alignment_ids",
    ),
    (
        {"name": "Baltic", "description": "d", "validity_days": 1.5},
        "invalid_input",
        "validity_days",
    ),
    (
        {"name": "Baltic", "description": "d", "validity_days": True},
        "invalid_input",
        "validity_days",
    ),
    (
        {"name": "Baltic", "description": "d", "validity_days": 10**30},
        "invalid_input",
        "validity_days",
    ),
    (
        b'{"name": "Baltic", "description": "d", "validity_days": 1e400}',
        "invalid_input",
        "validity_days",
    ),
    (
        {"name": "Baltic", "description": "d", "external_alignments": {"name": "x"}},
        "invalid_input",
        "external_alignments",
    ),
    (
        {
            "name": "Baltic",
            "description": "d",
            "external_alignments": [{"name": "x", "url": "javascript:alert(1)"}],
        },
        "invalid_input",
        "external_alignments",
    ),
    ({"name": "Baltic", "description": "d", "image": 12}, "invalid_input", "image"),
    ({"name": "Baltic", "description": "d", "image": "not base64!"}, "invalid_input", "image"),
    ({"name": "Baltic", "description": "d", "language": None}, "invalid_input", "language"),
    ({"name": "Baltic", "description": "d", "colour": "red"}, "invalid_input", "colour"),
]


def test_bad_achievement_bodies(api, achievement_id, table_counts):
    before = table_counts()
    for body, code, field in BAD_ACHIEVEMENTS:
        sent = {"raw": body} if isinstance(body, bytes) else {"json_body": body}
        refused(api, "POST", "/achievements", 400, code, field, **sent)
    for body in ({"name": None}, {"levels": "x"}, {"name": "a\x00"}, {"shape": "round"}):
        refused(
            api,
            "PATCH",
            ACHIEVEMENT_ONE,
            400,
            "invalid_input",
            next(iter(body)),
            json_body=body,
            achievement_id=achievement_id,
        )
    refused(
        api,
        "PATCH",
        ACHIEVEMENT_ONE,
        400,
        "invalid_json",
        raw=b"null",
        achievement_id=achievement_id,
    )
    refused(
        api,
        "PATCH",
        ACHIEVEMENT_ONE,
        404,
        "not_found",
        json_body={"name": "x"},
        achievement_id="nope",
    )
    assert table_counts() == before
    assert api.get(ACHIEVEMENT_ONE, achievement_id=achievement_id).json["version"] == 1


def test_bodies_over_the_limits_are_413(api, achievement_id, table_counts):
    before = table_counts()
    big = b'{"name": "' + b"x" * (3 * MIB) + b'", "description": "d"}'  # over the API's 2 MiB
    huge = b'{"name": "' + b"x" * (9 * MIB) + b'", "description": "d"}'  # over the server's 8 MiB
    for raw in (big, huge):
        for method, template in (
            ("POST", "/achievements"),
            ("PATCH", ACHIEVEMENT_ONE),
            ("POST", AWARDS),
        ):
            refused(
                api,
                method,
                template,
                413,
                "request_entity_too_large",
                raw=raw,
                achievement_id=achievement_id,
                headers={"Idempotency-Key": "big"},
            )
    assert table_counts() == before
    # the largest batch fits well under the limit
    assert len(json.dumps({"learners": learners(MAX_BATCH)})) < 2 * MIB // 10


def test_bad_award_bodies(api, achievement_id, table_counts):
    good = {"name": "Ona", "email": "ona@pupils.example"}
    cases: list[tuple[Any, str, str | None]] = [
        ({}, "invalid_input", "name"),
        ({"learners": None}, "invalid_input", "learners"),
        ({"learners": {"name": "Ona"}}, "invalid_input", "learners"),
        ({"learners": "Ona"}, "invalid_input", "learners"),
        ({"learners": []}, "invalid_input", "learners"),
        ({"learners": learners(MAX_BATCH + 1)}, "invalid_input", "learners"),
        ({"learners": [None, 1, "x", []]}, "invalid_input", "learners[0]"),
        (
            {"learners": [good, {"name": "Twin", "email": "ONA@Pupils.Example"}]},
            "invalid_input",
            "learners[1].email",
        ),
        ({"learners": [good], "achievement": "other"}, "invalid_input", "achievement"),
        ({"learners": [good | {"shoe_size": 42}]}, "invalid_input", "learners[0].shoe_size"),
        ({"learners": [good | {"name": "Nul\x00"}]}, "invalid_input", "learners[0].name"),
        (good | {"name": {"first": "Ona"}}, "invalid_input", "name"),
        (good | {"email": None}, "invalid_input", "email"),
        (good | {"email": "ona\x00@pupils.example"}, "invalid_input", "email"),
        (good | {"email": "ona@pupils"}, "invalid_input", "email"),
        (good | {"name": "x" * 201}, "invalid_input", "name"),
        (good | {"narrative": "x" * 5001}, "invalid_input", "narrative"),
        (good | {"activity_start": "2026-02-30"}, "invalid_input", "activity_start"),
        (
            good | {"activity_start": "2026-05-01", "activity_end": "2026-04-01"},
            "invalid_input",
            "activity_end",
        ),
        (good | {"level": "Legendary"}, "invalid_input", "level"),
        (good | {"evidence_url": "javascript:alert(1)"}, "invalid_input", "evidence_url"),
        (good | {"evidence_url": "https://school.example/\x00"}, "invalid_input", "evidence_url"),
    ]
    before = table_counts()
    for body, code, field in cases:
        refused(
            api, "POST", AWARDS, 400, code, field, json_body=body, achievement_id=achievement_id
        )
    refused(api, "POST", AWARDS, 404, "not_found", json_body=good, achievement_id="nope")
    refused(api, "POST", AWARDS, 404, "not_found", json_body=good, achievement_id="%00")
    assert table_counts() == before


def test_bad_status_changes(client, database, api, achievement_id, table_counts):
    award = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement_id
    ).json["id"]
    before = table_counts()
    for body, field in (
        ({}, "reason"),
        ({"reason": None}, "reason"),
        ({"reason": 5}, "reason"),
        ({"reason": ["x"]}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "ok\x00"}, "reason"),
        ({"reason": "ok", "notify": True}, "notify"),
    ):
        refused(api, "POST", REVOKE, 400, "invalid_input", field, json_body=body, award_id=award)
    refused(api, "POST", REVOKE, 400, "invalid_json", raw=b"[]", award_id=award)
    for template in (REVOKE, SUSPEND, UNSUSPEND):
        refused(api, "POST", template, 404, "not_found", json_body={"reason": "x"}, award_id="nope")
        refused(api, "POST", template, 404, "not_found", json_body={"reason": "x"}, award_id="%00")
    for template in (SUSPEND, UNSUSPEND):
        refused(
            api,
            "POST",
            template,
            400,
            "invalid_input",
            "reason",
            json_body={"reason": "x" * 501},
            award_id=award,
        )
    assert table_counts() == before


BAD_QUERIES: list[tuple[dict[str, str], str]] = [
    ({"limit": "-1"}, "limit"),
    ({"limit": "0"}, "limit"),
    ({"limit": "201"}, "limit"),
    ({"limit": "x"}, "limit"),
    ({"limit": "1.5"}, "limit"),
    ({"limit": "1e2"}, "limit"),
    ({"limit": "1_0"}, "limit"),
    ({"limit": "9" * 5000}, "limit"),
    ({"limit": ""}, "limit"),
    ({"cursor": "!!"}, "cursor"),
    ({"cursor": b64("-5")}, "cursor"),
    ({"cursor": b64("0")}, "cursor"),
    ({"cursor": b64("1" * 40)}, "cursor"),
    ({"cursor": b64("9223372036854775808")}, "cursor"),
    (
        {"cursor": b64(str(2**31))},
        "cursor",
    ),  # past any id of an integer column: a 500 on PostgreSQL
    ({"cursor": b64("12 OR 1=1")}, "cursor"),
    ({"cursor": "\x00"}, "cursor"),
]


def test_bad_query_parameters(api, achievement_id, table_counts):
    api.post(AWARDS, {"learners": learners(3)}, achievement_id=achievement_id)
    before = table_counts()
    for query, field in BAD_QUERIES:
        refused(api, "GET", "/achievements", 400, "invalid_input", field, query=query)
        refused(api, "GET", "/awards", 400, "invalid_input", field, query=query)
    for query, field in (
        ({"status": "ACTIVE"}, "status"),
        ({"status": "lost"}, "status"),
        ({"stauts": "revoked"}, "stauts"),
        ({"issued_since": "0001-01-01T00:00:00+01:00"}, "issued_since"),
        ({"issued_until": "9999-12-31T23:59:59-01:00"}, "issued_until"),
        ({"issued_since": "2026-09-01T08:00:00"}, "issued_since"),  # no zone
        ({"issued_since": "2026-02-30"}, "issued_since"),
        ({"issued_until": "yesterday"}, "issued_until"),
        ({"email": "ona\x00@pupils.example"}, "email"),
        ({"achievement": "\x00"}, "achievement"),
        ({"issued_since": "\x00"}, "issued_since"),
    ):
        refused(api, "GET", "/awards", 400, "invalid_input", field, query=query)
    for template, name in ((ACHIEVEMENT_ONE, "achievement_id"), (AWARD_ONE, "award_id")):
        refused(api, "GET", template, 404, "not_found", **{name: "%00"})
        refused(api, "GET", template, 404, "not_found", **{name: "x" * 3000})
    assert table_counts() == before
    # an operation that reads no query parameter ignores them, NUL or not (no undocumented 400)
    one = api.get("/awards").json["awards"][0]["id"]
    assert api.get(AWARD_ONE, award_id=one, query={"note": "\x00"}).status_code == 200
    assert (
        api.get(ACHIEVEMENT_ONE, achievement_id=achievement_id, query={"\x00": "x"}).status_code
        == 200
    )
    # the limits themselves are fine, and the core parser refuses what overflows
    assert len(api.get("/awards", query={"limit": "200"}).json["awards"]) == 3
    assert len(api.get("/awards", query={"limit": " 2 "}).json["awards"]) == 2
    with pytest.raises(FormatError):
        parse_datetime("0001-01-01T00:00:00+01:00")


def test_wrong_methods_and_paths_answer_in_json(client, api, achievement_id):
    auth = {"Authorization": f"Bearer {api.token}"}
    for method, path, status in (
        ("DELETE", f"/api/v1/achievements/{achievement_id}", 405),
        ("PUT", f"/api/v1/achievements/{achievement_id}", 405),
        ("GET", f"/api/v1/achievements/{achievement_id}/awards", 405),
        ("POST", "/api/v1/openapi.json", 405),
        ("PATCH", "/api/v1/awards", 405),
        ("GET", "/api/v1/", 404),
        ("GET", "/api/v1/achievements/", 404),
        ("GET", "/api/v2/awards", 404),
        ("GET", "/api/v1/awards/x/y/z", 404),
    ):
        for headers in (auth, {}, auth | {"Accept": "text/html"}):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == status and response.mimetype == "application/json", (
                method,
                path,
            )
            assert response.json["error"]["code"] in ("method_not_allowed", "not_found")
    head = client.head("/api/v1/awards", headers=auth)
    assert head.status_code == 200 and head.mimetype == "application/json" and head.data == b""
    assert client.head("/api/v1/awards").status_code == 401
    assert (
        client.options("/api/v1/awards").status_code == 401
    )  # no browser preflight: server to server
    assert client.head("/api/v1/openapi.json").status_code == 200


# -- tokens --------------------------------------------------------------------------------------


def test_odd_bearer_headers(client, database, school, api, achievement_id, make_org):
    def get(header: str | None) -> Any:
        headers = {} if header is None else {"Authorization": header}
        response = client.get("/api/v1/awards", headers=headers)
        check_response("GET", "/awards", response)
        return response

    secret = api.token
    for header in (
        f"bearer {secret}",
        f"BEARER {secret}",
        f"Bearer   {secret}  ",
        f" Bearer {secret}",
    ):
        assert get(header).status_code == 200, header
    for header in (
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Token {secret}",
        f"Basic {secret}",
        secret,
        f"Bearer {secret} extra",
        f"Bearer {secret[:-1]}",
        f"Bearer {secret.upper()}",
        "Bearer ob_" + "x" * 500,
        f"Bearer\t{secret}",
    ):
        response = get(header)
        assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized", (
            header
        )
    # a token whose organisation was deleted (its tokens go with it)
    gone = make_org("gone-school", "Gone School")
    gone_secret = token_for(database, gone)
    assert get(f"Bearer {gone_secret}").status_code == 200
    with database.transaction() as session:
        session.execute(delete(Organisation).where(Organisation.id == gone.id))
    assert get(f"Bearer {gone_secret}").status_code == 401


def test_a_token_outlives_its_creators_role(client, database, school, make_user):
    """Decided: a token belongs to the organisation, not to the admin who made it; when that
    admin becomes a teacher the token keeps working until an admin revokes it (the Tokens
    page lists it with its creator)."""
    user = make_user("admin@lyceum.example", org=school, role="admin")
    assert login(client, "admin@lyceum.example").status_code == 302
    [secret] = set(
        SECRET.findall(post(client, "/staff/vilnius-lyceum/tokens", {"name": "Moodle"}).text)
    )
    with database.transaction() as session:
        session.execute(
            update(Membership).where(Membership.user_id == user.id).values(role="teacher")
        )
    assert client.get("/staff/vilnius-lyceum/tokens").status_code == 403  # the person lost the page
    api = Api(client.application.test_client(), secret)
    assert api.get("/awards").status_code == 200  # the organisation's token still works
    with database.transaction() as session:
        token = session.scalars(select(ApiToken)).one()
        tokens.revoke_token(session, org=session.get(Organisation, school.id), token_id=token.id)
    assert api.get("/awards").status_code == 401


# -- Idempotency-Key edge cases -------------------------------------------------------------------


def test_idempotency_key_edge_cases(
    client, database, school, make_org, api, achievement_id, table_counts
):
    body = {"learners": learners(2)}
    before = table_counts()
    for key in ("", "   ", "a b", "k" * 201, "ключ".encode().decode("latin-1"), "tab\tkey"):
        refused(
            api,
            "POST",
            AWARDS,
            400,
            "invalid_input",
            "Idempotency-Key",
            json_body=body,
            achievement_id=achievement_id,
            headers={"Idempotency-Key": key},
        )
    assert table_counts() == before

    longest = {"Idempotency-Key": "k" * 200}
    first = api.post(AWARDS, body, achievement_id=achievement_id, headers=longest)
    assert first.status_code == 201
    again = api.post(
        AWARDS,
        body,
        achievement_id=achievement_id,
        headers={"Idempotency-Key": "  " + "k" * 200 + " "},
    )
    assert (
        again.status_code == 201
        and again.headers["Idempotent-Replayed"] == "true"
        and again.data == first.data
    )
    # the same key on another path, or with another body, is another request
    refused(
        api,
        "POST",
        "/achievements",
        422,
        "idempotency_key_reused",
        json_body=ACHIEVEMENT,
        headers=longest,
    )
    refused(
        api,
        "POST",
        AWARDS,
        422,
        "idempotency_key_reused",
        json_body={"learners": learners(3)},
        achievement_id=achievement_id,
        headers=longest,
    )

    # a replay needs a live token of the same organisation
    second = Api(client, token_for(database, school, "Second script"))
    with database.transaction() as session:
        first_token = session.scalar(select(ApiToken).where(ApiToken.name == "Moodle"))
        tokens.revoke_token(
            session, org=session.get(Organisation, school.id), token_id=first_token.id
        )
    counts = table_counts()
    refused(
        api,
        "POST",
        AWARDS,
        401,
        "unauthorized",
        json_body=body,
        achievement_id=achievement_id,
        headers=longest,
    )
    replay = second.post(AWARDS, body, achievement_id=achievement_id, headers=longest)
    assert (
        replay.status_code == 201
        and replay.headers["Idempotent-Replayed"] == "true"
        and replay.data == first.data
    )
    assert table_counts() == counts
    # another organisation's same key is its own: nothing of ours comes back
    other = Api(client, token_for(database, make_org("kaunas-gymnasium", "Kaunas Gymnasium")))
    theirs = other.post("/achievements", ACHIEVEMENT).json["id"]
    their_first = other.post(AWARDS, body, achievement_id=theirs, headers=longest)
    assert their_first.status_code == 201 and "Idempotent-Replayed" not in their_first.headers
    refused(
        other,
        "POST",
        AWARDS,
        404,
        "not_found",
        json_body=body,
        achievement_id=achievement_id,
        headers={"Idempotency-Key": "x"},
    )


# -- suspension and revocation: the state machine -------------------------------------------------


def test_status_transitions_and_their_codes(client, database, make_org, table_counts):
    suspending = make_org("riga-school", "Riga School", status_method="bitstring-suspension")
    revoking = make_org("tartu-school", "Tartu School")
    steps = {
        # (action, status, code or the badge's status after it)
        "suspension": [
            (UNSUSPEND, 409, "conflict"),
            (SUSPEND, 200, "suspended"),
            (SUSPEND, 409, "conflict"),
            (UNSUSPEND, 200, "active"),
            (SUSPEND, 200, "suspended"),
            (REVOKE, 200, "revoked"),
            (UNSUSPEND, 409, "conflict"),
            (SUSPEND, 409, "conflict"),
            (REVOKE, 409, "conflict"),
        ],
        "revocation": [
            (SUSPEND, 409, "suspension_unsupported"),
            (UNSUSPEND, 409, "suspension_unsupported"),
            (REVOKE, 200, "revoked"),
            (SUSPEND, 409, "suspension_unsupported"),
            (REVOKE, 409, "conflict"),
        ],
    }
    for org, purpose in ((suspending, "suspension"), (revoking, "revocation")):
        api = Api(client, token_for(database, org))
        made = api.post("/achievements", ACHIEVEMENT).json["id"]
        award = api.post(
            AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=made
        ).json
        assert award["status_purpose"] == purpose
        for number, (action, status, outcome) in enumerate(steps[purpose]):
            before = table_counts()
            response = api.post(action, {"reason": f"Step {number}"}, award_id=award["id"])
            assert response.status_code == status, (purpose, number, action, response.json)
            if status == 200:
                assert response.json["status"] == outcome
            else:
                assert response.json["error"]["code"] == outcome
                assert table_counts() == before
        final = api.get(AWARD_ONE, award_id=award["id"]).json
        expected = "Step 5" if purpose == "suspension" else "Step 2"
        assert (final["status"], final["revocation_reason"]) == ("revoked", expected)
    actions = [
        e.action
        for e in audit_rows(database)
        if e.action.startswith("award.") and e.action != "award.issue"
    ]
    assert actions == [
        "award.suspend",
        "award.unsuspend",
        "award.suspend",
        "award.revoke",
        "award.revoke",
    ]


# -- racing requests over real HTTP (loopback) ----------------------------------------------------


def race(
    count: int, send: Callable[[int], tuple[int, dict[str, str], bytes]]
) -> list[tuple[int, dict[str, str], bytes]]:
    """Run ``send(i)`` in ``count`` threads released together; their answers."""
    barrier = threading.Barrier(count)
    answers: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait(10)
        answers[i] = send(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(a is not None for a in answers)
    return answers


def http_post(
    url: str, token: str, body: Any, key: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def count_of(database, model, *where: Any) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


class PoolHolders:
    """The most pooled database connections any one thread held at once (pool events)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.holder: dict[int, int] = {}  # connection record id -> thread
        self.held: dict[int, int] = {}  # thread -> connections it holds
        self.most = 0
        sqlalchemy_event.listen(engine, "checkout", self.checkout)
        sqlalchemy_event.listen(engine, "checkin", self.checkin)

    def checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        thread = threading.get_ident()
        with self.lock:
            self.holder[id(record)] = thread
            self.held[thread] = self.held.get(thread, 0) + 1
            self.most = max(self.most, self.held[thread])

    def checkin(self, dbapi_connection: Any, record: Any) -> None:
        with self.lock:
            thread = self.holder.pop(id(record), None)
            if thread is not None:
                self.held[thread] -= 1

    def close(self) -> None:
        sqlalchemy_event.remove(self.engine, "checkout", self.checkout)
        sqlalchemy_event.remove(self.engine, "checkin", self.checkin)


def test_many_identical_requests_with_one_key_issue_one_batch(
    live_server, database, api, achievement_id
):
    """More requests at once than the database pool has connections: each claims the key
    while holding none of its own, so none waits for ever (the pool's 30 s, then a 500).
    Counted, not timed: no request ever holds two connections at once."""
    url = f"{live_server.base}/api/v1/achievements/{achievement_id}/awards"
    body = {"learners": learners(10)}
    holders = PoolHolders(database.engine)
    try:
        answers = race(24, lambda i: http_post(url, api.token, body, key="one-batch"))
    finally:
        holders.close()
    assert holders.most == 1, f"a request held {holders.most} pooled connections at once"
    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {201, 409}, statuses
    fresh = [
        data
        for status, headers, data in answers
        if status == 201 and "Idempotent-Replayed" not in headers
    ]
    assert len(fresh) == 1
    assert all(data == fresh[0] for status, _, data in answers if status == 201)
    for status, _, data in answers:
        if status == 409:
            assert json.loads(data)["error"]["code"] == "idempotency_key_in_flight"
    assert count_of(database, Award) == 10 and count_of(database, AwardBatch) == 1
    assert count_of(database, AuditEvent, AuditEvent.action == "award.batch") == 1


def test_the_request_holds_no_connection_while_it_claims_a_key(api, achievement_id, monkeypatch):
    real_begin = idempotency.begin
    seen: list[bool] = []

    def begin(*args: Any, **kwargs: Any) -> Any:
        seen.append(g.dbs.in_transaction())
        return real_begin(*args, **kwargs)

    monkeypatch.setattr(idempotency, "begin", begin)
    done = api.post(
        AWARDS,
        {"learners": learners(2)},
        achievement_id=achievement_id,
        headers={"Idempotency-Key": "c"},
    )
    assert done.status_code == 201 and seen == [False]


@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_a_badge_changed_by_racing_requests_changes_once(
    live_server, client, database, make_org, action
):
    org = make_org("riga-school", "Riga School", status_method="bitstring-suspension")
    api = Api(client, token_for(database, org))
    made = api.post("/achievements", ACHIEVEMENT).json["id"]
    award = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=made
    ).json["id"]
    url = f"{live_server.base}/api/v1/awards/{award}/{action}"
    answers = race(4, lambda i: http_post(url, api.token, {"reason": f"Reason {i}"}))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200, 409, 409, 409], statuses
    assert count_of(database, AuditEvent, AuditEvent.action == f"award.{action}") == 1
    if action == "revoke":
        [winner] = [json.loads(data) for status, _, data in answers if status == 200]
        assert (
            api.get(AWARD_ONE, award_id=award).json["revocation_reason"]
            == winner["revocation_reason"]
        )


# -- the audit log -------------------------------------------------------------------------------


def test_api_audit_entries_say_api_the_token_and_the_ip_and_no_learner_email(
    client, database, make_org, table_counts
):
    org = make_org("almaty-school", "Almaty School", status_method="bitstring-suspension")
    api = Api(client, token_for(database, org, "Kundelik sync"))
    made = api.post("/achievements", ACHIEVEMENT).json["id"]
    emails = ["айгерим@мектеп.қаз", "ona@mokykla.рф", "JONAS@Pupils.Example"]
    # a platform that has no names sends the address as the name too
    single = api.post(AWARDS, {"name": emails[0], "email": emails[0]}, achievement_id=made).json[
        "id"
    ]
    batch = api.post(
        AWARDS, {"learners": [{"name": e, "email": e} for e in emails[1:]]}, achievement_id=made
    )
    assert batch.status_code == 201
    before = table_counts()
    refused(
        api,
        "POST",
        AWARDS,
        400,
        "invalid_input",
        json_body={"learners": [{"name": "x", "email": emails[1]}] * 2},
        achievement_id=made,
    )
    assert table_counts() == before  # a refused batch leaves no entry
    api.post(SUSPEND, {"reason": f"Parent {emails[1]} asked"}, award_id=single)
    api.post(UNSUSPEND, {"reason": "   "}, award_id=single)  # a blank reason is no reason
    api.post(REVOKE, {"reason": f"Wrong learner ({emails[2]})"}, award_id=single)
    events = [e for e in audit_rows(database) if e.org_id == org.id and e.action != "key.create"]
    assert [e.action for e in events][-6:] == [
        "achievement.create",
        "award.issue",
        "award.batch",
        "award.suspend",
        "award.unsuspend",
        "award.revoke",
    ]
    with database.transaction() as session:
        prefix = session.scalar(select(ApiToken.prefix).where(ApiToken.name == "Kundelik sync"))
    for event in events[-6:]:
        assert (event.via, event.actor, event.ip) == (
            "api",
            f"API token Kundelik sync ({prefix}…)",
            "127.0.0.1",
        )
        text = json.dumps(
            [event.subject, event.summary, event.details, event.actor], ensure_ascii=False
        )
        assert "@" not in text, text
        for email in emails:
            assert email.split("@")[1].lower() not in text.lower(), text
    unsuspended = events[-2]
    assert unsuspended.details["reason"] is None and unsuspended.summary.endswith(
        "of [email hidden]"
    )


def http_patch(url: str, token: str, body: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="PATCH", headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def test_edits_at_once_each_get_a_version(live_server, database, api, achievement_id):
    """Four PATCHes of one achievement at once: four versions (2 to 5), every change kept."""
    url = f"{live_server.base}/api/v1/achievements/{achievement_id}"
    bodies = [
        {"name": "New name"},
        {"tags": ["new"]},
        {"criteria_md": "New criteria"},
        {"description": "New text"},
    ]
    answers = race(4, lambda i: http_patch(url, api.token, bodies[i]))
    assert sorted(json.loads(data)["version"] for _, _, data in answers) == [2, 3, 4, 5]
    final = api.get(ACHIEVEMENT_ONE, achievement_id=achievement_id).json
    assert final["version"] == 5
    assert (final["name"], final["tags"], final["criteria_md"], final["description"]) == (
        "New name",
        ["new"],
        "New criteria",
        "New text",
    )
    versions = sorted(
        e.details["version"] for e in audit_rows(database) if e.action == "achievement.update"
    )
    assert versions == [2, 3, 4, 5]


def test_a_change_decided_on_a_stale_read_is_refused(
    database, make_org, make_achievement, award_to
):
    """The races above, made certain: two sessions read a badge (an achievement), the first
    changes it and commits, then the second tries with what it read."""
    from issuer.errors import Conflict
    from issuer.models import Achievement
    from issuer.services import status as status_service
    from issuer.services.achievements import AchievementInput, update_achievement

    org = make_org("riga-school", "Riga School", status_method="bitstring-suspension")
    achievement = make_achievement(org)
    badges = [award_to(org, achievement, email=f"l{i}@pupils.example") for i in range(2)]

    def stale(change: Callable[[Any, Any, Any], None], row_model: Any, row_id: int) -> None:
        first, second = database.sessions(), database.sessions()
        try:
            mine, theirs = first.get(row_model, row_id), second.get(row_model, row_id)
            change(first, mine, first.get(Organisation, org.id))
            first.commit()
            change(second, theirs, second.get(Organisation, org.id))
            second.commit()
        finally:
            first.close()
            second.close()

    with pytest.raises(Conflict):
        stale(
            lambda s, a, o: status_service.revoke_award(s, award=a, reason="Mistake"),
            Award,
            badges[0].id,
        )
    with pytest.raises(Conflict):
        stale(
            lambda s, a, o: status_service.set_suspended(s, award=a, org=o, suspended=True),
            Award,
            badges[1].id,
        )
    stale(
        lambda s, a, o: update_achievement(
            s,
            achievement=a,
            org=o,
            data=AchievementInput(name=f"Renamed {a.version}", description=a.description),
        ),
        Achievement,
        achievement.id,
    )
    with database.transaction() as session:
        assert session.get(Achievement, achievement.id).version == 3
        assert session.get(Award, badges[0].id).revocation_reason == "Mistake"
