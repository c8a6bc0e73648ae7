"""Awarding a whole class: all badges or none, and a double-submitted confirmation issues once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from issuer.models import (
    Achievement,
    Award,
    AwardBatch,
    ClaimToken,
    Organisation,
    OutboxMessage,
)
from issuer.services import awards as award_service
from issuer.services import lookup
from issuer.services.awards import AwardInput, award_many
from issuer.services.lookup import one_of
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


def test_a_crash_after_some_chunks_were_stored_leaves_nothing(
    database, sealer, school, achievement, crash_on_fifth_signature, table_counts, monkeypatch
):
    """On PostgreSQL a class's awards are inserted a chunk at a time while the next is
    signed (awards._Writer): chunks already inserted go with the rest."""
    monkeypatch.setattr(award_service, "WRITE_CHUNK", 2)
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
    assert len(crash_on_fifth_signature) == 5
    assert table_counts() == before


def test_a_class_stored_a_chunk_at_a_time_keeps_its_order_and_messages(
    database, sealer, school, achievement, monkeypatch
):
    monkeypatch.setattr(award_service, "WRITE_CHUNK", 5)
    rows = class_rows()
    result, ids = many(database, sealer, school, achievement, rows)
    assert len(result.awards) == CLASS_SIZE
    with database.transaction() as session:
        stored = session.scalars(select(Award).order_by(Award.id)).all()
        assert [a.public_id for a in stored] == ids
        assert [a.learner_email for a in stored] == [r.learner_email for r in rows]
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.award_id for m in messages] == [a.id for a in stored]
        assert all(m.to_email == a.learner_email for m, a in zip(messages, stored, strict=True))


def test_a_crash_after_signing_leaves_nothing(
    database, sealer, school, achievement, monkeypatch, table_counts
):
    """A failure while storing the learners' messages (after every badge is signed)."""

    def broken_message(*args, **kwargs):
        raise RuntimeError("the outbox is broken (injected)")

    # a class's messages are written by _class_messages, each through _Messages.fields
    monkeypatch.setattr(award_service._Messages, "fields", broken_message)
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


# --- the service, row by row ----------------------------------------------------------------


def many(database, sealer, school, achievement, rows, **kwargs):
    """award_many in a transaction of its own; returns (result, public ids of its awards)."""
    with database.transaction() as session:
        result = award_many(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            rows=rows,
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            **kwargs,
        )
        return result, [award.public_id for award in result.awards]


def row(email: str, name: str = "Ona") -> AwardInput:
    return AwardInput(learner_name=name, learner_email=email)


def test_an_empty_or_too_long_list_is_refused_saying_why(database, sealer, school, achievement):
    with pytest.raises(award_service.InvalidInput, match=r"^The list has no learners\.$"):
        many(database, sealer, school, achievement, [])
    too_many = [row(f"p{i}@pupils.example") for i in range(award_service.MAX_BATCH + 1)]
    message = rf"^At most {award_service.MAX_BATCH} learners at a time\.$"
    with pytest.raises(award_service.InvalidInput, match=message):
        many(database, sealer, school, achievement, too_many)
    assert award_tables(database) == (0, 0, 0)


def test_bad_and_repeated_rows_come_back_by_number_and_nothing_is_stored(
    database, sealer, school, achievement
):
    rows = [
        row("ona@pupils.example"),
        row("not an address"),
        row(" ONA@pupils.example "),  # the same learner as row 1
        row("not an address"),  # bad, and a repeat of row 2: only "bad" is said
        row("jonas@pupils.example"),
    ]
    result, _ = many(database, sealer, school, achievement, rows, first_row=2)
    assert result.errors == {
        2: {"learner_email": "Give a valid email address."},
        3: {"learner_email": "Same email as row 2."},  # shown as the file's line 2
        4: {"learner_email": "Give a valid email address."},
    }
    assert (result.batch, result.awards, result.dry_run) == (None, [], False)
    assert award_tables(database) == (0, 0, 0)
    result, _ = many(database, sealer, school, achievement, rows[:3])
    assert result.errors[3] == {"learner_email": "Same email as row 1."}


