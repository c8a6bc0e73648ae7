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
from ..messages import M, Message
from ..parsing import OB2_CONTEXTS as CONTEXTS
from ..parsing import is_assertion
from ..report import (
    REASON_NOT_A_BADGE,
    REASON_SETTLED,
    CheckId,
    Checks,
    Outcome,
    as_list,
    reason_of,
    settled,
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
        message: Message,
        detail: str | Sequence[Message] | None = None,
        *,
        undecided: bool = False,
        reason: str | None = None,
        skipped: bool = False,
    ) -> None:
        super().__init__(str(message))
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
    carrier: Message = field(default_factory=lambda: M("ob2.carrier.json"))
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

    def fetch(
        self, url: str, check: CheckId, what: Message, *, cache: bool = True
    ) -> dict[str, Any]:
        """The JSON object at ``url``; a _Stop on ``check`` when it cannot be had."""
        engine = self.engine
        if cache:
            hit = engine.documents.get(url)
            if isinstance(hit, dict):
                return hit
        if engine.fetcher is None:
            raise _Stop(
                check,
                M("ob2.no_fetcher", what=what),
                url[:200],
                undecided=True,
            )
        try:
            document = engine.fetcher.get_json(url, accept=ACCEPT, budget=self.checks.budget)
        except FetchSkippedError as exc:
            raise _Stop(
                check,
                settled("badge"),
                short(exc),
                reason=REASON_SETTLED,
                skipped=True,
            ) from exc
        except FetchBlockedError as exc:
            raise _Stop(
                check,
                M("ob2.blocked", what=what),
                short(exc),
            ) from exc
        except FetchStatusError as exc:
            if 400 <= exc.status < 500:
                raise _Stop(
                    check,
                    M("ob2.missing", what=what, status=str(exc.status)),
                    url[:200],
                ) from exc
            raise _Stop(
                check,
                M("ob2.unfetched", what=what),
                short(exc),
                undecided=True,
            ) from exc
        except FetchTooLargeError as exc:
            raise _Stop(check, M("ob2.too_large", what=what), short(exc)) from exc
        except FetchError as exc:
            raise _Stop(
                check,
                M("ob2.unfetched", what=what),
                short(exc),
                undecided=True,
                reason=reason_of(exc),
            ) from exc
        except FormatError as exc:
            raise _Stop(check, M("ob2.not_json", what=what), short(exc)) from exc
        if not isinstance(document, dict):
            raise _Stop(check, M("ob2.not_object", what=what), url[:200])
        if cache:
            engine.documents.put(url, document, engine.status_ttl)
        return document

    def linked(
        self, value: Any, check: CheckId, what: Message, *, embedded_ok: bool
    ) -> dict[str, Any]:
        """A linked Badge Object: fetched from its http(s) IRI, or embedded when allowed."""
        if isinstance(value, dict) and embedded_ok:
            return value
        ref = _ref_id(value)
        if ref is None:
            raise _Stop(check, M("ob2.unnamed_link", what=what))
        if not _is_http(ref):
            raise _Stop(check, M("ob2.no_address", what=what), ref[:200])
        document = self.fetch(ref, check, what)
        if document.get("id") != ref:
            raise _Stop(
                check,
                M("ob2.other_document", what=what, url=ref),
                str(document.get("id"))[:200],
            )
        return document

    # -- context -------------------------------------------------------------------------

    def check_context(self, assertion: dict[str, Any]) -> None:
        contexts = _contexts(assertion)
        urls = [c for c in contexts if isinstance(c, str)]
        if OB1_CONTEXT in urls:
            raise _Stop(CheckId.CONTEXT, M("ob2.ob1"))
        if not CONTEXTS & set(urls):
            raise _Stop(
                CheckId.CONTEXT,
                M("ob2.no_context"),
                f"@context is {assertion.get('@context')!r}"[:200],
            )
        unknown = [u for u in urls if not self.engine.loader.knows(u)]
        if unknown:
            self.checks.add(
                CheckId.CONTEXT,
                Outcome.WARNING,
                M("ob2.unknown_contexts"),
                ", ".join(u[:120] for u in unknown[:3]),
            )
        else:
            self.checks.add(CheckId.CONTEXT, Outcome.PASSED, M("ob2.context"))

    # -- hosted --------------------------------------------------------------------------

    def hosted_copy(self, given: dict[str, Any], fetched_from: str | None) -> dict[str, Any]:
        """The assertion as its issuer hosts it at its id (the copy that counts)."""
        url = given.get("id")
        if not isinstance(url, str) or not _is_http(url):
            raise _Stop(
                CheckId.PROOF,
                M("ob2.hosted_id"),
                repr(url)[:200],
            )
        if fetched_from == url:
            hosted = given
        else:
            try:
                hosted = self.fetch(url, CheckId.PROOF, M("ob2.what.hosted"), cache=False)
            except _Stop as stop:
                gone = stop.__cause__
                if isinstance(gone, FetchStatusError) and gone.status == 410:
                    raise _Stop(
                        CheckId.STATUS,
                        M("ob2.hosted_gone"),
                    ) from gone
                raise
        if hosted.get("revoked") is True:
            raise _revoked(hosted)
        if hosted.get("id") != url:
            raise _Stop(
                CheckId.PROOF,
                M("ob2.hosted_other"),
                f"it says its id is {hosted.get('id')!r}"[:200],
            )
        if not is_assertion(hosted) or _verification_kind(hosted) != "hosted":
            raise _Stop(
                CheckId.PROOF,
                M("ob2.hosted_not_hosted"),
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
                M("ob2.scope_property"),
                repr(prop)[:100],
            )
        starts = [s for s in as_list(policy.get("startsWith")) if isinstance(s, str) and s]
        allowed = [
            o.lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str) and o
        ]
        targets = [("assertion", str(self.assertion["id"]))]
        badge_id = self.badge_class.get("id")
        if _is_http(badge_id):
            targets.append(("badge_class", str(badge_id)))
        for label, url in targets:
            origin = _origin(url)
            assert origin is not None
            host = origin[1]
            netloc = urlsplit(url).netloc.lower()
            # startsWith scopes assertion ids; a badge class keeps to the allowed origins
            if label == "assertion" and starts and not any(url.startswith(s) for s in starts):
                raise _Stop(
                    CheckId.PROOF,
                    M("ob2.scope_starts"),
                    f"{url[:150]} does not start with {', '.join(s[:80] for s in starts[:3])}",
                )
            scoped = bool(starts) and label == "assertion"
            if allowed and host not in allowed and netloc not in allowed:
                raise _Stop(
                    CheckId.PROOF,
                    M(f"ob2.scope_origins.{label}"),
                    f"{host} is not in {', '.join(a[:80] for a in allowed[:3])}",
                )
            if not scoped and not allowed and origin != _origin(profile_id):
                raise _Stop(
                    CheckId.PROOF,
                    M(f"ob2.scope_own.{label}"),
                    f"{url[:150]} is not on the origin of {profile_id[:150]}",
                )
        where = urlsplit(str(self.assertion["id"])).netloc
        message = M("ob2.hosted_ok", site=where)
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
            M(
                "ob2.issuer_hosted",
                issuer=_name(self.profile) or M("ob2.unnamed_issuer"),
                id=profile_id,
            ),
        )

    # -- signed --------------------------------------------------------------------------

    def check_signature(self, token: str) -> None:
        assert self.profile is not None
        parts = token.strip().split(".")
        try:
            header = jsonutil.loads(b64url_decode(parts[0]), max_depth=8)
            signature = b64url_decode(parts[2])
        except FormatError as exc:
            raise _Stop(CheckId.PROOF, M("ob2.jws_malformed"), short(exc)) from exc
        if not isinstance(header, dict):
            raise _Stop(CheckId.PROOF, M("ob2.jws_header"))
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise _Stop(
                CheckId.PROOF,
                M("proof.refused_kind"),
                f"the JWS algorithm {alg!r} is not allowed (RS256 or ES256)"[:200],
            )
        if "crit" in header or header.get("b64") is False:
            raise _Stop(CheckId.PROOF, M("ob2.jws_crit"))
        profile_id = str(self.profile["id"])
        listed = [_ref_id(k) for k in as_list(self.profile.get("publicKey"))]
        listed_ids = [k for k in listed if k]
        verification = self.assertion.get("verification", self.assertion.get("verify"))
        creator = _ref_id(verification.get("creator")) if isinstance(verification, dict) else None
        if creator is not None:
            if creator not in listed_ids:
                raise _Stop(
                    CheckId.ISSUER,
                    M("ob2.key_not_listed"),
                    f"{creator[:150]} is not in the publicKey of {profile_id[:150]}",
                )
            candidates = [creator]
        else:
            candidates = listed_ids[:MAX_PUBLIC_KEYS]
        if not candidates:
            raise _Stop(CheckId.ISSUER, M("ob2.no_public_key"), profile_id[:200])
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
                    M(
                        "ob2.issuer_signed",
                        issuer=_name(self.profile) or M("ob2.the_issuer"),
                        id=profile_id,
                    ),
                    key_id,
                )
                self.checks.add(CheckId.PROOF, Outcome.PASSED, M("ob2.jws_ok", alg=alg))
                return
            tried.append(f"not with {key_id[:120]}")
        self.checks.add(CheckId.ISSUER, Outcome.PASSED, M("ob2.key_listed"))
        raise _Stop(
            CheckId.PROOF,
            M("proof.mismatch"),
            "; ".join(tried[:3]),
        )

    def issuer_key(self, key_id: str, profile_id: str) -> PublicKey:
        if not _is_http(key_id):
            raise _Stop(
                CheckId.ISSUER,
                M("ob2.key_no_address"),
                key_id[:200],
            )
        document = self.fetch(key_id, CheckId.ISSUER, M("ob2.what.key"))
        if document.get("id") not in (None, key_id):
            raise _Stop(
                CheckId.ISSUER,
                M("ob2.key_other_document"),
                f"it says its id is {document.get('id')!r}"[:200],
            )
        owner = _ref_id(document.get("owner"))
        if owner != profile_id:
            raise _Stop(
                CheckId.ISSUER,
                M("ob2.key_other_owner"),
                f"its owner is {owner!r}, the issuer is {profile_id}"[:200],
            )
        try:
            return load_pem_public_key(document.get("publicKeyPem"))
        except FormatError as exc:
            raise _Stop(CheckId.ISSUER, M("ob2.key_unreadable"), short(exc)) from exc

    # -- dates, status, recipient ----------------------------------------------------------

    def check_dates(self) -> None:
        try:
            issued = parse_datetime(self.assertion.get("issuedOn"))
            expires_raw = self.assertion.get("expires")
            expires = parse_datetime(expires_raw) if expires_raw is not None else None
        except FormatError as exc:
            self.checks.add(CheckId.DATES, Outcome.FAILED, M("ob2.dates_unreadable"), short(exc))
            return
        if issued > self.now:
            self.checks.add(
                CheckId.DATES,
                Outcome.FAILED,
                M("ob2.issued_in_future", date=format_datetime(issued)),
            )
        elif expires is not None and expires <= self.now:
            self.checks.add(
                CheckId.DATES, Outcome.FAILED, M("dates.expired", date=format_datetime(expires))
            )
        elif expires is not None:
            self.checks.add(
                CheckId.DATES,
                Outcome.PASSED,
                M(
                    "ob2.valid_until",
                    start=format_datetime(issued),
                    end=format_datetime(expires),
                ),
            )
        else:
            self.checks.add(
                CheckId.DATES, Outcome.PASSED, M("ob2.no_expiry", start=format_datetime(issued))
            )

    def check_status(self, check_status: bool) -> None:
        """Revocation: a hosted assertion still hosted without ``revoked: true`` (checked on
        the way), and for hosted and signed alike, not in the issuer's revocationList."""
        checks = self.checks
        assertion = self.assertion
        hosted = self.kind == "hosted"
        if not check_status:
            checks.add(CheckId.STATUS, Outcome.SKIPPED, M("status.not_asked"))
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
                    M("ob2.status_hosted_ok"),
                )
            else:
                checks.add(
                    CheckId.STATUS,
                    Outcome.SKIPPED,
                    M("ob2.no_revocation_list"),
                )
            return
        if not _is_http(list_url):
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                M("ob2.list_no_address"),
                list_url[:200],
            )
            return
        try:
            document = revocation_list(self.engine, list_url, checks.budget)
        except FetchSkippedError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.SKIPPED,
                settled("badge"),
                short(exc),
                reason=REASON_SETTLED,
            )
            return
        except FetchBlockedError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                M("ob2.list_blocked"),
                short(exc),
            )
            return
        except FetchError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.WARNING,
                M("status.undecided_badge"),
                short(exc),
                undecided=True,
                reason=reason_of(exc),
            )
            return
        except BadgeError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                M("ob2.list_unreadable"),
                short(exc),
            )
            return
        problem = _revocation_list_problem(document, list_url, str(self.profile["id"]))
        if problem is not None:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                M("ob2.list_untrustworthy"),
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
                M("ob2.status_hosted_listed_ok"),
            )
        else:
            checks.add(
                CheckId.STATUS,
                Outcome.PASSED,
                M("ob2.status_signed_ok"),
            )

    def check_recipient(self, candidate: str | None) -> None:
        if not candidate:
            self.checks.add(CheckId.RECIPIENT, Outcome.SKIPPED, M("recipient.not_given"))
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
                    M("ob2.hash_kind"),
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
            self.checks.add(CheckId.RECIPIENT, Outcome.PASSED, M("recipient.ok"))
        else:
            self.checks.add(CheckId.RECIPIENT, Outcome.FAILED, M("recipient.other"))

    def describe(self) -> Message | None:
        """A one-line summary of the badge for the format check, once it is known."""
        title = _name(self.badge_class)
        if title is None:
            return None
        issuer = _name(self.profile)
        kind = M(f"ob2.kind.{self.kind}")
        if issuer:
            return M(
                "ob2.described_from", kind=kind, carrier=self.carrier, title=title, issuer=issuer
            )
        return M("ob2.described", kind=kind, carrier=self.carrier, title=title)


