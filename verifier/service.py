"""Between the web and the core: what was given, its report, and the badge as a person sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, request
from markupsafe import Markup

from badges.clr import is_clr, looks_like_record
from badges.errors import FormatError
from badges.jsonutil import MAX_RECORD_BYTES
from badges.languages import choose, language_versions
from badges.registry import Registries, RegistryResult, Signer, link_matches, signer
from badges.text import render_markdown
from badges.timeutil import parse_datetime
from badges.verification import Outcome, VerificationReport, Verifier

from .errors import BadRequest, TooLarge
from .images import ImageInliner, data_image
from .limits import RequestLimits
from .translate import N_, _, current_language

IMAGE_TYPES = ("image/png", "image/svg+xml")


@dataclass(frozen=True)
class Submission:
    """One thing to verify: a link, JSON or JWT text, a parsed JSON object, or image bytes."""

    kind: str  # "url" | "text" | "json" | "image"
    value: str | bytes | dict[str, Any]

    def source(self) -> Any:
        return self.value

    def carry(self) -> dict[str, str]:
        """Hidden form fields that give the same submission again (for the recipient check)."""
        if self.kind == "image":
            import base64

            return {
                "image_b64": base64.b64encode(
                    self.value if isinstance(self.value, bytes) else b""
                ).decode()
            }
        if isinstance(self.value, dict):
            return {"input": json.dumps(self.value, ensure_ascii=False)}
        return {"input": str(self.value)}


def verifier() -> Verifier:
    v: Verifier = current_app.extensions["verifier.verifier"]
    return v


def registries() -> Registries:
    found: Registries = current_app.extensions["verifier.registries"]
    return found


def text_limit() -> int:
    """The largest pasted text (link, JSON or JWT) in bytes."""
    return int(current_app.config["MAX_TEXT_BYTES"])


def record_limit() -> int:
    """The largest pasted CLR 2.0 record (JSON or JWT) in bytes: a record carries whole
    badges (500 of them are ~2.1 MB of JSON), so it may be larger than a badge."""
    return max(text_limit(), min(int(current_app.config["MAX_RECORD_BYTES"]), MAX_RECORD_BYTES))


def _megabytes(limit: int) -> str:
    """A limit in megabytes as a number (the unit is in the translated sentence)."""
    return f"{limit / (1024 * 1024):g}"


def from_text(text: str) -> Submission:
    """A pasted link, JSON or JWT. Raises BadRequest when empty, TooLarge when huge: past
    the text limit unless it is a CLR 2.0 record, and past the record limit in any case."""
    text = (text or "").strip()
    if not text:
        raise BadRequest(_("Paste a badge link, its JSON or its JWT, or choose a badge image."))
    limit = text_limit()
    size = max(len(text), len(text.encode("utf-8", "surrogatepass")))
    if size > limit:
        largest = record_limit()
        if size > largest:
            raise TooLarge(
                _(
                    "The pasted text is larger than %(limit)s MB (a CLR 2.0 record may be up to"
                    " %(largest)s MB).",
                    limit=_megabytes(limit),
                    largest=_megabytes(largest),
                )
            )
        if not looks_like_record(text):
            raise TooLarge(
                _(
                    "The pasted text is larger than %(limit)s MB; only a CLR 2.0 record may be"
                    " larger.",
                    limit=_megabytes(limit),
                )
            )
    kind = "url" if text.startswith(("https://", "http://")) else "text"
    return Submission(kind, text)


def from_image(data: bytes) -> Submission:
    if not data:
        raise BadRequest(_("The chosen file is empty."))
    return Submission("image", data)


def from_api_json(body: Any, *, size: int = 0) -> Submission:
    """``{"credential": {...}}``, ``{"jwt": "..."}`` or ``{"url": "..."}``.

    ``size`` is the request's length in bytes: a credential object in a request larger than
    the pasted-text limit is refused like pasted text. Raises BadRequest, TooLarge.
    """
    if not isinstance(body, dict):
        raise BadRequest(
            _('Send a JSON object: {"credential": ...}, {"jwt": "..."} or {"url": "..."}.')
        )
    given = [key for key in ("credential", "jwt", "url") if key in body]
    if len(given) != 1:
        raise BadRequest(_('Send exactly one of "credential", "jwt" or "url".'))
    key = given[0]
    value = body[key]
    if key == "credential":
        if isinstance(value, str):
            return from_text(value)
        if not isinstance(value, dict):
            raise BadRequest(_('"credential" must be a JSON object (or its text).'))
        limit = record_limit() if is_clr(value) else text_limit()
        if size > limit:  # the same limits as pasted JSON
            raise TooLarge(
                _("The credential is larger than %(limit)s MB.", limit=_megabytes(limit))
            )
        return Submission("json", value)  # already parsed, with the core's limits
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(_('"%(key)s" must be a non-empty string.', key=key))
    if key == "url" and not value.strip().startswith(("https://", "http://")):
        raise BadRequest(_('"url" must be an https:// link.'))
    return from_text(value)


def verify(submission: Submission, recipient: str | None = None) -> VerificationReport:
    """The report on ``submission``. Each credential a CLR 2.0 record carries is verified
    with the whole pipeline too, so each counts against the client's allowance (the
    record was one): a record of 500 badges costs what 500 badges do."""
    report = verifier().verify(submission.source(), recipient=recipient or None)
    inside = len(report.credentials or [])
    if inside:
        limits: RequestLimits = current_app.extensions["verifier.limits"]
        limits.charge(request.remote_addr or "?", inside)
    return report


# -- who signed it, and what that makes of the rest ----------------------------------------
#
# A signature that verifies proves who holds the key, nothing more: the issuer's name and
# url in the badge are what that key holder wrote. Without a verified signature nothing in
# the badge is proven, so the checks that read its content (dates, status, recipient,
# endorsements) mean nothing either way.

NOT_MEANINGFUL_WITHOUT_SIGNATURE = ("dates", "status", "recipient", "endorsements")


@dataclass(frozen=True)
class Trust:
    """What the report proves about who made the badge.

    ``signature`` is ``verified`` (``signer`` is set), ``failed`` (a proof or the issuer's
    key check failed: not genuine) or ``unchecked`` (it could not be checked, or the input
    is no badge). ``asserted_*`` is what the badge says of its issuer; its url may be
    linked only when ``url_on_signer`` (the same host as the verified identifier).
    """

    signature: str
    signature_check: str | None  # the check that failed: "proof" (changed or forged) or "issuer"
    signer: Signer | None
    claimed: Signer | None
    asserted_name: str | None
    asserted_url: str | None
    url_on_signer: bool
    registry: RegistryResult
    not_meaningful: tuple[str, ...]
    revoked: bool
    revocation_reason: str | None
    credential_page: str | None  # the badge's own https page on the signer's domain

    def to_dict(self) -> dict[str, Any]:
        """The API's members (camelCase, beside the core report's)."""
        return {
            "signature": self.signature,
            "signer": self.signer.to_dict() if self.signer else None,
            "assertedIssuer": {
                "id": self.claimed.id if self.claimed else None,
                "name": self.asserted_name,
                "url": self.asserted_url,
                "urlOnSignerDomain": self.url_on_signer,
            },
            "registry": self.registry.to_dict(),
            "notMeaningful": list(self.not_meaningful),
            "revocationReason": self.revocation_reason,
        }


def _claimed_issuer(credential: Any) -> tuple[str | None, str | None, str | None]:
    """The issuer's id, name and url as the badge states them (OB 3.0, or OB 2.0's badge class)."""
    if not isinstance(credential, dict):
        return None, None, None
    issuer = credential.get("issuer")
    if issuer is None and isinstance(credential.get("badge"), dict):
        issuer = credential["badge"].get("issuer")
    if isinstance(issuer, str):
        return _text(issuer), None, None
    issuer = _dict(issuer)
    return _text(issuer.get("id")), _text(issuer.get("name")), _safe_link(issuer.get("url"))


def trust(report: VerificationReport) -> Trust:
    verified = report.verified_issuer
    outcomes = {c.name: c.outcome for c in report.checks}
    failed = next((n for n in ("proof", "issuer") if outcomes.get(n) is Outcome.FAILED), None)
    if verified is not None:
        signature = "verified"
    elif failed is not None:
        signature = "failed"
    else:
        signature = "unchecked"
    claimed_id, name, url = _claimed_issuer(report.credential)
    who = signer(verified) if verified else None
    not_meaningful: tuple[str, ...] = ()
    if who is None and report.credential is not None:
        # a pass (or a warning) would vouch for content nobody is proven to have written; a
        # failure (expired, revoked, not this recipient) never makes a badge look better
        not_meaningful = tuple(
            n
            for n in NOT_MEANINGFUL_WITHOUT_SIGNATURE
            if outcomes.get(n) in (Outcome.PASSED, Outcome.WARNING)
        )
    credential_id = report.credential.get("id") if isinstance(report.credential, dict) else None
    return Trust(
        signature=signature,
        signature_check=failed if verified is None else None,
        signer=who,
        claimed=signer(claimed_id) if claimed_id else None,
        asserted_name=name,
        asserted_url=url,
        url_on_signer=link_matches(url, who),
        registry=registries().lookup(verified),
        not_meaningful=not_meaningful,
        revoked=report.revoked and who is not None,
        revocation_reason=report.revocation_reason if who is not None else None,
        credential_page=credential_id if link_matches(credential_id, who) else None,
    )


# -- the badge as a person sees it ---------------------------------------------------------
#
# The credential may be anything that parsed as JSON (an invalid badge is shown too, under
# its verdict, as untrusted content), so every value is read defensively: a list where a
# list is expected, a string where text is shown, and anything else treated as absent.

MAX_SHOWN = 50  # evidence items, endorsements, recipient identifiers


def _items(value: Any) -> list[Any]:
    """A JSON value the specs allow as one item or a list, as a list (anything else: [])."""
    if isinstance(value, list):
        return value[:MAX_SHOWN]
    return [value] if isinstance(value, dict) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _image_ref(value: Any) -> str | None:
    url = value.get("id") if isinstance(value, dict) else value
    return url if isinstance(url, str) else None


def _safe_link(url: Any) -> str | None:
    return (
        url
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) < 2000
        else None
    )


def _name(value: Any) -> str | None:
    return _text(value.get("name")) if isinstance(value, dict) else None


def _markdown(value: Any) -> Markup | None:
    text = _text(value)
    return Markup(render_markdown(text)) if text else None  # noqa: S704 (sanitised by nh3)


def human_date(value: datetime) -> str:
    """``1 September 2026`` (dates as a person reads them, in the reader's language: Babel's
    long date, e.g. "2026 m. rugsėjo 1 d."; the page carries the exact time too)."""
    language = current_language()
    if language == "en":
        return f"{value.day} {value:%B %Y}"
    from babel.dates import format_date

    return format_date(value, format="long", locale=language)


def _date(label: str, value: Any) -> dict[str, str] | None:
    raw = _text(value)
    if raw is None:
        return None
    try:
        parsed = parse_datetime(raw)
    except FormatError:
        return {
            "label": label,
            "iso": "",
            "text": _("%(text)s (not a date this verifier can read)", text=raw[:64]),
        }
    iso = parsed.isoformat().replace("+00:00", "Z")
    return {"label": label, "iso": iso, "text": human_date(parsed)}


def _level(subject: dict[str, Any], achievement: dict[str, Any]) -> str | None:
    """The name of the rubric level the learner achieved, when the badge says."""
    achieved = {_text(_dict(r).get("achievedLevel")) for r in _items(subject.get("result"))} - {
        None
    }
    for description in _items(achievement.get("resultDescription")):
        for level in _items(_dict(description).get("rubricCriterionLevel")):
            if _text(_dict(level).get("id")) in achieved:
                return _name(level)
    return None


_IDENTITY_LABELS = {
    "emailAddress": N_("Email"),
    "name": N_("Name"),
    "studentId": N_("Student ID"),
    "sourcedId": N_("Sourced ID"),
    "lisSourcedId": N_("LIS sourced ID"),
    "systemId": N_("System ID"),
    "phone": N_("Phone"),
    "url": N_("Web address"),
    "productId": N_("Product ID"),
    "identifier": N_("Identifier"),
}


def _identity(kind: Any, value: Any, hashed: Any) -> dict[str, Any] | None:
    """One way the badge names its recipient: shown, or said to be hashed."""
    text = _text(value)
    if text is None:
        return None
    kind = kind if isinstance(kind, str) else "identifier"
    label = _(_IDENTITY_LABELS[kind]) if kind in _IDENTITY_LABELS else kind[:40]
    looks_hashed = text.startswith(("sha256$", "md5$"))
    if hashed is True or looks_hashed:
        what = (
            _("a hashed email")
            if kind in ("emailAddress", "email")
            else _("a hashed %(kind)s", kind=label.lower())
        )
        return {"label": label, "value": None, "hashed": what}
    return {"label": label, "value": text[:300], "hashed": None}


def _recipients(subject: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    subject_id = _text(subject.get("id"))
    if subject_id is not None:
        if subject_id.lower().startswith("mailto:"):
            found.append({"label": _("Email"), "value": subject_id[7:307], "hashed": None})
        else:
            found.append({"label": _("Identifier"), "value": subject_id[:300], "hashed": None})
    if _text(subject.get("name")):  # not an OB 3.0 term, but carried by some issuers
        found.append({"label": _("Name"), "value": str(subject["name"])[:300], "hashed": None})
    for item in map(_dict, _items(subject.get("identifier"))):
        shown = _identity(item.get("identityType"), item.get("identityHash"), item.get("hashed"))
        if shown:
            found.append(shown)
    return found[:MAX_SHOWN]


def badge_view(report: VerificationReport) -> dict[str, Any] | None:
    """What the page shows of the badge (OB 3.0 or OB 2.0): plain strings, lists of them,
    sanitised Markup for Markdown, or None. Images: ``image_ref`` is whatever the badge
    names; ``present`` decides how (and whether) to show it."""
    credential = report.credential
    if not isinstance(credential, dict):
        return None
    if "credentialSubject" in credential:
        subjects = _items(credential.get("credentialSubject"))
        subject = _dict(subjects[0] if subjects else None)
        achievement = _dict(subject.get("achievement"))
        evidence = [
            {
                "url": _safe_link(e.get("id")),
                "name": _text(e.get("name")),
                "narrative": _markdown(e.get("narrative")),
            }
            for e in map(_dict, _items(credential.get("evidence")))
        ]
        endorsements = [
            _name(e.get("issuer"))
            or _text(e.get("issuer"))
            or _text(_dict(e.get("issuer")).get("id"))
            for e in map(
                _dict,
                _items(credential.get("endorsement")) + _items(achievement.get("endorsement")),
            )
        ]
        dates = [
            _date(_("Awarded"), credential.get("awardedDate")),
            _date(_("Valid from"), credential.get("validFrom") or credential.get("issuanceDate")),
            _date(
                _("Valid until"), credential.get("validUntil") or credential.get("expirationDate")
            ),
        ]
        # the language version the reader reads (issue 12): the one asked for (a button
        # of the page), else the page's language, when the credential embeds it in the
        # achievement's related[] (signed with the rest: nothing is fetched); else the
        # version awarded (badges.languages)
        versions = language_versions(achievement)
        asked = request.values.get("in") if has_request_context() else None
        version = choose(versions, asked or current_language())
        return {
            "name": version.name or _text(credential.get("name")),
            "description": _markdown(version.description or credential.get("description")),
            "criteria": _markdown(version.criteria),
            "language": version.language,
            "other_languages": [v.language for v in versions if v is not version],
            "image_ref": _image_ref(achievement.get("image") or credential.get("image")),
            "dates": [d for d in dates if d],
            "recipients": _recipients(subject),
            "level": _level(subject, achievement),
            "evidence": [e for e in evidence if e["url"] or e["narrative"]],
            "endorsements": [e for e in endorsements if e],
            "achievement_type": _text(achievement.get("achievementType")),
            # when the learner did the activity (dates only), if the issuer said so
            "activity_start": (_text(subject.get("activityStartDate")) or "")[:10] or None,
            "activity_end": (_text(subject.get("activityEndDate")) or "")[:10] or None,
        }
    badge = credential.get("badge")
    if isinstance(badge, (dict, str)):  # OB 2.0 assertion (a linked badge class is not shown)
        badge = _dict(badge)
        evidence_url = _safe_link(credential.get("evidence"))
        recipient = _dict(credential.get("recipient"))
        shown = _identity(
            "emailAddress" if recipient.get("type") == "email" else recipient.get("type"),
            recipient.get("identity"),
            recipient.get("hashed"),
        )
        dates = [
            _date("Issued", credential.get("issuedOn")),
            _date("Expires", credential.get("expires")),
        ]
        return {
            "language": None,
            "other_languages": [],
            "name": _text(badge.get("name")),
            "description": _markdown(badge.get("description")),
            "criteria": _markdown(_dict(badge.get("criteria")).get("narrative")),
            "image_ref": _image_ref(credential.get("image") or badge.get("image")),
            "dates": [d for d in dates if d],
            "recipients": [shown] if shown else [],
            "level": None,
            "evidence": [{"url": evidence_url, "name": None, "narrative": None}]
            if evidence_url
            else [],
            "endorsements": [],
            "achievement_type": None,
        }
    return None


def present(report: VerificationReport) -> tuple[Trust, dict[str, Any] | None]:
    """The trust view and the badge view of a report, with its image settled: a ``data:``
    image as it is; an http(s) one on the signer's own domain fetched and inlined (else
    offered as a link); one elsewhere only named; and none at all for a badge whose
    signature was not verified (it would look like the real thing)."""
    seen = trust(report)
    badge = badge_view(report)
    if badge is not None:
        ref = badge.pop("image_ref")
        badge["image"] = badge["image_link"] = badge["image_elsewhere"] = None
        if seen.signer is not None and ref is not None:
            badge["image"] = data_image(ref)
            remote = (
                badge["image"] is None
                and ref.startswith(("https://", "http://"))
                and len(ref) < 2000
            )
            if remote and link_matches(ref, seen.signer):
                # plain http only reaches hosts the fetcher's policy allows (a local issuer)
                inliner: ImageInliner = current_app.extensions["verifier.images"]
                badge["image"] = inliner.inline(ref)
                badge["image_link"] = None if badge["image"] else ref
            elif remote:
                # an image on someone else's site (a did:key badge borrowing a school's
                # picture): neither fetched nor shown, only named
                badge["image_elsewhere"] = ref
    return seen, badge
