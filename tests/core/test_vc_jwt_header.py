"""VC-JWT decoding, exactly: each refusal of a token's shape or header, with its message.

A verifier that let a ``crit`` header, an unexpected ``typ`` or a private key in the
header through, or read ``alg`` loosely, fails here. Written to kill the mutants
tests/mutation/run.py found alive in badges/proofs/vc_jwt.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.errors import FormatError, InputTooLargeError, ProofError, SignatureError
from badges.multibase import b64url_encode
from badges.proofs import vc_jwt
from tests.conftest import build_credential


def exactly(error: type[Exception], message: str):
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def token(header: Any, payload: Any = None, signature: bytes = b"sig") -> str:
    def part(value: Any) -> str:
        return b64url_encode(json.dumps(value).encode())

    return f"{part(header)}.{part(payload if payload is not None else {'iss': 'x'})}.{b64url_encode(signature)}"


GOOD = {"alg": "EdDSA", "kid": "did:key:z6Mk#z6Mk", "typ": "JWT"}


def test_a_good_header_is_read():
    decoded = vc_jwt.decode_jwt(token(GOOD))
    assert (
        decoded.header == GOOD and decoded.payload == {"iss": "x"} and decoded.signature == b"sig"
    )
    first, second, _ = token(GOOD).split(".")
    assert decoded.signing_input == f"{first}.{second}".encode()
    for typ in ("vc+jwt", "vc+ld+jwt"):
        assert vc_jwt.decode_jwt(token({**GOOD, "typ": typ})).header["typ"] == typ
    no_typ = {k: v for k, v in GOOD.items() if k != "typ"}
    assert vc_jwt.decode_jwt(token(no_typ)).header == no_typ


def test_a_token_that_is_not_a_string_or_three_parts_is_refused():
    with exactly(FormatError, "a JWT must be a string"):
        vc_jwt.decode_jwt(b"a.b.c")  # type: ignore[arg-type]
    for text in ("a.b", "a.b.c.d", "abc"):
        with exactly(FormatError, "a compact JWT has three parts separated by dots"):
            vc_jwt.decode_jwt(text)


def test_the_size_limit_is_inclusive(monkeypatch):
    text = token(GOOD)
    monkeypatch.setattr(vc_jwt, "MAX_TOKEN_CHARS", len(text))
    assert vc_jwt.decode_jwt(text).header == GOOD
    monkeypatch.setattr(vc_jwt, "MAX_TOKEN_CHARS", len(text) - 1)
    with exactly(InputTooLargeError, f"the JWT is longer than {len(text) - 1} characters"):
        vc_jwt.decode_jwt(text)


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_a_deep_header_is_refused_as_malformed():
    # the header object and seven lists: the deepest allowed (max_depth=8); one more is refused
    assert vc_jwt.decode_jwt(token({**GOOD, "x5c": nested(7)}))
    with pytest.raises(FormatError, match=r"^the JWT is malformed: "):
        vc_jwt.decode_jwt(token({**GOOD, "x5c": nested(8)}))


@pytest.mark.parametrize(
    ("header", "payload"), [([], {}), (GOOD, []), ("x", "y"), (GOOD, "credential")]
)
def test_header_and_payload_must_be_objects(header, payload):
    with exactly(FormatError, "the JWT header and payload must be JSON objects"):
        vc_jwt.decode_jwt(token(header, payload))


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", "eddsa", None, ["EdDSA"], 1])
def test_only_the_known_algorithms_are_allowed(alg):
    message = f"the JWT algorithm {alg!r} is not allowed (EdDSA, ES256 or RS256)"
    with exactly(ProofError, message):
        vc_jwt.decode_jwt(token({**GOOD, "alg": alg}))


@pytest.mark.parametrize("typ", ["at+jwt", "jwt", "", ["JWT"], 1])
def test_an_unexpected_type_is_refused(typ):
    with exactly(ProofError, f"unexpected JWT type {typ!r}"):
        vc_jwt.decode_jwt(token({**GOOD, "typ": typ}))


@pytest.mark.parametrize("crit", [["exp"], [], "b64"])
def test_critical_headers_are_refused(crit):
    message = "the JWT has critical header parameters this verifier does not know"
    with exactly(ProofError, message):
        vc_jwt.decode_jwt(token({**GOOD, "crit": crit}))


def test_a_private_key_in_the_header_is_refused():
    private = {"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "BBBB"}
    with exactly(ProofError, "the JWT header carries a private key"):
        vc_jwt.decode_jwt(token({**GOOD, "jwk": private}))
    public = {k: v for k, v in private.items() if k != "d"}
    assert vc_jwt.decode_jwt(token({**GOOD, "jwk": public})).header["jwk"] == public


def test_the_signature_is_checked_with_the_key_of_the_headers_algorithm(ed_key, es_key, other_key):
    credential = build_credential(did_key(ed_key.public))
    signed = vc_jwt.sign_jwt(credential, ed_key, kid=did_key_verification_method(ed_key.public))
    decoded = vc_jwt.decode_jwt(signed)
    vc_jwt.verify_jwt_signature(decoded, ed_key.public)
    with exactly(SignatureError, "the JWT says EdDSA but the issuer's key is ES256"):
        vc_jwt.verify_jwt_signature(decoded, es_key.public)
    with exactly(SignatureError, "the JWT signature does not verify with the issuer's key"):
        vc_jwt.verify_jwt_signature(decoded, other_key.public)


def test_signing_needs_an_id_and_an_issuer(ed_key):
    credential = build_credential(did_key(ed_key.public))
    for missing in ("id", "issuer"):
        incomplete = {k: v for k, v in credential.items() if k != missing}
        with exactly(FormatError, "a credential needs an id and an issuer to be signed"):
            vc_jwt.sign_jwt(incomplete, ed_key, kid="k")


def test_a_vc_claim_token_is_one_with_a_vc_claim():
    assert vc_jwt.is_vc_claim_token({"vc": {}, "iss": "x"})
    assert not vc_jwt.is_vc_claim_token({"iss": "x", "VC": {}})


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1, "1970-01-01T00:00:01Z"),
        (253402300799, "9999-12-31T23:59:59Z"),
    ],
)
def test_vc_1_1_dates_from_the_registered_claims_at_their_limits(seconds, text):
    payload = {"vc": {"type": ["VerifiableCredential"]}, "nbf": seconds, "exp": seconds}
    credential = vc_jwt.credential_from_payload(payload)
    assert credential["issuanceDate"] == text and credential["expirationDate"] == text


@pytest.mark.parametrize("seconds", [-1, 253402300800, True, 1.5, "0"])
def test_vc_1_1_dates_out_of_range_are_not_restored(seconds):
    payload = {"vc": {"type": ["VerifiableCredential"]}, "nbf": seconds}
    assert "issuanceDate" not in vc_jwt.credential_from_payload(payload)


def test_vc_1_1_issuer_and_id_are_restored_only_from_strings():
    payload = {"vc": {"type": ["VerifiableCredential"]}, "iss": "did:key:z6Mk", "jti": "urn:uuid:1"}
    credential = vc_jwt.credential_from_payload(payload)
    assert credential["issuer"] == "did:key:z6Mk" and credential["id"] == "urn:uuid:1"
    odd = vc_jwt.credential_from_payload({**payload, "iss": {"id": "x"}, "jti": 7})
    assert "issuer" not in odd and "id" not in odd


# the shape looks_like_jwt's docstring gives, as the regular expression it stands for
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b.c", True),
        ("eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln-_", True),
        ("a.b.", True),  # an empty signature part
        ("  a.b.c\n", True),  # surrounding white space
        ("ab.cd.ef", True),
        (".b.c", False),  # an empty header
        ("a..c", False),  # an empty payload
        ("..", False),
        ("a.b", False),  # two parts
        ("a.b.c.d", False),  # four parts
        ("a.b.c d", False),  # a character outside the alphabet
        ("a.b.c=", False),  # base64 padding is no base64url
        ("a.b.cé", False),  # not ASCII
        ("é.b.c", False),
        ("", False),
    ],
)
def test_looks_like_jwt_is_the_compact_shape(text, expected):
    assert vc_jwt.looks_like_jwt(text) is expected
    assert bool(COMPACT_JWS.fullmatch(text.strip())) is expected
