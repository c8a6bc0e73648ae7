"""Open Badges 2.0 assertions: hosted and signed (JWS) verification, as steps.

Schools hold badges from Moodle, Badgr and other OB 2.0 issuers. The pipeline hands an
OB 2.0 assertion (JSON with the ``https://w3id.org/openbadges/v2`` context or of type
``Assertion``, a compact JWS carrying one, or a link that returns one; see
``..parsing.is_assertion``) to the OB 2.0 steps declared in ``..pipeline``, and gets the
same report of named checks as for an OB 3.0 credential:

- **hosted** (``verification.type`` ``HostedBadge``/``hosted``): the assertion's ``id``
  is fetched and its copy there is the one checked; the ``id`` must lie within the
  issuer profile's hosted scope (its ``verification`` ``startsWith``/``allowedOrigins``,
  by default the profile's own origin); ``410 Gone``, ``revoked: true`` or its id in the
  profile's ``revocationList`` is revoked (``revoked`` defaults to false only when the
  assertion is not in that list).
- **signed** (``SignedBadge``/``signed``): the JWS is RS256 (ES256 accepted; ``none``,
  HMAC and anything else refused); the key is the ``CryptographicKey`` named by
  ``verification.creator`` (or else each key the profile lists), which the issuer
  profile, fetched from its own ``id``, must list in ``publicKey`` and which must name
  the issuer as ``owner``; the profile's ``revocationList`` says whether it was revoked.

The recipient is an IdentityObject, plain or hashed (``sha256$``/``md5$``, salted).
Everything remote goes through the verifier's guarded fetcher. Nothing here raises for
bad input: each problem ends as a failed (or, when it cannot be decided now, warning)
check with a plain-language message. A step that meets such a problem ends the run
(``_Stop``): the checks after it are not reached.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ... import jsonutil
from ...errors import (
    BadgeError,
    FetchBlockedError,
    FetchError,
    FetchSkippedError,
    FetchStatusError,
    FetchTooLargeError,
    FormatError,
)
from ...identity import identity_matches, normalize_email
from ...keys import Algorithm, PublicKey
from ...multibase import b64url_decode
from ...timeutil import format_datetime, parse_datetime
from ..context import Engine, Run
from ..parsing import OB2_CONTEXTS as CONTEXTS
from ..parsing import is_assertion
from ..report import (
    REASON_NOT_A_BADGE,
    REASON_SETTLED,
    SETTLED_MESSAGE,
    CheckId,
    Checks,
    Outcome,
    as_list,
    reason_of,
    short,
    types_of,
)
from .status import revocation_list

OB1_CONTEXT = "https://w3id.org/openbadges/v1"
ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"
ALLOWED_ALGS = {"RS256": Algorithm.RS256, "ES256": Algorithm.ES256}
HOSTED_TYPES = frozenset({"HostedBadge", "hosted"})
SIGNED_TYPES = frozenset({"SignedBadge", "signed"})
MAX_PUBLIC_KEYS = 8
MAX_REVOKED = 1_000_000
_HASHED = re.compile(r"^(sha256|md5)\$[0-9a-f]+$", re.IGNORECASE)


def _contexts(document: dict[str, Any]) -> list[Any]:
    return as_list(document.get("@context"))


class _Stop(Exception):
    """Ends the run with one check (the failed or undecidable one)."""

    def __init__(
        self,
        name: CheckId,
        message: str,
        detail: str | None = None,
        *,
        undecided: bool = False,
        reason: str | None = None,
        skipped: bool = False,
    ) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.detail = detail
        self.undecided = undecided
        self.reason = reason
        self.skipped = skipped


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def _is_http(value: Any) -> bool:
    return isinstance(value, str) and _origin(value) is not None


def _ref_id(value: Any) -> str | None:
    """The id of a linked object given as an IRI or as an embedded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _verification_kind(assertion: dict[str, Any]) -> str | None:
    """``hosted``, ``signed``, or None when the assertion names neither."""
    verification = assertion.get("verification", assertion.get("verify"))
    if not isinstance(verification, dict):
        return None
    kinds = set(types_of(verification))
    if kinds & HOSTED_TYPES and not kinds & SIGNED_TYPES:
        return "hosted"
    if kinds & SIGNED_TYPES and not kinds & HOSTED_TYPES:
        return "signed"
    return None


