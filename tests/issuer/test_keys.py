"""Signing keys: rotation keeps old badges verifying; a compromise revokes what the key
signed in one transaction, and its badges are re-issued with a new key, keeping awardedDate.

Verification goes through the core library over HTTP (the app on a loopback port, its
did.json, jwks.json and status lists fetched as any verifier would), in both forms: the
JSON with its Data Integrity proof and the VC-JWT.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from badges.proofs import vc_jwt
from badges.resolve import KeyResolver
from badges.status import bitstring_status_list as bsl
from badges.timeutil import parse_datetime
from badges.verification import Outcome, Verdict, Verifier
from issuer.errors import Conflict
from issuer.models import (
    Achievement,
    AuditEvent,
    Award,
    ClaimToken,
    Endorsement,
    Organisation,
    OutboxMessage,
    SigningKey,
)
from issuer.services import reissue as reissue_service
from issuer.services.audit import Actor
from issuer.services.awards import AwardInput, award_badge
from issuer.services.card_fields import CARD_COLUMNS, card_fields
from issuer.services.keys import published_keys, rotate_key
from issuer.services.reissue import COMPROMISE_REASON, awaiting_reissue, mark_compromised
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, post

ONA = "ona@pupils.example"
JONAS = "jonas@pupils.example"
URLS = PublicUrls(BASE_URL)
CLI = Actor(label="test", via="cli")


# -- helpers -------------------------------------------------------------------------------


def published(client, slug: str) -> set[str]:
    """The kids in the served DID document; asserts the JWKS and assertionMethod agree."""
    did = client.get(f"/orgs/{slug}/did.json").get_json(force=True)
    methods = [m["id"] for m in did["verificationMethod"]]
    assert did["assertionMethod"] == methods
    jwks = client.get(f"/orgs/{slug}/jwks.json").get_json(force=True)
    assert [k["kid"] for k in jwks["keys"]] == methods
    assert all(m.startswith(f"did:web:badges.test:orgs:{slug}#") for m in methods)
    return {m.rpartition("#")[2] for m in methods}


def method_of(award) -> str:
    """The key that signed ``award``: the VC-JWT's kid (and the embedded proof's, if any)."""
    kid = vc_jwt.decode_jwt(award.credential_jwt).header["kid"]
    signed = json.loads(award.credential_json)
    if "proof" in signed:
        assert [p["verificationMethod"] for p in signed["proof"]] == [kid]
    return kid.rpartition("#")[2]


def forms(award) -> list:
    """What a verifier may be handed: the badge's URL (JSON, or the JWT for JWT-only
    issuers), the JSON with its embedded proof when there is one, and the VC-JWT."""
    sources = [f"{BASE_URL}/credentials/{award.public_id}", award.credential_jwt]
    if '"proof"' in award.credential_json:
        sources.append(award.credential_json)
    return sources


def assert_valid(make_verifier, award, email: str) -> None:
    for source in forms(award):
        report = make_verifier().verify(source, recipient=email)
        assert report.verdict is Verdict.VALID, (str(source)[:80], report.to_dict())
        assert report.check("recipient").outcome is Outcome.PASSED


def audit(database, org, action: str) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.org_id == org.id, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


def copies_of(database, award) -> list[Award]:
    with database.transaction() as session:
        return list(session.scalars(select(Award).where(Award.reissue_of_id == award.id)))


def fresh(database, award) -> Award:
    with database.transaction() as session:
        row = session.get(Award, award.id)
        assert row is not None
        return row


def keys_of(database, org) -> dict[str, SigningKey]:
    with database.transaction() as session:
        return {
            k.kid: k for k in session.scalars(select(SigningKey).where(SigningKey.org_id == org.id))
        }


@pytest.fixture
def award_at(database, sealer):
    """Award through the service with a given issue time (to make badges that expired)."""

    def award(
        org, achievement, email: str, issued: datetime, name: str = "Learner", **kwargs
    ) -> Award:
        with database.transaction() as session:
            return award_badge(
                session,
                org=session.get(Organisation, org.id),
                achievement=session.get(Achievement, achievement.id),
                data=AwardInput(learner_name=name, learner_email=email, **kwargs),
                sealer=sealer,
                urls=URLS,
                now=issued,
            )

    return award


@pytest.fixture
def school(make_org, make_user, client):
    def make(slug: str = "key-school", **options):
        org = make_org(slug, f"School {slug}", **options)
        make_user(f"admin@{slug}.example", org=org, role="admin")
        make_user(f"teacher@{slug}.example", org=org, role="teacher")
        return org

    return make


def as_admin(client, org) -> None:
    assert login(client, f"admin@{org.slug}.example").status_code == 302


def rotate_through_the_page(client, org) -> None:
    page = client.get(f"/staff/{org.slug}/keys/rotate")
    assert page.status_code == 200 and "Badges signed before keep verifying" in page.text
    response = post(client, f"/staff/{org.slug}/keys/rotate", {"confirm": "yes"})
    assert response.status_code == 302, response.text
    assert "signs every badge from now on" in client.get(response.location).text


def compromise_through_the_page(
    client, org, kid: str, reason: str = "The laptop holding the backup was stolen"
) -> str:
    page = client.get(f"/staff/{org.slug}/keys/{kid}/compromise")
    assert page.status_code == 200 and "cannot be undone" in page.text
    response = post(
        client, f"/staff/{org.slug}/keys/{kid}/compromise", {"confirm": "yes", "reason": reason}
    )
    assert response.status_code == 302, response.text
    return client.get(response.location).text


def reissue_through_the_page(client, org) -> str:
    response = post(client, f"/staff/{org.slug}/keys/reissue")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# -- rotation ------------------------------------------------------------------------------

ROTATIONS = [
    ("rot-eddsa", {}),
    ("rot-es256", {"key_alg": "ES256"}),
    ("rot-rl", {"status_method": "1edtech"}),
]


@pytest.mark.parametrize(("slug", "options"), ROTATIONS, ids=[r[0] for r in ROTATIONS])
def test_after_a_rotation_badges_signed_before_and_after_both_verify(
    client, school, make_achievement, award_to, make_verifier, database, slug, options
):
    org = school(slug, **options)
    achievement = make_achievement(org)
    before = award_to(org, achievement, email=ONA, level="Proficient")
    also_before = award_to(org, achievement, email="kai@pupils.example", name="Kai")
    assert method_of(before) == "key-1" and published(client, slug) == {"key-1"}

    as_admin(client, org)
    rotate_through_the_page(client, org)

    after = award_to(org, achievement, email=JONAS, name="Jonas")
    assert method_of(after) == "key-2"
    assert published(client, slug) == {"key-1", "key-2"}  # key-1 stays: `before` is valid
    assert_valid(make_verifier, before, ONA)
    assert_valid(make_verifier, after, JONAS)

    if options.get("status_method") != "1edtech":  # the list is signed with the new key ...
        served = client.get(f"/orgs/{slug}/status/revocation")
        if served.headers["Content-Type"].startswith("application/vc+jwt"):
            assert vc_jwt.decode_jwt(served.text).header["kid"].endswith("#key-2")
        else:
            assert [p["verificationMethod"] for p in served.get_json(force=True)["proof"]] == [
                f"did:web:badges.test:orgs:{slug}#key-2"
            ]
    # ... and a revocation after the rotation shows for the badge signed before it
    assert (
        post(
            client, f"/staff/{slug}/awards/{before.public_id}/revoke", {"reason": "Wrong learner"}
        ).status_code
        == 302
    )
    for source in forms(before):
        report = make_verifier().verify(source)
        assert (
            report.verdict is Verdict.INVALID and report.check("status").outcome is Outcome.FAILED
        )
        assert report.check("issuer").outcome is Outcome.PASSED  # key-1 still vouches for Kai's
    assert_valid(make_verifier, after, JONAS)
    assert_valid(make_verifier, also_before, "kai@pupils.example")
    # once nothing valid is signed with key-1, it is no longer published
    assert (
        post(
            client, f"/staff/{slug}/awards/{also_before.public_id}/revoke", {"reason": "Wrong"}
        ).status_code
        == 302
    )
    assert published(client, slug) == {"key-2"}
    assert_valid(make_verifier, after, JONAS)

    [entry] = audit(database, org, "key.rotate")
    assert entry.subject == "key:key-2" and entry.via == "web" and entry.ip == "127.0.0.1"
    assert entry.actor.startswith("Admin") and entry.details["retired"] == "key-1"


def test_a_retired_key_is_published_only_while_something_it_signed_is_valid(
    client, school, make_org, make_achievement, award_to, award_at, database, sealer
):
    org = school("retire")
    endorsed = make_org("endorsed-school", "Endorsed School")
    lasting = make_achievement(org, "Lasting badge")
    yearly = make_achievement(org, "Yearly badge", validity_days=365)
    expired = award_at(org, yearly, "old@pupils.example", datetime.now(UTC) - timedelta(days=400))
    assert expired.valid_until < datetime.now(UTC)

    def rotate() -> None:
        with database.transaction() as session:
            rotate_key(session, org=session.get(Organisation, org.id), sealer=sealer, actor=CLI)

    rotate()  # key-1 signed only an expired badge: dropped at once
    assert published(client, org.slug) == {"key-2"}
    current = award_to(org, yearly, email=ONA)  # valid for a year, signed with key-2
    rotate()
    assert published(client, org.slug) == {"key-2", "key-3"}
    rotate()  # key-3 signed nothing
    assert published(client, org.slug) == {"key-2", "key-4"}

    # an endorsement key-4 signed keeps key-4 published after a rotation, until withdrawn
    keys = keys_of(database, org)
    with database.transaction() as session:
        endorsement = Endorsement(
            endorser_id=org.id,
            endorsed_org_id=endorsed.id,
            key_id=keys["key-4"].id,
            credential_json="{}",
            status_index=7,
            issued_at=datetime.now(UTC),
        )
        session.add(endorsement)
    rotate()
    assert published(client, org.slug) == {"key-2", "key-4", "key-5"}
    with database.transaction() as session:
        session.get(Endorsement, endorsement.id).withdrawn_at = datetime.now(UTC)
    assert published(client, org.slug) == {"key-2", "key-5"}

    # once its badge expires, key-2 goes too (checked at a later "now")
    with database.transaction() as session:
        org_ = session.get(Organisation, org.id)
        later = current.valid_until + timedelta(seconds=1)
        assert {row.kid for row, _ in published_keys(session, org_, now=later)} == {"key-5"}
        assert {row.kid for row, _ in published_keys(session, org_)} == {"key-2", "key-5"}
    # a badge without an expiry keeps its key for as long as it is not revoked
    forever = award_to(org, lasting, email=JONAS, name="Jonas")
    rotate()
    assert published(client, org.slug) == {"key-2", "key-5", "key-6"}
    assert method_of(forever) == "key-5"


def test_a_rotation_may_change_the_key_type(
    client, school, make_achievement, award_to, make_verifier, database
):
    org = school("rot-alg", key_alg="ES256")
    achievement = make_achievement(org)
    jwt_only = award_to(org, achievement, email=ONA)
    assert '"proof"' not in jwt_only.credential_json
    as_admin(client, org)
    page = client.get(f"/staff/{org.slug}/keys/rotate")
    assert re.search(r'<option value="ES256" selected>ES256 \(current\)', page.text)
    bad = post(client, f"/staff/{org.slug}/keys/rotate", {"confirm": "yes", "alg": "HS256"})
    assert bad.status_code == 400 and "Choose EdDSA, ES256 or RS256" in bad.text
    assert len(keys_of(database, org)) == 1
    assert (
        post(
            client, f"/staff/{org.slug}/keys/rotate", {"confirm": "yes", "alg": "EdDSA"}
        ).status_code
        == 302
    )
    both = award_to(org, achievement, email=JONAS, name="Jonas")
    assert '"proof"' in both.credential_json and method_of(both) == "key-2"
    assert published(client, org.slug) == {"key-1", "key-2"}
    assert_valid(make_verifier, jwt_only, ONA)
    assert_valid(make_verifier, both, JONAS)
    with database.transaction() as session:
        assert session.get(Organisation, org.id).key_alg == "EdDSA"
    assert [k.alg for k in sorted(keys_of(database, org).values(), key=lambda k: k.id)] == [
        "ES256",
        "EdDSA",
    ]


# -- compromise and re-issue ---------------------------------------------------------------

COMPROMISES = [
    ("cmp-eddsa", {}),
    ("cmp-rs256-rl", {"key_alg": "RS256", "status_method": "1edtech"}),
]


@pytest.mark.parametrize(("slug", "options"), COMPROMISES, ids=[c[0] for c in COMPROMISES])
def test_after_a_compromise_old_badges_are_revoked_and_their_reissued_copies_verify(
    client,
    school,
    make_achievement,
    award_to,
    award_at,
    make_verifier,
    database,
    slug,
    options,
    badges_fetcher,
):
    org = school(slug, **options)
    achievement = make_achievement(org, validity_days=730)
    last_month = datetime.now(UTC) - timedelta(days=30)
    ona = award_at(
        org,
        achievement,
        ONA,
        last_month,
        "Ona Petraitytė",
        level="Proficient",
        evidence_url="https://pupils.example/ona/report",
        evidence_narrative="Measured nitrates weekly",
        narrative="Led the river team",
        publish_narrative=True,
        activity_start=date(2025, 3, 1),
        activity_end=date(2025, 6, 30),
    )
    jonas = award_at(org, achievement, JONAS, last_month - timedelta(days=3), "Jonas")
    wrong = award_to(org, achievement, email="wrong@pupils.example", name="Wrong")
    expired = award_at(
        org, achievement, "gone@pupils.example", datetime.now(UTC) - timedelta(days=800), "Gone"
    )
    as_admin(client, org)
    assert (
        post(
            client,
            f"/staff/{slug}/awards/{wrong.public_id}/revoke",
            {"reason": "Awarded by mistake"},
        ).status_code
        == 302
    )
    assert_valid(make_verifier, ona, ONA)
    did_url = f"{BASE_URL}/orgs/{slug}/did.json"
    did_before = client.get(f"/orgs/{slug}/did.json").get_json(force=True)
    # the achievement is edited afterwards: the copies keep the badge as it was awarded
    with database.transaction() as session:
        session.get(
            Achievement, achievement.id
        ).description = "A different description, written later."

    page = compromise_through_the_page(client, org, "key-1")
    assert "key-1 is marked compromised" in page and "3 badges it signed were revoked" in page
    assert "new key key-2" in page
    assert published(client, slug) == {"key-2"}  # gone from did.json and jwks.json at once

    # the old badges fail twice over: their key is not published (and then their status is
    # not fetched: it could not change the verdict), and they are revoked, as a verifier
    # that still remembers the old key beside the new one sees
    did_now = client.get(f"/orgs/{slug}/did.json").get_json(force=True)
    both = {
        **did_now,
        "verificationMethod": did_before["verificationMethod"] + did_now["verificationMethod"],
        "assertionMethod": did_before["assertionMethod"] + did_now["assertionMethod"],
    }
    remembers_old_key = KeyResolver(badges_fetcher, documents={did_url: both})
    for source in forms(ona):
        report = make_verifier().verify(source)
        assert report.verdict is Verdict.INVALID
        assert report.check("issuer").outcome is Outcome.FAILED
        assert "not one the issuer published" in report.check("issuer").message
        assert report.check("status").outcome is Outcome.SKIPPED
        assert report.check("status").reason == "verdict_settled"
        report = Verifier(
            fetcher=badges_fetcher, key_resolver=remembers_old_key, status_ttl=0
        ).verify(source)
        assert report.check("issuer").outcome is Outcome.PASSED
        assert report.verdict is Verdict.INVALID
        assert (
            report.check("status").outcome is Outcome.FAILED
            and "revoked" in report.check("status").message
        )
        if options.get("status_method") == "1edtech":
            assert "compromised" in report.check("status").message  # the list gives the reason
    for award in (ona, jonas, expired):
        row = fresh(database, award)
        assert row.revoked_at is not None and row.revocation_reason == COMPROMISE_REASON
    assert fresh(database, wrong).revocation_reason == "Awarded by mistake"  # left as it was

    # listed for re-issue: the two that were valid, not the expired one nor the one revoked before
    keys_page = client.get(f"/staff/{slug}/keys").text
    assert "2 badges were revoked because the key" in keys_page and "Re-issue all 2" in keys_page
    assert "Ona Petraitytė" in keys_page and "Jonas" in keys_page and "Gone" not in keys_page

    done = reissue_through_the_page(client, org)
    assert "2 badges were re-issued" in done, done
    [ona_copy] = copies_of(database, ona)
    [jonas_copy] = copies_of(database, jonas)
    assert copies_of(database, wrong) == [] and copies_of(database, expired) == []
    for original, copy, email in ((ona, ona_copy, ONA), (jonas, jonas_copy, JONAS)):
        assert method_of(copy) == "key-2"
        assert_valid(make_verifier, copy, email)
        old, new = json.loads(original.credential_json), json.loads(copy.credential_json)
        assert new["awardedDate"] == old["awardedDate"]
        assert (
            new["credentialSubject"] == old["credentialSubject"]
        )  # learner hash, achievement, result ...
        assert new.get("evidence") == old.get("evidence") and new["validUntil"] == old["validUntil"]
        assert new["id"] != old["id"] and new["id"] == f"{BASE_URL}/credentials/{copy.public_id}"
        assert parse_datetime(new["validFrom"]) > datetime.now(UTC) - timedelta(minutes=5)
        assert parse_datetime(new["awardedDate"]) < datetime.now(UTC) - timedelta(
            days=29
        )  # kept, not "now"
        assert copy.status_index != original.status_index and copy.revoked_at is None
        # its portfolio card: what the copy signed, the original's awarded date and level
        assert {c: getattr(copy, c) for c in CARD_COLUMNS} == card_fields(
            new, issued_at=copy.issued_at
        )
        assert copy.awarded_at == original.awarded_at and copy.level_id == original.level_id
        assert (
            copy.learner_name == original.learner_name
            and copy.learner_email == original.learner_email
        )
        assert (
            copy.valid_until == original.valid_until
            and copy.achievement_id == original.achievement_id
        )
        payload = vc_jwt.decode_jwt(copy.credential_jwt).payload
        inner = payload.get("vc", payload)
        assert (
            inner["awardedDate"] == old["awardedDate"]
            and inner["credentialSubject"] == old["credentialSubject"]
        )
    subject = json.loads(ona_copy.credential_json)["credentialSubject"]
    assert subject["narrative"] == "Led the river team" and subject["activityStartDate"].startswith(
        "2025-03-01"
    )
    assert subject["result"] and "written later" not in subject["achievement"]["description"]
    assert (
        json.loads(ona_copy.credential_json)["evidence"][0]["narrative"]
        == "Measured nitrates weekly"
    )
    # the old badges stay revoked, and nothing waits any more
    assert (
        make_verifier().verify(f"{BASE_URL}/credentials/{ona.public_id}").verdict is Verdict.INVALID
    )
    keys_page = client.get(f"/staff/{slug}/keys").text
    assert "Re-issue all" not in keys_page and ona_copy.public_id in keys_page
    again = post(client, f"/staff/{slug}/keys/reissue")
    assert again.status_code == 409 and len(copies_of(database, ona)) == 1

    # the learners are told, with the new link
    with database.transaction() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.award_id.in_([ona_copy.id, jonas_copy.id]))
        ).all()
    links = {m.to_email: m.body for m in messages}
    assert set(links) == {ONA, JONAS}
    assert (
        "re-issued" in links[ONA] and f"{BASE_URL}/credentials/{ona_copy.public_id}" in links[ONA]
    )
    assert f"{BASE_URL}/credentials/{jonas_copy.public_id}" in links[JONAS]
    # with a claim link for the new copy (a learner's portfolio takes it)
    with database.transaction() as session:
        claims = {
            row.award_id: row.token_hash
            for row in session.scalars(
                select(ClaimToken).where(ClaimToken.award_id.in_([ona_copy.id, jonas_copy.id]))
            )
        }
    for email, copy in ((ONA, ona_copy), (JONAS, jonas_copy)):
        token = re.search(rf"{BASE_URL}/claim/([A-Za-z0-9_-]+)", links[email]).group(1)
        assert claims[copy.id] == hashlib.sha256(token.encode()).hexdigest()

    # audited, without learners' emails
    [compromise] = audit(database, org, "key.compromise")
    assert compromise.subject == "key:key-1" and compromise.details["revoked"] == 3
    assert compromise.details["new_key"] == "key-2" and "laptop" in compromise.details["reason"]
    [batch] = audit(database, org, "award.reissue")
    assert batch.details["count"] == 2 and batch.details["compromised_keys"] == ["key-1"]
    assert {a["replaces"] for a in batch.details["awards"]} == {ona.public_id, jonas.public_id}
    everything = json.dumps([(e.summary, e.details) for e in (compromise, batch)])
    assert "@pupils.example" not in everything


def test_a_compromised_retired_key_needs_no_new_key_and_its_endorsements_are_withdrawn(
    client, school, make_org, make_achievement, award_to, make_verifier, database, sealer
):
    org = school("cmp-retired")
    endorsed = make_org("endorsed-school", "Endorsed School")
    achievement = make_achievement(org)
    old = award_to(org, achievement, email=ONA)
    keys = keys_of(database, org)
    with database.transaction() as session:
        endorsement = Endorsement(
            endorser_id=org.id,
            endorsed_org_id=endorsed.id,
            key_id=keys["key-1"].id,
            credential_json="{}",
            status_index=3,
            issued_at=datetime.now(UTC),
        )
        session.add(endorsement)
        rotate_key(session, org=session.get(Organisation, org.id), sealer=sealer, actor=CLI)
    new = award_to(org, achievement, email=JONAS, name="Jonas")
    with database.transaction() as session:
        org_ = session.get(Organisation, org.id)
        result = mark_compromised(
            session,
            org=org_,
            key_row=session.get(SigningKey, keys["key-1"].id),
            sealer=sealer,
            actor=CLI,
            reason="found in a public repository",
        )
        assert result.new_key is None and result.revoked == 1 and result.withdrawn == 1
    assert published(client, org.slug) == {"key-2"}
    assert {k.kid: k.compromised_at is not None for k in keys_of(database, org).values()} == {
        "key-1": True,
        "key-2": False,
    }
    assert_valid(make_verifier, new, JONAS)  # the active key and its badges are untouched
    assert make_verifier().verify(old.credential_jwt).verdict is Verdict.INVALID
    with database.transaction() as session:
        row = session.get(Endorsement, endorsement.id)
        assert row.withdrawn_at is not None and "compromised" in row.withdrawal_reason
    [withdrawal] = audit(database, org, "endorsement.withdraw")
    assert withdrawal.subject == f"endorsement:{endorsement.public_id}" and withdrawal.via == "cli"
    # the same entry as a withdrawal by staff (services.endorsements.withdraw), the endorsed told too
    assert withdrawal.summary == f"{org.name} withdrew its endorsement of Endorsed School"
    assert (
        set(withdrawal.details) == {"target", "reason"}
        and "compromised" in withdrawal.details["reason"]
    )
    [received] = audit(database, endorsed, "endorsement.withdraw")
    assert (
        received.summary == f"Received: {withdrawal.summary}"
        and received.details == withdrawal.details
    )
    # a second time is refused, and changes nothing
    with (
        database.transaction() as session,
        pytest.raises(Conflict, match="already marked compromised"),
    ):
        mark_compromised(
            session,
            org=session.get(Organisation, org.id),
            key_row=session.get(SigningKey, keys["key-1"].id),
            sealer=sealer,
            actor=CLI,
            reason="again",
        )
    assert len(audit(database, org, "key.compromise")) == 1


def test_a_reissued_copy_carries_the_endorsements_active_now(
    client, school, make_org, make_achievement, award_to, make_verifier, database, sealer
):
    from issuer.services import endorsements

    org = school("endorsed-cmp")
    centre = make_org("centre", "National Centre", kind="centre")
    achievement = make_achievement(org)

    def endorse(comment: str) -> Endorsement:
        with database.transaction() as session:
            return endorsements.endorse(
                session,
                endorser=session.get(Organisation, centre.id),
                target=f"achievement:{achievement.public_id}",
                comment=comment,
                sealer=sealer,
                urls=URLS,
                actor=CLI,
            )

    first = endorse("A fine project")
    original = award_to(org, achievement, email=ONA)
    [embedded] = json.loads(original.credential_json)["credentialSubject"]["achievement"][
        "endorsement"
    ]
    assert embedded["id"].endswith(first.public_id)
    with database.transaction() as session:
        endorsements.withdraw(
            session,
            endorsement=session.get(Endorsement, first.id),
            endorser=session.get(Organisation, centre.id),
            reason="Superseded",
            actor=CLI,
        )
    second = endorse("A fine project, reviewed again")
    as_admin(client, org)
    compromise_through_the_page(client, org, "key-1")
    reissue_through_the_page(client, org)
    [copy] = copies_of(database, original)
    achievement_json = json.loads(copy.credential_json)["credentialSubject"]["achievement"]
    assert [e["id"] for e in achievement_json["endorsement"]] == [
        URLS.endorsement(second.public_id)
    ]
    old_achievement = json.loads(original.credential_json)["credentialSubject"]["achievement"]
    assert {k: v for k, v in achievement_json.items() if k != "endorsement"} == {
        k: v for k, v in old_achievement.items() if k != "endorsement"
    }
    report = make_verifier().verify(f"{BASE_URL}/credentials/{copy.public_id}", recipient=ONA)
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert report.check("endorsements").outcome is Outcome.PASSED


def test_endorsements_a_compromise_withdrew_are_signed_again_on_request(
    client, school, make_achievement, make_verifier, database, sealer
):
    from issuer.services import endorsements

    centre = school("cmp-centre", kind="centre")
    member = school("cmp-member")
    achievement = make_achievement(member)
    with database.transaction() as session:
        old = endorsements.endorse(
            session,
            endorser=session.get(Organisation, centre.id),
            target=f"achievement:{achievement.public_id}",
            comment="Peace education done well",
            sealer=sealer,
            urls=URLS,
            actor=CLI,
        )
    old_url = URLS.endorsement(old.public_id)
    assert make_verifier().verify(old_url).verdict is Verdict.VALID
    as_admin(client, centre)
    compromise_through_the_page(client, centre, "key-1")
    page = client.get(f"/staff/{centre.slug}/keys").text
    assert (
        "1 endorsement signed with the compromised key" in page
        and "Re-issue the endorsements" in page
    )
    assert make_verifier().verify(old_url).verdict is Verdict.INVALID
    assert "Nothing was re-issued" not in reissue_through_the_page(client, centre)
    with database.transaction() as session:
        rows = session.scalars(
            select(Endorsement).where(Endorsement.endorser_id == centre.id).order_by(Endorsement.id)
        ).all()
        assert [r.withdrawn_at is None for r in rows] == [False, True]
        renewed = rows[1]
        assert renewed.comment == old.comment and renewed.achievement_id == achievement.id
        assert session.get(SigningKey, renewed.key_id).kid == "key-2"
        renewed_id = renewed.public_id
    report = make_verifier().verify(URLS.endorsement(renewed_id))
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert make_verifier().verify(old_url).verdict is Verdict.INVALID  # the withdrawn one stays so
    # nothing is left waiting, so a second request signs nothing more
    assert "None." in client.get(f"/staff/{centre.slug}/keys").text
    assert post(client, f"/staff/{centre.slug}/keys/reissue").status_code == 409
    assert len(audit(database, centre, "endorsement.issue")) == 2


def test_marking_a_key_compromised_is_all_or_nothing(
    client, school, make_achievement, award_to, database, table_counts, monkeypatch
):
    org = school("cmp-atomic")
    achievement = make_achievement(org)
    awards = [
        award_to(org, achievement, email=f"l{i}@pupils.example", name=f"L{i}") for i in range(3)
    ]
    as_admin(client, org)
    before = table_counts()
    real = reissue_service.record

    def failing(session, **kwargs):
        if kwargs["action"] == "key.compromise":  # after the new key and every revocation
            raise RuntimeError("the database went away (injected)")
        return real(session, **kwargs)

    monkeypatch.setattr(reissue_service, "record", failing)
    response = post(
        client, f"/staff/{org.slug}/keys/key-1/compromise", {"confirm": "yes", "reason": "stolen"}
    )
    assert response.status_code == 500 and "Nothing was changed" in response.text
    assert table_counts() == before
    [key] = keys_of(database, org).values()
    assert key.compromised_at is None and key.retired_at is None
    assert all(fresh(database, a).revoked_at is None for a in awards)
    assert published(client, org.slug) == {"key-1"}

    monkeypatch.setattr(reissue_service, "record", real)
    compromise_through_the_page(client, org, "key-1")
    assert all(fresh(database, a).revoked_at is not None for a in awards)


def test_reissuing_is_all_or_nothing(
    client, school, make_achievement, award_to, database, table_counts, monkeypatch
):
    from issuer.services import awards as award_service

    org = school("reissue-atomic")
    achievement = make_achievement(org)
    for i in range(4):
        award_to(org, achievement, email=f"l{i}@pupils.example", name=f"L{i}")
    as_admin(client, org)
    compromise_through_the_page(client, org, "key-1")
    before = table_counts()
    real = award_service.sign_credential
    calls: list[int] = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the signing key went away (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(award_service, "sign_credential", flaky)
    page = reissue_through_the_page(client, org)
    assert "Nothing was re-issued" in page and len(calls) == 3
    assert table_counts() == before
    with database.transaction() as session:
        assert len(awaiting_reissue(session, session.get(Organisation, org.id))) == 4

    monkeypatch.setattr(award_service, "sign_credential", real)
    assert "4 badges were re-issued" in reissue_through_the_page(client, org)


def test_only_an_organisations_admins_manage_its_keys(
    client, school, make_achievement, award_to, table_counts, database
):
    org = school("guarded")
    other = school("elsewhere")
    award_to(org, make_achievement(org), email=ONA)
    base = f"/staff/{org.slug}/keys"
    actions = [
        (f"{base}/rotate", {"confirm": "yes"}),
        (f"{base}/key-1/compromise", {"confirm": "yes", "reason": "stolen"}),
        (f"{base}/reissue", {}),
    ]

    def counts() -> dict[str, int]:  # logging in writes login rows; nothing else may change
        return {name: n for name, n in table_counts().items() if not name.startswith("login")}

    before = counts()

    # logged out: to the login page
    assert client.get(base).status_code == 302 and "/login" in client.get(base).location
    # a teacher of the organisation: refused, and no link on the home page
    assert login(client, f"teacher@{org.slug}.example").status_code == 302
    home = client.get(f"/staff/{org.slug}")
    assert home.status_code == 200 and "Signing keys" not in home.text
    assert client.get(base).status_code == 403
    assert client.get(f"{base}/key-1/compromise").status_code == 403
    for url, data in actions:
        assert post(client, url, data).status_code == 403, url
    # another organisation's admin: as if it did not exist
    as_admin(client, other)
    assert client.get(base).status_code == 404
    for url, data in actions:
        assert post(client, url, data).status_code == 404, url
    assert counts() == before

    # the admin: the link, the page, and refusals that change nothing
    as_admin(client, org)
    assert "Signing keys" in client.get(f"/staff/{org.slug}").text
    page = client.get(base)
    assert page.status_code == 200 and "key-1" in page.text and "active" in page.text
    assert (
        client.post(f"{base}/rotate", data={"confirm": "yes"}).status_code == 400
    )  # no CSRF token
    assert post(client, f"{base}/rotate", {}).status_code == 400  # not confirmed
    assert post(client, f"{base}/key-1/compromise", {"reason": "stolen"}).status_code == 400
    missing_reason = post(client, f"{base}/key-1/compromise", {"confirm": "yes", "reason": " "})
    assert missing_reason.status_code == 400 and "Say what happened" in missing_reason.text
    assert (
        post(client, f"{base}/key-9/compromise", {"confirm": "yes", "reason": "x"}).status_code
        == 404
    )
    too_long = post(client, f"{base}/key-1/compromise", {"confirm": "yes", "reason": "x" * 501})
    assert too_long.status_code == 400 and "under 500" in too_long.text
    assert post(client, f"{base}/reissue").status_code == 409  # nothing waits
    assert counts() == before
    compromise_through_the_page(client, org, "key-1")
    again = post(client, f"{base}/key-1/compromise", {"confirm": "yes", "reason": "twice"})
    assert again.status_code == 409 and "already marked compromised" in again.text
    assert client.get(f"{base}/key-1/compromise").status_code == 302  # nothing left to confirm
    page = client.get(base).text
    assert re.search(r"key-1</code>\s*<span class=\"status revoked\">compromised", page)


# -- the command line ----------------------------------------------------------------------


def test_the_command_line_rotates_compromises_and_reissues(
    school, make_achievement, award_to, make_verifier, database, monkeypatch, capsys, client
):
    from badges.cli import main

    from .conftest import KEK

    org = school("cli-keys")
    original = award_to(org, make_achievement(org), email=ONA)
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("ISSUER_KEY_ENCRYPTION_KEY", KEK)
    monkeypatch.delenv("ISSUER_BASE_URL", raising=False)
    slug = ["--org", org.slug]

    assert main(["keys", "rotate", *slug]) == 0
    assert "new active key key-2" in capsys.readouterr().out
    assert published(client, org.slug) == {"key-1", "key-2"}
    # without --yes it only says what would happen
    assert main(["keys", "compromise", *slug, "--kid", "key-1", "--reason", "leaked"]) == 2
    assert (
        "1 still valid" in capsys.readouterr().out and fresh(database, original).revoked_at is None
    )
    assert main(["keys", "compromise", *slug, "--kid", "key-9", "--reason", "leaked", "--yes"]) == 2
    assert "No such key" in capsys.readouterr().err
    assert main(["keys", "compromise", *slug, "--kid", "key-1", "--reason", "leaked", "--yes"]) == 0
    assert "1 badge(s) revoked" in capsys.readouterr().out
    assert main(["keys", "list", *slug]) == 0
    listing = capsys.readouterr().out
    assert "key-1\tEdDSA\tcompromised\tnot published" in listing and "1 badge(s) wait" in listing
    assert main(["keys", "reissue", *slug]) == 2  # the public base URL is needed
    assert main(["keys", "reissue", *slug, "--base-url", BASE_URL]) == 0
    assert "1 badge(s) re-issued" in capsys.readouterr().out
    [copy] = copies_of(database, original)
    assert_valid(make_verifier, copy, ONA)
    assert main(["keys", "list", "--org", "no-such-school"]) == 2
    actions = [
        e.action
        for e in audit(database, org, "key.rotate") + audit(database, org, "key.compromise")
    ]
    assert actions == ["key.rotate", "key.compromise"]
    assert all(
        e.via == "cli" and e.actor.startswith("command line")
        for e in audit(database, org, "award.reissue")
    )


# -- an independent verifier ---------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.slow
def test_verify_ob3_accepts_a_badge_signed_before_a_rotation_and_a_reissued_copy(
    client, school, make_achievement, award_to, live_server, database, sealer, tmp_path
):
    from tests.core.test_interop import write
    from tests.peers import verify_many

    org = school("interop-keys")
    achievement = make_achievement(org)
    before = award_to(org, achievement, email=ONA, level="Mastered")
    as_admin(client, org)
    rotate_through_the_page(client, org)
    after = award_to(org, achievement, email=JONAS, name="Jonas")
    mapping = ("--map", f"{BASE_URL}/={live_server.base}/")

    errors: list[str] = []

    def verified(award, name: str) -> bool:
        results = []
        forms = ((".json", award.credential_json), (".jwt", award.credential_jwt))
        reports = verify_many(
            [write(tmp_path, name + suffix, content) for suffix, content in forms], *mapping
        )
        for (suffix, _), report in zip(forms, reports, strict=True):
            results.append(report["verified"])
            errors.extend(report["errors"])
            if suffix == ".json":
                assert report["engines"]["dcc"]["verified"] is report["verified"], report
        assert len(set(results)) == 1, results  # both forms agree
        return results[0]

    assert verified(before, "before") and verified(after, "after")
    compromise_through_the_page(client, org, "key-1")
    assert not errors and not verified(before, "revoked")
    assert any("key-1 not found" in error for error in errors), errors  # unpublished ...
    assert any("revoked" in error for error in errors), errors  # ... and revoked
    errors.clear()
    assert "1 badge" in reissue_through_the_page(client, org)
    [copy] = copies_of(database, before)
    assert verified(copy, "copy") and verified(after, "after-again") and not errors
    assert (
        json.loads(copy.credential_json)["awardedDate"]
        == json.loads(before.credential_json)["awardedDate"]
    )


def test_a_bitstring_copy_gets_its_own_status_bit(
    client, school, make_achievement, award_to, database
):
    """The copy's status index is new; the revocation list sets the original's bit only."""
    org = school("bits")
    achievement = make_achievement(org)
    original = award_to(org, achievement, email=ONA)
    as_admin(client, org)
    compromise_through_the_page(client, org, "key-1")
    reissue_through_the_page(client, org)
    [copy] = copies_of(database, original)
    listed = client.get(f"/orgs/{org.slug}/status/revocation").get_json(force=True)
    bits = bsl.BitstringStatusList.decode(listed["credentialSubject"]["encodedList"])
    assert bits.get(original.status_index) and not bits.get(copy.status_index)


def test_the_reissue_progress_page_has_the_sites_frame(client, school, make_achievement, award_to):
    org = school("reissue-frame")
    achievement = make_achievement(org)
    award_to(org, achievement)
    as_admin(client, org)
    compromise_through_the_page(client, org, "key-1")
    page = reissue_through_the_page(client, org)
    assert (
        page.index('<header class="site">')
        < page.index("Signed 1 of 1")
        < page.index('<footer class="site">')
    )
    assert f'href="/staff/{org.slug}/awards"' in page.split("Signed", 1)[0]  # the site's navigation
    assert page.count("</main>") == 1 and page.rstrip().endswith("</html>")
