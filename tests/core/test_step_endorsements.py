"""The endorsements step, exactly: each kind of entry, what is read from an endorsement,
and how deep endorsements go.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/endorsements.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from badges.clr import build_clr, sign_clr
from badges.dids import did_key, did_key_verification_method
from badges.i18n import Catalogues
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.status import bitstring_status_list as bsl
from badges.verification import Outcome, Verdict, Verifier
from badges.verification.messages import M
from tests.conftest import ISSUED, NOW, SCHOOL, build_credential

ACHIEVEMENT_ID = "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"  # build_credential's
VERIFIER_CATALOGUES = Catalogues(Path(__file__).resolve().parents[2] / "verifier" / "translations")


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
    assert (check.outcome, check.message) == (
        Outcome.SKIPPED,
        "Endorsements of endorsements are not checked.",
    )


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


def test_an_endorsement_alone_carries_no_endorsements_of_its_own(other_key):
    report = Verifier().verify(endorsement(other_key), now=NOW)
    check = report.check("endorsements")
    assert (check.outcome, check.message) == (
        Outcome.SKIPPED,
        "The endorsement carries no endorsements.",
    )


def publish_endorsers_list(site, key: KeyPair, *, revoked=()) -> str:
    url = f"{SCHOOL}/status/endorsements"
    bits = bsl.BitstringStatusList()
    for index in revoked:
        bits.set(index)
    credential = bsl.status_list_credential(
        list_url=url,
        issuer=did_key(key.public),
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    site.json(
        "/status/endorsements",
        sign_credential(
            credential, key, verification_method=did_key_verification_method(key.public)
        ).json,
    )
    return url


def test_endorsements_not_checked_because_the_badge_failed_say_so(
    ed_key, other_key, site, school_fetcher
):
    url = publish_endorsers_list(site, other_key)
    listed = endorsement(other_key, credentialStatus=bsl.status_entry(url, 7))
    altered = {**badge(ed_key, endorsement=[listed]), "name": "Another badge"}
    report = Verifier(fetcher=school_fetcher).verify(altered, now=NOW)
    assert report.verdict is Verdict.INVALID
    [result] = report.endorsements
    assert result.verdict is Verdict.UNDECIDED
    check = report.check("endorsements")
    assert (check.outcome, check.message, check.detail, check.reason) == (
        Outcome.WARNING,
        "Some endorsements were not fully checked: the badge is already known not to be valid.",
        f"Lithuanian ASPnet Centre: {result.message}",
        "verdict_settled",
    )
    assert site.requests.count("/status/endorsements") == 0


def test_endorsements_that_cannot_be_checked_now_say_so(ed_key, other_key, site, school_fetcher):
    listed = endorsement(other_key, credentialStatus=bsl.status_entry(f"{SCHOOL}/status/gone", 7))
    report = Verifier(fetcher=school_fetcher).verify(badge(ed_key, endorsement=[listed]), now=NOW)
    assert report.verdict is Verdict.VALID
    [result] = report.endorsements
    assert result.verdict is Verdict.UNDECIDED
    check = report.check("endorsements")
    assert (check.outcome, check.message, check.detail) == (
        Outcome.WARNING,
        "Some endorsements could not be checked right now (the badge itself is not affected).",
        f"Lithuanian ASPnet Centre: {result.message}",
    )


def test_two_withdrawn_endorsements_were_withdrawn(ed_key, other_key, site, school_fetcher):
    url = publish_endorsers_list(site, other_key, revoked=(1, 2))
    withdrawn = [
        endorsement(other_key, credentialStatus=bsl.status_entry(url, index)) for index in (1, 2)
    ]
    report = Verifier(fetcher=school_fetcher).verify(badge(ed_key, endorsement=withdrawn), now=NOW)
    assert report.check("endorsements").message == (
        "2 of 2 endorsements on this badge were withdrawn by the endorser "
        "(the badge itself is not affected)."
    )


def test_at_most_five_problems_are_named_and_the_cut_only_past_the_most(ed_key, other_key):
    report = Verifier().verify(badge(ed_key, endorsement=[f"entry {i}" for i in range(6)]), now=NOW)
    named = "An unnamed endorser: An endorsement entry is not an embedded credential."
    check = report.check("endorsements")
    assert check.detail == "; ".join([named] * 5)
    # exactly the most (20): all checked, nothing said of a cut
    good = endorsement(other_key)
    report = Verifier().verify(badge(ed_key, endorsement=[*[good] * 19, "entry"]), now=NOW)
    check = report.check("endorsements")
    assert check.message == (
        "1 of 20 endorsements on this badge is not valid (the badge itself is not affected)."
    )
    assert check.detail == named


def test_a_passed_check_names_each_endorser_once(ed_key, other_key):
    ours = endorsement(other_key)
    theirs = endorsement(
        ed_key, issuer=Profile(id=did_key(ed_key.public), name="UNESCO ASPnet").to_json()
    )
    report = Verifier().verify(badge(ed_key, endorsement=[ours, theirs, ours]), now=NOW)
    check = report.check("endorsements")
    assert (check.outcome, check.message, check.detail) == (
        Outcome.PASSED,
        "3 endorsements verified.",
        "Endorsed by Lithuanian ASPnet Centre, UNESCO ASPnet.",
    )


def test_a_holder_whose_id_is_no_text_fails_the_context_and_no_endorsement_is_checked(
    ed_key, other_key
):
    """An ``id`` that is not a string, on the credential, its issuer or its achievement, is
    no JSON-LD node id: the context check fails and the endorsements are not checked, so
    the endorsements step only ever compares with an id that is text (equivalent.toml,
    _endorsements)."""
    for holder in ("credential", "issuer", "achievement"):
        altered = badge(ed_key)
        place = {
            "credential": altered,
            "issuer": altered["issuer"],
            "achievement": altered["credentialSubject"]["achievement"],
        }[holder]
        place["endorsement"] = [endorsement(other_key)]
        place["id"] = 7
        report = Verifier().verify(altered, now=NOW)
        assert report.verdict is Verdict.INVALID, holder
        assert report.check("context").outcome is Outcome.FAILED, holder
        assert report.check("endorsements").outcome is Outcome.SKIPPED, holder
        assert report.endorsements == [], holder


def test_entries_that_are_no_endorsement_keep_their_codes_in_the_report_and_the_detail(ed_key):
    """Each result and each line of the check's detail is a message (a code, shown in the
    reader's language), not only its English."""
    report = Verifier().verify(
        badge(ed_key, endorsementJwt=["not a token"], endorsement=["https://school.example/e"]),
        now=NOW,
    )
    assert [r.text for r in report.endorsements] == [
        M("endorsement.not_embedded"),
        M("endorsement.not_jwt"),
    ]
    assert [r.to_dict()["code"] for r in report.endorsements] == [
        "endorsement.not_embedded",
        "endorsement.not_jwt",
    ]
    check = report.check("endorsements")
    assert check.detail_text == tuple(
        M("detail.line", who=M("endorsements.unnamed"), message=M(code))
        for code in ("endorsement.not_embedded", "endorsement.not_jwt")
    )
    lithuanian = VERIFIER_CATALOGUES.catalogue("lt")
    shown = check.detail_text[0].render(lithuanian, "lt")
    assert shown.endswith(M("endorsement.not_embedded").render(lithuanian, "lt"))
    assert "An endorsement entry is not an embedded credential." not in shown


