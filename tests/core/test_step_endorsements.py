"""The endorsements step, exactly: each kind of entry, what is read from an endorsement,
and how deep endorsements go.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/endorsements.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.verification import Verdict, Verifier
from tests.conftest import ISSUED, NOW, build_credential

ACHIEVEMENT_ID = "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"  # build_credential's


def endorsement(key: KeyPair, proof: str = "data-integrity", **changes: Any) -> Any:
    unsigned = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="The centre endorses the water monitor badge",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet Centre"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id=ACHIEVEMENT_ID, endorsement_comment="A model for the network."
        ),
    ).to_json()
    unsigned.update(changes)
    signed = sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof=proof,
        created=ISSUED,
    )
    return signed.json if proof == "data-integrity" else signed.jwt


UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"


def badge(key: KeyPair, **achievement_members: Any) -> dict[str, Any]:
    unsigned = build_credential(did_key(key.public))
    unsigned["credentialSubject"]["achievement"].update(achievement_members)
    if "endorsementJwt" in achievement_members:
        # no Open Badges context defines endorsementJwt: only the VC 2.0 catch-all does
        unsigned["@context"] = [*unsigned["@context"], UNDEFINED_TERMS]
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json


def test_an_endorsement_as_a_jwt_is_verified_and_read(ed_key, other_key):
    token = endorsement(other_key, proof="jwt")
    report = Verifier().verify(badge(ed_key, endorsementJwt=[token]), now=NOW)
    [result] = report.endorsements
    assert (result.location, result.verdict) == ("achievement", Verdict.VALID), result.message
    assert result.endorser == "Lithuanian ASPnet Centre"
    assert result.endorser_id == did_key(other_key.public)
    assert result.id == "urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001"
    assert result.subject_id == ACHIEVEMENT_ID
    assert result.comment == "A model for the network."
    assert result.withdrawn is False
    assert [c.name.value for c in result.checks][:2] == ["format", "context"]


def test_entries_that_are_no_endorsement_are_refused_by_kind(ed_key):
    report = Verifier().verify(
        badge(
            ed_key,
            endorsementJwt=["not a token", "two.parts"],
            endorsement=["https://school.example/endorsements/1"],
        ),
        now=NOW,
    )
    assert [(r.location, r.verdict, r.message) for r in report.endorsements] == [
        ("achievement", Verdict.INVALID, "An endorsement entry is not an embedded credential."),
        ("achievement", Verdict.INVALID, "An endorsementJwt entry is not a compact JWT."),
        ("achievement", Verdict.INVALID, "An endorsementJwt entry is not a compact JWT."),
    ]
    check = report.check("endorsements")
    assert check.message == (
        "3 of 3 endorsements on this badge are not valid (the badge itself is not affected)."
    )


def test_an_endorsement_is_dated_at_the_verifications_time(ed_key, other_key):
    """Valid for two days around NOW only: checked at NOW, not at the machine's time."""
    day = timedelta(days=1)
    short = endorsement(
        other_key,
        validFrom=(NOW - day).strftime("%Y-%m-%dT%H:%M:%SZ"),
        validUntil=(NOW + day).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    report = Verifier().verify(badge(ed_key, endorsement=[short]), now=NOW)
    assert [r.verdict for r in report.endorsements] == [Verdict.VALID], report.endorsements[0]


def test_an_endorsements_own_endorsements_are_not_checked(ed_key, other_key):
    inner = endorsement(ed_key)
    outer = endorsement(other_key, endorsement=[inner])
    report = Verifier().verify(badge(ed_key, endorsement=[outer]), now=NOW)
    [result] = report.endorsements
    check = {c.name.value: c for c in result.checks}["endorsements"]
    assert check.message == "Endorsements of endorsements are not checked."


def test_an_endorser_without_a_name_is_named_by_its_id(ed_key, other_key):
    plain = endorsement(other_key, issuer=did_key(other_key.public))
    report = Verifier().verify(badge(ed_key, endorsement=[plain]), now=NOW)
    [result] = report.endorsements
    assert (result.endorser, result.endorser_id) == (
        did_key(other_key.public),
        did_key(other_key.public),
    )


def test_what_an_endorsement_says_is_read_only_when_it_is_text(ed_key, other_key):
    # as a JWT, an endorsement's members are not JSON-LD the badge's own context check sees
    odd = endorsement(
        other_key,
        proof="jwt",
        id=5,
        credentialSubject={"id": 7, "endorsementComment": 9, "type": ["EndorsementSubject"]},
    )
    listed = endorsement(other_key)
    listed["credentialSubject"] = [listed["credentialSubject"]]
    report = Verifier().verify(badge(ed_key, endorsement=[listed], endorsementJwt=[odd]), now=NOW)
    assert [(r.id, r.subject_id, r.comment) for r in report.endorsements] == [
        ("urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001", None, None),
        (None, None, None),
    ]
    assert all(r.verdict is Verdict.INVALID for r in report.endorsements)
    check = report.check("endorsements")
    assert check.message == (
        "2 of 2 endorsements on this badge are not valid (the badge itself is not affected)."
    )