def test_a_dry_run_stores_nothing_and_says_who_has_the_badge(
    database, sealer, school, achievement, award_to
):
    earlier = award_to(school, achievement, email="ona@pupils.example")
    before = award_tables(database)
    rows = [row("jonas@pupils.example"), row("Ona@Pupils.example")]
    result, _ = many(database, sealer, school, achievement, rows, dry_run=True)
    assert (result.batch, result.awards, result.errors, result.dry_run) == (None, [], {}, True)
    assert {number: award.id for number, award in result.earlier.items()} == {2: earlier.id}
    assert award_tables(database) == before


def test_the_earlier_award_is_the_first_one_not_revoked(
    database, sealer, school, achievement, award_to
):
    from issuer.services.status import revoke_award

    first = award_to(school, achievement, email="ona@pupils.example")
    second = award_to(school, achievement, email="ona@pupils.example")
    with database.transaction() as session:
        found = award_service.earlier_awards(
            session,
            session.get(Organisation, school.id),
            session.get(Achievement, achievement.id),
            [" ONA@pupils.example", "", "  "],
        )
        assert {email: award.id for email, award in found.items()} == {
            "ona@pupils.example": first.id
        }
        revoke_award(session, award=session.get(Award, first.id), reason="Given in error.")
    with database.transaction() as session:
        found = award_service.earlier_awards(
            session,
            session.get(Organisation, school.id),
            session.get(Achievement, achievement.id),
            ["ona@pupils.example"],
        )
        assert found["ona@pupils.example"].id == second.id
        assert (
            award_service.earlier_awards(
                session,
                session.get(Organisation, school.id),
                session.get(Achievement, achievement.id),
                ["", " "],
            )
            == {}
        )


def test_earlier_awards_are_found_past_the_first_chunk_of_addresses(
    database, sealer, school, achievement, award_to
):
    earlier = award_to(school, achievement, email="zz-last@pupils.example")
    emails = [f"p{i:04d}@pupils.example" for i in range(600)] + ["zz-last@pupils.example"]
    with database.transaction() as session:
        found = award_service.earlier_awards(
            session,
            session.get(Organisation, school.id),
            session.get(Achievement, achievement.id),
            emails,
        )
    assert {email: award.id for email, award in found.items()} == {
        "zz-last@pupils.example": earlier.id
    }


def test_earlier_holders_are_looked_up_by_address_not_by_reading_the_badge_s_awards(
    database, sealer, school, achievement, award_to
):
    """The look-up of a class's earlier holders uses the index of addresses: on SQLite
    (no statistics) the planner would otherwise read every award of the badge, one IN list
    at a time (``earlier_awards`` steers it); on PostgreSQL the addresses are one array
    joined to the awards, whatever the plan."""
    award_to(school, achievement, email="zz-last@pupils.example")
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "learner_email" in statement:
            statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.transaction() as session:
            award_service.earlier_awards(
                session,
                session.get(Organisation, school.id),
                session.get(Achievement, achievement.id),
                [f"p{i}@pupils.example" for i in range(20)],
            )
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert statements
    with database.engine.connect() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in statements:
            if database.engine.dialect.name == "sqlite":
                plan = " ".join(
                    str(row) for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                )
                assert "ix_award_learner_email_lower" in plan, plan
            else:
                assert "unnest" in statement and "learner_email) IN" not in statement


