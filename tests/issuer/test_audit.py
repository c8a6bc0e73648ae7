"""The audit log: the web flows write who/what/when/where in the same transaction as the
change, never a learner's email; the page is for the organisation's admins."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from issuer.models import Achievement, AuditEvent, Award, Organisation
from issuer.services import audit
from issuer.services.audit import Actor

from .conftest import CLASS_SIZE, class_csv, confirm, login, post, preview

TEACHER_IP = "203.0.113.9"
ADMIN_IP = "2001:db8::7"


@pytest.fixture
def school(make_org):
    return make_org("klaipeda", "Klaipėda Baltic Gymnasium")


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school, "World Heritage in Young Hands")


@pytest.fixture
def teacher(make_user, school):
    return make_user("ruta@klaipeda.example", org=school, role="teacher")


@pytest.fixture
def admin(make_user, school):
    return make_user("aiste@klaipeda.example", org=school, role="admin")


def entries(database, org=None, *, system=False) -> list[AuditEvent]:
    """The entries of what people did (the fixtures' own achievements and awards, made by
    calling the services with no actor, are logged as "system": left out here)."""
    with database.transaction() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if not system:
            query = query.where(AuditEvent.via != "system")
        if org is not None:
            query = query.where(AuditEvent.org_id == org.id)
        return list(session.scalars(query))


def every_value(database) -> str:
    """Every column of every audit row, as text (to look for what must not be there)."""
    with database.engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for row in conn.execute(select(AuditEvent.__table__)))


def as_user(client, user, ip):
    client.environ_base["REMOTE_ADDR"] = ip
    assert login(client, user.email).status_code == 302


def award_form(client, school, achievement, email="gabija@pupils.example", key="form-1"):
    return post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        {"learner_name": "Gabija Šimkutė", "learner_email": email, "request_key": key},
    )


def test_a_web_award_is_logged_with_who_and_where_once(
    client, database, school, achievement, teacher
):
    as_user(client, teacher, TEACHER_IP)
    assert award_form(client, school, achievement).status_code == 302
    assert award_form(client, school, achievement).status_code == 302  # the form sent twice
    with database.transaction() as session:
        award = session.scalars(select(Award)).one()  # one badge ...
    [entry] = entries(database)  # ... and one entry
    assert entry.action == "award.issue"
    assert entry.subject == f"award:{award.public_id}"
    assert entry.org_id == school.id and entry.actor_user_id == teacher.id
    assert entry.via == "web" and entry.ip == TEACHER_IP
    assert "Ruta" in entry.actor  # the staff member (make_user names them from the address)
    assert "Gabija Šimkutė" in entry.summary and "World Heritage in Young Hands" in entry.summary
    assert "gabija@pupils.example" not in every_value(database)


def test_a_class_from_csv_is_one_entry_in_the_same_transaction(
    client, database, school, achievement, teacher
):
    as_user(client, teacher, TEACHER_IP)
    csv_b64, key = preview(client, school, achievement, class_csv())
    assert entries(database) == []  # the preview changes nothing
    page = confirm(client, school, achievement, csv_b64, key).get_data(as_text=True)
    assert f"All {CLASS_SIZE} badges were awarded" in page
    confirm(
        client, school, achievement, csv_b64, key
    ).get_data()  # confirmed twice: the first result
    [entry] = entries(database)
    with database.transaction() as session:
        batch_id = session.scalar(select(Award.batch_id).limit(1))
    assert (entry.action, entry.subject) == ("award.batch", f"batch:{batch_id}")
    assert entry.details["count"] == CLASS_SIZE and f"{CLASS_SIZE} learners" in entry.summary
    assert (entry.ip, entry.actor_user_id, entry.via) == (TEACHER_IP, teacher.id, "web")
    assert "pupils.example" not in every_value(database)


def test_a_class_that_fails_leaves_no_entry(
    client, database, school, achievement, teacher, crash_on_fifth_signature
):
    as_user(client, teacher, TEACHER_IP)
    csv_b64, key = preview(client, school, achievement, class_csv())
    page = confirm(client, school, achievement, csv_b64, key).get_data(as_text=True)
    assert "Nothing was awarded" in page
    assert entries(database) == []


def test_a_revocation_is_logged_without_the_learners_address(
    client, database, school, achievement, teacher, award_to
):
    award = award_to(school, achievement, email="ona@pupils.example", name="Ona Petraitytė")
    as_user(client, teacher, TEACHER_IP)
    url = f"/staff/{school.slug}/awards/{award.public_id}/revoke"
    assert post(client, url, {"reason": ""}).status_code == 400  # refused: nothing logged
    assert entries(database) == []
    reason = "Sent to the wrong learner; ona@pupils.example asked us to fix it"
    assert post(client, url, {"reason": reason}).status_code == 302
    assert (
        post(client, url, {"reason": reason}).status_code == 409
    )  # already revoked: no second entry
    [entry] = entries(database)
    assert (entry.action, entry.subject, entry.ip) == (
        "award.revoke",
        f"award:{award.public_id}",
        TEACHER_IP,
    )
    assert "Ona Petraitytė" in entry.summary and "[email hidden]" in entry.summary
    assert "ona@pupils.example" not in every_value(database)


def test_achievement_and_invitation_changes_are_logged(
    client, database, school, achievement, admin
):
    as_user(client, admin, ADMIN_IP)
    created = post(
        client,
        f"/staff/{school.slug}/achievements/new",
        {
            "name": "Peace messenger",
            "description": "Organised a peace day.",
            "language": "en",
            "achievement_type": "Badge",
        },
    )
    assert created.status_code == 302
    edited = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/edit",
        {
            "name": "World Heritage guide",
            "description": "Guided a tour.",
            "language": "en",
            "achievement_type": "Badge",
        },
    )
    assert edited.status_code == 302
    assert (
        post(
            client,
            f"/staff/{school.slug}/people",
            {"email": "new.teacher@klaipeda.example", "role": "teacher"},
        ).status_code
        == 200
    )
    with database.transaction() as session:
        new_id = session.scalar(
            select(Achievement.public_id).where(Achievement.name == "Peace messenger")
        )
    got = [(e.action, e.subject, e.ip) for e in entries(database)]
    assert got == [
        ("achievement.create", f"achievement:{new_id}", ADMIN_IP),
        ("achievement.update", f"achievement:{achievement.public_id}", ADMIN_IP),
        ("member.invite", "invitation:teacher", ADMIN_IP),
    ]
    assert "new.teacher@klaipeda.example" not in every_value(database)


@pytest.fixture
def logged(database, school):
    """120 entries of the school a minute apart (the newest last), and one of another school."""
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    with database.transaction() as session:
        org = session.get(Organisation, school.id)
        for i in range(120):
            action = "key.rotate" if i % 40 == 0 else "award.issue"
            event = audit.record(
                session,
                org_id=org.id,
                actor=Actor(label="Rūta Teacher", via="api", ip="198.51.100.4"),
                action=action,
                subject=f"award:n{i:03d}",
                summary=f"Entry number {i:03d}",
                details={
                    "learner": "Ona",
                    "n": i,
                    "awards": [{"replaces": f"o{i}", "copy": f"c{i}"}],
                },
            )
            event.at = start + timedelta(minutes=i)
    return start


def test_the_page_is_for_admins_newest_first_and_paginated(
    client, auth, database, school, admin, teacher, make_org, make_user, logged
):
    as_user(client, admin, ADMIN_IP)
    first = client.get(f"/staff/{school.slug}/audit")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    numbers = re.findall(r"Entry number (\d{3})", html)
    assert numbers == [f"{i:03d}" for i in range(119, 69, -1)]  # 50 a page, newest first
    assert (
        "When (UTC)" in html
        and '<time datetime="2026-03-01T09:59:00Z">2026-03-01 09:59:00</time>' in html
    )
    for column in ("Who", "Via", "From (IP)", "What", "Subject", "Summary"):
        assert f'<th scope="col">{column}</th>' in html
    assert "198.51.100.4" in html and "Rūta Teacher" in html and "page 1 of 3" in html
    # details: text as it is, anything else as JSON (not Python's repr)
    assert "<dt>learner</dt><dd>Ona</dd>" in html and "<dt>n</dt><dd><code>119</code></dd>" in html
    assert (
        '<code>[{"copy": "c119", "replaces": "o119"}]</code>' in html and "'replaces'" not in html
    )
    assert 'rel="next"' in html and 'rel="prev"' not in html
    last = client.get(f"/staff/{school.slug}/audit?page=3").get_data(as_text=True)
    assert re.findall(r"Entry number (\d{3})", last) == [f"{i:03d}" for i in range(19, -1, -1)]
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert "There is no page 4" in client.get(f"/staff/{school.slug}/audit?page=4").get_data(
        as_text=True
    )
    # filtered by what was done
    keys = client.get(f"/staff/{school.slug}/audit?action=key").get_data(as_text=True)
    assert re.findall(r"Entry number (\d{3})", keys) == ["080", "040", "000"]
    assert "3 entries" in keys
    assert (
        len(
            re.findall(
                r"Entry number",
                client.get(f"/staff/{school.slug}/audit?action=award.issue&page=3").get_data(
                    as_text=True
                ),
            )
        )
        == 17
    )
    assert "Nothing recorded yet" in client.get(
        f"/staff/{school.slug}/audit?action=endorsement"
    ).get_data(as_text=True)
    for bad in ("page=x", "page=0", "page=-1", "action=DROP%20TABLE", "action=award%25"):
        response = client.get(f"/staff/{school.slug}/audit?{bad}")
        assert response.status_code == 400, bad
        assert "Traceback" not in response.get_data(as_text=True)
    # the organisation's home links to it for admins
    assert f'href="/staff/{school.slug}/audit"' in client.get(f"/staff/{school.slug}").get_data(
        as_text=True
    )

    # a teacher of the school: 403 and no link; an admin elsewhere: 404; nobody: the login page
    as_user(client, teacher, TEACHER_IP)
    denied = client.get(f"/staff/{school.slug}/audit")
    assert denied.status_code == 403 and "admins" in denied.get_data(as_text=True)
    home = client.get(f"/staff/{school.slug}")
    assert home.status_code == 200 and "/audit" not in home.get_data(as_text=True)
    other = make_org("other-school", "Other School")
    stranger = make_user("admin@other.example", org=other, role="admin")
    as_user(client, stranger, "192.0.2.1")
    assert client.get(f"/staff/{school.slug}/audit").status_code == 404
    own = client.get(f"/staff/{other.slug}/audit")  # their own log: none of this school's entries
    assert own.status_code == 200 and "Entry number" not in own.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get(f"/staff/{school.slug}/audit").status_code == 302


def test_record_masks_addresses_and_record_once_does_not_repeat(database, school):
    with database.transaction() as session:
        first = audit.record_once(
            session,
            org_id=school.id,
            actor=None,
            action="award.issue",
            subject="award:x",
            summary="to lina@pupils.example",
            details={"to": ["lina@pupils.example"]},
        )
        again = audit.record_once(
            session,
            org_id=school.id,
            actor=None,
            action="award.issue",
            subject="award:x",
            summary="again",
        )
        other = audit.record_once(
            session,
            org_id=school.id,
            actor=None,
            action="award.revoke",
            subject="award:x",
            summary="revoked",
        )
    assert first is not None and again is None and other is not None
    assert "lina@" not in every_value(database)
    assert [e.actor for e in entries(database, system=True)] == ["system", "system"]
