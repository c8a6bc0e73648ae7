"""Keys, JWK, Multikey, did:key and did:web."""

from __future__ import annotations

import json

import pytest

from badges.dids import (
    did_key,
    did_key_document,
    did_key_public_key,
    did_web_document,
    did_web_document_url,
    did_web_from_url,
)
from badges.errors import KeyMaterialError, KeyResolutionError, UnsupportedAlgorithmError
from badges.keys import Algorithm, KeyPair, PublicKey, jwks
from tests.conftest import VECTORS

W3C_KEYS = VECTORS / "eddsa-rdfc-2022" / "keyPair.json"


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_private_jwk_round_trip_signs_the_same(alg: str, ed_key, es_key, rsa_key) -> None:
    key = {"EdDSA": ed_key, "ES256": es_key, "RS256": rsa_key}[alg]
    again = KeyPair.from_jwk(json.loads(json.dumps(key.to_private_jwk())))
    assert again.alg == Algorithm.parse(alg)
    assert again.public.to_jwk() == key.public.to_jwk()
    signature = again.sign(b"learning to live together")
    assert key.public.verify(signature, b"learning to live together")
    assert not key.public.verify(signature, b"learning to live apart")


def test_public_jwk_has_no_private_members(rsa_key) -> None:
    jwk = rsa_key.public.to_jwk()
    assert {"d", "p", "q", "dp", "dq", "qi"}.isdisjoint(jwk)
    assert jwk["alg"] == "RS256"


def test_private_key_needed_to_load_a_key_pair(ed_key) -> None:
    with pytest.raises(KeyMaterialError, match="no private part"):
        KeyPair.from_jwk(ed_key.public.to_jwk())


def test_mismatched_private_and_public_parts_are_refused(ed_key, other_key) -> None:
    jwk = ed_key.to_private_jwk()
    jwk["x"] = other_key.public.to_jwk()["x"]
    with pytest.raises(KeyMaterialError, match="does not match"):
        KeyPair.from_jwk(jwk)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "X25519", "x": "AA"},
    ],
)
def test_unsupported_jwks_are_refused(jwk) -> None:
    with pytest.raises(UnsupportedAlgorithmError):
        PublicKey.from_jwk(jwk)


def test_small_rsa_keys_are_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyMaterialError, match="2048"):
        PublicKey.from_jwk(
            {"kty": "RSA", "n": _b64(small.public_key().public_numbers().n), "e": "AQAB"}
        )


def _b64(n: int) -> str:
    from badges.multibase import b64url_encode

    return b64url_encode(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def test_invalid_p256_point_is_refused(es_key) -> None:
    jwk = es_key.public.to_jwk()
    jwk["y"] = jwk["x"]
    with pytest.raises(KeyMaterialError):
        PublicKey.from_jwk(jwk)


def test_w3c_multikey_vector() -> None:
    vector = json.loads(W3C_KEYS.read_text())
    key = KeyPair.from_ed25519_multibase(vector["privateKeyMultibase"])
    assert key.public.to_multibase() == vector["publicKeyMultibase"]
    assert did_key(key.public) == "did:key:" + vector["publicKeyMultibase"]


def test_did_key_round_trip_for_ed25519_and_p256(ed_key, es_key) -> None:
    for key, prefix in ((ed_key, "did:key:z6Mk"), (es_key, "did:key:zDn")):
        did = did_key(key.public)
        assert did.startswith(prefix)
        assert did_key_public_key(did).to_jwk() == key.public.to_jwk()
        document = did_key_document(did)
        assert document["assertionMethod"] == [f"{did}#{did[8:]}"]


def test_did_key_with_wrong_fragment_is_refused(ed_key, other_key) -> None:
    with pytest.raises(KeyResolutionError):
        did_key_public_key(f"{did_key(ed_key.public)}#{did_key(other_key.public)[8:]}")


@pytest.mark.parametrize(
    ("url", "did", "document_url"),
    [
        (
            "https://school.example",
            "did:web:school.example",
            "https://school.example/.well-known/did.json",
        ),
        (
            "https://badges.example:8443/orgs/vilnius-lyceum",
            "did:web:badges.example%3A8443:orgs:vilnius-lyceum",
            "https://badges.example:8443/orgs/vilnius-lyceum/did.json",
        ),
    ],
)
def test_did_web_mapping(url: str, did: str, document_url: str) -> None:
    assert did_web_from_url(url) == did
    assert did_web_document_url(did) == document_url


def test_did_web_document_lists_every_key_for_assertion(ed_key, es_key, rsa_key) -> None:
    did = "did:web:school.example"
    document = did_web_document(
        did, [("key-1", ed_key.public), ("key-2", es_key.public), ("key-3", rsa_key.public)]
    )
    assert document["assertionMethod"] == [f"{did}#key-1", f"{did}#key-2", f"{did}#key-3"]
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert methods[f"{did}#key-1"]["type"] == "Multikey"
    assert methods[f"{did}#key-2"]["type"] == "JsonWebKey"
    assert methods[f"{did}#key-3"]["type"] == "JsonWebKey"
    assert "d" not in methods[f"{did}#key-3"]["publicKeyJwk"]


def test_jwks_and_thumbprint_match_an_independent_library(es_key) -> None:
    from jwcrypto import jwk as jwcrypto_jwk

    key_set = jwks([("https://school.example/jwks.json#k1", es_key.public)])
    assert key_set["keys"][0]["kid"] == "https://school.example/jwks.json#k1"
    theirs = jwcrypto_jwk.JWK(**es_key.public.to_jwk())
    assert theirs.thumbprint() == es_key.public.thumbprint()
