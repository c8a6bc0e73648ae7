"""Reading what was given: JSON, a compact VC-JWT, a link, a baked PNG or SVG image.

``parse_source`` turns any of them into a ``Parsed`` credential (raising a ``BadgeError``
for what is none); ``read`` does the same for the pipeline and reports the ``format``
check. Open Badges 2.0 documents are recognised here too (``is_assertion``,
``jws_assertion``); their checks are ``badges.verification.steps.ob2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import jsonutil
from ..clr_shape import CLR_TYPE, is_clr
from ..errors import (
    BadgeError,
    FetchError,
    FetchStatusError,
    FormatError,
    ImageError,
    InputTooLargeError,
    NoBakedBadgeError,
    ProofError,
)
from ..fetch import FetchBudget, Fetcher
from ..multibase import b64url_decode
from ..proofs import vc_jwt
from ..proofs.vc_jwt import MAX_TOKEN_CHARS
from .messages import M
from .report import (
    REASON_NOT_A_BADGE,
    CheckId,
    Checks,
    Outcome,
    as_list,
    reason_of,
    short,
    types_of,
)

OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
JSON_ACCEPT = "application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8, */*;q=0.1"

# Open Badges 2.0
OB2_FORMAT = "ob2"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB2_CONTEXTS = frozenset({OB2_CONTEXT, "https://openbadgespec.org/v2/context.json"})


@dataclass
class Parsed:
    credential: dict[str, Any]
    format: str
    jwt: vc_jwt.DecodedJwt | None = None
    token: str | None = None  # an OB 2.0 signed assertion: the compact JWS as given
    fetched_from: str | None = None  # the link the document was fetched from
    image: str | None = None  # "png" or "svg": the baked image it was read from


def read(source: Any, checks: Checks, fetcher: Fetcher | None) -> Parsed | None:
    """Parse ``source`` and report the ``format`` check; None when there is nothing to check.

    An Open Badges 2.0 assertion comes back with the format ``ob2`` and no format check:
    its own steps report it.
    """
    try:
        parsed = parse_source(source, fetcher, checks.budget)
    except FetchError as exc:
        if report_gone(exc, checks):  # 410 Gone: a revoked OB 2.0 hosted badge
            return None
        checks.add(
            CheckId.FORMAT,
            Outcome.FAILED,
            M("format.unfetched"),
            short(exc),
            undecided=True,
            reason=reason_of(exc),
        )
        return None
    except ProofError as exc:
        checks.add(CheckId.FORMAT, Outcome.PASSED, M("format.vc_jwt"))
        checks.add(
            CheckId.PROOF,
            Outcome.FAILED,
            M("proof.refused_kind"),
            short(exc),
        )
        return None
    except ImageError as exc:
        if isinstance(exc, NoBakedBadgeError):
            message = M("format.no_baked_badge")
        else:
            message = M("format.unreadable_image")
        checks.add(CheckId.FORMAT, Outcome.FAILED, message, short(exc))
        return None
    except BadgeError as exc:
        checks.add(CheckId.FORMAT, Outcome.FAILED, M("format.not_a_credential"), short(exc))
        return None
    credential = parsed.credential
    # a VC-JWT's payload was told apart from an OB 2.0 assertion already (_parse_jwt), but
    # for a record's long token: the credential is that payload without its registered
    # claims, unless it is in a vc claim
    told = (
        parsed.jwt is not None
        and not vc_jwt.is_vc_claim_token(parsed.jwt.payload)
        and not is_clr(credential)
    )
    if parsed.token is not None or (not told and is_assertion(credential)):
        parsed.format = OB2_FORMAT  # Open Badges 2.0: its steps check it, format too
        return parsed
    types = types_of(credential)
    if "VerifiableCredential" not in types:
        checks.add(
            CheckId.FORMAT,
            Outcome.FAILED,
            M("format.not_vc"),
            f"type is {credential.get('type')!r}",
        )
        return None
    kind = M("kind.jwt") if parsed.jwt else M("kind.embedded")
    if parsed.image:
        kind = M(f"{kind.code}_image", image=parsed.image.upper())
    if OB_TYPES & set(types):
        checks.add(CheckId.FORMAT, Outcome.PASSED, M("format.ob3", kind=kind))
    elif "EndorsementCredential" in types:
        checks.add(CheckId.FORMAT, Outcome.PASSED, M("format.endorsement", kind=kind))
    elif CLR_TYPE in types:
        checks.add(CheckId.FORMAT, Outcome.PASSED, M("format.clr", kind=kind))
    else:
        checks.add(
            CheckId.FORMAT,
            Outcome.FAILED,
            M("format.not_a_badge"),
            f"type is {types!r}",
            reason=REASON_NOT_A_BADGE,
        )
        return None
    return parsed


def parse_source(source: Any, fetcher: Fetcher | None, budget: FetchBudget | None = None) -> Parsed:
    """``source`` (dict, JSON text or bytes, compact JWT, https URL, baked image) parsed.

    Raises a BadgeError (a FetchError for a link that cannot be had) when it is none.
    """
    if isinstance(source, dict):
        jsonutil.check_value(
            source,
            max_bytes=jsonutil.MAX_RECORD_BYTES if is_clr(source) else jsonutil.MAX_JSON_BYTES,
        )
        return Parsed(source, "json")
    if isinstance(source, str) and source.lstrip().startswith("<"):
        source = source.encode("utf-8")  # SVG markup given as text
    if isinstance(source, (bytes, bytearray)) and _may_be_image(source):
        return _parse_baked(bytes(source), fetcher, budget)
    if isinstance(source, (bytes, bytearray)):
        if len(source) > jsonutil.MAX_RECORD_BYTES:
            raise FormatError("the input is too large")
        try:
            source = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError("the input is not text (a baked image?)") from exc
    if not isinstance(source, str):
        raise FormatError("give a credential as JSON, a JWT or a URL")
    text = source.strip()
    if not text:
        raise FormatError("the input is empty")
    if text.startswith("{"):
        data = _load_document(text)
        if not isinstance(data, dict):
            raise FormatError("the JSON is not an object")
        return Parsed(data, "json")
    if text.startswith(("https://", "http://")):
        return _parse_fetched(text, fetcher, budget)
    if vc_jwt.looks_like_jwt(text):
        return _parse_jwt(text)
    raise FormatError("expected a credential as JSON, a compact JWT, or a link")


def _may_be_image(data: bytes | bytearray) -> bool:
    """``baking.sniff_image_type(data)``, without importing the image code for what
    starts as JSON or a JWT does (``{`` or ``e`` after blanks: never an image there)."""
    if bytes(data[:64]).lstrip(b" \t\r\n")[:1] in (b"{", b"e"):
        return False
    from .. import baking

    return baking.sniff_image_type(data) is not None


def _parse_baked(image: bytes, fetcher: Fetcher | None, budget: FetchBudget | None) -> Parsed:
    """Unbake a PNG or SVG, then parse what it carries (JSON, a JWT or a link)."""
    from .. import baking

    baked = baking.unbake(image)
    if baked is None:
        kind = str(baking.sniff_image_type(image)).upper()
        raise NoBakedBadgeError(
            f"the {kind} image carries no Open Badge (no openbadgecredential or openbadges data)"
        )
    parsed = parse_source(baked.payload, fetcher, budget)
    parsed.image = baked.image_type.value
    return parsed


def _load_document(text: str) -> Any:
    """JSON text of a credential: at most MAX_JSON_BYTES, unless it is a CLR 2.0 record
    (which carries whole badges), then at most MAX_RECORD_BYTES."""
    if len(text) <= jsonutil.MAX_JSON_BYTES:
        return jsonutil.loads(text)
    data = jsonutil.loads(text, max_bytes=jsonutil.MAX_RECORD_BYTES)
    if not is_clr(data):
        raise InputTooLargeError(
            f"the input is too large: JSON is larger than {jsonutil.MAX_JSON_BYTES} bytes "
            "(only a CLR 2.0 record may be)"
        )
    return data


def _parse_jwt(token: str) -> Parsed:
    if len(token.strip()) <= MAX_TOKEN_CHARS:
        # The payload is parsed once: a token decode_jwt accepts is an OB 2.0 signed
        # assertion when its payload is one; one it refuses may still be (a JWS with an
        # algorithm or type a VC-JWT may not have), which jws_assertion tells.
        try:
            decoded = vc_jwt.decode_jwt(token)
        except BadgeError:
            assertion = jws_assertion(token)
            if assertion is not None:
                return Parsed(assertion, OB2_FORMAT, token=token.strip())
            raise
        if is_assertion(decoded.payload):
            return Parsed(decoded.payload, OB2_FORMAT, token=token.strip())
        return Parsed(vc_jwt.credential_from_payload(decoded.payload), "jwt", decoded)
    too_long = (
        f"the JWT is longer than {MAX_TOKEN_CHARS} characters (only a CLR 2.0 record's may be)"
    )
    try:
        decoded = vc_jwt.decode_jwt(token, record=True)
        credential = vc_jwt.credential_from_payload(decoded.payload)
    except FormatError as exc:
        raise InputTooLargeError(f"{too_long}: {exc}") from exc
    if not is_clr(credential):
        raise InputTooLargeError(too_long)
    return Parsed(credential, "jwt", decoded)


def _parse_fetched(url: str, fetcher: Fetcher | None, budget: FetchBudget | None) -> Parsed:
    if fetcher is None:
        raise FetchError("links cannot be followed: this verifier has no fetcher")
    response = fetcher.get(url, accept=JSON_ACCEPT, budget=budget)
    body = response.body.strip()
    if body.startswith(b"{"):
        data = jsonutil.loads(body)
        if not isinstance(data, dict):
            raise FormatError("the link did not return a JSON object")
        return Parsed(data, "json", fetched_from=url)
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise FormatError("the link returned neither JSON nor a JWT") from exc
    if vc_jwt.looks_like_jwt(text):
        return _parse_jwt(text)
    raise FormatError(
        f"the link returned {response.content_type or 'something'} that is neither JSON nor a JWT"
    )


# -- recognising an Open Badges 2.0 assertion -------------------------------------------


def is_assertion(document: Any) -> bool:
    """True for a JSON object that presents itself as an Open Badges 2.0 document.

    That is: it names the OB 2.0 context, or (with no VC context) has the type
    ``Assertion``. Whether it really is a well-formed assertion is for the checks.
    """
    if not isinstance(document, dict):
        return False
    contexts = as_list(document.get("@context"))
    if OB2_CONTEXTS & {c for c in contexts if isinstance(c, str)}:
        return True
    if "VerifiableCredential" in types_of(document):
        return False
    # a revoked hosted assertion may be stripped down to its id and ``revoked``
    return "Assertion" in types_of(document) or (
        document.get("revoked") is True and isinstance(document.get("id"), str)
    )


def jws_assertion(token: str) -> dict[str, Any] | None:
    """The OB 2.0 assertion a compact JWS carries as its payload, or None.

    Only the payload is read, so that a JWS with a refused algorithm is still known as
    an OB 2.0 badge and fails its signature check; nothing is verified here.
    """
    text = token.strip()
    if len(text) > MAX_TOKEN_CHARS:
        return None
    parts = text.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = jsonutil.loads(b64url_decode(parts[1]))
    except FormatError:
        return None
    return payload if is_assertion(payload) else None


def report_gone(exc: FetchError, checks: Checks) -> bool:
    """Report a badge link that answers ``410 Gone`` as revoked (OB 2.0 hosted revocation).

    Returns False (reporting nothing) for any other fetch error.
    """
    if not isinstance(exc, FetchStatusError) or exc.status != 410:
        return False
    checks.add(
        CheckId.FORMAT,
        Outcome.WARNING,
        M("format.gone"),
    )
    checks.add(
        CheckId.STATUS,
        Outcome.FAILED,
        M("status.gone"),
    )
    checks.revoked = True
    return True