def _name(document: dict[str, Any] | None) -> str | None:
    name = document.get("name") if document else None
    return name if isinstance(name, str) and name.strip() else None


def load_pem_public_key(pem: Any) -> PublicKey:
    """A verification key from a CryptographicKey's ``publicKeyPem``.

    Raises FormatError when it is not a PEM public key of a kind this library verifies
    with (RSA of at least 2048 bits, or P-256).
    """
    if not isinstance(pem, str) or "PUBLIC KEY" not in pem or len(pem) > 16_384:
        raise FormatError("the key document has no usable publicKeyPem")
    try:
        loaded = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError) as exc:
        raise FormatError(f"publicKeyPem is not a readable public key: {short(exc)}") from exc
    if not isinstance(loaded, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise FormatError("publicKeyPem is not an RSA or P-256 key")
    key = PublicKey(loaded)
    try:
        key.alg  # noqa: B018 - refuses other curves and short RSA keys
    except BadgeError as exc:
        raise FormatError(f"publicKeyPem: {exc}") from exc
    return key


def _structure_problems(document: dict[str, Any], kind: str) -> tuple[list[str], list[str]]:
    """(problems, lesser problems) with one Badge Object's required properties."""
    problems: list[str] = []
    lesser: list[str] = []
    if not isinstance(document.get("id"), str) or ":" not in document["id"]:
        problems.append(f"the {kind} has no IRI id")
    types = types_of(document)
    if kind == "assertion":
        if "Assertion" not in types:
            problems.append("the assertion's type is not Assertion")
        recipient = document.get("recipient")
        if not isinstance(recipient, dict):
            problems.append("the assertion has no recipient IdentityObject")
        else:
            if not isinstance(recipient.get("identity"), str):
                problems.append("recipient.identity is missing")
            if not isinstance(recipient.get("type"), str):
                problems.append("recipient.type is missing")
            if "hashed" in recipient and not isinstance(recipient["hashed"], bool):
                problems.append("recipient.hashed is not a boolean")
            if "salt" in recipient and not isinstance(recipient["salt"], (str, type(None))):
                problems.append("recipient.salt is not text")
        if _ref_id(document.get("badge")) is None:
            problems.append("the assertion names no badge class")
        if not isinstance(document.get("issuedOn"), str):
            problems.append("issuedOn is missing")
        if "revoked" in document and not isinstance(document["revoked"], bool):
            problems.append("revoked is not a boolean")
    elif kind == "badge class":
        if "BadgeClass" not in types:
            problems.append("the badge class's type is not BadgeClass")
        for prop in ("name", "description"):
            if not isinstance(document.get(prop), str):
                problems.append(f"the badge class has no {prop}")
        if _ref_id(document.get("image")) is None:
            problems.append("the badge class has no image")
        if not isinstance(document.get("criteria"), (str, dict)):
            problems.append("the badge class has no criteria")
        if _ref_id(document.get("issuer")) is None:
            problems.append("the badge class names no issuer")
    else:
        if not {"Issuer", "Profile"} & set(types):
            problems.append("the issuer's type is not Issuer or Profile")
        for prop in ("name", "url"):
            if not isinstance(document.get(prop), str):
                problems.append(f"the issuer profile has no {prop}")
        if not isinstance(document.get("email"), str):
            lesser.append("the issuer profile has no email")
    return problems, lesser


@dataclass
class Ob2Run:
    """One verification of one OB 2.0 assertion; collects what its steps learn."""

    run: Run
    kind: str = "hosted"
    assertion: dict[str, Any] = field(default_factory=dict)
    badge_class: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    copy_differs: bool = False
    carrier: str = "JSON"
    problems: list[str] = field(default_factory=list)  # with the vocabulary: a failure
    lesser: list[str] = field(default_factory=list)  # small omissions: a warning

    @property
    def engine(self) -> Engine:
        return self.run.engine

    @property
    def checks(self) -> Checks:
        return self.run.checks

    @property
    def now(self) -> datetime:
        return self.run.now

    # -- fetching ------------------------------------------------------------------------

    def fetch(self, url: str, check: CheckId, what: str, *, cache: bool = True) -> dict[str, Any]:
        """The JSON object at ``url``; a _Stop on ``check`` when it cannot be had."""
        engine = self.engine
        if cache:
            hit = engine.documents.get(url)
            if isinstance(hit, dict):
                return hit
        if engine.fetcher is None:
            raise _Stop(
                check,
                f"{what.capitalize()} cannot be fetched: this verifier does not follow links.",
                url[:200],
                undecided=True,
            )
        try:
            document = engine.fetcher.get_json(url, accept=ACCEPT, budget=self.checks.budget)
        except FetchSkippedError as exc:
            raise _Stop(
                check,
                SETTLED_MESSAGE.format(noun="badge"),
                short(exc),
                reason=REASON_SETTLED,
                skipped=True,
            ) from exc
        except FetchBlockedError as exc:
            raise _Stop(
                check,
                f"{what.capitalize()} is at an address this verifier refuses to visit.",
                short(exc),
            ) from exc
        except FetchStatusError as exc:
            if 400 <= exc.status < 500:
                raise _Stop(
                    check,
                    f"{what.capitalize()} is not at its address (HTTP {exc.status}).",
                    url[:200],
                ) from exc
            raise _Stop(
                check,
                f"{what.capitalize()} could not be fetched right now.",
                short(exc),
                undecided=True,
            ) from exc
        except FetchTooLargeError as exc:
            raise _Stop(check, f"{what.capitalize()} is too large.", short(exc)) from exc
        except FetchError as exc:
            raise _Stop(
                check,
                f"{what.capitalize()} could not be fetched right now.",
                short(exc),
                undecided=True,
                reason=reason_of(exc),
            ) from exc
        except FormatError as exc:
            raise _Stop(check, f"{what.capitalize()} is not valid JSON.", short(exc)) from exc
        if not isinstance(document, dict):
            raise _Stop(check, f"{what.capitalize()} is not a JSON object.", url[:200])
        if cache:
            engine.documents.put(url, document, engine.status_ttl)
        return document

    def linked(self, value: Any, check: CheckId, what: str, *, embedded_ok: bool) -> dict[str, Any]:
        """A linked Badge Object: fetched from its http(s) IRI, or embedded when allowed."""
        if isinstance(value, dict) and embedded_ok:
            return value
        ref = _ref_id(value)
        if ref is None:
            raise _Stop(check, f"The assertion does not say which {what} it belongs to.")
        if not _is_http(ref):
            raise _Stop(
                check, f"{what.capitalize()} has no address it can be fetched from.", ref[:200]
            )
        document = self.fetch(ref, check, what)
        if document.get("id") != ref:
            raise _Stop(
                check,
                f"{what.capitalize()} fetched from {ref} says it is something else.",
                str(document.get("id"))[:200],
            )
        return document

    # -- context -------------------------------------------------------------------------

    def check_context(self, assertion: dict[str, Any]) -> None:
        contexts = _contexts(assertion)
        urls = [c for c in contexts if isinstance(c, str)]
        if OB1_CONTEXT in urls:
            raise _Stop(CheckId.CONTEXT, "Open Badges 1.x assertions are not supported.")
        if not CONTEXTS & set(urls):
            raise _Stop(
                CheckId.CONTEXT,
                "The assertion does not name the Open Badges 2.0 context.",
                f"@context is {assertion.get('@context')!r}"[:200],
            )
        unknown = [u for u in urls if not self.engine.loader.knows(u)]
        if unknown:
            self.checks.add(
                CheckId.CONTEXT,
                Outcome.WARNING,
                "The assertion also names contexts this verifier does not know; their terms were not checked.",
                ", ".join(u[:120] for u in unknown[:3]),
            )
        else:
            self.checks.add(CheckId.CONTEXT, Outcome.PASSED, "The Open Badges 2.0 context.")

    # -- hosted --------------------------------------------------------------------------

    def hosted_copy(self, given: dict[str, Any], fetched_from: str | None) -> dict[str, Any]:
        """The assertion as its issuer hosts it at its id (the copy that counts)."""
        url = given.get("id")
        if not isinstance(url, str) or not _is_http(url):
            raise _Stop(
                CheckId.PROOF,
                "A hosted assertion's id must be the web address it is hosted at.",
                repr(url)[:200],
            )
        if fetched_from == url:
            hosted = given
        else:
            try:
                hosted = self.fetch(url, CheckId.PROOF, "the hosted assertion", cache=False)
            except _Stop as stop:
                gone = stop.__cause__
                if isinstance(gone, FetchStatusError) and gone.status == 410:
                    raise _Stop(
                        CheckId.STATUS,
                        "The issuer has revoked this badge: its hosted assertion is gone (HTTP 410).",
                    ) from gone
                raise
        if hosted.get("revoked") is True:
            raise _revoked(hosted)
        if hosted.get("id") != url:
            raise _Stop(
                CheckId.PROOF,
                "The document at the assertion's address is not this assertion.",
                f"it says its id is {hosted.get('id')!r}"[:200],
            )
        if not is_assertion(hosted) or _verification_kind(hosted) != "hosted":
            raise _Stop(
                CheckId.PROOF,
                "The document at the assertion's address is not a hosted OB 2.0 assertion.",
            )
        self.copy_differs = hosted != given
        return hosted

    def check_hosted_scope(self) -> None:
        assert self.profile is not None and self.badge_class is not None
        profile_id = str(self.profile["id"])
        policy = self.profile.get("verification")
        policy = policy if isinstance(policy, dict) else {}
        prop = policy.get("verificationProperty", "id")
        if prop not in ("id", "@id"):
            raise _Stop(
                CheckId.PROOF,
                "The issuer's hosting rules use a verification property this verifier does not know.",
                repr(prop)[:100],
            )
        starts = [s for s in as_list(policy.get("startsWith")) if isinstance(s, str) and s]
        allowed = [
            o.lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str) and o
        ]
        targets = [("assertion", str(self.assertion["id"]))]
        badge_id = self.badge_class.get("id")
        if _is_http(badge_id):
            targets.append(("badge class", str(badge_id)))
        for label, url in targets:
            origin = _origin(url)
            assert origin is not None
            host = origin[1]
            netloc = urlsplit(url).netloc.lower()
            # startsWith scopes assertion ids; a badge class keeps to the allowed origins
            if label == "assertion" and starts and not any(url.startswith(s) for s in starts):
                raise _Stop(
                    CheckId.PROOF,
                    f"The {label} is not hosted where the issuer says its badges are.",
                    f"{url[:150]} does not start with {', '.join(s[:80] for s in starts[:3])}",
                )
            scoped = bool(starts) and label == "assertion"
            if allowed and host not in allowed and netloc not in allowed:
                raise _Stop(
                    CheckId.PROOF,
                    f"The {label} is hosted on a site the issuer does not allow.",
                    f"{host} is not in {', '.join(a[:80] for a in allowed[:3])}",
                )
            if not scoped and not allowed and origin != _origin(profile_id):
                raise _Stop(
                    CheckId.PROOF,
                    f"The {label} is not hosted at the issuer's own web address.",
                    f"{url[:150]} is not on the origin of {profile_id[:150]}",
                )
        where = urlsplit(str(self.assertion["id"])).netloc
        message = f"The assertion is hosted by its issuer ({where}), and that copy was checked."
        self.checks.verified_issuer = profile_id
        if self.copy_differs:
            self.checks.add(
                CheckId.PROOF,
                Outcome.WARNING,
                message,
                "The copy given differs from the one the issuer hosts; the hosted one counts.",
            )
        else:
            self.checks.add(CheckId.PROOF, Outcome.PASSED, message)
        self.checks.add(
            CheckId.ISSUER,
            Outcome.PASSED,
            f"Issued by {_name(self.profile) or 'an unnamed issuer'} <{profile_id}>, "
            "whose profile was fetched from its own address.",
        )

    # -- signed --------------------------------------------------------------------------

    def check_signature(self, token: str) -> None:
        assert self.profile is not None
        parts = token.strip().split(".")
        try:
            header = jsonutil.loads(b64url_decode(parts[0]), max_depth=8)
            signature = b64url_decode(parts[2])
        except FormatError as exc:
            raise _Stop(CheckId.PROOF, "The JWS is malformed.", short(exc)) from exc
        if not isinstance(header, dict):
            raise _Stop(CheckId.PROOF, "The JWS header is not a JSON object.")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise _Stop(
                CheckId.PROOF,
                "The signature is of a kind that is refused.",
                f"the JWS algorithm {alg!r} is not allowed (RS256 or ES256)"[:200],
            )
        if "crit" in header or header.get("b64") is False:
            raise _Stop(
                CheckId.PROOF, "The JWS has critical header parameters this verifier does not know."
            )
        profile_id = str(self.profile["id"])
        listed = [_ref_id(k) for k in as_list(self.profile.get("publicKey"))]
        listed_ids = [k for k in listed if k]
        verification = self.assertion.get("verification", self.assertion.get("verify"))
        creator = _ref_id(verification.get("creator")) if isinstance(verification, dict) else None
        if creator is not None:
            if creator not in listed_ids:
                raise _Stop(
                    CheckId.ISSUER,
                    "The signing key is not one the issuer lists in its profile.",
                    f"{creator[:150]} is not in the publicKey of {profile_id[:150]}",
                )
            candidates = [creator]
        else:
            candidates = listed_ids[:MAX_PUBLIC_KEYS]
        if not candidates:
            raise _Stop(
                CheckId.ISSUER, "The issuer's profile lists no public key.", profile_id[:200]
            )
        signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
        tried: list[str] = []
        for key_id in candidates:
            key = self.issuer_key(key_id, profile_id)
            if key.alg is not ALLOWED_ALGS[alg]:
                tried.append(f"{key_id[:120]} is a {key.alg.value} key, the JWS says {alg}")
                continue
            if key.verify(signature, signing_input):
                self.checks.verified_issuer = profile_id
                self.checks.add(
                    CheckId.ISSUER,
                    Outcome.PASSED,
                    f"Signed with a key that {_name(self.profile) or 'the issuer'} <{profile_id}> "
                    "lists in its profile.",
                    key_id,
                )
                self.checks.add(
                    CheckId.PROOF, Outcome.PASSED, f"The {alg} signature (JWS) verifies."
                )
                return
            tried.append(f"not with {key_id[:120]}")
        self.checks.add(
            CheckId.ISSUER, Outcome.PASSED, "The issuer lists the signing key in its profile."
        )
        raise _Stop(
            CheckId.PROOF,
            "The signature does not match: the badge was changed or forged.",
            "; ".join(tried[:3]),
        )

    def issuer_key(self, key_id: str, profile_id: str) -> PublicKey:
        if not _is_http(key_id):
            raise _Stop(
                CheckId.ISSUER,
                "The issuer's key has no address it can be fetched from.",
                key_id[:200],
            )
        document = self.fetch(key_id, CheckId.ISSUER, "the issuer's public key")
        if document.get("id") not in (None, key_id):
            raise _Stop(
                CheckId.ISSUER,
                "The key document fetched is not the key the issuer lists.",
                f"it says its id is {document.get('id')!r}"[:200],
            )
        owner = _ref_id(document.get("owner"))
        if owner != profile_id:
            raise _Stop(
                CheckId.ISSUER,
                "The signing key belongs to someone else, not the issuer.",
                f"its owner is {owner!r}, the issuer is {profile_id}"[:200],
            )
        try:
            return load_pem_public_key(document.get("publicKeyPem"))
        except FormatError as exc:
            raise _Stop(CheckId.ISSUER, "The issuer's key cannot be read.", short(exc)) from exc

    # -- dates, status, recipient ----------------------------------------------------------

    def check_dates(self) -> None:
        try:
            issued = parse_datetime(self.assertion.get("issuedOn"))
            expires_raw = self.assertion.get("expires")
            expires = parse_datetime(expires_raw) if expires_raw is not None else None
        except FormatError as exc:
            self.checks.add(
                CheckId.DATES, Outcome.FAILED, "The badge's dates are unreadable.", short(exc)
            )
            return
        if issued > self.now:
            self.checks.add(
                CheckId.DATES,
                Outcome.FAILED,
                f"The badge says it was issued in the future ({format_datetime(issued)}).",
            )
        elif expires is not None and expires <= self.now:
            self.checks.add(
                CheckId.DATES, Outcome.FAILED, f"The badge expired on {format_datetime(expires)}."
            )
        elif expires is not None:
            self.checks.add(
                CheckId.DATES,
                Outcome.PASSED,
                f"Issued on {format_datetime(issued)}; valid until {format_datetime(expires)}.",
            )
        else:
            self.checks.add(
                CheckId.DATES, Outcome.PASSED, f"Issued on {format_datetime(issued)}; no expiry."
            )

    def check_status(self, check_status: bool) -> None:
        """Revocation: a hosted assertion still hosted without ``revoked: true`` (checked on
        the way), and for hosted and signed alike, not in the issuer's revocationList."""
        checks = self.checks
        assertion = self.assertion
        hosted = self.kind == "hosted"
        if not check_status:
            checks.add(CheckId.STATUS, Outcome.SKIPPED, "Status was not checked (as asked).")
            return
        if checks.failed:
            checks.skip_settled(CheckId.STATUS)
            return
        assert self.profile is not None
        list_url = _ref_id(self.profile.get("revocationList"))
        if list_url is None:
            if hosted:
                checks.add(
                    CheckId.STATUS,
                    Outcome.PASSED,
                    "The issuer still hosts this badge and has not revoked it.",
                )
            else:
                checks.add(
                    CheckId.STATUS,
                    Outcome.SKIPPED,
                    "The issuer publishes no revocation list for its badges.",
                )
            return
        if not _is_http(list_url):
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                "The issuer's revocation list has no address it can be fetched from.",
                list_url[:200],
            )
            return
        try:
            document = revocation_list(self.engine, list_url, checks.budget)
        except FetchSkippedError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.SKIPPED,
                SETTLED_MESSAGE.format(noun="badge"),
                short(exc),
                reason=REASON_SETTLED,
            )
            return
        except FetchBlockedError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                "The issuer's revocation list is at an address this verifier refuses to visit.",
                short(exc),
            )
            return
        except FetchError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.WARNING,
                "Whether the badge was revoked cannot be checked right now.",
                short(exc),
                undecided=True,
                reason=reason_of(exc),
            )
            return
        except BadgeError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                "The issuer's revocation list is unreadable.",
                short(exc),
            )
            return
        problem = _revocation_list_problem(document, list_url, str(self.profile["id"]))
        if problem is not None:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                "The badge's revocation list is not trustworthy.",
                problem,
            )
            return
        found, reason = _revocation(document, assertion)
        if found:
            revoked = _revoked(assertion, reason or "")
            if isinstance(reason, str) and reason.strip():
                checks.revocation_reason = reason.strip()[:500]
            checks.revoked = True
            checks.add(CheckId.STATUS, Outcome.FAILED, revoked.message, revoked.detail)
        elif hosted:
            checks.add(
                CheckId.STATUS,
                Outcome.PASSED,
                "The issuer still hosts this badge, and its revocation list does not list it.",
            )
        else:
            checks.add(
                CheckId.STATUS,
                Outcome.PASSED,
                "The issuer's revocation list does not list this badge.",
            )

    def check_recipient(self, candidate: str | None) -> None:
        if not candidate:
            self.checks.add(CheckId.RECIPIENT, Outcome.SKIPPED, "No recipient was given to check.")
            return
        recipient = self.assertion.get("recipient")
        assert isinstance(recipient, dict)
        identity = str(recipient.get("identity"))
        id_type = str(recipient.get("type", "email"))
        salt = recipient.get("salt")
        hashed = recipient.get("hashed")
        if hashed is None:
            hashed = bool(_HASHED.match(identity))
        if hashed:
            algorithm = identity.partition("$")[0].lower()
            if not _HASHED.match(identity):
                self.checks.add(
                    CheckId.RECIPIENT,
                    Outcome.FAILED,
                    "The recipient's hash is of a kind this verifier cannot check.",
                    f"{algorithm[:20]!r} (sha256$ and md5$ are understood)",
                )
                return
            matches = identity_matches(identity, salt if isinstance(salt, str) else None, candidate)
        elif id_type in ("email", "http://schema.org/email", "https://schema.org/email"):
            matches = hmac.compare_digest(
                normalize_email(identity).encode(), normalize_email(candidate).encode()
            )
        else:
            matches = hmac.compare_digest(identity.encode(), candidate.strip().encode())
        if matches:
            self.checks.add(
                CheckId.RECIPIENT, Outcome.PASSED, "The badge was awarded to this recipient."
            )
        else:
            self.checks.add(
                CheckId.RECIPIENT, Outcome.FAILED, "The badge was not awarded to this recipient."
            )

    def describe(self) -> str | None:
        """A one-line summary of the badge for the format check, once it is known."""
        title = _name(self.badge_class)
        if title is None:
            return None
        issuer = _name(self.profile)
        by = f" from {issuer}" if issuer else ""
        return f"An Open Badges 2.0 assertion ({self.kind}, {self.carrier}): “{title}”{by}."


