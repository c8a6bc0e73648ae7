"""Both proof formats: our signatures, checked by independent JOSE libraries too."""

from __future__ import annotations

import json

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.issuing import ProofFormat, sign_credential
from badges.multibase import b64url_decode
from badges.proofs import (
    add_data_integrity_proof,
    decode_jwt,
    sign_jwt,
    verify_data_integrity_proof,
    verify_jwt_signature,
)
from badges.proofs.vc_jwt import claim_mismatches, credential_from_payload, registered_claims
from badges.timeutil import epoch
from tests.conftest import ISSUED, build_credential

KID = "https://school.example/jwks.json#key-1"


def _keys(ed_key, es_key, rsa_key):
    return {"EdDSA": ed_key, "ES256": es_key, "RS256": rsa_key}


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_vc_jwt_payload_is_the_credential_plus_registered_claims(alg, ed_key, es_key, rsa_key):
    from datetime import UTC, datetime

    key = _keys(ed_key, es_key, rsa_key)[alg]
    credential = build_credential(
        "https://school.example/issuers/1", valid_until=datetime(2030, 1, 1, tzinfo=UTC)
    )
    credential["credentialSubject"]["id"] = "did:example:learner-ona"
    token = sign_jwt(credential, key, kid=KID)
    decoded = decode_jwt(token)
    assert decoded.header == {"alg": alg, "kid": KID, "typ": "JWT"}
    payload = decoded.payload
    assert payload["iss"] == "https://school.example/issuers/1"
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == "did:example:learner-ona"
    assert payload["nbf"] == epoch(ISSUED)
    assert payload["exp"] == epoch(datetime(2030, 1, 1, tzinfo=UTC))
    assert credential_from_payload(payload) == credential
    assert claim_mismatches(payload) == []
    verify_jwt_signature(decoded, key.public)


# RFC 9864 deprecates the "EdDSA" name in favour of "Ed25519"; OB 3.0 verifiers still expect
# "EdDSA", so we keep it and silence joserfc's deprecation notice for this check only.
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_our_vc_jwt_verifies_with_joserfc(alg, ed_key, es_key, rsa_key):
    from joserfc import jwt as joserfc_jwt
    from joserfc.jwk import import_key

    key = _keys(ed_key, es_key, rsa_key)[alg]
    token = sign_jwt(build_credential("https://school.example/issuers/1"), key, kid=KID)
    public = import_key(key.public.to_jwk())
    algorithms = ["Ed25519", "EdDSA"] if alg == "EdDSA" else [alg]
    decoded = joserfc_jwt.decode(token, public, algorithms=algorithms)
    assert decoded.claims["jti"] == "urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
    assert decoded.header["kid"] == KID


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_our_vc_jwt_verifies_with_jwcrypto(alg, ed_key, es_key, rsa_key):
    from jwcrypto import jwk, jws

    key = _keys(ed_key, es_key, rsa_key)[alg]
    token = sign_jwt(build_credential("https://school.example/issuers/1"), key, kid=KID)
    verifier = jws.JWS()
    verifier.deserialize(token)
    verifier.verify(jwk.JWK(**key.public.to_jwk()), alg=alg)
    assert json.loads(verifier.payload)["iss"] == "https://school.example/issuers/1"


def test_a_token_signed_by_joserfc_verifies_with_ours(es_key):
    from joserfc import jwt as joserfc_jwt
    from joserfc.jwk import import_key

    credential = build_credential("https://school.example/issuers/1")
    payload = {
        **credential,
        "iss": "https://school.example/issuers/1",
        "jti": credential["id"],
        "nbf": epoch(ISSUED),
    }
    token = joserfc_jwt.encode(
        {"alg": "ES256", "kid": KID}, payload, import_key(es_key.to_private_jwk())
    )
    decoded = decode_jwt(token)
    verify_jwt_signature(decoded, es_key.public)
    assert claim_mismatches(decoded.payload) == []


def test_data_integrity_round_trip_and_tamper(ed_key):
    unsigned = build_credential(did_key(ed_key.public))
    signed = add_data_integrity_proof(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        created=ISSUED,
    )
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    proof = signed["proof"][0]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofValue"].startswith("z")
    verify_data_integrity_proof(signed, proof, ed_key.public)
    assert "proof" not in unsigned, "signing must not change its input"

    from badges.errors import SignatureError

    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    with pytest.raises(SignatureError):
        verify_data_integrity_proof(tampered, proof, ed_key.public)


