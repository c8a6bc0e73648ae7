"""Endorsements in the core pipeline: one on its own, and each one a badge carries.

An embedded endorsement is verified like any credential (schema, proof, issuer key, dates,
status, with the verifier's fetcher) and reported one by one in ``report.endorsements``; a
bad one (forged, withdrawn, about something else) is a warning on the badge, never a
reason to call the badge itself invalid.
"""

from __future__ import annotations

import copy
import json

from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.status import bitstring_status_list as bsl
from badges.verification import MAX_ENDORSEMENTS, Outcome, Verdict, Verifier
from tests.conftest import ISSUED, NOW, SCHOOL, SCHOOL_DID, build_credential

ACHIEVEMENT_ID = "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"  # build_credential's achievement
CREDENTIAL_ID = "urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
LIST_URL = f"{SCHOOL}/status/endorsements"


def endorsement(
    key: KeyPair,
    subject_id: str = ACHIEVEMENT_ID,
    *,
    number: int = 1,
    issuer: str | None = None,
    method: str | None = None,
    status_index: int | None = None,
    name: str = "Lithuanian ASPnet Centre",
) -> dict:
    unsigned = EndorsementCredential(
        id=f"urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-{number:012d}",
        name=f"{name} endorses the water monitor badge",
        issuer=Profile(id=issuer or did_key(key.public), name=name),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id=subject_id, endorsement_comment="A model for the network."
        ),
        credential_status=[bsl.status_entry(LIST_URL, status_index)]
        if status_index is not None
        else [],
    ).to_json()
    method = method or did_key_verification_method(key.public)
    signed = sign_credential(
        unsigned, key, verification_method=method, proof="data-integrity", created=ISSUED
    )
    return signed.json


def badge(key: KeyPair, *, on_achievement=(), on_issuer=(), on_credential=()) -> dict:
    unsigned = build_credential(did_key(key.public), endorsements=list(on_achievement))
    if on_issuer:
        unsigned["issuer"]["endorsement"] = list(on_issuer)
    if on_credential:
        unsigned["endorsement"] = list(on_credential)
    method = did_key_verification_method(key.public)
    return sign_credential(
        unsigned, key, verification_method=method, proof="both", created=ISSUED
    ).json


def test_each_endorsement_is_reported_where_it_is_carried(ed_key, other_key):
    issuer_id = did_key(ed_key.public)
    signed = badge(
        ed_key,
        on_achievement=[endorsement(other_key, number=1)],
        on_issuer=[endorsement(other_key, issuer_id, number=2)],
        on_credential=[endorsement(other_key, CREDENTIAL_ID, number=3)],
    )
    report = Verifier().verify(signed, now=NOW)
    assert report.verdict is Verdict.VALID
    check = report.check("endorsements")
    assert check.outcome is Outcome.PASSED and check.message == "3 endorsements verified."
    assert check.detail == "Endorsed by Lithuanian ASPnet Centre."
    assert [(r.location, r.subject_id) for r in report.endorsements] == [
        ("credential", CREDENTIAL_ID),
        ("issuer", issuer_id),
        ("achievement", ACHIEVEMENT_ID),
    ]
    for result in report.endorsements:
        assert result.verdict is Verdict.VALID and not result.withdrawn
        assert result.endorser == "Lithuanian ASPnet Centre" and result.endorser_id == did_key(
            other_key.public
        )
        assert result.comment == "A model for the network."
    shown = report.to_dict()["endorsements"]
    assert [e["location"] for e in shown] == ["credential", "issuer", "achievement"]
    assert shown[0]["verdict"] == "valid" and {c["name"] for c in shown[0]["checks"]} >= {
        "proof",
        "status",
    }
    json.dumps(report.to_dict())  # the whole report stays JSON


def test_an_endorsement_copied_from_another_badge_is_not_valid_here(ed_key, other_key):
    """Genuine, but about another achievement: a warning on this badge, which stays valid."""
    elsewhere = endorsement(other_key, "https://other-school.example/achievements/robotics")
    report = Verifier().verify(badge(ed_key, on_achievement=[elsewhere]), now=NOW)
    assert report.verdict is Verdict.VALID
    check = report.check("endorsements")
    assert check.outcome is Outcome.WARNING
    assert (
        check.message
        == "1 of 1 endorsement on this badge is not valid (the badge itself is not affected)."
    )
    [result] = report.endorsements
    assert result.verdict is Verdict.INVALID and not result.withdrawn
    assert (
        "is about https://other-school.example/achievements/robotics, not the achievement"
        in result.message
    )
    # the same endorsement verifies on its own
    assert Verifier().verify(elsewhere, now=NOW).verified


def test_a_forged_endorsement_is_reported_and_the_badge_stands(ed_key, other_key):
    good = endorsement(other_key, number=1)
    forged = copy.deepcopy(endorsement(other_key, number=2, name="Another Centre"))
    forged["credentialSubject"]["endorsementComment"] = "Changed after signing"
    report = Verifier().verify(badge(ed_key, on_achievement=[good, forged]), now=NOW)
    assert report.verdict is Verdict.VALID
    check = report.check("endorsements")
    assert check.outcome is Outcome.WARNING and check.message.startswith("1 of 2 endorsements")
    assert "Another Centre: This endorsement is not valid: The signature does not match" in (
        check.detail or ""
    )
    assert [r.verdict for r in report.endorsements] == [Verdict.VALID, Verdict.INVALID]


