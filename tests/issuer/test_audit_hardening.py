"""The audit log probed: no learner's address gets in through any flow, however it is
spelled (international domains, quotes, brackets), and the page copes with paging past the
end, garbage filters and a phone screen."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from issuer.models import AuditEvent, Award, Endorsement
from issuer.services import audit
from issuer.services.awards import EMAIL as ACCEPTED

from .conftest import login, post, post_multipart

# Addresses the award forms accept (checked below), each with a part that must not leak.
ADDRESSES = [
    ("оля@школа.рф", "оля"),
    ("o'hara@pupils.example", "o'hara"),
    ("ona(x)@mokykla.lt", "ona(x)"),
    ("a,b@pupils.example", "a,b@"),
    ("jonas@mokykla.例子", "jonas@"),
    ("ruta@localhost.localdomain", "ruta@"),
]


@pytest.mark.parametrize(("address", "part"), ADDRESSES)
def test_record_masks_every_address_the_forms_accept_wherever_it_is(
    database, make_org, address, part
):
    assert ACCEPTED.fullmatch(address)
    org = make_org("mask-school", "Mask School")
    with database.transaction() as session:
        audit.record(
            session,
            org_id=org.id,
            actor=audit.Actor(label=f"token for {address}", via="api"),
            action="award.revoke",
            subject=f"award:{address}",
            summary=f"Revoked: sent to {address}, by mistake",
            details={"reason": [f"({address})"], address: "a key"},
        )
    assert address not in every_value(database) and part not in every_value(database)


def every_value(database) -> str:
    with database.engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for row in conn.execute(select(AuditEvent.__table__)))


def test_no_learner_address_enters_the_log_through_any_flow(
    client, make_org, make_user, make_achievement, database
):
    centre = make_org("mask-centre", "Mask Centre", kind="centre")
    school = make_org("mask-school", "Mask School", parent=centre)
    badge = make_achievement(school, "Open Data Badge")
    make_user("head@mask.example", org=school, role="admin")
    make_user("coordinator@mask.example", org=centre, role="admin")
    login(client, "head@mask.example")
    base = f"/staff/mask-school/achievements/{badge.public_id}"
    one, *class_ = [address for address, _part in ADDRESSES]

    # a single award (and one refused: no entry, no address)
    refused = post(
        client,
        f"{base}/award",
        {"learner_name": "Olia", "learner_email": one, "level": "No such level"},
    )
    assert refused.status_code == 400
    assert (
        post(
            client,
            f"{base}/award",
            {"learner_name": "Olia", "learner_email": one, "request_key": "k1"},
        ).status_code
        == 302
    )
    # a class from a CSV file
    content = (
        "name,email\n" + "".join(f'Learner {n},"{a}"\n' for n, a in enumerate(class_))
    ).encode()
    page = post_multipart(client, f"{base}/bulk", {"csv": (io.BytesIO(content), "class.csv")})
    assert page.status_code == 200, page.text
    csv_b64 = re.search(r'name="csv_b64" value="([^"]+)"', page.text).group(1)
    key = re.search(r'name="request_key" value="([^"]+)"', page.text).group(1)
    assert "badges were awarded" in post(
        client, f"{base}/bulk/confirm", {"csv_b64": csv_b64, "request_key": key}
    ).get_data(as_text=True)
    # a revocation whose reason names the address
    with database.transaction() as session:
        first = session.scalar(select(Award.public_id).where(Award.learner_email == one))
    revoked = post(
        client,
        f"/staff/mask-school/awards/{first}/revoke",
        {"reason": f"Wrong learner: {one} asked us"},
    )
    assert revoked.status_code == 302
    # a key compromise whose reason names one, and the re-issue
    page = post(
        client,
        "/staff/mask-school/keys/key-1/compromise",
        {"confirm": "yes", "reason": f"{class_[0]} saw the key"},
    )
    assert page.status_code == 302
    assert "badges were re-issued" in post(client, "/staff/mask-school/keys/reissue").get_data(
        as_text=True
    )
    # an invitation (a teacher, yet masked the same way)
    assert (
        post(
            client, "/staff/mask-school/people", {"email": class_[1], "role": "teacher"}
        ).status_code
        == 200
    )
    # an endorsement and its withdrawal, their texts naming addresses
    login(client, "coordinator@mask.example")
    given = post(
        client,
        "/staff/mask-centre/endorsements/new",
        {"target": f"achievement:{badge.public_id}", "comment": f"Ask {class_[2]} how it went."},
    )
    assert given.status_code == 302
    with database.transaction() as session:
        endorsement = session.scalars(select(Endorsement)).one().public_id
    withdrawn = post(
        client,
        f"/staff/mask-centre/endorsements/{endorsement}/withdraw",
        {"reason": f"{class_[3]} complained"},
    )
    assert withdrawn.status_code == 302

    with database.transaction() as session:
        actions = sorted({e.action for e in session.scalars(select(AuditEvent))})
    assert actions == [  # with the fixture's achievement, created by the system
        "achievement.create",
        "award.batch",
        "award.issue",
        "award.reissue",
        "award.revoke",
        "endorsement.issue",
        "endorsement.withdraw",
        "key.compromise",
        "member.invite",
    ]
    logged = every_value(database)
    for address, part in ADDRESSES:
        assert address not in logged and part not in logged, address
    assert "Olia" in logged  # learners' names are fine


def test_paging_past_the_end_and_garbage_filters(client, make_org, make_user, database):
    org = make_org("paging-school", "Paging School")
    make_user("head@paging.example", org=org, role="admin")
    with database.transaction() as session:
        for number in range(3):
            audit.record(
                session,
                org_id=org.id,
                actor=None,
                action="award.issue",
                subject=f"award:{number}",
                summary="x",
            )
    login(client, "head@paging.example")
    for query, status, message in [
        ("page=2", 200, "There is no page 2."),
        ("page=99999999999999999999", 200, "There is no page 99999999999999999999."),  # was a 500
        ("page=9223372036854775807", 200, "There is no page"),
        ("page=0", 400, "The page number must be a whole number from 1."),
        ("page=-3", 400, "The page number must be a whole number from 1."),
        ("page=two", 400, "The page number must be a whole number from 1."),
        ("action=award%00", 400, "NUL character"),
        ("action=award.issue.x", 400, "Filter by an action such as award or award.revoke."),
        ("action=DROP TABLE", 400, "Filter by an action such as award or award.revoke."),
        ("action=awardš", 400, "Filter by an action such as award or award.revoke."),
        ("action=endorsement", 200, "Nothing recorded yet for “endorsement”."),
        ("action=AWARD&page=1", 200, "3 entries for “award”; page 1 of 1."),
    ]:
        response = client.get(f"/staff/paging-school/audit?{query}")
        assert response.status_code == status, query
        assert message in response.get_data(as_text=True), query


def test_the_page_works_on_a_phone_and_with_a_screen_reader(client, make_org, make_user, database):
    org = make_org("phone-school", "Phone School")
    make_user("head@phone.example", org=org, role="admin")
    with database.transaction() as session:
        for number in range(60):
            audit.record(
                session,
                org_id=org.id,
                actor=None,
                action="award.issue",
                subject=f"award:{number}",
                summary="x",
            )
    login(client, "head@phone.example")
    html = client.get("/staff/phone-school/audit?page=2").get_data(as_text=True)
    assert (
        '<div class="table-scroll" role="region" aria-label="Audit entries" tabindex="0">' in html
    )
    assert (
        '<caption class="visually-hidden">Audit entries 51–60 of 60, newest first</caption>' in html
    )
    assert html.count('<th scope="col">') == 7
    assert '<label for="f-action">Action</label>' in html and 'id="f-action"' in html
    assert 'rel="prev"' in html and 'rel="next"' not in html