def _revoked(assertion: dict[str, Any], reason: Any = None) -> _Stop:
    """The status check of a revoked badge, with the issuer's reason when it gives one."""
    reason = reason if reason is not None else assertion.get("revocationReason")
    detail = (
        [M("status.reason_detail", reason=reason[:292])]
        if isinstance(reason, str) and reason.strip()
        else None
    )
    return _Stop(CheckId.STATUS, M("status.revoked_badge"), detail)


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
            M("ob2.not_assertion"),
            f"its type is {what}"[:200],
            reason=REASON_NOT_A_BADGE,
        )
    if kind is None:
        raise _Stop(
            CheckId.FORMAT,
            M("ob2.no_verification"),
            repr(assertion.get("verification", assertion.get("verify")))[:200],
        )
    o.kind = kind
    if token is not None and kind != "signed":
        raise _Stop(
            CheckId.FORMAT,
            M("ob2.jws_not_signed"),
        )
    carrier = "jws" if token is not None else "json"
    if parsed.image:  # set when it was unbaked from an image
        o.carrier = M(f"ob2.carrier.{carrier}_image", image=str(parsed.image).upper())
    else:
        o.carrier = M(f"ob2.carrier.{carrier}")
    o.checks.add(
        CheckId.FORMAT,
        Outcome.PASSED,
        M("ob2.format", kind=M(f"ob2.kind.{kind}"), carrier=o.carrier),
    )
    if kind == "signed" and token is None:
        raise _Stop(
            CheckId.PROOF,
            M("ob2.signed_without_jws"),
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
            M("ob2.vocabulary_assertion"),
            "; ".join(problems[:5]),
        )
    o.problems = problems
    o.lesser = lesser