def test_rows_with_one_of_many_keys_are_found_in_as_few_statements_as_the_database_allows(
    database, sealer, school, achievement, award_to
):
    """``lookup.one_of``: every row whose key is among the values, each once, duplicates
    and all; one statement on PostgreSQL (an array), one IN list per 500 values elsewhere."""
    numbers = (0, 499, 500, 1000)
    held = {award_to(school, achievement, email=f"p{i:04d}@pupils.example").id for i in numbers}
    emails = [f"p{i:04d}@pupils.example" for i in range(1001)]
    key = func.lower(Award.learner_email)
    with database.transaction() as session:
        filters = one_of(session, key, emails + emails[:10])
        found = [award.id for among in filters for award in session.scalars(among(select(Award)))]
        postgresql = session.get_bind().dialect.name == "postgresql"
        assert one_of(session, key, []) == []
        nobody = one_of(session, key, ["nobody@pupils.example"])
        assert [list(session.scalars(among(select(Award.id)))) for among in nobody] == [[]]
    assert sorted(found) == sorted(held)
    assert len(filters) == (1 if postgresql else 3)
    assert lookup.IN_LIST == 500


def test_learners_who_have_the_badge_can_be_left_out(
    database, sealer, school, achievement, award_to
):
    earlier = award_to(school, achievement, email="ona@pupils.example")
    rows = [row("ona@pupils.example"), row("jonas@pupils.example", "Jonas")]
    result, ids = many(database, sealer, school, achievement, rows, skip_earlier=True)
    assert (len(ids), result.skipped) == (1, 1)
    assert result.earlier[1].id == earlier.id
    with database.transaction() as session:
        awards = [session.scalar(select(Award).where(Award.public_id == i)) for i in ids]
        assert [a.learner_email for a in awards] == ["jonas@pupils.example"]
        batch = session.get(AwardBatch, awards[0].batch_id)
        assert batch.count == 1
    message = r"^Every learner in the list already has this badge: nothing to award\.$"
    with pytest.raises(award_service.InvalidInput, match=message):
        many(database, sealer, school, achievement, rows[:1], skip_earlier=True)
    # without skip_earlier, they are awarded again
    result, ids = many(database, sealer, school, achievement, rows[:1])
    assert (len(ids), result.skipped, result.earlier[1].id) == (1, 0, earlier.id)


def test_a_class_gets_distinct_indexes_one_message_each_and_one_audit_entry(
    database, sealer, school, achievement, award_to, make_user, monkeypatch
):
    from issuer.models import AuditEvent

    earlier = award_to(school, achievement, email="ona@pupils.example")
    teacher = make_user("ruta@vilnius.example", org=school, role="teacher")
    # the lowest free index each time: a drawn index not marked used would be drawn again
    monkeypatch.setattr(
        award_service.bsl,
        "allocate_index",
        lambda used, size=131072: next(i for i in range(size) if i not in used),
    )
    from issuer.services.audit import Actor

    seen: list[tuple[int, int]] = []
    rows = [row(f"p{i}@pupils.example", f"Pupil {i}") for i in range(1, 4)]
    rows[1].narrative = "Well done, Pupil 2!"
    result, ids = many(
        database,
        sealer,
        school,
        achievement,
        rows,
        progress=lambda done, total: seen.append((done, total)),
        awarded_by=teacher.id,
        actor=Actor(label="Rūta", via="web", user_id=teacher.id),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with database.transaction() as session:
        awards = [session.scalar(select(Award).where(Award.public_id == i)) for i in ids]
        indexes = {a.status_index for a in awards}
        assert len(indexes) == 3 and earlier.status_index not in indexes
        assert all(a.issued_at.microsecond == 0 for a in awards)
        assert session.get(AwardBatch, result.batch.id).created_by == teacher.id
        assert {a.awarded_by for a in awards} == {teacher.id}
        assert [a.learner_email for a in awards] == [r.learner_email for r in rows]
        assert {a.batch_id for a in awards} == {result.batch.id}
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.award_id.in_([a.id for a in awards]))
        ).all()
        assert sorted(m.to_email for m in messages) == sorted(r.learner_email for r in rows)
        noted = [m.to_email for m in messages if "A note from your teacher:\n" in m.body]
        assert noted == ["p2@pupils.example"]
        assert "Well done, Pupil 2!" in next(m.body for m in messages if m.to_email in noted)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "award.batch")).one()
        assert event.subject == f"batch:{result.batch.id}"
        assert (event.actor, event.via, event.actor_user_id) == ("Rūta", "web", teacher.id)
        assert event.summary == f"Awarded “{achievement.name}” to 3 learners"
        assert event.details == {
            "achievement": achievement.public_id,
            "count": 3,
            "skipped": 0,
            "awards": ids,
        }


