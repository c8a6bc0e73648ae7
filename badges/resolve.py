"""Finding the public key behind a verification method, and binding it to the issuer.

A key counts only if the issuer published it: in the issuer's own DID document
(did:key, did:web) or at a URL on the issuer's own origin (a JWKS, a JWK, or a
controller document). A key a token carries in its header proves nothing by itself: it
counts only when the issuer's DID document lists exactly that key for the purpose asked
(``resolve_header_key``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .dids import DID_KEY_PREFIX, DID_WEB_PREFIX, did_key_document, did_web_document_url
from .errors import FetchError, FormatError, KeyMaterialError, KeyResolutionError
from .fetch import FetchBudget, Fetcher
from .keys import PublicKey
from .sharedstore import SharedStore

DEFAULT_TTL = 300.0
# A key missing from a cached document may have been added since (the issuer rotated its
# key): the document is fetched again, but not more often than this, so a stream of
# credentials naming unknown keys cannot make us hammer the issuer.
MIN_REFRESH = 30.0
MAX_CACHE_ENTRIES = 1024
# JWK members that only a private key has (RFC 7518 section 6): a header carrying one
# leaks a secret and is refused, whatever else it says.
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True)
class ResolvedKey:
    """A public key with where it was found and who controls it."""

    public: PublicKey
    method_id: str
    controller: str
    source: str


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _key_from_method(method: dict[str, Any]) -> PublicKey:
    if "publicKeyMultibase" in method:
        return PublicKey.from_multibase(str(method["publicKeyMultibase"]))
    if "publicKeyJwk" in method:
        jwk = method["publicKeyJwk"]
        if isinstance(jwk, dict) and "d" in jwk:
            raise KeyResolutionError("a published key must not contain a private part")
        return PublicKey.from_jwk(jwk)
    raise KeyResolutionError(f"verification method {method.get('id')!r} has no public key")


def _listed_for(document: dict[str, Any], purpose: str) -> list[str]:
    """The ids (absolute) of the verification methods listed under ``purpose``."""
    controller = str(document.get("id", ""))
    ids: list[str] = []
    for entry in _as_list(document.get(purpose)):
        ref = (
            entry
            if isinstance(entry, str)
            else entry.get("id")
            if isinstance(entry, dict)
            else None
        )
        if isinstance(ref, str) and ref:
            absolute = controller + ref if ref.startswith("#") else ref
            if absolute not in ids:
                ids.append(absolute)
    return ids


def _find_method(document: dict[str, Any], method_id: str, purpose: str) -> dict[str, Any]:
    controller = str(document.get("id", ""))

    def absolute(ref: str) -> str:
        return controller + ref if ref.startswith("#") else ref

    methods: dict[str, dict[str, Any]] = {}
    for method in _as_list(document.get("verificationMethod")):
        if isinstance(method, dict) and isinstance(method.get("id"), str):
            methods[absolute(method["id"])] = method
    allowed = False
    for entry in _as_list(document.get(purpose)):
        if isinstance(entry, str) and absolute(entry) == method_id:
            allowed = True
        elif isinstance(entry, dict) and absolute(str(entry.get("id", ""))) == method_id:
            allowed = True
            methods[method_id] = entry
    method = methods.get(method_id)
    if method is None:
        raise KeyResolutionError(f"the key {method_id!r} is not in the issuer's DID document")
    if not allowed:
        raise KeyResolutionError(f"the key {method_id!r} is not listed for {purpose}")
    method_controller = method.get("controller", controller)
    if method_controller != controller:
        raise KeyResolutionError(f"the key {method_id!r} is controlled by someone else")
    return method


class KeyResolver:
    """Resolves verification methods to published keys, with a short-lived cache.

    ``fetcher`` is the guarded fetcher used for did:web and key URLs; without one only
    did:key can be resolved. ``documents`` pre-seeds documents by URL (tests, offline use).
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        documents: dict[str, Any] | None = None,
        shared: SharedStore | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._shared = shared  # DID documents kept for other processes too
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, Any, float]] = {}  # url -> (expires, document, fetched)
        self._keys: dict[tuple[str, str, str], tuple[float, ResolvedKey]] = {}
        self._static = dict(documents or {})
        self._lock = threading.Lock()

    def _document(
        self, url: str, *, refresh: bool = False, budget: FetchBudget | None = None
    ) -> Any:
        """The document at ``url``, cached; ``refresh`` asks for a new copy unless the
        cached one is younger than MIN_REFRESH. A fetch draws on ``budget``."""
        if url in self._static:
            return self._static[url]
        now = self._clock()
        with self._lock:
            hit = self._cache.get(url)
        if hit is not None and hit[0] > now and not (refresh and now - hit[2] >= MIN_REFRESH):
            return hit[1]
        if self._shared is not None and not refresh:
            found = self._shared.get("did-document\n" + url)
            if found is not None:
                with self._lock:
                    self._cache[url] = (now + found[1], found[0], now)
                return found[0]
        if self._fetcher is None:
            raise FetchError(f"no fetcher is configured to get {url}")
        started = time.time()
        document = self._fetcher.get_json(
            url, accept="application/did+json, application/json", budget=budget
        )
        with self._lock:
            if len(self._cache) >= MAX_CACHE_ENTRIES:
                self._cache.clear()
            self._cache[url] = (now + self._ttl, document, now)
        if self._shared is not None:
            self._shared.put("did-document\n" + url, document, self._ttl, started=started)
        return document

    def _with_refresh(
        self,
        url: str,
        find: Callable[[Any], ResolvedKey],
        budget: FetchBudget | None = None,
    ) -> ResolvedKey:
        """``find`` the key in the document at ``url``; when it is not there, look once more
        in a fresh copy (the issuer may have published a new key since we cached it)."""
        document = self._document(url, budget=budget)
        try:
            return find(document)
        except KeyResolutionError:
            fresh = self._document(url, refresh=True, budget=budget)
            if fresh is document:
                raise
            return find(fresh)

    def resolve(
        self,
        method_id: str,
        *,
        issuer_id: str,
        purpose: str = "assertionMethod",
        budget: FetchBudget | None = None,
    ) -> ResolvedKey:
        """The key for ``method_id``, checked to be published by ``issuer_id``.

        Raises KeyResolutionError when the key is not the issuer's, and FetchError when
        the issuer's documents cannot be fetched now. Fetches draw on ``budget``.
        """
        if not isinstance(method_id, str) or not method_id:
            raise KeyResolutionError("the proof names no verification method")
        if method_id.startswith("#") and issuer_id.startswith("did:"):
            method_id = issuer_id + method_id
        cache_key = (method_id, issuer_id, purpose)
        now = self._clock()
        with self._lock:
            hit = self._keys.get(cache_key)
        if hit is not None and hit[0] > now:
            return hit[1]
        resolved = self._resolve(method_id, issuer_id, purpose, budget)
        # did:key is derived from the identifier itself, so it never goes stale.
        expires = float("inf") if method_id.startswith(DID_KEY_PREFIX) else now + self._ttl
        with self._lock:
            if len(self._keys) >= MAX_CACHE_ENTRIES:
                self._keys.clear()
            self._keys[cache_key] = (expires, resolved)
        return resolved

    def _resolve(
        self, method_id: str, issuer_id: str, purpose: str, budget: FetchBudget | None
    ) -> ResolvedKey:
        try:
            if method_id.startswith(DID_KEY_PREFIX):
                return self._resolve_did_key(method_id, issuer_id, purpose)
            if method_id.startswith(DID_WEB_PREFIX):
                return self._resolve_did_web(method_id, issuer_id, purpose, budget)
            if method_id.startswith("https://") or method_id.startswith("http://"):
                return self._resolve_url(method_id, issuer_id, budget)
        except (KeyMaterialError, FormatError) as exc:
            if isinstance(exc, KeyResolutionError):
                raise
            raise KeyResolutionError(f"the published key is unusable: {exc}") from exc
        raise KeyResolutionError(f"unsupported verification method {method_id[:80]!r}")

    def _resolve_did_key(self, method_id: str, issuer_id: str, purpose: str) -> ResolvedKey:
        did = method_id.partition("#")[0]
        if did != issuer_id.partition("#")[0]:
            raise KeyResolutionError(f"the key {did[:60]}… is not the issuer's ({issuer_id[:60]})")
        if "#" not in method_id:
            method_id = f"{did}#{did[len(DID_KEY_PREFIX) :]}"
        document = did_key_document(did)
        method = _find_method(document, method_id, purpose)
        return ResolvedKey(_key_from_method(method), method_id, did, "did:key")

    def _resolve_did_web(
        self, method_id: str, issuer_id: str, purpose: str, budget: FetchBudget | None
    ) -> ResolvedKey:
        did = method_id.partition("#")[0]
        if did != issuer_id:
            raise KeyResolutionError(f"the key {method_id!r} is not the issuer's ({issuer_id})")
        url = did_web_document_url(did)

        def find(document: Any) -> ResolvedKey:
            if not isinstance(document, dict) or document.get("id") != did:
                raise KeyResolutionError(f"the DID document at {url} is not for {did}")
            method = _find_method(document, method_id, purpose)
            return ResolvedKey(_key_from_method(method), method_id, did, url)

        return self._with_refresh(url, find, budget)

    def _resolve_url(
        self, method_id: str, issuer_id: str, budget: FetchBudget | None
    ) -> ResolvedKey:
        if _origin(method_id) != _origin(issuer_id) or not _origin(issuer_id)[1]:
            raise KeyResolutionError(
                f"the key URL {method_id!r} is not on the issuer's own origin ({issuer_id})"
            )
        url = method_id.partition("#")[0]
        return self._with_refresh(
            url, lambda document: self._key_in(document, url, method_id, issuer_id), budget
        )

    def resolve_header_key(
        self,
        jwk: Any,
        *,
        issuer_id: str,
        purpose: str = "assertionMethod",
        budget: FetchBudget | None = None,
    ) -> ResolvedKey:
        """The issuer's verification method whose key is exactly ``jwk`` (a JWS header's).

        A key a token carries proves nothing by itself; it is the issuer's key only when
        the issuer is a DID (did:key or did:web) whose document lists that same key (the
        same RFC 7638 thumbprint) for ``purpose``. Returns that method. Raises
        KeyResolutionError for a private key, an unusable key, an issuer that is not a
        DID, or a key the document does not list for ``purpose``; FetchError when the
        issuer's DID document cannot be fetched now.
        """
        if not isinstance(jwk, dict):
            raise KeyResolutionError("the key in the token's header is not a JSON object")
        if PRIVATE_JWK_MEMBERS & set(jwk):
            raise KeyResolutionError("the token's header carries a private key")
        try:
            thumbprint = PublicKey.from_jwk(jwk).thumbprint()
        except KeyMaterialError as exc:
            raise KeyResolutionError(f"the key in the token's header is unusable: {exc}") from exc
        inner_kid = jwk.get("kid")
        did = issuer_id.partition("#")[0] if isinstance(issuer_id, str) else ""

        def find(document: Any) -> ResolvedKey:
            if not isinstance(document, dict) or document.get("id") != did:
                raise KeyResolutionError(f"the DID document is not for {did[:80]}")
            source = "did:key" if did.startswith(DID_KEY_PREFIX) else did_web_document_url(did)
            for method_id in _listed_for(document, purpose):
                try:
                    method = _find_method(document, method_id, purpose)
                    public = _key_from_method(method)
                except (KeyMaterialError, FormatError):
                    continue  # another listed method may still be the one
                if public.thumbprint() != thumbprint:
                    continue
                if inner_kid is not None and inner_kid not in (
                    method_id,
                    method_id.partition("#")[2],
                ):
                    raise KeyResolutionError(
                        f"the key in the token's header names itself {str(inner_kid)[:80]!r}, "
                        f"but the issuer lists it as {method_id[:120]!r}"
                    )
                return ResolvedKey(public, method_id, did, source)
            raise KeyResolutionError(
                f"the issuer's DID document does not list the header's key under {purpose}"
            )

        if did.startswith(DID_KEY_PREFIX):
            try:
                document = did_key_document(did)
            except (KeyMaterialError, FormatError) as exc:
                raise KeyResolutionError(f"the issuer's did:key is unusable: {exc}") from exc
            return find(document)
        if did.startswith(DID_WEB_PREFIX):
            try:
                return self._with_refresh(did_web_document_url(did), find, budget)
            except FormatError as exc:  # the document is no JSON
                raise KeyResolutionError(f"the issuer's DID document is unusable: {exc}") from exc
        raise KeyResolutionError(
            "only an issuer's DID document can vouch for a key carried in a token's header"
        )

    @staticmethod
    def _key_in(document: Any, url: str, method_id: str, issuer_id: str) -> ResolvedKey:
        fragment = method_id.partition("#")[2]
        if not isinstance(document, dict):
            raise KeyResolutionError(f"{url} is not a key document")
        jwk: Any = None
        if "kty" in document:
            jwk = document
        elif isinstance(document.get("keys"), list):
            for candidate in document["keys"]:
                if isinstance(candidate, dict) and candidate.get("kid") in (method_id, fragment):
                    jwk = candidate
                    break
            if jwk is None:
                raise KeyResolutionError(f"no key {method_id!r} in the issuer's key set")
        else:
            for method in _as_list(document.get("verificationMethod")) or [document]:
                if isinstance(method, dict) and method.get("id") == method_id:
                    return ResolvedKey(_key_from_method(method), method_id, issuer_id, url)
            raise KeyResolutionError(f"{method_id!r} does not lead to a key")
        if "d" in jwk:
            raise KeyResolutionError("a published key must not contain a private part")
        return ResolvedKey(PublicKey.from_jwk(jwk), method_id, issuer_id, url)
