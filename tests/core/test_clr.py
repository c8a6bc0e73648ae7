"""CLR 2.0: building and signing a ClrCredential, and verifying it at both levels.

The 1EdTech CLR JSON schema is not bundled (no authoritative offline copy), so the
structure is checked here against the CLR 2.0 data model: the required properties and
types of ClrCredential, ClrSubject, Achievement and Association.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from badges import cli
from badges.clr import (
    CLR_CONTEXT,
    JWT_DATA_URL,
    build_clr,
    clr_entries,
    clr_model_problems,
    entry_source,
    sign_clr,
)
from badges.dids import did_key, did_key_verification_method
from badges.identity import hashed_email
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import Profile
from badges.status import bitstring_status_list as bsl
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import ISSUED, NOW, SCHOOL, SCHOOL_DID, VECTORS, build_credential

ACHIEVEMENT = "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"  # build_credential's
PATHWAY = "urn:uuid:00000000-0000-4000-8000-00000000beef"


def badge(key: KeyPair, *, proof: str = "both", **kwargs: Any) -> Any:
    """A badge signed by ``key``'s did:key."""
    return sign_credential(
        build_credential(did_key(key.public), **kwargs),
        key,
        verification_method=did_key_verification_method(key.public),
        proof=proof,
        created=ISSUED,
    )


def pathway_badge(key: KeyPair) -> dict[str, Any]:
    unsigned = build_credential(did_key(key.public), name="Baltic Sea Project: coast keeper")
    unsigned["id"] = "urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-00000000beef"
    unsigned["credentialSubject"]["achievement"]["id"] = PATHWAY
    unsigned["credentialSubject"]["achievement"]["name"] = "Coast keeper (pathway)"
    signed = sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    )
    assert signed.json is not None
    return signed.json


def record(
    credentials: list[Any], key: KeyPair, *, links: list[tuple[str, str]] | None = None
) -> Any:
    """A CLR of ``credentials`` signed by ``key``'s did:key (standing for the platform)."""
    unsigned = build_clr(
        credentials,
        issuer=Profile(id=did_key(key.public), name="ASPnet Badges"),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1a0",
        valid_from=ISSUED,
        name="Comprehensive Learner Record",
        identifiers=[hashed_email("ona@example.org")],
        pathway_links=links or [],
    )
    return sign_clr(
        unsigned, key, verification_method=did_key_verification_method(key.public), created=ISSUED
    )


@pytest.fixture
def three(ed_key, es_key):
    """A Data Integrity badge, a JWT-only (ES256) badge and a pathway badge."""
    first = badge(ed_key)
    second = badge(es_key, name="Peer mediation")
    return [first.json, second.jwt, pathway_badge(ed_key)]


def test_the_clr_follows_the_clr_2_data_model(three, ed_key):
    signed = record(three, ed_key, links=[(PATHWAY, ACHIEVEMENT), (PATHWAY, "urn:not-held")])
    clr = signed.json
    assert clr_model_problems(clr) == []
    assert clr["@context"][:2] == ["https://www.w3.org/ns/credentials/v2", CLR_CONTEXT]
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert clr["issuer"]["id"] == did_key(ed_key.public) and clr["name"] and clr["validFrom"]
    subject = clr["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    # each badge exactly as issued, with its own proof: the JSON object itself, and the
    # JWT-only badge as a VC 2.0 EnvelopedVerifiableCredential holding the very token
    entries = subject["verifiableCredential"]
    assert entries[0] == three[0] and entries[0]["proof"] == three[0]["proof"]
    assert entries[1] == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": JWT_DATA_URL + three[1],
        "type": "EnvelopedVerifiableCredential",
    }
    assert entries[2] == three[2]
    # every achievement once (the JWT badge's too, read from its payload)
    names = [a["name"] for a in subject["achievement"]]
    assert len(subject["achievement"]) == 2 and "Coast keeper (pathway)" in names
    # the pathway's link to an achievement held; the one to an achievement not held is left out
    assert subject["association"] == [
        {
            "type": "Association",
            "associationType": "isParentOf",
            "sourceId": PATHWAY,
            "targetId": ACHIEVEMENT,
        }
    ]
    assert [entry_source(e) for e in clr_entries(clr)] == three


