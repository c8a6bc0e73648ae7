"""Two awards that draw the same status index: the second draws again, it does not fail.

The concurrency test (test_concurrency.py) cannot make the draw collide on purpose: the
index is random among 131,072. Here the collision is forced: the index chooser returns
an index another award already holds (as when a concurrent award committed it after this
one read the used indexes), so the database's unique constraint refuses the insert, and
the award must retry with a fresh index. The tests in tests/issuer run on SQLite and, with
DATABASE_URL, on PostgreSQL (they are all marked db).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from badges.status import bitstring_status_list as bsl
from issuer.errors import Conflict
from issuer.models import Achievement, AuditEvent, Award, Organisation, OutboxMessage
from issuer.services import awards as award_service
from issuer.services.awards import AwardInput, award_badge
from issuer.urls import PublicUrls

from .conftest import BASE_URL

pytestmark = pytest.mark.db


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


class Chooser:
    """Stands in for ``bsl.allocate_index``: the first ``collisions`` draws return
    ``taken``; later draws are the real chooser's."""

    def __init__(self, taken: int, collisions: int) -> None:
        self.taken = taken
        self.collisions = collisions
        self.draws: list[int] = []
        self.real = bsl.allocate_index

    def __call__(self, used, size=bsl.MIN_ENTRIES):  # same signature as the real one
        if len(self.draws) < self.collisions:
            index = self.taken
        else:
            index = self.real(used, size)
        self.draws.append(index)
        return index


def counts(database) -> tuple[int, int, int]:
    with database.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Award)),
            session.scalar(select(func.count()).select_from(OutboxMessage)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def award_once(database, sealer, school, achievement, email: str, request_key: str | None):
    with database.transaction() as session:
        row = award_badge(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput(learner_name="Jonas", learner_email=email),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            request_key=request_key,
        )
        return row.id, row.status_index, json.loads(row.credential_json)


@pytest.mark.parametrize("request_key", [None, "form-2"], ids=["no-key", "with-key"])
def test_an_award_that_draws_a_taken_index_draws_again(
    database, sealer, school, achievement, award_to, monkeypatch, request_key
):
    first = award_to(school, achievement, email="ona@pupils.example", request_key="form-1")
    before = counts(database)
    chooser = Chooser(first.status_index, collisions=2)
    monkeypatch.setattr(award_service.bsl, "allocate_index", chooser)

    award_id, index, credential = award_once(
        database, sealer, school, achievement, "jonas@pupils.example", request_key
    )

    assert chooser.draws[:2] == [first.status_index, first.status_index]
    assert len(chooser.draws) == 3, "one fresh draw after the two collisions"
    assert index == chooser.draws[2] != first.status_index
    # the credential signed carries the index it was stored with
    status = credential["credentialStatus"]
    assert status["statusListIndex"] == str(index)
    assert status["id"].endswith(f"#{index}")
    # stored once, with one message and one audit entry; the first award is untouched
    assert counts(database) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with database.transaction() as session:
        assert session.get(Award, first.id).status_index == first.status_index
        assert session.get(Award, award_id).learner_email == "jonas@pupils.example"
        assert session.get(Award, award_id).request_key == request_key


def test_an_award_that_keeps_colliding_gives_up_with_a_conflict_and_stores_nothing(
    database, sealer, school, achievement, award_to, monkeypatch
):
    first = award_to(school, achievement, email="ona@pupils.example")
    before = counts(database)
    chooser = Chooser(first.status_index, collisions=100)
    monkeypatch.setattr(award_service.bsl, "allocate_index", chooser)

    with pytest.raises(Conflict, match=r"^The award could not be stored; please try again\.$"):
        award_once(database, sealer, school, achievement, "jonas@pupils.example", "form-9")

    assert chooser.draws == [first.status_index] * 5, "five attempts, then a clear error"
    assert counts(database) == before


def test_the_same_request_key_committed_first_elsewhere_returns_that_award(
    database, sealer, school, achievement, award_to, monkeypatch
):
    """The other path through the retry: the insert fails because a concurrent request
    with the same key committed first; the award it stored is the answer."""
    first = award_to(school, achievement, email="jonas@pupils.example", request_key="form-1")
    before = counts(database)
    calls: list[str] = []
    real_find = award_service.find_by_request_key

    def stale_then_real(session, org, request_key):
        calls.append(request_key)
        # the first look (before the insert) does not see the other request's award yet
        return None if len(calls) == 1 else real_find(session, org, request_key)

    monkeypatch.setattr(award_service, "find_by_request_key", stale_then_real)
    monkeypatch.setattr(award_service.bsl, "allocate_index", Chooser(first.status_index, 0))

    award_id, index, _credential = award_once(
        database, sealer, school, achievement, "jonas@pupils.example", "form-1"
    )

    assert calls == ["form-1", "form-1"]
    assert (award_id, index) == (first.id, first.status_index)
    assert counts(database) == before


def test_the_index_is_drawn_among_the_organisations_own_used_indexes(
    database, sealer, make_org, make_achievement, award_to, monkeypatch
):
    """Each organisation has its own list: its awards' indexes are the ones avoided, and
    another organisation's are not."""
    school, other = make_org("school-a", "School A"), make_org("school-b", "School B")
    ours = [award_to(school, make_achievement(school), email=f"p{i}@a.example") for i in range(2)]
    theirs = award_to(other, make_achievement(other), email="p@b.example")
    seen: list[set[int]] = []
    real = bsl.allocate_index

    def recording(used, size=bsl.MIN_ENTRIES):
        seen.append(set(used))
        return real(used, size)

    monkeypatch.setattr(award_service.bsl, "allocate_index", recording)
    achievement = make_achievement(school, name="Second badge")
    award_once(database, sealer, school, achievement, "new@a.example", None)
    assert seen == [{a.status_index for a in ours}]  # not School B's {theirs.status_index}
    assert theirs.org_id == other.id


def test_a_request_key_reused_for_another_award_is_a_conflict(
    database, sealer, school, achievement, make_achievement, award_to
):
    first = award_to(school, achievement, email="ona@pupils.example", request_key="form-1")
    message = r"^This request key was already used for a different award\.$"
    with pytest.raises(Conflict, match=message):  # another learner
        award_once(database, sealer, school, achievement, "jonas@pupils.example", "form-1")
    other = make_achievement(school, name="Another badge")
    with pytest.raises(Conflict, match=message):  # another badge, the same learner
        award_once(database, sealer, school, other, "ona@pupils.example", "form-1")
    # the same award again (the address as typed may differ in case and spaces)
    award_id, _, _ = award_once(
        database, sealer, school, achievement, " ONA@pupils.example ", "form-1"
    )
    assert award_id == first.id


def test_a_request_key_is_the_organisations_own(
    database, sealer, make_org, make_achievement, award_to
):
    """Another organisation's form may send the same key: it is not that award."""
    school, other = make_org("school-a", "School A"), make_org("school-b", "School B")
    theirs = award_to(other, make_achievement(other), email="ona@pupils.example", request_key="k")
    achievement = make_achievement(school)
    award_id, _, _credential = award_once(
        database, sealer, school, achievement, "ona@pupils.example", "k"
    )
    assert award_id != theirs.id
    with database.transaction() as session:
        ours = session.get(Award, award_id)
        assert (ours.org_id, ours.achievement_id, ours.request_key) == (
            school.id,
            achievement.id,
            "k",
        )
        assert (
            award_service.find_by_request_key(session, session.get(Organisation, school.id), "k").id
            == award_id
        )
        assert (
            award_service.find_by_request_key(session, session.get(Organisation, other.id), "k").id
            == theirs.id
        )