def test_a_batch_request_key_is_the_organisations_own(database, sealer, make_org, make_achievement):
    school, other = make_org("school-a", "School A"), make_org("school-b", "School B")
    theirs, their_ids = many(
        database, sealer, other, make_achievement(other), class_rows(2), request_key="k"
    )
    ours, our_ids = many(
        database, sealer, school, make_achievement(school), class_rows(3), request_key="k"
    )
    assert ours.batch.id != theirs.batch.id
    assert len(our_ids) == 3 and not set(our_ids) & set(their_ids)


def test_a_repeated_batch_returns_its_awards_in_their_order(database, sealer, school, achievement):
    from issuer.services.status import revoke_award

    first, ids = many(database, sealer, school, achievement, class_rows(3), request_key="b")
    with database.transaction() as session:
        # a revocation rewrites the first award's row (on PostgreSQL, a new row version)
        award = session.scalar(select(Award).where(Award.public_id == ids[0]))
        revoke_award(session, award=award, reason="Given in error.")
    again, again_ids = many(database, sealer, school, achievement, class_rows(3), request_key="b")
    assert again.batch.id == first.batch.id
    assert again_ids == ids
    assert (again.errors, again.dry_run) == ({}, False)


def test_a_list_of_exactly_the_most_learners_is_read_and_a_long_request_key_refused(
    database, sealer, school, achievement
):
    rows = [row(f"p{i}@pupils.example") for i in range(award_service.MAX_BATCH)]
    result, _ = many(database, sealer, school, achievement, rows, dry_run=True)
    assert (result.errors, result.dry_run) == ({}, True)
    message = r"^The request key is longer than 200 characters; reload the form and try again\.$"
    with pytest.raises(award_service.InvalidInput, match=message):
        many(database, sealer, school, achievement, class_rows(2), request_key="k" * 201)
    assert award_tables(database) == (0, 0, 0)


# --- which earlier awards count (tests/mutation/run.py issuer-bulk) -------------------------


def award_at(database, sealer, school, achievement, email, issued):
    """One award issued at ``issued`` (a datetime), committed; returns it."""
    with database.transaction() as session:
        return award_service.award_badge(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput(learner_name="Ona", learner_email=email),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            now=issued,
        )


def rewrite_row(database, award_id: int, email: str) -> None:
    """Store the award's row again, with an address that is the same learner's: PostgreSQL
    writes the new row version after the others (an indexed column changed), so a query
    without ORDER BY would return it last."""
    with database.transaction() as session:
        session.execute(update(Award).where(Award.id == award_id).values(learner_email=email))


def earlier_of(database, school, achievement, emails):
    with database.transaction() as session:
        found = award_service.earlier_awards(
            session,
            session.get(Organisation, school.id),
            session.get(Achievement, achievement.id),
            emails,
        )
        return {email: award.id for email, award in found.items()}


def test_only_this_badges_awards_to_the_learners_asked_about_count_as_earlier(
    database, sealer, school, achievement, make_org, make_achievement, award_to
):
    other_badge = make_achievement(school, "Kind Words")
    other_school = make_org("kaunas-school", "Kaunas School")
    theirs = make_achievement(other_school, "Baltic Sea Project")
    award_to(school, other_badge, email="ona@pupils.example")  # another badge of this school
    award_to(other_school, theirs, email="ona@pupils.example")  # another school's badge
    jonas = award_to(school, achievement, email="jonas@pupils.example")  # not asked about
    assert earlier_of(database, school, achievement, ["ona@pupils.example"]) == {}
    assert earlier_of(
        database, school, achievement, ["ona@pupils.example", "jonas@pupils.example"]
    ) == {"jonas@pupils.example": jonas.id}
    # another school's badge, asked about in this school, finds nothing (not its own awards)
    assert earlier_of(database, school, theirs, ["ona@pupils.example"]) == {}
    assert earlier_of(database, other_school, theirs, ["ona@pupils.example"]) != {}
    # and a class of this badge is told of no earlier award
    result, _ = many(
        database,
        sealer,
        school,
        achievement,
        [row("ona@pupils.example"), row("petras@pupils.example")],
        dry_run=True,
    )
    assert (result.errors, result.earlier) == ({}, {})