def test_an_endorsements_verdict_is_kept_as_its_code(ed_key, other_key):
    good = endorsement(other_key)
    forged = {**endorsement(other_key), "name": "Changed after signing"}
    report = Verifier().verify(badge(ed_key, endorsement=[good, forged]), now=NOW)
    valid, invalid = report.endorsements
    assert valid.text == M("verdict.valid.endorsement")
    assert valid.to_dict()["code"] == "verdict.valid.endorsement"
    assert invalid.text == M("verdict.invalid.endorsement", reason=M("proof.mismatch"))
    assert report.check("endorsements").detail_text == (
        M("detail.line", who="Lithuanian ASPnet Centre", message=invalid.text),
    )


def vc11_endorsement_about_nothing(key: KeyPair) -> str:
    """A VC 1.1 endorsement (as a VC-JWT) whose subject names no id: off today's schema,
    which for a VC 1.1 credential is only a warning, so it verifies on its own."""
    unsigned = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000002",
        name="The centre endorses something",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet Centre"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(id=ACHIEVEMENT_ID, endorsement_comment="Good."),
    ).to_json()
    unsigned["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    unsigned["issuanceDate"] = unsigned.pop("validFrom")
    del unsigned["credentialSubject"]["id"]
    del unsigned["credentialSchema"]  # its validator type is no VC 1.1 term
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="jwt",
        created=ISSUED,
    ).jwt