def documents(o: Ob2Run) -> None:
    """``issuer`` (first part): the badge class and the issuer's profile, fetched."""
    o.badge_class = o.linked(
        o.assertion.get("badge"), CheckId.ISSUER, M("ob2.what.badge_class"), embedded_ok=True
    )
    issuer_ref = o.badge_class.get("issuer")
    issuer_id = _ref_id(issuer_ref)
    if issuer_id is None or not _is_http(issuer_id):
        raise _Stop(
            CheckId.ISSUER,
            M("ob2.no_issuer_profile"),
            repr(issuer_id)[:200],
        )
    o.profile = o.linked(issuer_id, CheckId.ISSUER, M("ob2.what.profile"), embedded_ok=False)
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
            M("ob2.vocabulary_failed"),
            "; ".join(o.problems[:5]),
        )
    elif o.lesser:
        o.checks.add(
            CheckId.SCHEMA,
            Outcome.WARNING,
            M("ob2.vocabulary_lesser"),
            "; ".join(o.lesser[:5]),
        )
    else:
        o.checks.add(
            CheckId.SCHEMA,
            Outcome.PASSED,
            M("ob2.vocabulary_ok"),
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
    o.checks.add(CheckId.ENDORSEMENTS, Outcome.SKIPPED, M("ob2.endorsements"))


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
            checks.add(CheckId.FORMAT, Outcome.PASSED, M("ob2.format_plain"))
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
