"""Endorsements: a coordination centre endorses a member school's badge and the school itself.

The must-show: an endorsement verifies on its own and inside the credential that carries it,
with the core library reaching the app's DID documents and status lists over loopback (and,
in the interop test, with the independent verifiers of tests/peers). Then: withdrawal, access control,
bad input, the public pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from badges import standards
from badges.schema import schema_errors
from badges.status import bitstring_status_list as bsl
from badges.verification import Outcome, Verdict
from issuer.models import AuditEvent, Endorsement, Organisation
from issuer.services import endorsements as service
from issuer.services.awards import AwardInput, award_many
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, post

COMMENT = "A model of **citizen science** for the whole network: ten samples, a season, open data."
URLS = PublicUrls(BASE_URL)


@pytest.fixture
def network(make_org, make_user, make_achievement):
    """A centre with an admin and a teacher; a member school with its admin, teacher and badge."""
    centre = make_org("lt-centre", "Lithuanian ASPnet Centre", kind="centre")
    school = make_org("vilnius-lyceum", "Vilnius Lyceum", parent=centre)
    make_user("coordinator@centre.example", org=centre, role="admin")
    make_user("helper@centre.example", org=centre, role="teacher")
    make_user("head@lyceum.example", org=school, role="admin")
    make_user("teacher@lyceum.example", org=school, role="teacher")
    achievement = make_achievement(school)
    return centre, school, achievement


def endorse_by_form(client, target: str, comment: str = COMMENT, *, field: str = "target") -> Any:
    return post(client, "/staff/lt-centre/endorsements/new", {field: target, "comment": comment})


def only(session, public_id: str) -> Endorsement:
    return session.scalar(select(Endorsement).where(Endorsement.public_id == public_id))


@pytest.fixture
def endorsed(client, network, database):
    """The centre's admin endorses the school's badge (from the list) and the school (by its
    DID); returns (centre, school, achievement, badge endorsement, school endorsement)."""
    centre, school, achievement = network
    assert login(client, "coordinator@centre.example").status_code == 302
    response = endorse_by_form(client, f"achievement:{achievement.public_id}")
    assert response.status_code == 302, response.text
    response = endorse_by_form(
        client,
        f"{BASE_URL}/orgs/vilnius-lyceum",
        "A school that leads by example.",
        field="target_url",
    )
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        badge_e, school_e = sorted(session.scalars(select(Endorsement)).all(), key=lambda e: e.id)
        session.expunge_all()
    return centre, school, achievement, badge_e, school_e


def embedded(credential: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    return (
        credential["credentialSubject"]["achievement"].get("endorsement", []),
        credential["issuer"].get("endorsement", []),
    )


# -- the must-show ---------------------------------------------------------------------------


def test_an_endorsement_verifies_on_its_own_and_inside_the_credential_that_carries_it(
    client, endorsed, award_to, make_verifier
):
    _centre, school, achievement, badge_e, school_e = endorsed
    signed = json.loads(badge_e.credential_json)
    # the EndorsementCredential: issuer the centre, subject the badge class's id, the comment
    assert signed["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert signed["id"] == f"{BASE_URL}/endorsements/{badge_e.public_id}"
    assert signed["issuer"]["id"] == "did:web:badges.test:orgs:lt-centre"
    assert signed["credentialSubject"] == {
        "id": f"{BASE_URL}/achievements/{achievement.public_id}",
        "type": ["EndorsementSubject"],
        "endorsementComment": COMMENT,
    }
    assert signed["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert signed["credentialStatus"]["statusPurpose"] == "revocation"
    assert (
        signed["credentialStatus"]["statusListCredential"]
        == f"{BASE_URL}/orgs/lt-centre/status/endorsements"
    )
    assert (
        json.loads(school_e.credential_json)["credentialSubject"]["id"]
        == "did:web:badges.test:orgs:vilnius-lyceum"
    )
    for endorsement in (badge_e, school_e):
        assert (
            schema_errors(
                json.loads(endorsement.credential_json), standards.ENDORSEMENT_CREDENTIAL_SCHEMA
            )
            == []
        )

    # on its own: by its URL (content negotiation), as JSON and as its VC-JWT
    for source in (signed["id"], badge_e.credential_json, badge_e.credential_jwt):
        report = make_verifier().verify(source)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        assert report.check("format").message.startswith("An endorsement credential")
        for name in ("schema", "proof", "issuer", "status"):
            assert report.check(name).outcome is Outcome.PASSED, (name, report.check(name))
        assert report.message == "This endorsement is genuine and valid."

    # inside the badge awarded afterwards: the stored signed text, exactly
    award = award_to(school, achievement)
    credential = json.loads(award.credential_json)
    on_achievement, on_issuer = embedded(credential)
    assert on_achievement == [json.loads(badge_e.credential_json)]
    assert on_issuer == [json.loads(school_e.credential_json)]
    assert schema_errors(credential, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    for source in (
        f"{BASE_URL}/credentials/{award.public_id}",
        award.credential_json,
        award.credential_jwt,
    ):
        report = make_verifier().verify(source)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        check = report.check("endorsements")
        assert check.outcome is Outcome.PASSED and check.message == "2 endorsements verified."
        assert "Lithuanian ASPnet Centre" in (check.detail or "")
        results = {r.location: r for r in report.endorsements}
        assert set(results) == {"achievement", "issuer"}
        assert (
            results["achievement"].subject_id
            == credential["credentialSubject"]["achievement"]["id"]
        )
        assert results["issuer"].subject_id == credential["issuer"]["id"]
        for result in results.values():
            assert result.verdict is Verdict.VALID and not result.withdrawn
            assert {c.name: c.outcome for c in result.checks}["status"] is Outcome.PASSED
    # the VC-JWT carries them too
    from badges.proofs import vc_jwt

    payload = vc_jwt.decode_jwt(award.credential_jwt).payload
    assert embedded(vc_jwt.credential_from_payload(payload))[0] == on_achievement


def test_withdrawal_fails_the_status_check_and_later_badges_no_longer_carry_it(
    client, endorsed, award_to, make_verifier, database
):
    centre, school, achievement, badge_e, school_e = endorsed
    earlier = award_to(school, achievement)
    response = post(
        client,
        f"/staff/lt-centre/endorsements/{badge_e.public_id}/withdraw",
        {"reason": "The project ended."},
    )
    assert response.status_code == 302, response.text
    assert "withdrawn" in client.get(response.location).text

    # the endorsement itself: its bit is set in the centre's endorsement status list
    listed = json.loads(client.get("/orgs/lt-centre/status/endorsements").data)
    bits = bsl.BitstringStatusList.decode(listed["credentialSubject"]["encodedList"])
    assert bits.get(badge_e.status_index) and not bits.get(school_e.status_index)
    for source in (f"{BASE_URL}/endorsements/{badge_e.public_id}", badge_e.credential_jwt):
        report = make_verifier().verify(source)
        assert report.verdict is Verdict.INVALID
        assert report.check("status").outcome is Outcome.FAILED
        assert report.check("status").message == "The endorser has withdrawn this endorsement."
        assert report.revoked
    assert (
        make_verifier().verify(school_e.credential_jwt).verdict is Verdict.VALID
    )  # the other stands

    # the badge issued before still verifies; its endorsements check shows the withdrawal
    report = make_verifier().verify(f"{BASE_URL}/credentials/{earlier.public_id}")
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    check = report.check("endorsements")
    assert check.outcome is Outcome.WARNING
    assert "1 of 2 endorsements on this badge was withdrawn by the endorser" in check.message
    assert (
        "Lithuanian ASPnet Centre: This endorsement is not valid: The endorser has withdrawn"
        in (check.detail or "")
    )
    results = {r.location: r for r in report.endorsements}
    assert results["achievement"].withdrawn and results["achievement"].verdict is Verdict.INVALID
    assert not results["issuer"].withdrawn and results["issuer"].verdict is Verdict.VALID
    page = client.get(f"/credentials/{earlier.public_id}").text
    assert "Withdrawn by the endorser on" in page

    # a badge issued now carries only the endorsement still active
    later = award_to(school, achievement, email="jonas@pupils.example", name="Jonas")
    on_achievement, on_issuer = embedded(json.loads(later.credential_json))
    assert on_achievement == [] and len(on_issuer) == 1
    assert (
        make_verifier().verify(later.credential_json).check("endorsements").outcome
        is Outcome.PASSED
    )

    # withdrawn once only; both organisations' logs say who did what
    again = post(
        client, f"/staff/lt-centre/endorsements/{badge_e.public_id}/withdraw", {"reason": "twice"}
    )
    assert again.status_code == 409 and "already withdrawn" in again.text
    with database.transaction() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        mine = [
            (e.org_id, e.action, e.subject) for e in events if e.action.startswith("endorsement.")
        ]
        assert (centre.id, "endorsement.issue", f"endorsement:{badge_e.public_id}") in mine
        assert (school.id, "endorsement.issue", f"endorsement:{badge_e.public_id}") in mine
        assert (centre.id, "endorsement.withdraw", f"endorsement:{badge_e.public_id}") in mine
        assert (school.id, "endorsement.withdraw", f"endorsement:{badge_e.public_id}") in mine
        withdraw = next(
            e for e in events if e.action == "endorsement.withdraw" and e.org_id == centre.id
        )
        assert withdraw.actor.startswith("Coordinator") and withdraw.via == "web"
        assert withdraw.details["reason"] == "The project ended."
        assert only(session, badge_e.public_id).withdrawal_reason == "The project ended."


def test_a_class_awarded_at_once_carries_the_endorsements(
    endorsed, database, sealer, make_verifier
):
    _centre, school, achievement, badge_e, school_e = endorsed
    from issuer.models import Achievement

    with database.transaction() as session:
        result = award_many(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            rows=[
                AwardInput(learner_name=f"Learner {i}", learner_email=f"l{i}@pupils.example")
                for i in range(3)
            ],
            sealer=sealer,
            urls=URLS,
        )
        documents = [json.loads(a.credential_json) for a in result.awards]
    verifier = make_verifier()
    for document in documents:
        assert embedded(document) == (
            [json.loads(badge_e.credential_json)],
            [json.loads(school_e.credential_json)],
        )
        assert verifier.verify(document).check("endorsements").outcome is Outcome.PASSED


def test_other_status_methods_and_key_types_on_either_side(
    client, make_org, make_user, make_achievement, award_to, make_verifier
):
    """A centre publishing a 1EdTech revocation list for its badges still withdraws endorsements
    through its endorsement status list; a school signing with ES256 (VC-JWT only) carries
    the centre's endorsement in its JWT."""
    centre = make_org("rl-centre", "RL Centre", kind="centre", status_method="1edtech")
    school = make_org("es-school", "ES School", parent=centre, key_alg="ES256")
    make_user("admin@rl.example", org=centre, role="admin")
    achievement = make_achievement(school)
    assert login(client, "admin@rl.example").status_code == 302
    response = post(
        client,
        "/staff/rl-centre/endorsements/new",
        {"target": f"achievement:{achievement.public_id}", "comment": COMMENT},
    )
    assert response.status_code == 302, response.text
    award = award_to(school, achievement)
    assert "proof" not in json.loads(award.credential_json)  # ES256: the JWT is the signed form
    report = make_verifier().verify(f"{BASE_URL}/credentials/{award.public_id}")
    assert report.format == "jwt" and report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert report.check("endorsements").outcome is Outcome.PASSED
    [result] = report.endorsements
    assert {c.name: c.outcome for c in result.checks}["status"] is Outcome.PASSED
    public_id = result.id.rsplit("/", 1)[-1]
    assert (
        post(
            client, f"/staff/rl-centre/endorsements/{public_id}/withdraw", {"reason": "Ended."}
        ).status_code
        == 302
    )
    after = make_verifier().verify(award.credential_jwt)
    assert after.verdict is Verdict.VALID and after.endorsements[0].withdrawn


