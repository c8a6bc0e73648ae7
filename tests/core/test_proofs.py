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
from badges.proofs.vc_jwt import claim_mismatches, credential_from_payload
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
