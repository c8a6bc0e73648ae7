"""Who signed a badge, and whether a registry the verifier trusts knows that signer.

A valid signature proves only that the holder of some key made the badge. The badge's
``issuer.name`` and ``issuer.url`` are what that key holder *wrote*: anyone can sign a badge
naming a real school. What a verifier can say for certain is the verified issuer
identifier (a ``did:web`` names a web domain, an https identifier a host, a ``did:key``
only a key), and, when it is given registries of trusted issuers, whether one of them
lists that identifier.

A registry is a small JSON document, kept as a file or published at an https URL::

    {
      "name": "Lithuanian ASPnet coordination centre",
      "url": "https://aspnet.example/lt",
      "issuers": {
        "did:web:school.example": {"name": "Vilniaus licėjus", "url": "https://school.example/"},
        "did:web:gimnazija.example": "Kauno gimnazija"
      }
    }

``name`` (required) is what the verifier calls the registry; ``url`` (optional) where people
can read about it. ``issuers`` maps each issuer identifier (a DID or an http(s) URL, exactly
as badges carry it in ``issuer.id``) to its name, or to an object with ``name`` (required),
``url`` and ``domain`` (optional). Lookups match the verified identifier only, never a
name the badge asserts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import jsonutil
from .errors import BadgeError, FormatError, RegistryError
from .fetch import Fetcher

MAX_ENTRIES = 200_000  # ASPnet has some 11,500 schools; a registry may hold a whole platform
MAX_TEXT = 500
MAX_ID = 2000
DEFAULT_TTL = 300.0
REGISTRY_ACCEPT = "application/json"

DID_WEB = "did:web:"
DID_KEY = "did:key:"


# -- who signed it -------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """The issuer identifier a signature proved, and the web address it stands for.

    ``kind`` is ``did:web``, ``did:key``, ``url`` (an http(s) identifier) or ``other``;
    ``domain`` the host (with a port when it has one) for ``did:web`` and ``url``, else None.
    """

    id: str
    kind: str
    domain: str | None

    @property
    def description(self) -> str:
        """A person's words for who signed: the domain, or what a did:key is."""
        if self.domain:
            return self.domain
        if self.kind == "did:key":
            return "a key of its own, not tied to any web address"
        return "an identifier not tied to any web address"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "domain": self.domain,
            "description": self.description,
        }


def _did_web_domain(did: str) -> str | None:
    host = unquote(did[len(DID_WEB) :].partition("#")[0].split(":")[0]).lower()
    return host if host and "/" not in host and "@" not in host else None