# -- access control --------------------------------------------------------------------------


def as_user(client, email: str | None) -> None:
    assert post(client, "/logout").status_code == 302
    if email is not None:
        assert login(client, email).status_code == 302


def test_only_the_endorsers_admins_endorse_and_withdraw(
    client, endorsed, make_user, make_org, table_counts, database
):
    _centre, _school, _achievement, badge_e, _ = endorsed
    before = table_counts()
    withdraw_url = f"/staff/lt-centre/endorsements/{badge_e.public_id}/withdraw"
    # a teacher of the centre sees the list, but may not endorse or withdraw
    as_user(client, "helper@centre.example")
    listing = client.get("/staff/lt-centre/endorsements")
    assert (
        listing.status_code == 200
        and "Vilnius Lyceum" in listing.text
        and "Withdraw" not in listing.text
    )
    assert client.get("/staff/lt-centre/endorsements/new").status_code == 403
    assert endorse_by_form(client, "org:vilnius-lyceum").status_code == 403
    assert post(client, withdraw_url, {"reason": "no"}).status_code == 403
    # the endorsed school's admin can withdraw it neither under the centre's name ...
    as_user(client, "head@lyceum.example")
    assert post(client, withdraw_url, {"reason": "no"}).status_code == 404
    # ... nor under the school's own (it is not the school's endorsement: not found)
    response = post(
        client, f"/staff/vilnius-lyceum/endorsements/{badge_e.public_id}/withdraw", {"reason": "no"}
    )
    assert response.status_code == 404
    # a teacher of another school
    other = make_org("kaunas-school", "Kaunas School")
    make_user("t@kaunas.example", org=other, role="teacher")
    as_user(client, "t@kaunas.example")
    assert post(client, withdraw_url, {"reason": "no"}).status_code == 404
    assert (
        post(
            client,
            f"/staff/kaunas-school/endorsements/{badge_e.public_id}/withdraw",
            {"reason": "no"},
        ).status_code
        == 403
    )
    # nobody logged in: sent to the login page
    as_user(client, None)
    assert post(client, withdraw_url, {"reason": "no"}).status_code == 302
    # the endorser's admin, but without the form's CSRF token
    as_user(client, "coordinator@centre.example")
    assert client.post(withdraw_url, data={"reason": "no"}).status_code == 400
    after = table_counts()
    for table in ("endorsement", "audit_event", "award"):
        assert after[table] == before[table], table
    with database.transaction() as session:
        assert only(session, badge_e.public_id).withdrawn_at is None