def test_both_formats_embed_first_then_jwt(ed_key):
    unsigned = build_credential(did_key(ed_key.public))
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof=ProofFormat.BOTH,
    )
    assert signed.json is not None and signed.jwt is not None
    payload = json.loads(b64url_decode(signed.jwt.split(".")[1]))
    assert credential_from_payload(payload) == signed.json, "the JWT is of the signed JSON"


def test_data_integrity_needs_an_ed25519_key(es_key):
    from badges.errors import UnsupportedAlgorithmError

    with pytest.raises(UnsupportedAlgorithmError):
        sign_credential(
            build_credential("https://school.example/i"),
            es_key,
            verification_method=KID,
            proof="data-integrity",
        )
    # "both" with a non-Ed25519 key falls back to the JWT alone rather than failing
    both = sign_credential(
        build_credential("https://school.example/i"), es_key, verification_method=KID, proof="both"
    )
    assert both.json is None and both.jwt is not None


# -- the registered claims of a VC-JWT and their agreement with the credential -------------


def _payload(credential):
    return {**credential, **registered_claims(credential)}


def test_registered_claims_take_the_vc20_dates_even_beside_vc11_ones():
    credential = build_credential("https://school.example/issuers/1")
    credential["issuanceDate"] = "2020-01-01T00:00:00Z"
    credential["expirationDate"] = "2020-06-01T00:00:00Z"
    claims = registered_claims(credential)
    assert claims["nbf"] == epoch(ISSUED)
    assert "exp" not in claims  # validUntil, not expirationDate
    # and VC 1.1's names when only those are there
    del credential["validFrom"]
    assert registered_claims(credential)["nbf"] == 1577836800
    assert registered_claims(credential)["exp"] == 1590969600


@pytest.mark.parametrize(
    ("subjects", "sub"),
    [
        ([{"id": "did:example:ona"}], "did:example:ona"),
        ([{"id": "did:example:ona"}, {"id": "did:example:jonas"}], "did:example:ona"),
        ([], None),
        ({"id": "did:example:ona"}, "did:example:ona"),
    ],
    ids=["list-of-one", "list-of-two", "empty-list", "object"],
)
def test_the_sub_claim_is_the_first_subjects_id(subjects, sub):
    credential = build_credential("https://school.example/issuers/1")
    credential["credentialSubject"] = subjects
    assert registered_claims(credential).get("sub") == sub


def test_an_ob3_token_must_carry_its_registered_claims():
    credential = build_credential("https://school.example/issuers/1")
    credential["credentialSubject"]["id"] = "did:example:ona"
    payload = _payload(credential)
    assert claim_mismatches(payload) == []
    for claim in ("iss", "jti", "nbf"):
        without = {k: v for k, v in payload.items() if k != claim}
        # required by default: an OB 3.0 credential's token
        assert claim_mismatches(without) == [f"the '{claim}' claim is missing"]
        assert claim_mismatches(without, required=False) == []
    without_sub = {k: v for k, v in payload.items() if k != "sub"}
    assert claim_mismatches(without_sub) == [
        "'sub' (None) differs from the credential ('did:example:ona')"
    ]
    assert claim_mismatches(without_sub, required=False) == []


def test_each_optional_claim_present_must_agree():
    credential = build_credential("https://school.example/issuers/1")
    credential["credentialSubject"]["id"] = "did:example:ona"
    payload = _payload(credential)
    # no sub (allowed without required), but an exp the credential does not have
    wrong = {**{k: v for k, v in payload.items() if k != "sub"}, "exp": 2000000000}
    assert claim_mismatches(wrong, required=False) == [
        "'exp' (2000000000) differs from the credential (None)"
    ]
    other = {**payload, "sub": "did:example:jonas"}
    assert claim_mismatches(other, required=False) == [
        "'sub' ('did:example:jonas') differs from the credential ('did:example:ona')"
    ]


@pytest.mark.parametrize(
    ("field", "named"), [("validFrom", "validFrom"), ("issuanceDate", "issuanceDate")]
)
def test_an_unusable_start_date_is_named(field, named):
    credential = build_credential("https://school.example/issuers/1")
    payload = {**_payload(credential)}
    del payload["validFrom"]
    payload[field] = "not a date"
    problems = claim_mismatches(payload)
    assert len(problems) == 1
    assert problems[0].startswith(f"the credential's {named} is unusable: ")