def test_the_earlier_award_is_the_one_issued_first_then_the_one_stored_first(
    database, sealer, school, achievement
):
    # stored first, issued later (an award dated back, or a clock set right)
    late = award_at(
        database,
        sealer,
        school,
        achievement,
        "ona@pupils.example",
        datetime(2026, 3, 1, 9, tzinfo=UTC),
    )
    early = award_at(
        database,
        sealer,
        school,
        achievement,
        "ona@pupils.example",
        datetime(2025, 9, 1, 9, tzinfo=UTC),
    )
    assert late.id < early.id
    assert earlier_of(database, school, achievement, ["ona@pupils.example"]) == {
        "ona@pupils.example": early.id
    }
    # two issued in the same second: the one stored first, wherever its row now lies
    same = datetime(2025, 9, 1, 12, tzinfo=UTC)
    first = award_at(database, sealer, school, achievement, "jonas@pupils.example", same)
    second = award_at(database, sealer, school, achievement, "jonas@pupils.example", same)
    rewrite_row(database, first.id, "Jonas@pupils.example")
    assert first.id < second.id
    assert earlier_of(database, school, achievement, ["jonas@pupils.example"]) == {
        "jonas@pupils.example": first.id
    }


def test_a_stored_class_has_no_errors_and_is_no_dry_run(database, sealer, school, achievement):
    result, ids = many(database, sealer, school, achievement, class_rows(2))
    assert len(ids) == 2
    assert result.errors == {} and result.dry_run is False
    assert (result.earlier, result.skipped) == ({}, 0)


def test_a_repeated_batch_keeps_its_order_when_a_row_is_stored_again(
    database, sealer, school, achievement
):
    """The awards of a repeated batch in the order they were awarded (by id), even when the
    first one's row was written again (on PostgreSQL, then stored after the others)."""
    first, ids = many(database, sealer, school, achievement, class_rows(3), request_key="again")
    with database.transaction() as session:
        award_id = session.scalar(select(Award.id).where(Award.public_id == ids[0]))
    rewrite_row(database, award_id, "LEARNER1@pupils.example")
    again, again_ids = many(
        database, sealer, school, achievement, class_rows(3), request_key="again"
    )
    assert again.batch.id == first.batch.id
    assert again_ids == ids


def test_a_class_whose_batch_cannot_be_stored_raises_and_returns_no_other_class(
    database, sealer, school, achievement
):
    """Only the same request key stored first makes the batch's insert fail for a reason
    that has an answer: any other refusal (here a teacher who does not exist) raises, and
    never answers with another class of the school (one sent without a key)."""
    from sqlalchemy.exc import IntegrityError

    earlier, _ = many(database, sealer, school, achievement, class_rows(2))
    assert earlier.batch.request_key is None
    with pytest.raises(IntegrityError):
        many(database, sealer, school, achievement, class_rows(3), awarded_by=987654)
    assert award_tables(database) == (2, 1, 2)


