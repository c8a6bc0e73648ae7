"""Idempotency-Key: a retry returns the first result, a reused key with another request is
a 422, a key still in flight a 409, and a failed request frees its key."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from issuer.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from issuer.models import Achievement, Award, IdempotencyRecord
from issuer.models.base import now_utc
from issuer.services import idempotency

from .api_helpers import (
    ACHIEVEMENT,
    AWARDS,
    Api,
    alive,
    learners,
    response_schema_pointer,
    schema_errors,
    token_for,
)


def records(database) -> list[IdempotencyRecord]:
    with database.transaction() as session:
        return list(session.scalars(select(IdempotencyRecord).order_by(IdempotencyRecord.id)))


def count(database, model) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def awards_hash(achievement_id: str, body: dict) -> str:
    return idempotency.request_hash("POST", f"/api/v1/achievements/{achievement_id}/awards", body)


def test_a_created_achievement_is_not_created_twice(api, database):
    key = {"Idempotency-Key": "create-baltic"}
    first = api.post("/achievements", ACHIEVEMENT, headers=key)
    # the same JSON written another way (key order, spacing) is the same request
    shuffled = json.dumps(dict(reversed(list(ACHIEVEMENT.items()))), indent=3).encode()
    again = api.call("POST", "/achievements", raw=shuffled, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.data == first.data and again.headers["Idempotent-Replayed"] == "true"
    assert count(database, Achievement) == 1
    [record] = records(database)
    assert record.state == "done" and record.response_status == 201
    assert record.response_body == first.data.decode() and record.completed_at is not None
    # another path with the same key is another request
    other = api.post(
        AWARDS,
        {"name": "Ona", "email": "ona@pupils.example"},
        achievement_id=first.json["id"],
        headers=key,
    )
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert count(database, Award) == 0


def test_a_key_still_in_flight_is_a_409_and_an_abandoned_one_is_taken_over(
    api, database, school, achievement_id, table_counts
):
    body = {"learners": learners(3)}
    claim = idempotency.begin(
        database, org_id=school.id, key="in-flight", request_hash=awards_hash(achievement_id, body)
    )
    assert isinstance(claim, idempotency.Claim)
    before = table_counts()
    with alive(database, claim):  # the first request still running
        busy = api.post(
            AWARDS, body, achievement_id=achievement_id, headers={"Idempotency-Key": "in-flight"}
        )
        assert busy.status_code == 409
        assert busy.json["error"]["code"] == "idempotency_key_in_flight"
        changed = api.post(
            AWARDS,
            {"learners": learners(2)},
            achievement_id=achievement_id,
            headers={"Idempotency-Key": "in-flight"},
        )
        assert changed.status_code == 422  # a different body is refused even while it runs
    assert table_counts() == before
    [record] = records(database)
    assert record.state == "pending"  # the refused requests left the claim alone

    # the first request's process died: after PENDING_TIMEOUT its claim counts as abandoned
    stale = idempotency.begin(
        database,
        org_id=school.id,
        key="abandoned",
        request_hash=awards_hash(achievement_id, body),
        now=now_utc() - idempotency.PENDING_TIMEOUT - timedelta(seconds=1),
    )
    assert isinstance(stale, idempotency.Claim)
    taken = api.post(
        AWARDS, body, achievement_id=achievement_id, headers={"Idempotency-Key": "abandoned"}
    )
    assert taken.status_code == 201 and taken.json["count"] == 3
    # the old holder can no longer store a result: its work would roll back
    with pytest.raises(IdempotencyKeyInFlight), database.transaction() as session:
        idempotency.complete(session, stale, status=201, body="{}")
    assert not idempotency.release(database, stale)  # nor free the key it lost
    again = api.post(
        AWARDS, body, achievement_id=achievement_id, headers={"Idempotency-Key": "abandoned"}
    )
    assert again.data == taken.data and again.headers["Idempotent-Replayed"] == "true"
    assert count(database, Award) == 3


def test_a_failed_request_frees_its_key(api, database, achievement_id):
    key = {"Idempotency-Key": "fix-and-retry"}
    bad = {"learners": [*learners(2), {"name": "Nobody", "email": "not-an-email"}]}
    failed = api.post(AWARDS, bad, achievement_id=achievement_id, headers=key)
    assert failed.status_code == 400
    assert records(database) == [] and count(database, Award) == 0  # errors are not stored
    fixed = {"learners": learners(3)}
    done = api.post(AWARDS, fixed, achievement_id=achievement_id, headers=key)
    assert done.status_code == 201 and count(database, Award) == 3
    # a conflict is not stored either: the revocation of a revoked badge can be retried
    award_id = done.json["awards"][0]["id"]
    revoke_key = {"Idempotency-Key": "revoke-1"}
    first = api.post(
        "/awards/{award_id}/revoke", {"reason": "Mistake"}, award_id=award_id, headers=revoke_key
    )
    replay = api.post(
        "/awards/{award_id}/revoke", {"reason": "Mistake"}, award_id=award_id, headers=revoke_key
    )
    assert first.status_code == replay.status_code == 200 and replay.data == first.data
    fresh = api.post(
        "/awards/{award_id}/revoke",
        {"reason": "Mistake"},
        award_id=award_id,
        headers={"Idempotency-Key": "revoke-2"},
    )
    assert fresh.status_code == 409
    assert {r.key for r in records(database)} == {"fix-and-retry", "revoke-1"}


def test_a_failure_after_the_work_releases_the_key(api, database, achievement_id, monkeypatch):
    """An error while storing the response (after the awards were signed) rolls the awards
    back and frees the key: the retry issues them once."""
    key = {"Idempotency-Key": "crash"}
    real_complete = idempotency.complete

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(idempotency, "complete", broken)
    crashed = api.post(
        AWARDS, {"learners": learners(2)}, achievement_id=achievement_id, headers=key
    )
    assert crashed.status_code == 500 and crashed.json["error"]["code"] == "internal"
    assert count(database, Award) == 0 and records(database) == []
    monkeypatch.setattr(idempotency, "complete", real_complete)
    done = api.post(AWARDS, {"learners": learners(2)}, achievement_id=achievement_id, headers=key)
    assert done.status_code == 201 and count(database, Award) == 2


def test_keys_belong_to_one_organisation(client, database, make_org, api, achievement_id):
    other = make_org("kaunas-gymnasium", "Kaunas Gymnasium")
    theirs = Api(client, token_for(database, other))
    key = {"Idempotency-Key": "same-key-everywhere"}
    mine = api.post("/achievements", ACHIEVEMENT, headers=key)
    their = theirs.post("/achievements", ACHIEVEMENT, headers=key)
    assert mine.status_code == their.status_code == 201
    assert "Idempotent-Replayed" not in their.headers and their.json["id"] != mine.json["id"]
    assert len(records(database)) == 2


def test_the_service_refuses_a_reused_key(database, school):
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="a" * 64)
    assert isinstance(first, idempotency.Claim)
    with pytest.raises(IdempotencyKeyReused):
        idempotency.begin(database, org_id=school.id, key="k", request_hash="b" * 64)
    with alive(database, first), pytest.raises(IdempotencyKeyInFlight):
        idempotency.begin(database, org_id=school.id, key="k", request_hash="a" * 64)
    with database.transaction() as session:
        idempotency.complete(session, first, status=201, body='{"ok":true}')
    replay = idempotency.begin(database, org_id=school.id, key="k", request_hash="a" * 64)
    assert replay == idempotency.Replay(201, '{"ok":true}')
    assert not idempotency.release(database, first)  # a done record stays


def test_the_same_request_sent_twice_at_once_awards_once(
    live_server, database, api, achievement_id
):
    """Two copies of one request race over real HTTP: one does the work; the other gets the
    409 (still in flight) or, if it came late, the same response replayed."""
    body = json.dumps({"learners": learners(40)}).encode()
    url = f"{live_server.base}/api/v1/achievements/{achievement_id}/awards"
    barrier = threading.Barrier(4)
    answers: list[tuple[int, dict, dict]] = []
    lock = threading.Lock()

    def send() -> None:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {api.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": "race",
            },
        )
        barrier.wait(10)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = (response.status, json.loads(response.read()), dict(response.headers))
        except urllib.error.HTTPError as exc:
            answer = (exc.code, json.loads(exc.read()), dict(exc.headers))
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(status for status, _, _ in answers)
    assert len(answers) == 4 and set(statuses) <= {201, 409} and 201 in statuses, statuses
    template = "/achievements/{achievement_id}/awards"
    for status, payload, _headers in answers:
        assert schema_errors(response_schema_pointer("POST", template, status), payload) == []
        if status == 409:
            assert payload["error"]["code"] == "idempotency_key_in_flight"
    done = [payload for status, payload, _ in answers if status == 201]
    assert all(p == done[0] for p in done)
    assert count(database, Award) == 40
    # once done, a retry gets the result
    retry = api.post(
        AWARDS,
        {"learners": learners(40)},
        achievement_id=achievement_id,
        headers={"Idempotency-Key": "race"},
    )
    assert retry.status_code == 201 and retry.json == done[0]


def test_keys_are_forgotten_after_the_retention_period(database, school, make_org):
    """A day later the key is a new request, and the organisation's old records are gone;
    another organisation's records are not touched."""
    other = make_org("kaunas-school", "Kaunas School")
    start = now_utc()
    for org_id in (school.id, other.id):
        claim = idempotency.begin(
            database, org_id=org_id, key="k", request_hash="a" * 64, now=start
        )
        with database.transaction() as session:
            idempotency.complete(session, claim, status=201, body="{}")
    within = start + idempotency.RETENTION - timedelta(minutes=1)
    assert idempotency.begin(
        database, org_id=school.id, key="k", request_hash="a" * 64, now=within
    ) == (idempotency.Replay(201, "{}"))
    assert isinstance(
        idempotency.begin(database, org_id=school.id, key="new", request_hash="c" * 64, now=within),
        idempotency.Claim,
    )
    later = start + idempotency.RETENTION + timedelta(minutes=1)
    fresh = idempotency.begin(database, org_id=school.id, key="k", request_hash="b" * 64, now=later)
    assert isinstance(fresh, idempotency.Claim)  # not a 422: the old request is forgotten
    with database.transaction() as session:
        kept = session.execute(select(IdempotencyRecord.org_id, IdempotencyRecord.key)).all()
    assert sorted(kept) == sorted([(school.id, "k"), (school.id, "new"), (other.id, "k")])
