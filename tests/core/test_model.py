"""The data model: one serialisation path, valid against the 1EdTech schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from badges import standards
from badges.dids import did_key, did_key_verification_method
from badges.errors import FormatError
from badges.identity import hash_identity, hashed_email, identity_matches
from badges.issuing import complete_credential, sign_credential
from badges.model import (
    AchievementCredential,
    EndorsementCredential,
    EndorsementSubject,
    OpenBadgeCredential,
    Profile,
)
from badges.schema import schema_errors
from tests.conftest import ISSUED, build_credential


def test_context_is_exactly_vc2_then_ob303_then_extensions():
    credential = build_credential("did:example:issuer")
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert credential["credentialSchema"] == [
        {"id": standards.ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
    ]


def test_round_trip_keeps_every_property():
    data = build_credential("did:example:issuer")
    data["credentialSubject"]["achievement"]["x-local-note"] = "kept"  # unknown: kept in extra
    again = OpenBadgeCredential.from_json(json.loads(json.dumps(data))).to_json()
    assert again == data
    assert AchievementCredential is OpenBadgeCredential


def test_issuer_as_a_bare_iri_is_read():
    data = build_credential("did:example:issuer")
    data["issuer"] = "https://school.example/issuer"
    assert OpenBadgeCredential.from_json(data).issuer.id == "https://school.example/issuer"


def test_parent_org_nests_a_school_under_its_coordination_centre():
    data = build_credential("did:example:school")
    credential = OpenBadgeCredential.from_json(data)
    assert isinstance(credential.issuer.parent_org, Profile)
    assert credential.issuer.parent_org.name == "Lithuanian ASPnet"


@pytest.mark.parametrize("bad", [[], "text", {"id": "x"}])
def test_wrong_shapes_are_format_errors(bad):
    with pytest.raises(FormatError):
        OpenBadgeCredential.from_json(bad)


@pytest.mark.parametrize("proof", ["data-integrity", "jwt"])
def test_every_emitted_credential_validates_against_the_schema(ed_key, proof):
    from badges.proofs.vc_jwt import credential_from_payload, decode_jwt

    unsigned = build_credential(
        did_key(ed_key.public), valid_until=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert schema_errors(unsigned, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof=proof,
    )
    document = (
        signed.json
        if signed.json is not None
        else credential_from_payload(decode_jwt(signed.jwt).payload)
    )
    assert schema_errors(document, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    if signed.json is not None:
        assert isinstance(signed.json["proof"], list), "the plain schema wants proof as an array"


def test_endorsement_credential_validates(ed_key):
    endorsement = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="Lithuanian ASPnet endorses the water monitor badge",
        issuer=Profile(id=did_key(ed_key.public), name="Lithuanian ASPnet coordination"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f",
            endorsement_comment="Fits the Baltic Sea Project's monitoring programme.",
        ),
    ).to_json()
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    signed = sign_credential(
        endorsement,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
    )
    assert schema_errors(signed.json, standards.ENDORSEMENT_CREDENTIAL_SCHEMA) == []


def test_recipient_hash_uses_a_fresh_salt_each_time():
    first, second = hashed_email("Ona@Example.org"), hashed_email("ona@example.org")
    assert first.salt != second.salt
    assert first.identity_hash != second.identity_hash
    assert first.identity_hash.startswith("sha256$") and len(first.identity_hash) == 7 + 64
    assert first.identity_hash == hash_identity("ona@example.org", first.salt)
    assert identity_matches(first.identity_hash, first.salt, "ONA@example.org ")
    assert not identity_matches(first.identity_hash, first.salt, "jonas@example.org")


def test_complete_credential_fills_only_what_is_missing(ed_key):
    data = {"name": "Mediator", "credentialSubject": {"achievement": {"id": "urn:uuid:1"}}}
    completed = complete_credential(data, key=ed_key, now=ISSUED, recipient_email="a@b.lt")
    assert completed["issuer"]["id"] == did_key(ed_key.public)
    assert completed["validFrom"] == "2026-09-01T08:00:00Z"
    assert completed["id"].startswith("urn:uuid:")
    assert "a@b.lt" not in json.dumps(completed)
    kept = complete_credential(
        {**data, "id": "urn:uuid:keep", "validFrom": "2025-01-01T00:00:00Z"}, key=ed_key
    )
    assert kept["id"] == "urn:uuid:keep" and kept["validFrom"] == "2025-01-01T00:00:00Z"
