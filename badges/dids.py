"""Decentralised identifiers: did:key (Ed25519, P-256) and did:web documents.

did:key documents are derived from the identifier itself; did:web documents are built
here for an issuer that lives at a URL, and fetched (by ``resolve``) through the
guarded fetcher when verifying.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import standards
from .errors import FormatError, KeyResolutionError
from .keys import Algorithm, PublicKey

DID_KEY_PREFIX = "did:key:"
DID_WEB_PREFIX = "did:web:"


def did_key(public: PublicKey) -> str:
    """The did:key identifier of an Ed25519 or P-256 key."""
    return DID_KEY_PREFIX + public.to_multibase()


def did_key_verification_method(public: PublicKey) -> str:
    """The verification method id of a did:key: ``did:key:z…#z…``."""
    multibase = public.to_multibase()
    return f"{DID_KEY_PREFIX}{multibase}#{multibase}"


def did_key_public_key(did: str) -> PublicKey:
    """The public key a did:key identifier (with or without fragment) names."""
    if not did.startswith(DID_KEY_PREFIX):
        raise KeyResolutionError(f"{did!r} is not a did:key")
    identifier, _, fragment = did[len(DID_KEY_PREFIX) :].partition("#")
    if fragment and fragment != identifier:
        raise KeyResolutionError("a did:key verification method's fragment must repeat the key")
    return PublicKey.from_multibase(identifier)


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key, with one Multikey verification method."""
    public = did_key_public_key(did)
    base = did.partition("#")[0]
    vm_id = f"{base}#{base[len(DID_KEY_PREFIX) :]}"
    return {
        "@context": [standards.DID_V1, standards.MULTIKEY_V1],
        "id": base,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": base,
                "publicKeyMultibase": public.to_multibase(),
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
    }


def did_web_from_url(url: str) -> str:
    """The did:web for an https base URL (``https://host:port/a/b`` → ``did:web:host%3Aport:a:b``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise FormatError(f"cannot make a did:web from {url!r}")
    host = parts.hostname
    if parts.port:
        host = f"{host}%3A{parts.port}"
    segments = [quote(unquote(s), safe="") for s in parts.path.split("/") if s]
    return ":".join([DID_WEB_PREFIX.rstrip(":"), host, *segments])


def did_web_document_url(did: str) -> str:
    """Where a did:web's document lives, per the did:web method specification."""
    if not did.startswith(DID_WEB_PREFIX):
        raise KeyResolutionError(f"{did!r} is not a did:web")
    identifier = did[len(DID_WEB_PREFIX) :].partition("#")[0]
    host, *segments = identifier.split(":")
    host = unquote(host)
    if not host or "/" in host or "@" in host:
        raise KeyResolutionError(f"{did!r} has no valid host")
    if segments:
        path = "/".join(quote(unquote(s), safe="") for s in segments) + "/did.json"
    else:
        path = ".well-known/did.json"
    return f"https://{host}/{path}"


def verification_method(controller: str, key_id: str, public: PublicKey) -> dict[str, Any]:
    """A verification method entry: Multikey for Ed25519, JsonWebKey for P-256 and RSA.

    P-256 could be a Multikey too, but independent verifiers read it far more often as a
    JWK, so that is what is published.
    """
    vm_id = key_id if "#" in key_id else f"{controller}#{key_id}"
    if public.alg is not Algorithm.EDDSA:
        return {
            "id": vm_id,
            "type": "JsonWebKey",
            "controller": controller,
            "publicKeyJwk": public.to_jwk(),
        }
    return {
        "id": vm_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public.to_multibase(),
    }


def did_web_document(
    did: str,
    keys: list[tuple[str, PublicKey]],
    *,
    also_known_as: list[str] | None = None,
) -> dict[str, Any]:
    """A did:web document listing every (key id, key) under assertionMethod.

    Keep retired keys in ``keys`` as long as credentials they signed are valid, so a
    rotation never breaks an old badge.
    """
    methods = [verification_method(did, key_id, key) for key_id, key in keys]
    document: dict[str, Any] = {
        "@context": [standards.DID_V1, standards.MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
        "authentication": [m["id"] for m in methods],
    }
    if also_known_as:
        document["alsoKnownAs"] = also_known_as
    return document
