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
    """One thing to verify: a link, JSON or JWT text, or the bytes of a baked image."""

    kind: str  # "url" | "text" | "image"
    value: str | bytes

    def source(self) -> Any:
        return self.value

    def carry(self) -> dict[str, str]:
        """Hidden form fields that give the same submission again (for the recipient check)."""
        if self.kind == "image":
            import base64

            return {"image_b64": base64.b64encode(self.value if isinstance(self.value, bytes) else b"").decode()}
        return {"input": str(self.value)}


def verifier() -> Verifier:
    v: Verifier = current_app.extensions["verifier.verifier"]
    return v


def _text_limit() -> int:
    return int(current_app.config["MAX_TEXT_BYTES"])


def from_text(text: str) -> Submission:
    """A pasted link, JSON or JWT. Raises BadRequest when empty, TooLarge when huge."""
    text = (text or "").strip()
    if not text:
        raise BadRequest("Paste a badge link, its JSON or its JWT, or choose a badge image.")
    if len(text.encode("utf-8", "surrogatepass")) > _text_limit():
        raise TooLarge("The pasted text is larger than 2 MB.")
    kind = "url" if text.startswith(("https://", "http://")) else "text"
    return Submission(kind, text)


def from_image(data: bytes) -> Submission:
    if not data:
        raise BadRequest("The chosen file is empty.")
    return Submission("image", data)


def from_api_json(body: Any) -> Submission:
    """``{"credential": {...}}``, ``{"jwt": "..."}`` or ``{"url": "..."}``. Raises BadRequest."""
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
        return Submission("text", json.dumps(value))
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f'"{key}" must be a non-empty string.')
    if key == "url" and not value.strip().startswith(("https://", "http://")):
        raise BadRequest('"url" must be an https:// link.')
    return from_text(value)


def verify(submission: Submission, recipient: str | None = None) -> VerificationReport:
    return verifier().verify(submission.source(), recipient=recipient or None)


# -- the badge as a person sees it ---------------------------------------------------------


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
    if isinstance(value, dict):
        name = value.get("name")
        return name if isinstance(name, str) else None
    return None


def badge_view(report: VerificationReport) -> dict[str, Any] | None:
    """What the page shows of the badge (OB 3.0 or OB 2.0), every value a plain string."""
    credential = report.credential
    if not isinstance(credential, dict):
        return None
    if "credentialSubject" in credential:
        subject = credential.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
        issuer = credential.get("issuer")
        level = None
        for result in subject.get("result") or []:
            for description in achievement.get("resultDescription") or []:
                for item in (description or {}).get("rubricCriterionLevel") or []:
                    if isinstance(item, dict) and isinstance(result, dict) and item.get("id") == result.get("achievedLevel"):
                        level = item.get("name")
        evidence = [
            {"url": _safe_link(e.get("id")), "name": e.get("name"), "narrative": e.get("narrative")}
            for e in credential.get("evidence") or [] if isinstance(e, dict)
        ]
        endorsements = [
            _name(e.get("issuer")) or str(e.get("issuer"))
            for e in (credential.get("endorsement") or []) + (achievement.get("endorsement") or []) if isinstance(e, dict)
        ]
        criteria = achievement.get("criteria") if isinstance(achievement.get("criteria"), dict) else {}
        return {
            "name": achievement.get("name") or credential.get("name"),
            "description": achievement.get("description") or credential.get("description"),
            "criteria": criteria.get("narrative"),
            "image": _safe_image(achievement.get("image") or credential.get("image")),
            "issuer": _name(issuer) or (issuer if isinstance(issuer, str) else None),
            "issuer_url": _safe_link(issuer.get("url")) if isinstance(issuer, dict) else None,
            "issued": credential.get("validFrom") or credential.get("issuanceDate") or credential.get("awardedDate"),
            "expires": credential.get("validUntil") or credential.get("expirationDate"),
            "level": level if isinstance(level, str) else None,
            "evidence": [e for e in evidence if e["url"] or e["narrative"]],
            "endorsements": [e for e in endorsements if e],
            "achievement_type": achievement.get("achievementType"),
        }
    badge = credential.get("badge")
    if isinstance(badge, (dict, str)):  # OB 2.0 assertion
        badge = badge if isinstance(badge, dict) else {}
        return {
            "name": badge.get("name"),
            "description": badge.get("description"),
            "criteria": (badge.get("criteria") or {}).get("narrative") if isinstance(badge.get("criteria"), dict) else None,
            "image": _safe_image(credential.get("image") or badge.get("image")),
            "issuer": _name(badge.get("issuer")),
            "issuer_url": None,
            "issued": credential.get("issuedOn"),
            "expires": credential.get("expires"),
            "level": None,
            "evidence": [{"url": _safe_link(credential.get("evidence")), "name": None, "narrative": None}] if _safe_link(credential.get("evidence")) else [],
            "endorsements": [],
            "achievement_type": None,
        }
    return None