def _revoked(assertion: dict[str, Any], reason: Any = None) -> _Stop:
    """The status check of a revoked badge, with the issuer's reason when it gives one."""
    reason = reason if reason is not None else assertion.get("revocationReason")
    detail = f"Reason: {reason}"[:300] if isinstance(reason, str) and reason.strip() else None
    return _Stop(CheckId.STATUS, "The issuer has revoked this badge.", detail)


def _revocation_list_problem(document: Any, list_url: str, issuer_id: str) -> str | None:
    if not isinstance(document, dict):
        return "the revocation list is not a JSON object"
    if "RevocationList" not in types_of(document):
        return "the document is not a RevocationList"
    if document.get("id") not in (None, list_url):
        return "the revocation list's id is not the address it came from"
    owner = _ref_id(document.get("issuer"))
    if owner is not None and owner != issuer_id:
        return "the revocation list belongs to another issuer"
    entries = document.get("revokedAssertions", [])
    if not isinstance(entries, list) or len(entries) > MAX_REVOKED:
        return "revokedAssertions is not a list"
    return None


def _revocation(document: dict[str, Any], assertion: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether the list names the assertion (by id, or legacy uid), and the reason given."""
    assertion_id = assertion.get("id")
    uid = assertion.get("uid")
    for entry in document.get("revokedAssertions", []):
        if isinstance(entry, str):
            if entry == assertion_id:
                return True, None
            continue
        if not isinstance(entry, dict):
            continue
        same = (entry.get("id") is not None and entry.get("id") == assertion_id) or (
            isinstance(uid, str) and entry.get("uid") == uid
        )
        if same and entry.get("revoked", True) is not False:
            reason = entry.get("revocationReason")
            return True, reason if isinstance(reason, str) and reason else None
    return False, None


# --- the steps, in the order ..pipeline.OB2_STEPS runs them ---------------------------------

Ob2Step = Callable[[Ob2Run], None]


def recognise(o: Ob2Run) -> None:
    """``format``: an assertion that says how it is verified (hosted, or signed as a JWS)."""
    parsed = o.run.parsed
    assertion = parsed.credential
    token = parsed.token
    kind = _verification_kind(assertion)
    types = types_of(assertion)
    if assertion.get("revoked") is True:  # a revoked assertion may carry only id and revoked
        raise _revoked(assertion)
    if "Assertion" not in types:
        what = ", ".join(types) or "no type"
        raise _Stop(
            CheckId.FORMAT,
            "This Open Badges 2.0 document is not an assertion (an awarded badge).",
            f"its type is {what}"[:200],
            reason=REASON_NOT_A_BADGE,
        )
    if kind is None:
        raise _Stop(
            CheckId.FORMAT,
            "The assertion does not say how to verify it (hosted or signed).",
            repr(assertion.get("verification", assertion.get("verify")))[:200],
        )
    o.kind = kind
    if token is not None and kind != "signed":
        raise _Stop(
            CheckId.FORMAT,
            "This JWS carries an assertion that does not declare signed verification.",
        )
    carrier = "a JWS" if token is not None else "JSON"
    if parsed.image:  # set when it was unbaked from an image
        carrier += f" from a baked {str(parsed.image).upper()} image"
    o.carrier = carrier
    o.checks.add(
        CheckId.FORMAT, Outcome.PASSED, f"An Open Badges 2.0 assertion ({kind}, {carrier})."
    )
    if kind == "signed" and token is None:
        raise _Stop(
            CheckId.PROOF,
            "The assertion declares signed verification but comes without its signature (JWS).",
        )


def context(o: Ob2Run) -> None:
    """``context``: the Open Badges 2.0 context (OB 1.x refused)."""
    o.check_context(o.run.parsed.credential)


def hosted_copy(o: Ob2Run) -> None:
    """A hosted assertion is checked as its issuer hosts it at its id (the copy that counts)."""
    given = o.run.parsed.credential
    if o.kind == "hosted":
        o.assertion = o.hosted_copy(given, o.run.parsed.fetched_from)
        if o.assertion is not given:
            o.check_context(o.assertion)
    else:
        o.assertion = given


def vocabulary(o: Ob2Run) -> None:
    """``schema`` (first part): the assertion has the properties an assertion must have."""
    problems, lesser = _structure_problems(o.assertion, "assertion")
    if problems:
        raise _Stop(
            CheckId.SCHEMA,
            "The assertion does not follow the Open Badges 2.0 vocabulary.",
            "; ".join(problems[:5]),
        )
    o.problems = problems
    o.lesser = lesser


def documents(o: Ob2Run) -> None:
    """``issuer`` (first part): the badge class and the issuer's profile, fetched."""
    o.badge_class = o.linked(
        o.assertion.get("badge"), CheckId.ISSUER, "the badge class", embedded_ok=True
    )
    issuer_ref = o.badge_class.get("issuer")
    issuer_id = _ref_id(issuer_ref)
    if issuer_id is None or not _is_http(issuer_id):
        raise _Stop(
            CheckId.ISSUER,
            "The badge class names no issuer profile with a web address to check it against.",
            repr(issuer_id)[:200],
        )
    o.profile = o.linked(issuer_id, CheckId.ISSUER, "the issuer's profile", embedded_ok=False)
    for document, label in ((o.badge_class, "badge class"), (o.profile, "issuer")):
        more, less = _structure_problems(document, label)
        o.problems += more
        o.lesser += less


def proof(o: Ob2Run) -> None:
    """``proof`` and ``issuer``: hosted in the issuer's scope, or a JWS by a key it lists."""
    if o.kind == "hosted":
        o.check_hosted_scope()
    else:
        token = o.run.parsed.token
        assert token is not None
        o.check_signature(token)


def schema(o: Ob2Run) -> None:
    """``schema``: the assertion, badge class and profile have every required property."""
    if o.problems:
        o.checks.add(
            CheckId.SCHEMA,
            Outcome.FAILED,
            "The badge does not follow the Open Badges 2.0 vocabulary.",
            "; ".join(o.problems[:5]),
        )
    elif o.lesser:
        o.checks.add(
            CheckId.SCHEMA,
            Outcome.WARNING,
            "The badge follows the Open Badges 2.0 vocabulary, with small omissions.",
            "; ".join(o.lesser[:5]),
        )
    else:
        o.checks.add(
            CheckId.SCHEMA,
            Outcome.PASSED,
            "The assertion, badge class and issuer profile have every required property.",
        )


def dates(o: Ob2Run) -> None:
    o.check_dates()


def recipient(o: Ob2Run) -> None:
    """The recipient needs no fetch: it comes before the status, so that once a check has
    failed the revocation list, which could no longer change the verdict, is not fetched."""
    o.check_recipient(o.run.recipient)


def status(o: Ob2Run) -> None:
    o.check_status(o.run.check_status)


def endorsements(o: Ob2Run) -> None:
    o.checks.add(
        CheckId.ENDORSEMENTS, Outcome.SKIPPED, "Open Badges 2.0 endorsements are not checked."
    )


def verify_assertion(run: Run, steps: Sequence[Ob2Step]) -> None:
    """Run the OB 2.0 ``steps`` on a parsed assertion, adding their checks to ``run.checks``.

    The first step that raises ``_Stop`` ends the run with its check.
    """
    checks = run.checks
    o = Ob2Run(run)
    try:
        for step in steps:
            step(o)
    except _Stop as stop:
        outcome = Outcome.WARNING if stop.undecided else Outcome.FAILED
        if stop.skipped:
            outcome = Outcome.SKIPPED
        if stop.name == CheckId.STATUS and outcome is Outcome.FAILED:
            checks.revoked = True  # revoked: true, or its hosted copy is gone
        if stop.name != CheckId.FORMAT and not checks.has(CheckId.FORMAT):
            checks.add(CheckId.FORMAT, Outcome.PASSED, "An Open Badges 2.0 assertion.")
        checks.add(
            stop.name,
            outcome,
            stop.message,
            stop.detail,
            undecided=stop.undecided,
            reason=stop.reason,
        )
    summary = o.describe()
    current = checks.get(CheckId.FORMAT)
    if summary and current is not None and current.outcome is Outcome.PASSED:
        checks.add(CheckId.FORMAT, Outcome.PASSED, summary)
