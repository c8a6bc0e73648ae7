"""Signing keys: Ed25519 (default), P-256 and RSA-2048, as JWK and Multikey.

A ``KeyPair`` signs; a ``PublicKey`` verifies. Algorithms are named as in JOSE
(``EdDSA``, ``ES256``, ``RS256``); signatures are in JWS form (ES256 is raw r||s).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .errors import FormatError, KeyMaterialError, UnsupportedAlgorithmError
from .multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    P256_PUB,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode_b58,
)


class Algorithm(StrEnum):
    """JOSE algorithm names of the key types this library signs with."""

    EDDSA = "EdDSA"
    ES256 = "ES256"
    RS256 = "RS256"

    @classmethod
    def parse(cls, value: str) -> Algorithm:
        """The algorithm named by ``value``. Raises UnsupportedAlgorithmError otherwise."""
        for alg in cls:
            if alg.value.lower() == str(value).lower():
                return alg
        raise UnsupportedAlgorithmError(
            f"unsupported algorithm {value!r}: use EdDSA, ES256 or RS256"
        )


PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_P256_COORD = 32
# The signature parameters, made once (immutable objects; building ECDSA(SHA256()) costs
# about a microsecond, a noticeable share of a P-256 signature check)
_SHA256 = hashes.SHA256()
_ECDSA_SHA256 = ec.ECDSA(_SHA256)
_PKCS1 = padding.PKCS1v15()
MIN_RSA_BITS = 2048


def _int_b64(value: int) -> str:
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _b64_int(value: Any, name: str) -> int:
    if not isinstance(value, str) or not value:
        raise KeyMaterialError(f"JWK member {name!r} is missing")
    return int.from_bytes(b64url_decode(value), "big")


def _alg_of(key: PublicKeyObject | PrivateKeyObject) -> Algorithm:
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return Algorithm.EDDSA
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        if not isinstance(key.curve, ec.SECP256R1):
            raise UnsupportedAlgorithmError(f"unsupported curve {key.curve.name}")
        return Algorithm.ES256
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        if key.key_size < MIN_RSA_BITS:
            raise KeyMaterialError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
        return Algorithm.RS256
    raise UnsupportedAlgorithmError(f"unsupported key type {type(key).__name__}")


@dataclass(frozen=True)
class PublicKey:
    """A public key that verifies JWS-form signatures for one algorithm."""

    key: PublicKeyObject

    @property
    def alg(self) -> Algorithm:
        # found once per key (a resolver keeps its keys): the abstract classes' isinstance
        # tests cost more than a dictionary lookup
        try:
            return self.__dict__["_alg"]  # type: ignore[no-any-return]
        except KeyError:
            alg = self.__dict__["_alg"] = _alg_of(self.key)
            return alg

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` over ``data`` verifies with this key."""
        kind = self.__dict__.get("_alg")
        key: Any = self.key  # its kind told by ``kind`` once known, else by isinstance
        try:
            if kind is Algorithm.EDDSA or (
                kind is None and isinstance(key, ed25519.Ed25519PublicKey)
            ):
                key.verify(signature, data)
            elif kind is Algorithm.ES256 or (
                kind is None and isinstance(key, ec.EllipticCurvePublicKey)
            ):
                if len(signature) != 2 * _P256_COORD:
                    return False
                r = int.from_bytes(signature[:_P256_COORD], "big")
                s = int.from_bytes(signature[_P256_COORD:], "big")
                key.verify(encode_dss_signature(r, s), data, _ECDSA_SHA256)
            else:
                key.verify(signature, data, _PKCS1, _SHA256)
        except InvalidSignature:
            return False
        return True

    def raw_ed25519(self) -> bytes:
        if not isinstance(self.key, ed25519.Ed25519PublicKey):
            raise UnsupportedAlgorithmError("only Ed25519 keys have a raw 32-byte form")
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def to_jwk(self, kid: str | None = None) -> dict[str, Any]:
        """The public JWK (with ``alg`` and, if given, ``kid``)."""
        jwk: dict[str, Any]
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.raw_ed25519())}
        elif isinstance(self.key, ec.EllipticCurvePublicKey):
            numbers = self.key.public_numbers()
            jwk = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(_P256_COORD, "big")),
                "y": b64url_encode(numbers.y.to_bytes(_P256_COORD, "big")),
            }
        else:
            rsa_numbers = self.key.public_numbers()
            jwk = {"kty": "RSA", "n": _int_b64(rsa_numbers.n), "e": _int_b64(rsa_numbers.e)}
        jwk["alg"] = self.alg.value
        if kid:
            jwk["kid"] = kid
        return jwk

    def thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
        jwk = self.to_jwk()
        required = {
            "OKP": ("crv", "kty", "x"),
            "EC": ("crv", "kty", "x", "y"),
            "RSA": ("e", "kty", "n"),
        }
        members = {name: jwk[name] for name in required[jwk["kty"]]}
        digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
        return b64url_encode(digest.digest())

    def to_multibase(self) -> str:
        """Multikey ``publicKeyMultibase`` (Ed25519 ``z6Mk…``, P-256 ``zDn…``)."""
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            return multibase_encode_b58(ED25519_PUB + self.raw_ed25519())
        if isinstance(self.key, ec.EllipticCurvePublicKey):
            compressed = self.key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            return multibase_encode_b58(P256_PUB + compressed)
        raise UnsupportedAlgorithmError("RSA keys have no Multikey form here; use a JWK")

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """A key from a Multikey ``publicKeyMultibase``. Raises KeyMaterialError."""
        try:
            raw = multibase_decode(value)
        except FormatError as exc:
            raise KeyMaterialError(f"invalid publicKeyMultibase: {exc}") from exc
        if raw[:2] == ED25519_PUB and len(raw) == 34:
            return cls(ed25519.Ed25519PublicKey.from_public_bytes(raw[2:]))
        if raw[:2] == P256_PUB and len(raw) == 35:
            try:
                return cls(ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:]))
            except ValueError as exc:
                raise KeyMaterialError("invalid P-256 point in publicKeyMultibase") from exc
        raise KeyMaterialError("publicKeyMultibase is not an Ed25519 or P-256 Multikey")

    @classmethod
    def from_jwk(cls, jwk: Any) -> PublicKey:
        """A key from a public (or private: only public members are read) JWK."""
        if not isinstance(jwk, dict):
            raise KeyMaterialError("a JWK must be a JSON object")
        kty = jwk.get("kty")
        try:
            if kty == "OKP" and jwk.get("crv") == "Ed25519":
                x = b64url_decode(str(jwk.get("x", "")))
                if len(x) != 32:
                    raise KeyMaterialError("Ed25519 JWK 'x' must be 32 bytes")
                return cls(ed25519.Ed25519PublicKey.from_public_bytes(x))
            if kty == "EC" and jwk.get("crv") == "P-256":
                numbers = ec.EllipticCurvePublicNumbers(
                    _b64_int(jwk.get("x"), "x"), _b64_int(jwk.get("y"), "y"), ec.SECP256R1()
                )
                return cls(numbers.public_key())
            if kty == "RSA":
                rsa_numbers = rsa.RSAPublicNumbers(
                    _b64_int(jwk.get("e"), "e"), _b64_int(jwk.get("n"), "n")
                )
                key = cls(rsa_numbers.public_key())
                key.alg  # noqa: B018 - checks the key size
                return key
        except (ValueError, FormatError) as exc:
            raise KeyMaterialError(f"invalid {kty} JWK: {exc}") from exc
        raise UnsupportedAlgorithmError(f"unsupported JWK (kty={kty!r}, crv={jwk.get('crv')!r})")