def test_a_genuine_endorsement_about_nothing_named_is_not_valid_here(ed_key, other_key):
    token = vc11_endorsement_about_nothing(other_key)
    assert Verifier().verify(token, now=NOW).verdict is Verdict.VALID  # genuine on its own
    report = Verifier().verify(badge(ed_key, endorsementJwt=[token]), now=NOW)
    assert report.verdict is Verdict.VALID
    [result] = report.endorsements
    assert (result.verdict, result.subject_id) == (Verdict.INVALID, None)
    assert result.message == (
        "This endorsement is about nothing named, not the achievement it is attached to."
    )
    assert result.text == M("endorsement.about_nothing", location=M("location.achievement"))
    assert report.check("endorsements").detail == (f"Lithuanian ASPnet Centre: {result.message}")


def test_the_cut_past_the_most_endorsements_is_named_in_the_detail(ed_key, other_key):
    good = endorsement(other_key)
    report = Verifier().verify(badge(ed_key, endorsement=["entry", *[good] * 20]), now=NOW)
    assert len(report.endorsements) == 20
    check = report.check("endorsements")
    assert check.message == (
        "1 of 20 endorsements on this badge is not valid (the badge itself is not affected)."
    )
    assert check.detail == (
        "An unnamed endorser: An endorsement entry is not an embedded credential.; "
        "only the first 20 of 21 were checked"
    )
    assert check.detail_text[-1] == M("endorsements.first_only", max="20", count="21")


def test_a_learner_record_without_endorsements_says_so(ed_key):
    key = ed_key
    signed_badge = sign_credential(
        build_credential(did_key(key.public)),
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json
    record = build_clr(
        [signed_badge],
        issuer=Profile(id=did_key(key.public), name="ASPnet Badges"),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1a0",
        valid_from=ISSUED,
        name="Comprehensive Learner Record",
    )
    signed = sign_clr(
        record, key, verification_method=did_key_verification_method(key.public), created=ISSUED
    )
    report = Verifier().verify(signed.json, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    check = report.check("endorsements")
    assert (check.outcome, check.message, check.text) == (
        Outcome.SKIPPED,
        "The learner record carries no endorsements.",
        M("endorsements.none.learner_record"),
    )


def test_endorsers_with_an_empty_name_are_named_nowhere(ed_key, other_key):
    """An empty name is no name: the passed check lists no endorser (no "Endorsed by .")."""
    unnamed = endorsement(
        other_key, issuer=Profile(id=did_key(other_key.public), name="").to_json()
    )
    report = Verifier().verify(badge(ed_key, endorsement=[unnamed, unnamed]), now=NOW)
    assert [r.verdict for r in report.endorsements] == [Verdict.VALID, Verdict.VALID]
    check = report.check("endorsements")
    assert (check.outcome, check.message, check.detail, check.detail_text) == (
        Outcome.PASSED,
        "2 endorsements verified.",
        None,
        (),
    )