def test_the_1edtech_clr_vector_keeps_the_data_model_and_ours_is_held_to_it():
    vector = json.loads((VECTORS / "ob-v3p0/clr-v2p0/signed-credential.json").read_text())
    assert clr_model_problems(vector) == []
    broken = copy.deepcopy(vector)
    del broken["credentialSubject"]["verifiableCredential"]
    broken["credentialSubject"]["association"][0]["associationType"] = "requires"
    broken["credentialSubject"]["achievement"][0].pop("criteria")
    del broken["name"]
    problems = clr_model_problems(broken)
    assert "name is missing" in problems
    assert any("verifiableCredential must list" in p for p in problems)
    assert any("associationType is not a CLR 2.0 association type" in p for p in problems)
    assert any("achievement[0].criteria is missing" in p for p in problems)


def test_an_empty_record_cannot_be_built(ed_key):
    with pytest.raises(Exception, match="at least one credential"):
        build_clr(
            [],
            issuer=Profile(id=did_key(ed_key.public)),
            credential_id="urn:uuid:x",
            valid_from=ISSUED,
            name="Empty",
        )


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_the_clr_and_every_badge_inside_verify_with_our_verifier(three, ed_key, form):
    signed = record(three, ed_key, links=[(PATHWAY, ACHIEVEMENT)])
    verifier = Verifier()
    report = verifier.verify(signed.json if form == "json" else signed.jwt, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.check("schema").message == "The learner record follows the CLR 2.0 data model."
    assert report.check("credentials").message == "All 3 credentials inside verify on their own."
    assert report.message == "This learner record is genuine and valid."
    shown = report.to_dict()
    assert [c["name"] for c in shown["checks"]][-1] == "credentials"
    assert [(c["position"], c["form"], c["verdict"]) for c in shown["credentials"]] == [
        (1, "json", "valid"),
        (2, "jwt", "valid"),
        (3, "json", "valid"),
    ]
    nested = shown["credentials"][1]["report"]
    assert nested["checks"][0]["message"].startswith("An Open Badges 3.0 credential (VC-JWT")
    assert "credential" not in nested  # the record's report carries it once
    # and each badge taken out of the record verifies on its own, as it was issued
    for item in three:
        assert verifier.verify(item, now=NOW).verdict is Verdict.VALID


def test_a_badge_report_is_unchanged_by_clr_support(ed_key):
    report = Verifier().verify(badge(ed_key).json, now=NOW)
    shown = report.to_dict()
    assert "credentials" not in shown and report.credentials is None
    assert list(shown) == [
        "verified",
        "verdict",
        "message",
        "code",  # the message's code and parameters (issue 12)
        "params",
        "format",
        "verifiedAt",
        "checks",
        "endorsements",
        "credential",
    ]


def test_a_badge_tampered_before_the_record_was_signed_is_named(three, ed_key):
    forged = copy.deepcopy(three[2])
    forged["credentialSubject"]["achievement"]["name"] = "Marine biologist"
    signed = record([three[0], three[1], forged], ed_key)
    report = Verifier().verify(signed.json, now=NOW)
    # the record's own signature holds: it is what was signed; the forgery inside is not
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.verdict is Verdict.INVALID
    check = report.check("credentials")
    assert check.outcome is Outcome.FAILED
    assert check.message.startswith(
        "Credential 3 (“Baltic Sea Project: coast keeper” from Vilniaus licėjus) of 3 is not "
        "genuine: The signature does not match"
    ), check.message
    assert report.message.startswith("This learner record is not valid: Credential 3")
    verdicts = [c.verdict for c in report.credentials or []]
    assert verdicts == [Verdict.VALID, Verdict.VALID, Verdict.INVALID]
    third = (report.credentials or [])[2].report
    assert third is not None and third.check("proof").outcome is Outcome.FAILED


def test_a_badge_tampered_inside_a_signed_record_breaks_the_record_and_is_named(three, ed_key):
    signed = record(three, ed_key)
    clr = copy.deepcopy(signed.json)
    clr["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"][
        "name"
    ] = "Forged"
    report = Verifier().verify(clr, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("proof").outcome is Outcome.FAILED
    assert report.check("credentials").message.startswith("Credential 1 (“")
    assert [c.verdict for c in report.credentials or []] == [
        Verdict.INVALID,
        Verdict.VALID,
        Verdict.VALID,
    ]


def test_entries_that_are_not_credentials_are_reported_by_position(ed_key):
    good = badge(ed_key)
    unsigned = build_clr(
        [good.json],
        issuer=Profile(id=did_key(ed_key.public)),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1a1",
        valid_from=ISSUED,
        name="Record",
    )
    unsigned["credentialSubject"]["verifiableCredential"] += [
        good.jwt,  # a bare compact JWT is read too
        {"type": "EnvelopedVerifiableCredential", "id": "data:text/plain,hello"},
    ]
    signed = sign_clr(
        unsigned, ed_key, verification_method=did_key_verification_method(ed_key.public)
    )
    report = Verifier().verify(signed.json, now=NOW)
    results = report.credentials or []
    assert [r.verdict for r in results] == [Verdict.VALID, Verdict.VALID, Verdict.INVALID]
    assert results[1].form == "jwt"
    assert "not a credential" in results[2].message and results[2].report is None
    assert report.check("credentials").message.startswith("Credential 3 of 3 is not genuine")


def two_school_badges_one_revoked(site, publish_did_web, ed_key) -> list[dict[str, Any]]:
    """Two badges of the school's did:web on its status list at /status/1: the second
    revoked."""
    method = publish_did_web(ed_key)
    bits = bsl.BitstringStatusList()
    bits.set(200)
    status_list = sign_credential(
        bsl.status_list_credential(
            list_url=f"{SCHOOL}/status/1",
            issuer=SCHOOL_DID,
            status_list=bits,
            purpose="revocation",
            valid_from=ISSUED,
        ),
        ed_key,
        verification_method=method,
        proof="data-integrity",
    )
    site.json("/status/1", status_list.json)
    badges = []
    for index, name in ((100, "Water monitor"), (200, "Beach clean-up")):
        signed = sign_credential(
            build_credential(
                SCHOOL_DID, name=name, status=[bsl.status_entry(f"{SCHOOL}/status/1", index)]
            ),
            ed_key,
            verification_method=method,
            proof="data-integrity",
        )
        badges.append(signed.json)
    return badges


def test_a_revoked_badge_inside_a_valid_record_is_reported_as_revoked(
    site, school_verifier, publish_did_web, ed_key, other_key
):
    badges = two_school_badges_one_revoked(site, publish_did_web, ed_key)
    clr = record(badges, other_key)  # the platform's key, not the school's
    report = school_verifier.verify(clr.json, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    check = report.check("credentials")
    assert check.outcome is Outcome.WARNING
    assert check.message == (
        "1 of 2 credentials inside was revoked by the issuer (credential 2 (“Beach clean-up” "
        "from Vilniaus licėjus)). The record itself is genuine."
    )
    revoked = (report.credentials or [])[1]
    assert revoked.revoked and revoked.verdict is Verdict.INVALID
    assert revoked.report is not None and revoked.report.check("status").outcome is Outcome.FAILED
    assert (report.credentials or [])[0].verdict is Verdict.VALID
    # the list was fetched once for both badges
    assert site.requests.count("/status/1") == 1


def test_an_expired_badge_inside_is_a_warning_with_its_date(ed_key, other_key):
    expired = badge(ed_key, valid_until=ISSUED.replace(month=10))
    report = Verifier().verify(record([expired.json], other_key).json, now=NOW)
    assert report.verdict is Verdict.VALID
    assert report.check("credentials").message.startswith("1 is not valid at this date")
    assert (
        (report.credentials or [])[0]
        .report.check("dates")
        .message.startswith(  # type: ignore[union-attr]
            "The badge expired on 2026-10-01"
        )
    )


def test_the_cli_prints_both_levels_with_the_records_exit_code(tmp_path, three, ed_key, capsys):
    good = tmp_path / "clr.json"
    good.write_text(json.dumps(record(three, ed_key).json))
    forged_badge = copy.deepcopy(three[0])
    forged_badge["name"] = "Forged"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(record([forged_badge, three[1]], ed_key).json))
    assert cli.main(["verify", str(good), "--now", "2026-11-23T12:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID: This learner record is genuine and valid.")
    assert "  Record: Comprehensive Learner Record" in out
    assert "  Credential 2: VALID: This badge is genuine and valid." in out
    assert "    [PASS] proof" in out  # the badge's own checks, indented under it
    assert cli.main(["verify", str(bad), "--now", "2026-11-23T12:00:00Z"]) == 1
    out = capsys.readouterr().out
    assert "Credential 1: INVALID: This badge is not valid: The signature does not match" in out


def test_a_record_may_hold_more_blank_nodes_than_a_badge_may(ed_key, other_key):
    """A badge has about seven blank nodes; a record of 80 is past the 512 a badge may have
    (the guard against crafted graphs), and a record has a limit of its own."""
    from badges.errors import CanonicalizationError
    from badges.jsonld import canonicalize

    badges = []
    for number in range(80):
        unsigned = build_credential(did_key(ed_key.public), name=f"Badge {number}")
        unsigned["id"] = f"urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-{number:012d}"
        badges.append(
            sign_credential(
                unsigned,
                ed_key,
                verification_method=did_key_verification_method(ed_key.public),
                proof="data-integrity",
                created=ISSUED,
            ).json
        )
    signed = record(badges, other_key)
    report = Verifier().verify(signed.json, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert len(report.credentials or []) == 80
    not_a_record = {**signed.json, "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    with pytest.raises(CanonicalizationError, match="blank nodes"):
        canonicalize({k: v for k, v in not_a_record.items() if k != "proof"})


def test_a_record_that_fails_its_own_check_still_has_each_credential_inside_checked(
    site, school_verifier, publish_did_web, ed_key, other_key
):
    """A failed check of the record settles its verdict, but not the fetches of the
    credentials inside: each still says whether it is the one at fault."""
    badges = two_school_badges_one_revoked(site, publish_did_web, ed_key)
    clr = record(badges, other_key)
    report = school_verifier.verify(clr.json, now=NOW, recipient="someone.else@example.org")
    assert report.verdict is Verdict.INVALID
    assert report.check("recipient").outcome is Outcome.FAILED
    inside = report.credentials or []
    assert [(c.verdict, c.revoked) for c in inside] == [
        (Verdict.VALID, False),
        (Verdict.INVALID, True),
    ]
    assert inside[1].report is not None
    assert inside[1].report.check("status").outcome is Outcome.FAILED
    assert site.requests.count("/status/1") == 1


def test_a_record_inside_a_record_is_not_checked_for_its_own_credentials(ed_key, other_key):
    inner = record([badge(ed_key).json], other_key)
    outer = record([inner.json, badge(ed_key).json], ed_key)
    report = Verifier().verify(outer.json, now=NOW)
    [first, second] = report.credentials or []
    assert second.verdict is Verdict.VALID
    assert first.verdict is Verdict.INVALID and first.report is not None
    check = first.report.check("credentials")
    assert (check.outcome, check.message) == (
        Outcome.FAILED,
        "A learner record inside another credential is not checked.",
    )
    assert first.report.credentials is None  # its own credentials were not verified