@dataclass(frozen=True)
class KeyPair:
    """A private signing key with its public half."""

    private: PrivateKeyObject

    @property
    def alg(self) -> Algorithm:
        return _alg_of(self.private)

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.private.public_key())

    @classmethod
    def generate(cls, alg: Algorithm | str = Algorithm.EDDSA) -> KeyPair:
        """A fresh key: Ed25519 by default, P-256 for ES256, RSA-2048 for RS256."""
        alg = Algorithm.parse(alg) if isinstance(alg, str) else alg
        if alg is Algorithm.EDDSA:
            return cls(ed25519.Ed25519PrivateKey.generate())
        if alg is Algorithm.ES256:
            return cls(ec.generate_private_key(ec.SECP256R1()))
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def sign(self, data: bytes) -> bytes:
        """A JWS-form signature over ``data``."""
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            return self.private.sign(data)
        if isinstance(self.private, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(self.private.sign(data, _ECDSA_SHA256))
            return r.to_bytes(_P256_COORD, "big") + s.to_bytes(_P256_COORD, "big")
        return self.private.sign(data, _PKCS1, _SHA256)

    def to_private_jwk(self, kid: str | None = None) -> dict[str, Any]:
        """The private JWK: the public members plus ``d`` (and the CRT values for RSA)."""
        jwk = self.public.to_jwk(kid)
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            jwk["d"] = b64url_encode(
                self.private.private_bytes(
                    serialization.Encoding.Raw,
                    serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                )
            )
        elif isinstance(self.private, ec.EllipticCurvePrivateKey):
            jwk["d"] = b64url_encode(
                self.private.private_numbers().private_value.to_bytes(32, "big")
            )
        else:
            n = self.private.private_numbers()
            jwk.update(
                d=_int_b64(n.d),
                p=_int_b64(n.p),
                q=_int_b64(n.q),
                dp=_int_b64(n.dmp1),
                dq=_int_b64(n.dmq1),
                qi=_int_b64(n.iqmp),
            )
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Any) -> KeyPair:
        """A key pair from a private JWK. Raises KeyMaterialError if ``d`` is missing or bad."""
        public = PublicKey.from_jwk(jwk)  # validates kty/crv and the public members
        if "d" not in jwk:
            raise KeyMaterialError("this JWK has no private part ('d'); a private key is needed")
        try:
            private: PrivateKeyObject
            if isinstance(public.key, ed25519.Ed25519PublicKey):
                seed = b64url_decode(jwk["d"])
                if len(seed) != 32:
                    raise KeyMaterialError("Ed25519 JWK 'd' must be 32 bytes")
                private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
            elif isinstance(public.key, ec.EllipticCurvePublicKey):
                private = ec.derive_private_key(_b64_int(jwk["d"], "d"), ec.SECP256R1())
            else:
                pub = public.key.public_numbers()
                p, q, d = (_b64_int(jwk.get(n), n) for n in ("p", "q", "d"))
                private = rsa.RSAPrivateNumbers(
                    p=p,
                    q=q,
                    d=d,
                    dmp1=rsa.rsa_crt_dmp1(d, p),
                    dmq1=rsa.rsa_crt_dmq1(d, q),
                    iqmp=rsa.rsa_crt_iqmp(p, q),
                    public_numbers=pub,
                ).private_key()
        except (ValueError, FormatError) as exc:
            raise KeyMaterialError(f"invalid private JWK: {exc}") from exc
        pair = cls(private)
        if pair.public.to_jwk() != public.to_jwk():
            raise KeyMaterialError("the JWK's private part does not match its public part")
        return pair

    @classmethod
    def from_ed25519_multibase(cls, private_multibase: str) -> KeyPair:
        """An Ed25519 key from a Multikey ``secretKeyMultibase``/raw seed multibase."""
        raw = multibase_decode(private_multibase)
        if raw[:2] == ED25519_PRIV:
            raw = raw[2:]
        if len(raw) != 32:
            raise KeyMaterialError("an Ed25519 secret key is 32 bytes")
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(raw))


def jwks(keys: list[tuple[str, PublicKey]]) -> dict[str, Any]:
    """A JWK Set of the given (kid, key) pairs."""
    return {"keys": [key.to_jwk(kid) for kid, key in keys]}
