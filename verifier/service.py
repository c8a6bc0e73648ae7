"""Between the web and the core: what was given, its report, and the badge as a person sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app

from badges.verification import VerificationReport, Verifier

from .errors import BadRequest, TooLarge

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

            return {"image_b64": base64.b64encode(self.value if isinstance(self.value, bytes) else b"").decode()}
        if isinstance(self.value, dict):
            return {"input": json.dumps(self.value, ensure_ascii=False)}
        return {"input": str(self.value)}


def verifier() -> Verifier:
    v: Verifier = current_app.extensions["verifier.verifier"]
    return v


def text_limit() -> int:
    """The largest pasted text (link, JSON or JWT) in bytes."""
    return int(current_app.config["MAX_TEXT_BYTES"])


def from_text(text: str) -> Submission:
    """A pasted link, JSON or JWT. Raises BadRequest when empty, TooLarge when huge."""
    text = (text or "").strip()
    if not text:
        raise BadRequest("Paste a badge link, its JSON or its JWT, or choose a badge image.")
    limit = text_limit()
    if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
        raise TooLarge(f"The pasted text is larger than {limit // (1024 * 1024)} MB.")
    kind = "url" if text.startswith(("https://", "http://")) else "text"
    return Submission(kind, text)


def from_image(data: bytes) -> Submission:
    if not data:
        raise BadRequest("The chosen file is empty.")
    return Submission("image", data)


def from_api_json(body: Any, *, size: int = 0) -> Submission:
    """``{"credential": {...}}``, ``{"jwt": "..."}`` or ``{"url": "..."}``.

    ``size`` is the request's length in bytes: a credential object in a request larger than
    the pasted-text limit is refused like pasted text. Raises BadRequest, TooLarge.
    """
    if not isinstance(body, dict):
        raise BadRequest('Send a JSON object: {"credential": ...}, {"jwt": "..."} or {"url": "..."}.')
    given = [key for key in ("credential", "jwt", "url") if key in body]
    if len(given) != 1:
        raise BadRequest('Send exactly one of "credential", "jwt" or "url".')
    key = given[0]
    value = body[key]
    if key == "credential":
        if isinstance(value, str):
            return from_text(value)
        if not isinstance(value, dict):
            raise BadRequest('"credential" must be a JSON object (or its text).')
        limit = text_limit()
        if size > limit:  # the same limit as pasted JSON
            raise TooLarge(f"The credential is larger than {limit // (1024 * 1024)} MB.")
        return Submission("json", value)  # already parsed, with the core's limits
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f'"{key}" must be a non-empty string.')
    if key == "url" and not value.strip().startswith(("https://", "http://")):
        raise BadRequest('"url" must be an https:// link.')
    return from_text(value)


def verify(submission: Submission, recipient: str | None = None) -> VerificationReport:
    return verifier().verify(submission.source(), recipient=recipient or None)


# -- the badge as a person sees it ---------------------------------------------------------
#
# The credential may be anything that parsed as JSON (an invalid badge is shown too, under
# its verdict), so every value is read defensively: a list where a list is expected, a
# string where text is shown, and anything else treated as absent.

MAX_SHOWN = 50  # evidence items, endorsements


def _items(value: Any) -> list[Any]:
    """A JSON value the specs allow as one item or a list, as a list (anything else: [])."""
    if isinstance(value, list):
        return value[:MAX_SHOWN]
    return [value] if isinstance(value, dict) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _safe_image(value: Any) -> str | None:
    """Only data: images and https URLs are shown (in <img>, which runs no script)."""
    url = value.get("id") if isinstance(value, dict) else value
    if not isinstance(url, str):
        return None
    if url.startswith("https://") and len(url) < 2000:
        return url
    if url.startswith(("data:image/png;base64,", "data:image/svg+xml;base64,", "data:image/jpeg;base64,")):
        return url if len(url) < 1_500_000 else None
    return None


def _safe_link(url: Any) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) < 2000 else None


def _name(value: Any) -> str | None:
    return _text(value.get("name")) if isinstance(value, dict) else None


def _level(subject: dict[str, Any], achievement: dict[str, Any]) -> str | None:
    """The name of the rubric level the learner achieved, when the badge says."""
    achieved = {_text(_dict(r).get("achievedLevel")) for r in _items(subject.get("result"))} - {None}
    for description in _items(achievement.get("resultDescription")):
        for level in _items(_dict(description).get("rubricCriterionLevel")):
            if _text(_dict(level).get("id")) in achieved:
                return _name(level)
    return None


def badge_view(report: VerificationReport) -> dict[str, Any] | None:
    """What the page shows of the badge (OB 3.0 or OB 2.0): plain strings, lists of them, or None."""
    credential = report.credential
    if not isinstance(credential, dict):
        return None
    if "credentialSubject" in credential:
        subjects = _items(credential.get("credentialSubject"))
        subject = _dict(subjects[0] if subjects else None)
        achievement = _dict(subject.get("achievement"))
        issuer = credential.get("issuer")
        evidence = [
            {"url": _safe_link(e.get("id")), "name": _text(e.get("name")), "narrative": _text(e.get("narrative"))}
            for e in map(_dict, _items(credential.get("evidence")))
        ]
        endorsements = [
            _name(e.get("issuer")) or _text(e.get("issuer")) or _text(_dict(e.get("issuer")).get("id"))
            for e in map(_dict, _items(credential.get("endorsement")) + _items(achievement.get("endorsement")))
        ]
        return {
            "name": _text(achievement.get("name")) or _text(credential.get("name")),
            "description": _text(achievement.get("description")) or _text(credential.get("description")),
            "criteria": _text(_dict(achievement.get("criteria")).get("narrative")),
            "image": _safe_image(achievement.get("image") or credential.get("image")),
            "issuer": _name(issuer) or _text(issuer),
            "issuer_url": _safe_link(issuer.get("url")) if isinstance(issuer, dict) else None,
            "issued": _text(credential.get("validFrom")) or _text(credential.get("issuanceDate"))
            or _text(credential.get("awardedDate")),
            "expires": _text(credential.get("validUntil")) or _text(credential.get("expirationDate")),
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
        return {
            "name": _text(badge.get("name")),
            "description": _text(badge.get("description")),
            "criteria": _text(_dict(badge.get("criteria")).get("narrative")),
            "image": _safe_image(credential.get("image") or badge.get("image")),
            "issuer": _name(badge.get("issuer")),
            "issuer_url": None,
            "issued": _text(credential.get("issuedOn")),
            "expires": _text(credential.get("expires")),
            "level": None,
            "evidence": [{"url": evidence_url, "name": None, "narrative": None}] if evidence_url else [],
            "endorsements": [],
            "achievement_type": None,
        }
    return None