def test_only_embedded_endorsement_credentials_count(ed_key, other_key, site, school_fetcher):
    """A link is never followed from an endorsement list, and a badge is no endorsement."""
    other_badge = sign_credential(
        build_credential(did_key(other_key.public)),
        other_key,
        verification_method=did_key_verification_method(other_key.public),
        proof="data-integrity",
    ).json
    unsigned = build_credential(did_key(ed_key.public), endorsements=[other_badge])
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="jwt",
    )
    report = Verifier().verify(signed.jwt, now=NOW)
    [result] = report.endorsements
    assert (
        result.verdict is Verdict.INVALID
        and result.message == "This is not an EndorsementCredential."
    )
    assert report.check("schema").outcome is Outcome.FAILED  # the OB 3.0 schema refuses it too

    # an entry that is a link: reported, not fetched (the schema refuses it in the badge too)
    unsigned = build_credential(did_key(ed_key.public))
    site.json("/endorsement.json", endorsement(other_key))
    unsigned["credentialSubject"]["achievement"]["endorsement"] = [f"{SCHOOL}/endorsement.json"]
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="jwt",
    )
    report = Verifier(fetcher=school_fetcher).verify(signed.jwt, now=NOW)
    assert [r.message for r in report.endorsements] == [
        "An endorsement entry is not an embedded credential."
    ]
    assert report.check("schema").outcome is Outcome.FAILED
    assert site.requests == []


def test_a_withdrawn_endorsement_fails_alone_and_is_marked_on_the_badge(
    ed_key, other_key, site, publish_did_web, school_verifier
):
    """The endorser (a did:web centre) publishes a status list with the endorsement's bit set."""
    method = publish_did_web(other_key)
    kept = endorsement(other_key, number=1, issuer=SCHOOL_DID, method=method, status_index=7)
    withdrawn = endorsement(other_key, number=2, issuer=SCHOOL_DID, method=method, status_index=42)
    bits = bsl.BitstringStatusList()
    bits.set(42)
    status_list = bsl.status_list_credential(
        list_url=LIST_URL,
        issuer=SCHOOL_DID,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    site.json(
        "/status/endorsements",
        sign_credential(
            status_list, other_key, verification_method=method, proof="data-integrity"
        ).json,
    )

    alone = school_verifier.verify(withdrawn, now=NOW)
    assert alone.verdict is Verdict.INVALID and alone.revoked
    assert alone.check("status").message == "The endorser has withdrawn this endorsement."
    assert (
        alone.message
        == "This endorsement is not valid: The endorser has withdrawn this endorsement."
    )
    assert school_verifier.verify(kept, now=NOW).verified

    report = school_verifier.verify(badge(ed_key, on_achievement=[kept, withdrawn]), now=NOW)
    assert report.verdict is Verdict.VALID
    check = report.check("endorsements")
    assert check.outcome is Outcome.WARNING
    assert (
        check.message
        == "1 of 2 endorsements on this badge was withdrawn by the endorser (the badge itself is not affected)."
    )
    assert [r.withdrawn for r in report.endorsements] == [False, True]
    # not asked to check status: nor is it checked for the endorsements
    unchecked = school_verifier.verify(
        badge(ed_key, on_achievement=[withdrawn]), now=NOW, check_status=False
    )
    [result] = unchecked.endorsements
    assert result.verdict is Verdict.VALID
    assert {c.name: c.outcome for c in result.checks}["status"] is Outcome.SKIPPED


def test_an_endorsement_whose_status_cannot_be_read_leaves_the_badge_valid(
    ed_key, other_key, site, publish_did_web, school_verifier
):
    method = publish_did_web(other_key)
    unknown = endorsement(
        other_key, issuer=SCHOOL_DID, method=method, status_index=3
    )  # no list published
    report = school_verifier.verify(badge(ed_key, on_achievement=[unknown]), now=NOW)
    assert report.verdict is Verdict.VALID
    assert report.check("endorsements").message.startswith(
        "Some endorsements could not be checked right now"
    )
    assert report.endorsements[0].verdict is Verdict.UNDECIDED


def test_at_most_the_first_endorsements_are_checked(ed_key, other_key):
    many = [endorsement(other_key, number=n) for n in range(MAX_ENDORSEMENTS + 1)]
    report = Verifier().verify(badge(ed_key, on_achievement=many), now=NOW)
    assert len(report.endorsements) == MAX_ENDORSEMENTS
    check = report.check("endorsements")
    assert check.outcome is Outcome.PASSED  # all those checked verify
    assert f"{MAX_ENDORSEMENTS} endorsements verified." == check.message


def test_a_badge_without_endorsements_reports_none(sign_did_key):
    report = Verifier().verify(sign_did_key().json, now=NOW)
    assert report.endorsements == [] and report.to_dict()["endorsements"] == []
    assert report.check("endorsements").outcome is Outcome.SKIPPED
    assert report.message == "This badge is genuine and valid."