def test_a_class_index_taken_meanwhile_is_drawn_again_and_signed_as_the_others(
    database, sealer, school, achievement, award_to, make_user, monkeypatch
):
    """A class's first draw hits an index an award committed meanwhile holds: that award is
    drawn a new index and signed again, by the same teacher at the same time as the rest."""
    taken = award_to(school, achievement, email="ona@pupils.example")
    teacher = make_user("ruta@vilnius.example", org=school, role="teacher")
    real = award_service.bsl.allocate_index
    draws: list[int] = []

    def stale_first(used, size=award_service.bsl.MIN_ENTRIES):
        index = taken.status_index if not draws else real(used, size)
        draws.append(index)
        return index

    monkeypatch.setattr(award_service.bsl, "allocate_index", stale_first)
    now = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
    _, ids = many(
        database, sealer, school, achievement, class_rows(3), awarded_by=teacher.id, now=now
    )
    assert draws[0] == taken.status_index and len(draws) == 4
    with database.transaction() as session:
        awards = [session.scalar(select(Award).where(Award.public_id == i)) for i in ids]
        indexes = [a.status_index for a in awards]
        assert taken.status_index not in indexes and len(set(indexes)) == 3
        assert {a.awarded_by for a in awards} == {teacher.id}
        assert {a.issued_at.replace(tzinfo=UTC) for a in awards} == {now}
        for award in awards:
            status = json.loads(award.credential_json)["credentialStatus"]
            assert status["statusListIndex"] == str(award.status_index)


@pytest.mark.parametrize("copy", [False, True], ids=["executemany", "copy"])
def test_rows_inserted_at_once_are_stored_as_sqlalchemy_stores_them(
    database, sealer, school, achievement, copy
):
    """A class's rows go in through ``_insert_many`` (their parameters made once for the
    driver; COPY on PostgreSQL when asked): each value is stored as SQLAlchemy's own
    insert stores it (times, JSON columns, text, None, a column's default)."""
    many(database, sealer, school, achievement, class_rows(2))
    when = datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=UTC)
    table = award_service._table(Award)
    with database.transaction() as session:
        originals = [
            dict(r) for r in session.execute(select(table).order_by(table.c.id)).mappings()
        ]

        def copies(tag: str, shift: int) -> list[dict]:
            return [
                {
                    **{k: v for k, v in r.items() if k not in ("id", "created_at", "suspended")},
                    "public_id": f"{tag}{r['id']}",
                    "status_index": r["status_index"] + shift,
                    "revoked_at": when,
                    "revocation_reason": "Gauta per klaidą \\ \t\n%s",
                    "card_evidence": [["https://e.example/1", None, "ü \\ \t"]],
                }
                for r in originals
            ]

        session.execute(insert(table), [{**r, "created_at": when} for r in copies("a", 1000)])
        award_service._insert_many(
            session, table, copies("b", 2000), {"created_at": when}, copy=copy
        )
    with database.engine.connect() as conn:  # as stored: no column types read back
        stored = {
            r["public_id"]: dict(r) for r in conn.execute(text("SELECT * FROM award")).mappings()
        }
    for original in originals:
        by_sqlalchemy, at_once = stored[f"a{original['id']}"], stored[f"b{original['id']}"]
        for r in (by_sqlalchemy, at_once):
            del r["id"], r["public_id"], r["status_index"]
        assert at_once == by_sqlalchemy
        assert at_once["suspended"] in (False, 0)  # the column's default, as SQLAlchemy gives it


def test_a_failed_insert_at_once_raises_as_sqlalchemy_raises(database, sealer, school, achievement):
    """A constraint broken by rows inserted with ``_insert_many`` (COPY on PostgreSQL)
    raises SQLAlchemy's IntegrityError, as the class award's callers expect."""
    many(database, sealer, school, achievement, class_rows(1))
    with database.transaction() as session:
        award_id = session.scalar(select(Award.id))
    twice = [{"token_hash": "0" * 64, "award_id": award_id, "expires_at": datetime.now(UTC)}] * 2
    for copy in (False, True):
        with pytest.raises(IntegrityError), database.transaction() as session:
            award_service._insert_many(
                session,
                award_service._table(ClaimToken),
                twice,
                {"created_at": datetime.now(UTC)},
                copy=copy,
            )