def _url_domain(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not host:
        return None
    default = 443 if parts.scheme == "https" else 80
    return f"{host}:{port}" if port and port != default else host


def signer(issuer_id: str) -> Signer:
    """What an issuer identifier says about its holder (whether or not it was verified)."""
    if issuer_id.startswith(DID_WEB):
        return Signer(issuer_id, "did:web", _did_web_domain(issuer_id))
    if issuer_id.startswith(DID_KEY):
        return Signer(issuer_id, "did:key", None)
    domain = _url_domain(issuer_id)
    if domain is not None:
        return Signer(issuer_id, "url", domain)
    return Signer(issuer_id, "other", None)


def link_matches(url: Any, who: Signer | None) -> bool:
    """True when ``url`` is an http(s) link on the verified signer's own domain (the same
    host and port): only then may a page link to it as the issuer's site."""
    if who is None or who.domain is None or not isinstance(url, str):
        return False
    return _url_domain(url) == who.domain


# -- registries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryEntry:
    """One issuer a registry knows."""

    issuer_id: str
    name: str
    url: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class Registry:
    """A named list of trusted issuers; ``source`` is the file or URL it was read from."""

    name: str
    source: str
    entries: Mapping[str, RegistryEntry]
    url: str | None = None

    def lookup(self, issuer_id: str) -> RegistryEntry | None:
        return self.entries.get(issuer_id)


def _text(value: Any, what: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{what} must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise RegistryError(f"{what} is longer than {MAX_TEXT} characters")
    return value.strip()


def _link(value: Any, what: str) -> str | None:
    text = _text(value, what)
    if text is not None and (_url_domain(text) is None or len(text) > MAX_ID):
        raise RegistryError(f"{what} must be an http(s) URL")
    return text


def _identifier(value: str) -> str:
    if len(value) > MAX_ID or not value.startswith(("did:", "https://", "http://")):
        raise RegistryError(f"issuer identifier {value[:80]!r} is not a DID or an http(s) URL")
    return value


def parse_registry(document: Any, *, source: str) -> Registry:
    """A registry from its JSON document (see the module's docstring). Raises RegistryError."""
    where = f"registry {source[:200]}"
    if not isinstance(document, dict):
        raise RegistryError(f"{where}: not a JSON object")
    unknown = set(document) - {"name", "url", "issuers", "description", "$schema"}
    if unknown:
        raise RegistryError(f"{where}: unknown member(s) {', '.join(sorted(unknown))[:200]}")
    try:
        name = _text(document.get("name"), "name", required=True)
        url = _link(document.get("url"), "url")
        issuers = document.get("issuers")
        if not isinstance(issuers, dict):
            raise RegistryError('"issuers" must be an object of issuer identifier → name or entry')
        if len(issuers) > MAX_ENTRIES:
            raise RegistryError(f"more than {MAX_ENTRIES} issuers")
        entries: dict[str, RegistryEntry] = {}
        for issuer_id, value in issuers.items():
            _identifier(issuer_id)
            label = f"the entry of {issuer_id[:80]}"
            if isinstance(value, str):
                value = {"name": value}
            if not isinstance(value, dict):
                raise RegistryError(f"{label} must be a name or an object with a name")
            extra = set(value) - {"name", "url", "domain"}
            if extra:
                raise RegistryError(
                    f"{label} has unknown member(s) {', '.join(sorted(extra))[:100]}"
                )
            domain = _text(value.get("domain"), f"{label}: domain")
            entries[issuer_id] = RegistryEntry(
                issuer_id,
                _text(value.get("name"), f"{label}: name", required=True) or "",
                _link(value.get("url"), f"{label}: url"),
                domain.lower() if domain else None,
            )
    except RegistryError as exc:
        raise RegistryError(f"{where}: {exc}") from None
    return Registry(name or "", source, entries, url)


def load_registry_file(path: str | Path) -> Registry:
    """Read a registry from a JSON file. Raises RegistryError (unreadable, malformed)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(jsonutil.MAX_JSON_BYTES * 4 + 1)
    except OSError as exc:
        raise RegistryError(f"registry {path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        document = jsonutil.loads(data, max_bytes=jsonutil.MAX_JSON_BYTES * 4)
    except FormatError as exc:
        raise RegistryError(f"registry {path}: not acceptable JSON ({exc})") from exc
    return parse_registry(document, source=str(path))


@dataclass(frozen=True)
class KnownIssuer:
    """A registry that lists the verified signer, and what it calls it."""

    registry: str
    registry_url: str | None
    name: str
    url: str | None
    domain: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "registryUrl": self.registry_url,
            "name": self.name,
            "url": self.url,
            "domain": self.domain,
        }


@dataclass(frozen=True)
class RegistryResult:
    """What the trusted registries say about one verified issuer identifier.

    ``known`` lists each registry that has it; ``unavailable`` the registries that could
    not be read now (their answer is unknown); ``consulted`` how many were asked.
    """

    issuer_id: str | None
    known: tuple[KnownIssuer, ...] = ()
    unavailable: tuple[str, ...] = ()
    consulted: int = 0

    @property
    def message(self) -> str:
        if self.issuer_id is None:
            return (
                "Not looked up: the signature was not verified, so who made the badge is not known."
            )
        if self.known:
            names = ", ".join(dict.fromkeys(k.registry for k in self.known))
            return f"Issued by a school known to {names}."
        if self.consulted == 0:
            return (
                "Not in any registry you trust: this verifier has no registries of trusted issuers."
            )
        if self.unavailable and len(self.unavailable) == self.consulted:
            return "Not in any registry you trust that could be read now."
        return "Not in any registry you trust."

    def to_dict(self) -> dict[str, Any]:
        return {
            "issuerId": self.issuer_id,
            "known": bool(self.known),
            "message": self.message,
            "registries": [k.to_dict() for k in self.known],
            "unavailable": list(self.unavailable),
            "consulted": self.consulted,
        }


@dataclass
class _Remote:
    url: str
    registry: Registry | None = None
    expires: float = 0.0
    failed_until: float = 0.0
    error: str | None = None


@dataclass
class Registries:
    """The registries a verifier trusts: files and inline documents read once, https URLs
    fetched through the guarded ``fetcher`` and kept ``ttl`` seconds (the last good copy
    stays in use while a refresh fails)."""

    registries: list[Registry] = field(default_factory=list)
    remote: list[_Remote] = field(default_factory=list)
    fetcher: Fetcher | None = None
    ttl: float = DEFAULT_TTL
    retry_after: float = 30.0  # a registry that could not be fetched is not asked again sooner
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_sources(
        cls, sources: Iterable[Any], *, fetcher: Fetcher | None = None, ttl: float = DEFAULT_TTL
    ) -> Registries:
        """Registries from file paths, http(s) URLs and registry documents (dicts).

        Files and documents are read now (RegistryError when one is unusable); URLs on
        first use. Raises RegistryError for a URL without a fetcher.
        """
        found = cls(fetcher=fetcher, ttl=ttl)
        for source in sources:
            if isinstance(source, Mapping):
                found.registries.append(parse_registry(dict(source), source="(configuration)"))
            elif isinstance(source, Registry):
                found.registries.append(source)
            elif isinstance(source, str) and source.startswith(("https://", "http://")):
                if fetcher is None:
                    raise RegistryError(f"registry {source[:200]}: no fetcher to read it with")
                found.remote.append(_Remote(source))
            elif isinstance(source, (str, Path)) and str(source).strip():
                found.registries.append(load_registry_file(str(source).strip()))
            else:
                raise RegistryError(
                    f"registry {str(source)[:100]!r}: give a file path, an https URL or a document"
                )
        return found

    def __len__(self) -> int:
        return len(self.registries) + len(self.remote)

    def _fetch(self, remote: _Remote) -> Registry | None:
        now = self.clock()
        with self._lock:
            if remote.registry is not None and remote.expires > now:
                return remote.registry
            if remote.failed_until > now:
                return remote.registry
        assert self.fetcher is not None
        try:
            document = self.fetcher.get_json(remote.url, accept=REGISTRY_ACCEPT)
            registry = parse_registry(document, source=remote.url)
        except BadgeError as exc:  # FetchError, FormatError, RegistryError
            with self._lock:
                remote.failed_until = now + self.retry_after
                remote.error = str(exc)[:300]
            return remote.registry
        with self._lock:
            remote.registry = registry
            remote.expires = now + self.ttl
            remote.error = None
        return registry

    def lookup(self, issuer_id: str | None) -> RegistryResult:
        """What the registries say about ``issuer_id`` (the verified one; None when the
        signature was not verified: then nothing is looked up)."""
        if issuer_id is None:
            return RegistryResult(None, consulted=len(self))
        known: list[KnownIssuer] = []
        unavailable: list[str] = []
        registries = list(self.registries)
        for remote in self.remote:
            registry = self._fetch(remote)
            if registry is None:
                unavailable.append(remote.url)
            else:
                registries.append(registry)
        for registry in registries:
            entry = registry.lookup(issuer_id)
            if entry is not None:
                known.append(
                    KnownIssuer(registry.name, registry.url, entry.name, entry.url, entry.domain)
                )
        return RegistryResult(issuer_id, tuple(known), tuple(unavailable), len(self))
