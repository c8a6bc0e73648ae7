"""Awarding a whole class: all badges or none, and a double-submitted confirmation issues once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from issuer.models import Achievement, Award, AwardBatch, Organisation, OutboxMessage
from issuer.services import awards as award_service
from issuer.services.awards import AwardInput, award_many
from issuer.urls import PublicUrls

from .conftest import BASE_URL, CLASS_SIZE, class_csv, confirm, post, preview


def class_rows(size: int = CLASS_SIZE) -> list[AwardInput]:
    return [
        AwardInput(learner_name=f"Learner {i}", learner_email=f"learner{i}@pupils.example")
        for i in range(1, size + 1)
    ]


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


@pytest.fixture
def teacher(auth, make_user, school):
    user = make_user("ruta@vilnius.example", org=school, role="teacher")
    assert auth.login(user.email).status_code == 302
    return user


def award_tables(database) -> tuple[int, int, int]:
    with database.transaction() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Award, AwardBatch, OutboxMessage)
        )


def test_a_class_is_awarded_through_preview_and_confirmation(
    client, school, achievement, teacher, database
):
    csv_b64, key = preview(client, school, achievement, class_csv())
    assert award_tables(database) == (0, 0, 0)  # the preview signs nothing
    response = confirm(client, school, achievement, csv_b64, key)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Signed {CLASS_SIZE} of {CLASS_SIZE}" in page
    assert f"All {CLASS_SIZE} badges were awarded" in page
    assert award_tables(database) == (CLASS_SIZE, 1, CLASS_SIZE)
    with database.transaction() as session:
        awards = session.scalars(select(Award)).all()
        batch = session.scalars(select(AwardBatch)).one()
    assert {a.batch_id for a in awards} == {batch.id} and batch.count == CLASS_SIZE
    assert len({a.status_index for a in awards}) == CLASS_SIZE
    assert {a.learner_email for a in awards} == {
        f"learner{i}@pupils.example" for i in range(1, CLASS_SIZE + 1)
    }
    assert all(a.credential_jwt and '"proof"' in a.credential_json for a in awards)


def test_a_crash_in_the_streamed_confirmation_leaves_nothing(
    client, school, achievement, teacher, database, crash_on_fifth_signature, table_counts
):
    csv_b64, key = preview(client, school, achievement, class_csv())
    before = table_counts()
    response = confirm(client, school, achievement, csv_b64, key)
    page = response.get_data(as_text=True)
    assert len(crash_on_fifth_signature) == 5  # it really stopped in the middle
    assert "Nothing was awarded: the signing stopped with an error. Please try again." in page
    assert "badges were awarded" not in page
    assert award_tables(database) == (0, 0, 0)
    assert table_counts() == before
    # the same confirmation, retried once the fault is gone, awards the class once
    crash_on_fifth_signature.append(1)  # the 6th call onwards signs normally
    page = confirm(client, school, achievement, csv_b64, key).get_data(as_text=True)
    assert f"All {CLASS_SIZE} badges were awarded" in page
    assert award_tables(database) == (CLASS_SIZE, 1, CLASS_SIZE)


def test_a_crash_in_the_service_leaves_nothing(
    database, sealer, school, achievement, crash_on_fifth_signature, table_counts
):
    before = table_counts()
    with pytest.raises(RuntimeError, match="injected"), database.transaction() as session:
        award_many(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            rows=class_rows(),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            request_key="batch-1",
        )
    assert len(crash_on_fifth_signature) == 5
    assert award_tables(database) == (0, 0, 0)
    assert table_counts() == before


def test_a_crash_after_signing_leaves_nothing(
    database, sealer, school, achievement, monkeypatch, table_counts
):
    """A failure while storing the learners' messages (after every badge is signed)."""

    def broken_message(*args, **kwargs):
        raise RuntimeError("the outbox is broken (injected)")

    monkeypatch.setattr(award_service, "_message", broken_message)
    before = table_counts()
    with pytest.raises(RuntimeError, match="injected"), database.transaction() as session:
        award_many(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            rows=class_rows(),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )
    assert table_counts() == before


def test_a_crash_in_a_single_award_leaves_nothing(
    database, sealer, school, achievement, monkeypatch, table_counts, award_to
):
    """award_badge stores the award in a savepoint: a later failure must still undo it (SQLite too)."""

    def broken_message(*args, **kwargs):
        raise RuntimeError("the outbox is broken (injected)")

    monkeypatch.setattr(award_service, "_message", broken_message)
    before = table_counts()
    with pytest.raises(RuntimeError, match="injected"):
        award_to(school, achievement, request_key="single-1")
    assert table_counts() == before


def test_a_double_submitted_confirmation_issues_once(
    client, school, achievement, teacher, database
):
    csv_b64, key = preview(client, school, achievement, class_csv())
    first = confirm(client, school, achievement, csv_b64, key).get_data(as_text=True)
    second = confirm(client, school, achievement, csv_b64, key).get_data(as_text=True)
    assert f"All {CLASS_SIZE} badges were awarded" in first
    assert f"All {CLASS_SIZE} badges were awarded" in second  # the first result, shown again
    assert award_tables(database) == (CLASS_SIZE, 1, CLASS_SIZE)
    # a new preview of the same file is a new request: a second class award is deliberate
    # (the teacher chooses to award the learners who already have the badge again)
    csv_b64_2, key_2 = preview(client, school, achievement, class_csv())
    assert key_2 != key
    post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm",
        {"csv_b64": csv_b64_2, "request_key": key_2, "earlier": "include"},
    ).get_data()
    assert award_tables(database) == (2 * CLASS_SIZE, 2, 2 * CLASS_SIZE)


def test_concurrent_confirmations_of_one_batch_issue_once(database, sealer, school, achievement):
    """Two workers confirm the same batch at once (a double click on two gunicorn workers)."""
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def confirm_in_thread() -> None:
        try:
            barrier.wait(5)
            with database.transaction() as session:
                result = award_many(
                    session,
                    org=session.get(Organisation, school.id),
                    achievement=session.get(Achievement, achievement.id),
                    rows=class_rows(),
                    sealer=sealer,
                    urls=PublicUrls(BASE_URL),
                    request_key="same-batch",
                )
                outcomes.append(len(result.awards))
        except Exception as exc:  # recorded, and the assertion below says which
            outcomes.append(exc)

    threads = [threading.Thread(target=confirm_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == [CLASS_SIZE, CLASS_SIZE], outcomes
    assert award_tables(database) == (CLASS_SIZE, 1, CLASS_SIZE)
