"""The verification pipeline on good badges: every format, issuer kind and status method."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from badges.keys import jwks
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from badges.verification import CHECK_NAMES, Outcome, Verdict, Verifier
from tests.conftest import ISSUED, NOW, SCHOOL, SCHOOL_DID, build_credential
from tests.generators.golden_report import GOLDEN, golden_report


def outcomes(report) -> dict[str, str]:
    return {c.name: c.outcome.value for c in report.checks}


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_did_key_badge_is_valid_in_both_forms(sign_did_key, form):
    signed = sign_did_key()
    report = Verifier().verify(
        signed.json if form == "json" else signed.jwt, now=NOW, recipient="ona@example.org"
    )
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert outcomes(report) == {
        "format": "passed",
        "context": "passed",
        "schema": "passed",
        "proof": "passed",
        "issuer": "passed",
        "dates": "passed",
        "status": "skipped",
        "recipient": "passed",
        "endorsements": "skipped",
    }
    assert report.format == form


def test_json_text_and_bytes_inputs(sign_did_key):
    signed = sign_did_key(proof="data-integrity")
    text = json.dumps(signed.json)
    assert Verifier().verify(text, now=NOW).verified
    assert Verifier().verify(text.encode(), now=NOW).verified


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_https_issuer_with_jwks_kid(alg, es_key, rsa_key, site, school_verifier):
    key = es_key if alg == "ES256" else rsa_key
    issuer = f"{SCHOOL}/issuers/vilnius"
    kid = f"{SCHOOL}/issuers/vilnius/jwks.json#key-1"
    site.json("/issuers/vilnius/jwks.json", jwks([(kid, key.public)]))
    signed = sign_credential(build_credential(issuer), key, verification_method=kid, proof="jwt")
    report = school_verifier.verify(signed.jwt, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert f"{SCHOOL}/issuers/vilnius/jwks.json" in report.check("issuer").message


def test_key_url_on_another_origin_is_refused(es_key, site, school_verifier):
    kid = "https://elsewhere.example/jwks.json#key-1"
    signed = sign_credential(
        build_credential(f"{SCHOOL}/issuers/vilnius"), es_key, verification_method=kid, proof="jwt"
    )
    report = school_verifier.verify(signed.jwt, now=NOW)
    assert report.check("issuer").outcome is Outcome.FAILED
    assert "origin" in report.check("issuer").detail
    assert site.requests == []


def test_did_web_rotation_keeps_old_badges_valid(
    ed_key, other_key, site, publish_did_web, school_verifier
):
    old_method = publish_did_web(ed_key)
    old = sign_credential(
        build_credential(SCHOOL_DID), ed_key, verification_method=old_method, proof="both"
    )
    # rotate: the new key signs new badges, the old one stays published
    publish_did_web(ed_key, other_key, ids=["key-1", "key-2"])
    new = sign_credential(
        build_credential(SCHOOL_DID),
        other_key,
        verification_method=f"{SCHOOL_DID}#key-2",
        proof="both",
    )
    fresh = Verifier(fetcher=school_verifier.fetcher)
    for signed in (old, new):
        for source in (signed.json, signed.jwt):
            report = fresh.verify(source, now=NOW)
            assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    # once the old key is withdrawn, old badges no longer verify
    publish_did_web(other_key, ids=["key-2"])
    report = Verifier(fetcher=school_verifier.fetcher).verify(old.json, now=NOW)
    assert report.check("issuer").outcome is Outcome.FAILED


def test_key_documents_are_cached(ed_key, site, publish_did_web, school_verifier):
    method = publish_did_web(ed_key)
    signed = sign_credential(
        build_credential(SCHOOL_DID), ed_key, verification_method=method, proof="jwt"
    )
    for _ in range(3):
        assert school_verifier.verify(signed.jwt, now=NOW).verified
    assert site.requests.count("/.well-known/did.json") == 1


def _publish_status(
    site, key, method, *, purpose="revocation", revoked=(), issuer=SCHOOL_DID, path="/status/1"
):
    bits = bsl.BitstringStatusList()
    for index in revoked:
        bits.set(index)
    credential = bsl.status_list_credential(
        list_url=f"{SCHOOL}{path}",
        issuer=issuer,
        status_list=bits,
        purpose=purpose,
        valid_from=ISSUED,
    )
    signed = sign_credential(credential, key, verification_method=method, proof="data-integrity")
    site.json(path, signed.json)
    return signed.json


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_bitstring_status_list(purpose, ed_key, site, publish_did_web, school_verifier):
    method = publish_did_web(ed_key)
    entry = bsl.status_entry(f"{SCHOOL}/status/1", 4242, purpose)
    signed = sign_credential(
        build_credential(SCHOOL_DID, status=[entry]),
        ed_key,
        verification_method=method,
        proof="both",
    )
    _publish_status(site, ed_key, method, purpose=purpose, revoked=[7])
    report = school_verifier.verify(signed.json, now=NOW)
    assert report.verdict is Verdict.VALID and report.check("status").outcome is Outcome.PASSED

    _publish_status(site, ed_key, method, purpose=purpose, revoked=[7, 4242])
    fresh = Verifier(fetcher=school_verifier.fetcher)
    for source in (signed.json, signed.jwt):
        report = fresh.verify(source, now=NOW)
        assert report.verdict is Verdict.INVALID
        word = "revoked" if purpose == "revocation" else "suspended"
        assert word in report.check("status").message


def test_status_list_signed_as_vc_jwt(ed_key, site, publish_did_web, school_verifier):
    method = publish_did_web(ed_key)
    bits = bsl.BitstringStatusList()
    bits.set(11)
    unsigned = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/jwt",
        issuer=SCHOOL_DID,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    site.text(
        "/status/jwt",
        sign_credential(unsigned, ed_key, verification_method=method, proof="jwt").jwt,
    )
    ok = sign_credential(
        build_credential(SCHOOL_DID, status=[bsl.status_entry(f"{SCHOOL}/status/jwt", 10)]),
        ed_key,
        verification_method=method,
        proof="jwt",
    )
    revoked = sign_credential(
        build_credential(SCHOOL_DID, status=[bsl.status_entry(f"{SCHOOL}/status/jwt", 11)]),
        ed_key,
        verification_method=method,
        proof="jwt",
    )
    assert school_verifier.verify(ok.jwt, now=NOW).verdict is Verdict.VALID
    assert school_verifier.verify(revoked.jwt, now=NOW).verdict is Verdict.INVALID


def test_1edtech_revocation_list(ed_key, site, publish_did_web, school_verifier):
    method = publish_did_web(ed_key)
    list_url = f"{SCHOOL}/revocations"
    signed = sign_credential(
        build_credential(SCHOOL_DID, status=[rl.status_entry(list_url)]),
        ed_key,
        verification_method=method,
        proof="both",
    )
    site.json(
        "/revocations",
        rl.revocation_list(
            list_url=list_url, issuer_id=SCHOOL_DID, revoked=[("urn:uuid:other", None)]
        ),
    )
    assert school_verifier.verify(signed.json, now=NOW).verdict is Verdict.VALID
    site.json(
        "/revocations",
        rl.revocation_list(
            list_url=list_url,
            issuer_id=SCHOOL_DID,
            revoked=[(signed.json["id"], "Awarded by mistake")],
        ),
    )
    report = Verifier(fetcher=school_verifier.fetcher).verify(signed.jwt, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert "Awarded by mistake" in report.check("status").message


def test_unreachable_status_list_is_undecided_never_valid(
    ed_key, site, publish_did_web, school_verifier
):
    method = publish_did_web(ed_key)
    entry = bsl.status_entry(f"{SCHOOL}/status/missing", 1)
    signed = sign_credential(
        build_credential(SCHOOL_DID, status=[entry]),
        ed_key,
        verification_method=method,
        proof="both",
    )
    report = school_verifier.verify(signed.json, now=NOW)
    assert report.verdict is Verdict.UNDECIDED
    assert report.check("status").undecided
    assert not report.verified


def _endorsement(key, subject_id: str) -> dict:
    unsigned = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="Endorsed by the Lithuanian ASPnet coordination",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet coordination"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id=subject_id, endorsement_comment="A model for the network."
        ),
    ).to_json()
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
    ).json


def test_endorsements_are_verified(ed_key, other_key, sign_did_key):
    endorsement = _endorsement(other_key, "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f")
    signed = sign_did_key(endorsements=[endorsement])
    report = Verifier().verify(signed.json, now=NOW)
    assert report.verdict is Verdict.VALID
    assert report.check("endorsements").outcome is Outcome.PASSED
    # an endorsement on its own verifies too
    assert Verifier().verify(endorsement, now=NOW).verified

    broken = json.loads(json.dumps(endorsement))
    broken["credentialSubject"]["endorsementComment"] = "Changed after signing"
    report = Verifier().verify(sign_did_key(endorsements=[broken]).json, now=NOW)
    assert report.check("endorsements").outcome is Outcome.WARNING
    assert report.verdict is Verdict.VALID, (
        "a bad endorsement does not make the badge itself invalid"
    )


def test_recipient_check(sign_did_key):
    signed = sign_did_key(email="Jonas@Example.org")
    assert (
        Verifier()
        .verify(signed.json, now=NOW, recipient="jonas@example.org")
        .check("recipient")
        .outcome
        is Outcome.PASSED
    )
    report = Verifier().verify(signed.json, now=NOW, recipient="ona@example.org")
    assert report.check("recipient").outcome is Outcome.FAILED
    assert report.verdict is Verdict.INVALID


def test_report_golden_file():
    """Pins the report's shape (keys, check names, outcomes and messages). The test only
    reads the golden file; ``python -m tests.generators.golden_report`` rewrites it."""
    report = golden_report()
    assert report == json.loads(GOLDEN.read_text(encoding="utf-8"))
    outcomes = {check["name"]: check["outcome"] for check in report["checks"]}
    assert report["verdict"] == "valid" and outcomes["recipient"] == "passed"


def test_memoised_checks_never_let_a_changed_badge_through(sign_did_key):
    """The same verifier sees a good badge, then altered copies of it."""
    verifier = Verifier()
    signed = sign_did_key()
    assert verifier.verify(signed.json, now=NOW).verified
    assert verifier.verify(signed.json, now=NOW).verified  # memo hit
    added = json.loads(json.dumps(signed.json))
    added["credentialSubject"]["achievement"]["sneaky"] = "not in any context"
    report = verifier.verify(added, now=NOW)
    assert report.check("context").outcome is Outcome.FAILED
    renamed = json.loads(json.dumps(signed.json))
    renamed["credentialSubject"]["achievement"]["name"] = "Another badge"
    report = verifier.verify(renamed, now=NOW)
    assert report.check("context").outcome is Outcome.PASSED  # same shape: memo hit ...
    assert report.check("proof").outcome is Outcome.FAILED  # ... but the signature still fails
    late = verifier.verify(signed.json, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert late.verdict is Verdict.VALID  # dates are checked every time (no validUntil here)


def test_shape_memo_still_checks_values_the_schema_constrains(ed_key):
    verifier = Verifier()
    method = did_key_verification_method(ed_key.public)
    good = sign_credential(
        build_credential(did_key(ed_key.public)), ed_key, verification_method=method, proof="jwt"
    )
    assert verifier.verify(good.jwt, now=NOW).verified
    other = build_credential(did_key(ed_key.public), email="jonas@example.org")
    other["credentialSubject"]["achievement"]["achievementType"] = "NotAnAchievementType"
    bad = sign_credential(other, ed_key, verification_method=method, proof="jwt")
    report = verifier.verify(bad.jwt, now=NOW)
    assert report.check("schema").outcome is Outcome.FAILED, report.to_dict()["checks"]
    # another learner's badge of the same achievement: same shape, verified as valid
    again = sign_credential(
        build_credential(did_key(ed_key.public), email="ruta@example.org"),
        ed_key,
        verification_method=method,
        proof="jwt",
    )
    assert verifier.verify(again.jwt, now=NOW).verified


def test_a_remembered_warning_never_shows_another_badges_values(ed_key):
    """A schema warning quotes the document's own values; the shape memo must not hand it
    to another learner's badge of the same shape (one visitor's data in another's report)."""
    verifier = Verifier()
    method = did_key_verification_method(ed_key.public)

    def signed(email: str) -> tuple[str, str]:
        credential = build_credential(did_key(ed_key.public), email=email)
        # a single identity object where the schema wants a list: a warning quoting it
        identity = credential["credentialSubject"]["identifier"][0]
        credential["credentialSubject"]["identifier"] = identity
        jwt = sign_credential(credential, ed_key, verification_method=method, proof="jwt").jwt
        return jwt, identity["identityHash"].split("$")[-1]

    ona_jwt, ona = signed("ona@example.org")
    first = verifier.verify(ona_jwt, now=NOW)
    assert first.check("schema").outcome is Outcome.WARNING
    assert ona in first.check("schema").detail
    jonas_jwt, jonas = signed("jonas@example.org")
    second = verifier.verify(jonas_jwt, now=NOW)
    assert second.check("schema").outcome is Outcome.WARNING
    assert ona not in second.check("schema").detail
    assert jonas in second.check("schema").detail
