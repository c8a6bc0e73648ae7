"""The Idempotency-Key service on its own: the key's rules, the request's fingerprint, the
claim it returns, how long records are kept and what release says.

Written to kill the mutants tests/mutation/run.py found alive in
issuer/services/idempotency.py (tests/issuer/test_api_idempotency.py drives it through the API).
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import false, select

from badges.jsonutil import dumps_sorted
from issuer.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, InvalidInput
from issuer.models import IdempotencyRecord
from issuer.models.base import now_utc
from issuer.services import idempotency

from .api_helpers import alive


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.mark.parametrize("value", ["", "   ", "x" * 201, "ключ", "a b", "tab\there"])
def test_a_bad_key_is_refused_for_its_header(value):
    with pytest.raises(
        InvalidInput,
        match="^"
        + re.escape("The Idempotency-Key header must be 1 to 200 visible ASCII characters.")
        + "$",
    ) as refused:
        idempotency.check_key(value)
    assert refused.value.fields == {
        "Idempotency-Key": "Use 1 to 200 visible ASCII characters, e.g. a UUID."
    }


def test_a_good_key_is_kept_as_sent_without_surrounding_space():
    assert idempotency.check_key("  3f2b-UUID!~  ") == "3f2b-UUID!~"
    assert idempotency.check_key("k" * 200) == "k" * 200


def test_the_request_fingerprint():
    body = {"b": [1, 2], "a": "x"}
    expected = hashlib.sha256(b"POST\n/api/v1/x\n" + dumps_sorted(body)).hexdigest()
    assert idempotency.request_hash("post", "/api/v1/x", body) == expected
    assert idempotency.request_hash("POST", "/api/v1/x", {"a": "x", "b": [1, 2]}) == expected
    assert idempotency.request_hash("PUT", "/api/v1/x", body) != expected
    assert idempotency.request_hash("POST", "/api/v1/y", body) != expected
    assert idempotency.request_hash("POST", "/api/v1/x", {**body, "c": 1}) != expected


def test_a_claim_names_its_record_organisation_key_and_time(database, school):
    now = now_utc().replace(microsecond=0)
    claim = idempotency.begin(database, org_id=school.id, key="k1", request_hash="h" * 64, now=now)
    assert isinstance(claim, idempotency.Claim)
    assert (claim.org_id, claim.key, claim.started_at) == (school.id, "k1", now)
    with database.transaction() as session:
        record = session.get(IdempotencyRecord, claim.record_id)
        assert (record.org_id, record.key, record.state) == (school.id, "k1", "pending")
        assert record.request_hash == "h" * 64


def test_records_are_kept_for_exactly_the_retention(database, school):
    now = now_utc().replace(microsecond=0)
    edge = now - idempotency.RETENTION
    idempotency.begin(database, org_id=school.id, key="edge", request_hash="a", now=edge)
    idempotency.begin(
        database, org_id=school.id, key="old", request_hash="a", now=edge - timedelta(seconds=1)
    )
    idempotency.begin(database, org_id=school.id, key="new", request_hash="a", now=now)
    with database.transaction() as session:
        keys = set(session.scalars(select(IdempotencyRecord.key)))
    assert keys == {"edge", "new"}  # the one older than the retention went; the edge stays


def test_release_says_whether_it_freed_the_key(database, school):
    claim = idempotency.begin(database, org_id=school.id, key="k2", request_hash="a")
    assert idempotency.release(database, claim) is True
    assert idempotency.release(database, claim) is False  # already gone
    claim = idempotency.begin(database, org_id=school.id, key="k2", request_hash="a")
    with database.transaction() as session:
        idempotency.complete(session, claim, status=201, body="{}")
    assert idempotency.release(database, claim) is False  # done: kept


def test_the_same_key_in_two_organisations_never_mixes(database, make_org):
    school, other = make_org("school-a", "School A"), make_org("school-b", "School B")
    for org, body in ((school, "A's answer"), (other, "B's answer")):
        claim = idempotency.begin(database, org_id=org.id, key="k", request_hash="same")
        with database.transaction() as session:
            idempotency.complete(session, claim, status=201, body=body)
    for org, body in ((other, "B's answer"), (school, "A's answer")):
        replay = idempotency.begin(database, org_id=org.id, key="k", request_hash="same")
        assert replay == idempotency.Replay(201, body)


def test_an_empty_stored_body_is_replayed_empty(database, school):
    claim = idempotency.begin(database, org_id=school.id, key="k", request_hash="h")
    with database.transaction() as session:
        idempotency.complete(session, claim, status=204, body="")
    assert idempotency.begin(database, org_id=school.id, key="k", request_hash="h") == (
        idempotency.Replay(204, "")
    )


def test_another_request_under_a_key_is_refused_saying_why(database, school):
    idempotency.begin(database, org_id=school.id, key="k", request_hash="first")
    message = (
        "This Idempotency-Key was already used for a different request "
        "(another method, path or body). Use a new key for a new request."
    )
    with pytest.raises(IdempotencyKeyReused, match="^" + re.escape(message) + "$"):
        idempotency.begin(database, org_id=school.id, key="k", request_hash="second")


def test_a_pending_key_is_in_flight_until_exactly_the_timeout(database, school):
    start = now_utc().replace(microsecond=0)
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=start)
    almost = start + idempotency.PENDING_TIMEOUT - timedelta(seconds=1)
    with (
        alive(database, first),  # the first request still running
        pytest.raises(IdempotencyKeyInFlight, match="^" + re.escape(idempotency.IN_FLIGHT) + "$"),
    ):
        idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=almost)
    # at the timeout the first request counts as abandoned: this one takes the key over
    later = start + idempotency.PENDING_TIMEOUT
    taken = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=later)
    assert taken == idempotency.Claim(first.record_id, school.id, "k", later)


def test_a_claim_taken_over_cannot_complete(database, school):
    start = now_utc().replace(microsecond=0)
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=start)
    later = start + idempotency.PENDING_TIMEOUT
    idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=later)
    message = (
        "This request took too long and another request with the same Idempotency-Key "
        "took over; nothing was changed by this one."
    )
    with (
        pytest.raises(IdempotencyKeyInFlight, match="^" + re.escape(message) + "$"),
        database.transaction() as session,
    ):
        idempotency.complete(session, first, status=201, body="{}")


def test_a_key_released_between_the_refused_claim_and_the_look_is_claimed_again(
    database, school, monkeypatch
):
    """The first request fails and releases its key just after this one's insert was
    refused for it: the key is free again, and this request claims it."""
    first = idempotency.begin(database, org_id=school.id, key="k9", request_hash="a")
    real_select = idempotency.select
    looks: list[object] = []

    def select_after_the_release(*args):
        looks.append(args)
        if len(looks) == 1:
            assert idempotency.release(database, first) is True
        return real_select(*args)

    monkeypatch.setattr(idempotency, "select", select_after_the_release)
    claim = idempotency.begin(database, org_id=school.id, key="k9", request_hash="a")
    assert isinstance(claim, idempotency.Claim)
    assert claim.started_at > first.started_at and claim.key == "k9"
    assert len(looks) == 1
    with database.transaction() as session:
        record = session.get(IdempotencyRecord, claim.record_id)
        assert (record.state, record.request_hash) == ("pending", "a")


def test_a_key_taken_and_freed_again_at_every_turn_gives_up_after_three_tries(
    database, school, monkeypatch
):
    """Every time this request's insert is refused, the other request holding the key
    releases it before the look, and yet another claims it before the next insert: after
    three such turns the request stops trying and is told the key is in flight."""
    real_select, real_delete = idempotency.select, idempotency.delete
    tries: list[int] = []
    held: list[idempotency.Claim] = []

    def claim_it_elsewhere() -> None:
        with database.transaction() as session:
            record = IdempotencyRecord(
                org_id=school.id, key="k3", request_hash="a", state="pending", created_at=now_utc()
            )
            session.add(record)
            session.flush()
            held.append(idempotency.Claim(record.id, school.id, "k3", record.created_at))

    releasing: list[bool] = []

    def delete_at_the_start_of_a_try(*args):
        if not releasing:  # the retention sweep that opens each try (not release's delete)
            tries.append(1)
            if len(tries) <= 3:
                claim_it_elsewhere()
        return real_delete(*args)

    def select_after_the_release(*args):
        releasing.append(True)
        assert idempotency.release(database, held[-1]) is True
        releasing.clear()
        return real_select(*args)

    monkeypatch.setattr(idempotency, "delete", delete_at_the_start_of_a_try)
    monkeypatch.setattr(idempotency, "select", select_after_the_release)
    with pytest.raises(IdempotencyKeyInFlight, match="^" + re.escape(idempotency.IN_FLIGHT) + "$"):
        idempotency.begin(database, org_id=school.id, key="k3", request_hash="a")
    assert len(tries) == 3 and len(held) == 3
    monkeypatch.undo()
    claim = idempotency.begin(database, org_id=school.id, key="k3", request_hash="a")
    assert isinstance(claim, idempotency.Claim)  # nothing was left holding the key


def test_a_pending_key_nobody_holds_is_taken_over_at_once_where_the_database_can_tell(
    database, school
):
    """On PostgreSQL a running request holds its record's advisory lock: a pending record
    whose lock nobody holds lost its request, and a retry takes it over at once. SQLite
    cannot tell, so there the key stays in flight until PENDING_TIMEOUT."""
    start = now_utc().replace(microsecond=0)
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=start)
    soon = start + timedelta(seconds=1)
    if database.engine.dialect.name == "postgresql":
        taken = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=soon)
        assert taken == idempotency.Claim(first.record_id, school.id, "k", soon)
        with database.transaction() as session:
            assert session.get(IdempotencyRecord, first.record_id).created_at == soon
    else:
        with pytest.raises(
            IdempotencyKeyInFlight, match="^" + re.escape(idempotency.IN_FLIGHT) + "$"
        ):
            idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=soon)


def test_a_held_key_is_in_flight_and_its_lock_is_let_go_with_the_transaction(database, school):
    """While the first request's transaction holds the claim, a retry is told the key is
    in flight; once that transaction has ended (the request lost, say), on PostgreSQL the
    next retry takes the key over, on SQLite it is still in flight."""
    start = now_utc().replace(microsecond=0)
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=start)
    with (
        alive(database, first),
        pytest.raises(IdempotencyKeyInFlight, match="^" + re.escape(idempotency.IN_FLIGHT) + "$"),
    ):
        idempotency.begin(
            database, org_id=school.id, key="k", request_hash="h", now=start + timedelta(seconds=1)
        )
    later = start + timedelta(seconds=2)
    if database.engine.dialect.name == "postgresql":
        taken = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=later)
        assert taken == idempotency.Claim(first.record_id, school.id, "k", later)
    else:
        with pytest.raises(IdempotencyKeyInFlight):
            idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=later)


def test_at_the_timeout_even_a_claim_still_held_is_taken_over(database, school):
    """PENDING_TIMEOUT is the longest a request may hold a key: past it, a retry takes the
    key over even while the first request's transaction still runs (on PostgreSQL: holds
    its lock); its ``complete`` then fails and its work rolls back."""
    start = now_utc().replace(microsecond=0)
    first = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=start)
    later = start + idempotency.PENDING_TIMEOUT
    with alive(database, first):
        taken = idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=later)
    assert taken == idempotency.Claim(first.record_id, school.id, "k", later)


def test_a_take_over_that_another_retry_won_is_in_flight(database, school, monkeypatch):
    """Two retries find the same abandoned record; the one whose update no longer finds it
    pending under the old claim (the other took it just now) is told the key is in flight."""
    start = now_utc().replace(microsecond=0)
    idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=start)
    real_update = idempotency.update
    # the other retry's update committed first: this one's matches no row
    monkeypatch.setattr(idempotency, "update", lambda *args: real_update(*args).where(false()))
    later = start + idempotency.PENDING_TIMEOUT
    with pytest.raises(IdempotencyKeyInFlight, match="^" + re.escape(idempotency.IN_FLIGHT) + "$"):
        idempotency.begin(database, org_id=school.id, key="k", request_hash="h", now=later)
    monkeypatch.undo()
    with database.transaction() as session:
        [record] = session.scalars(select(IdempotencyRecord)).all()
        assert (record.state, record.created_at) == ("pending", start)