def test_an_organisation_cannot_endorse_itself_or_twice(
    client, network, table_counts, make_achievement
):
    centre, _school, _achievement = network
    own = make_achievement(centre, "Network coordinator")
    assert login(client, "coordinator@centre.example").status_code == 302
    before = table_counts()
    for target in (
        f"achievement:{own.public_id}",
        "org:lt-centre",
        "did:web:badges.test:orgs:lt-centre",
    ):
        response = endorse_by_form(client, target)
        assert (
            response.status_code == 400
            and "cannot endorse itself or its own achievements" in response.text
        )
    assert table_counts() == before
    assert endorse_by_form(client, "org:vilnius-lyceum").status_code == 302
    twice = endorse_by_form(client, f"{BASE_URL}/orgs/vilnius-lyceum/")
    assert twice.status_code == 409 and "already endorses Vilnius Lyceum" in twice.text


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "comment", "field", "message"),
    [
        ("org:vilnius-lyceum", "", "comment", "Say in a few words why you endorse it."),
        ("org:vilnius-lyceum", "   \n ", "comment", "Say in a few words why you endorse it."),
        ("org:vilnius-lyceum", "x" * 5001, "comment", "Keep the comment under 5,000 characters."),
        ("", COMMENT, "target", "Choose an achievement or an organisation to endorse."),
        (
            "achievement:no-such-badge",
            COMMENT,
            "target",
            "There is no such achievement on this site.",
        ),
        ("org:no-such-school", COMMENT, "target", "There is no such organisation on this site."),
        (
            "https://elsewhere.example/achievements/abc",
            COMMENT,
            "target",
            "Give the link of an achievement or organisation on this site",
        ),
        (
            "javascript:alert(1)",
            COMMENT,
            "target",
            "Give the link of an achievement or organisation on this site",
        ),
        (
            f"{BASE_URL}/achievements/abc/extra",
            COMMENT,
            "target",
            "Give the link of an achievement or organisation on this site",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    client, network, table_counts, target, comment, field, message
):
    assert login(client, "coordinator@centre.example").status_code == 302
    before = table_counts()
    response = endorse_by_form(client, target, comment)
    assert response.status_code == 400
    assert message in response.text
    assert 'aria-invalid="true"' in response.text and f'id="e-{field}"' in response.text
    assert table_counts() == before


def test_a_withdrawal_needs_a_reason(client, endorsed):
    _, _, _, badge_e, _ = endorsed
    url = f"/staff/lt-centre/endorsements/{badge_e.public_id}/withdraw"
    assert post(client, url, {"reason": "  "}).status_code == 400
    assert post(client, url, {"reason": "x" * 501}).status_code == 400
    assert (
        post(client, "/staff/lt-centre/endorsements/nope/withdraw", {"reason": "gone"}).status_code
        == 404
    )


def test_an_endorser_without_an_ed25519_key_is_told_why(
    client, make_org, make_user, network, table_counts
):
    es = make_org("es-centre", "ES Centre", kind="centre", key_alg="ES256")
    make_user("admin@es.example", org=es, role="admin")
    assert login(client, "admin@es.example").status_code == 302
    before = table_counts()
    response = post(
        client,
        "/staff/es-centre/endorsements/new",
        {"target": "org:vilnius-lyceum", "comment": COMMENT},
    )
    assert response.status_code == 409 and "Ed25519" in response.text
    assert table_counts() == before


def test_targets_are_read_from_links_dids_and_choices(session, network):
    _, school, achievement = network
    link = f"{BASE_URL}/achievements/{achievement.public_id}"
    for value in (
        link,
        link + "/",
        link + "#criteria",
        link + "?lang=lt",
        f"achievement:{achievement.public_id}",
    ):
        target = service.find_target(session, URLS, value)
        assert target.achievement is not None and target.achievement.id == achievement.id
        assert target.subject_id == link and target.org.id == school.id
    for value in (
        f"{BASE_URL}/orgs/vilnius-lyceum",
        "did:web:badges.test:orgs:vilnius-lyceum",
        "org:vilnius-lyceum",
    ):
        target = service.find_target(session, URLS, value)
        assert target.achievement is None and target.org.id == school.id
        assert target.subject_id == "did:web:badges.test:orgs:vilnius-lyceum"
    with pytest.raises(service.InvalidInput):
        service.find_target(session, URLS, "did:web:elsewhere.example:orgs:vilnius-lyceum")


# -- the pages -------------------------------------------------------------------------------


def test_the_endorsement_is_served_at_its_own_url(client, endorsed):
    _centre, _school, _achievement, badge_e, _ = endorsed
    url = f"/endorsements/{badge_e.public_id}"
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    text = page.text
    assert (
        "Lithuanian ASPnet Centre" in text
        and "Baltic Sea Project" in text
        and "Vilnius Lyceum" in text
    )
    assert "<strong>citizen science</strong>" in text  # the comment's Markdown, rendered
    assert badge_e.issued_at.strftime("%Y-%m-%d") in text and "Active" in text
    assert "https://verify.test/verify?url=" in text
    for accept in ("application/vc+ld+json", "application/json"):
        response = client.get(url, headers={"Accept": accept})
        assert response.headers["Content-Type"].startswith(accept)
        assert response.data.decode() == badge_e.credential_json  # the exact signed text
    assert (
        client.get(url, headers={"Accept": "application/vc+jwt"}).data.decode()
        == badge_e.credential_jwt
    )
    assert client.get(url + ".json").data.decode() == badge_e.credential_json
    assert client.get(url + ".jwt").data.decode() == badge_e.credential_jwt
    assert client.get("/endorsements/no-such-thing").status_code == 404
    assert (
        client.get(
            "/endorsements/no-such-thing", headers={"Accept": "application/json"}
        ).get_json()["error"]["code"]
        == "not_found"
    )


def test_the_comment_is_sanitised_on_every_page(client, network, award_to):
    _centre, school, achievement = network
    assert login(client, "coordinator@centre.example").status_code == 302
    comment = 'Great <script>alert("x")</script> work [link](javascript:alert(1))'
    assert (
        endorse_by_form(client, f"achievement:{achievement.public_id}", comment).status_code == 302
    )
    award = award_to(school, achievement)
    for url in (f"/credentials/{award.public_id}", f"/achievements/{achievement.public_id}"):
        text = client.get(url).text
        assert "Great" in text and "<script>alert" not in text and "javascript:" not in text


def test_badge_achievement_and_organisation_pages_list_endorsements(client, endorsed, award_to):
    _centre, school, achievement, badge_e, school_e = endorsed
    award = award_to(school, achievement)
    page = client.get(f"/credentials/{award.public_id}").text
    assert "Endorsed by" in page
    assert page.count("Lithuanian ASPnet Centre") >= 2
    assert "endorses this badge" in page and "endorses the issuer" in page
    assert "A school that leads by example." in page
    assert f"{BASE_URL}/endorsements/{badge_e.public_id}" in page
    assert "Withdrawn" not in page
    achievement_page = client.get(f"/achievements/{achievement.public_id}").text
    assert (
        "citizen science" in achievement_page
        and f"/endorsements/{badge_e.public_id}" in achievement_page
    )
    org_page = client.get("/orgs/vilnius-lyceum").text
    assert (
        "A school that leads by example." in org_page
        and f"/endorsements/{school_e.public_id}" in org_page
    )
    # the staff page of each side
    listing = client.get("/staff/lt-centre/endorsements").text
    assert "Withdraw" in listing and "Baltic Sea Project" in listing
    assert 'for="reason-' in listing  # every withdraw field has its label
    as_user(client, "teacher@lyceum.example")
    received = client.get("/staff/vilnius-lyceum/endorsements").text
    assert "Received by Vilnius Lyceum" in received and "Lithuanian ASPnet Centre" in received
    assert "endorsements/new" not in received  # a teacher cannot endorse
    home = client.get("/staff/vilnius-lyceum").text
    assert "/staff/vilnius-lyceum/endorsements" in home


def test_the_form_offers_the_member_schools_badges(client, network):
    _centre, _school, achievement = network
    assert login(client, "coordinator@centre.example").status_code == 302
    form = client.get("/staff/lt-centre/endorsements/new").text
    assert f'value="achievement:{achievement.public_id}"' in form
    assert 'optgroup label="Badges of Vilnius Lyceum"' in form
    assert 'value="org:vilnius-lyceum"' in form and 'value="org:lt-centre"' not in form
    assert re.search(r'<label for="f-comment">', form)


def test_endorsements_by_a_compromised_key_are_no_longer_embedded(endorsed, database, award_to):
    from issuer.models import SigningKey
    from issuer.models.base import now_utc

    _centre, school, achievement, badge_e, _ = endorsed
    with database.transaction() as session:
        session.get(SigningKey, badge_e.key_id).compromised_at = now_utc()
    award = award_to(school, achievement)
    assert embedded(json.loads(award.credential_json)) == ([], [])


# -- with an independent verifier ------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.slow
def test_endorsement_and_the_badge_carrying_it_verify_in_verify_ob3(
    client, endorsed, award_to, live_server, tmp_path: Path
):
    from tests.core.test_interop import write
    from tests.peers import verify_many

    _, school, achievement, badge_e, _ = endorsed
    award = award_to(school, achievement)
    mapping = ("--map", f"{BASE_URL}/={live_server.base}/")
    sources = {
        "endorsement.json": badge_e.credential_json,
        "endorsement.jwt": badge_e.credential_jwt,
        "badge.json": award.credential_json,
        "badge.jwt": award.credential_jwt,
        # the copy embedded in the badge, on its own
        "embedded.json": json.dumps(embedded(json.loads(award.credential_json))[0][0]),
    }
    reports = verify_many(
        [write(tmp_path, name, content) for name, content in sources.items()], *mapping
    )
    for name, report in zip(sources, reports, strict=True):
        assert report["verified"], (name, report["errors"], report.get("warnings"))
    # withdrawn: the endorsement fails there too; the badge carrying it still verifies
    response = post(
        client, f"/staff/lt-centre/endorsements/{badge_e.public_id}/withdraw", {"reason": "Ended."}
    )
    assert response.status_code == 302
    report, after = verify_many(
        [
            write(tmp_path, "withdrawn.json", badge_e.credential_json),
            write(tmp_path, "badge-after.json", award.credential_json),
        ],
        *mapping,
    )
    assert not report["verified"] and report["exit"] == 1
    assert after["verified"]
