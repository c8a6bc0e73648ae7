"""Key resolution after an issuer rotates its key: a cached DID document or JWKS that
lacks the new key is fetched again, but never more often than MIN_REFRESH."""

from __future__ import annotations

from typing import Any

import pytest

from badges.dids import did_web_document_url
from badges.errors import KeyResolutionError
from badges.keys import KeyPair
from badges.resolve import DEFAULT_TTL, MIN_REFRESH, KeyResolver

DID = "did:web:school.example"
SITE = "https://school.example"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Site:
    """Serves whatever documents the test publishes now, and counts the fetches."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.fetches: list[str] = []

    def get_json(self, url: str, *, accept: str = "application/json", budget: Any = None) -> Any:
        self.fetches.append(url)
        return self.documents[url]


def _did_document(*pairs: tuple[str, KeyPair]) -> dict[str, Any]:
    methods = [
        {
            "id": f"{DID}#{kid}",
            "type": "JsonWebKey",
            "controller": DID,
            "publicKeyJwk": pair.public.to_jwk(),
        }
        for kid, pair in pairs
    ]
    return {
        "id": DID,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


@pytest.fixture
def setup() -> tuple[KeyResolver, Site, Clock, KeyPair, KeyPair]:
    site, clock = Site(), Clock()
    old, new = KeyPair.generate("EdDSA"), KeyPair.generate("EdDSA")
    site.documents[did_web_document_url(DID)] = _did_document(("key-1", old))
    return KeyResolver(site, clock=clock), site, clock, old, new  # type: ignore[arg-type]


def test_a_key_published_after_the_document_was_cached_is_found(setup) -> None:
    resolver, site, clock, old, new = setup
    assert resolver.resolve(f"{DID}#key-1", issuer_id=DID).public.to_jwk() == old.public.to_jwk()
    site.documents[did_web_document_url(DID)] = _did_document(("key-1", old), ("key-2", new))
    clock.now += MIN_REFRESH  # well inside the cache's lifetime
    assert clock.now < 1000.0 + DEFAULT_TTL
    found = resolver.resolve(f"{DID}#key-2", issuer_id=DID)
    assert found.public.to_jwk() == new.public.to_jwk()
    assert len(site.fetches) == 2


def test_unknown_keys_do_not_refetch_more_often_than_min_refresh(setup) -> None:
    resolver, site, clock, _old, _new = setup
    resolver.resolve(f"{DID}#key-1", issuer_id=DID)
    for step in range(5):  # a burst of credentials naming a key nobody published
        clock.now += 1
        with pytest.raises(KeyResolutionError, match="not in the issuer's DID document"):
            resolver.resolve(f"{DID}#key-{9 + step}", issuer_id=DID)
    assert len(site.fetches) == 1  # the cached copy is younger than MIN_REFRESH
    clock.now += MIN_REFRESH
    with pytest.raises(KeyResolutionError):
        resolver.resolve(f"{DID}#key-99", issuer_id=DID)
    assert len(site.fetches) == 2


def test_a_jwks_gets_the_same_second_look() -> None:
    site, clock = Site(), Clock()
    old, new = KeyPair.generate("ES256"), KeyPair.generate("ES256")
    jwks = f"{SITE}/jwks.json"
    site.documents[jwks] = {"keys": [{**old.public.to_jwk(), "kid": "key-1"}]}
    resolver = KeyResolver(site, clock=clock)  # type: ignore[arg-type]
    resolver.resolve(f"{jwks}#key-1", issuer_id=SITE)
    site.documents[jwks] = {
        "keys": [{**old.public.to_jwk(), "kid": "key-1"}, {**new.public.to_jwk(), "kid": "key-2"}]
    }
    clock.now += MIN_REFRESH + 1
    assert resolver.resolve(f"{jwks}#key-2", issuer_id=SITE).public.to_jwk() == new.public.to_jwk()
