"""Helpers several views share, and no routes: a view module imports this module, never
another view module (the import contract in pyproject.toml holds it).

Content negotiation and caching of the public documents, the staff's organisation, and the
endorsements a public badge, achievement or organisation page lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, after_this_request, g, has_request_context, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MIMEAccept

from badges.languages import choose, language_versions

from ..errors import InvalidInput, IssuerError, TooManyRequests
from ..models import Achievement, Award, Endorsement, LearnerEvidence, Organisation, User
from ..services import endorsements as endorsement_service
from ..services.accounts import require_role
from ..services.competences import achieved_level
from ..services.orgs import get_organisation
from ..services.text import render_markdown
from ..translate import N_, _, current_language
from ..web import current_user, dbs, urls

T = TypeVar("T")

JSON_TYPES = ("application/vc+ld+json", "application/vc", "application/ld+json", "application/json")
JWT_TYPE = "application/vc+jwt"


def password_login(authenticate: Callable[..., T]) -> tuple[T | None, str | None, int]:
    """Check the posted email and password with ``authenticate`` (the staff's or the
    learners' service, both throttled): the person, or None with the message and status
    to show. A failed attempt is committed at once: its count is what limits guessing."""
    try:
        person = authenticate(
            dbs(),
            email=request.form.get("email", ""),
            password=request.form.get("password", ""),
            client=request.remote_addr or "?",
        )
    except TooManyRequests as exc:
        return None, exc.description, 429
    except InvalidInput as exc:
        dbs().commit()
        return None, exc.description, 401
    return person, None, 200


def form_errors(exc: IssuerError) -> dict[str, str]:
    """The one path of a staff form whose attempt failed, before its page is shown again.

    Everything the attempt changed in the request's session is undone (so the page shows
    what is stored, not the half-made change, and a lazy load cannot flush it), the request
    will not commit, and the errors come back by field: the fields ``InvalidInput`` names,
    else ``{"form": description}``.
    """
    dbs().rollback()
    g.rollback = True  # read by the request's commit (issuer/web.py): nothing of it is stored
    if isinstance(exc, InvalidInput) and exc.fields:
        return dict(exc.fields)
    return {"form": exc.description}


def negotiate(*offers: str) -> str:
    @after_this_request
    def _vary(response: Response) -> Response:
        response.vary.add("Accept")  # a shared cache keeps the HTML and the JSON apart
        return response

    # Parameters (``; charset=utf-8``) never decide the format: matched without them.
    accept = MIMEAccept([(value.split(";")[0].strip(), q) for value, q in request.accept_mimetypes])
    best = accept.best_match(list(offers), default=offers[0])
    return best or offers[0]


def cacheable(response: Response, seconds: int = 300) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def staff_org(slug: str) -> tuple[User, Organisation, str]:
    """The logged-in user, the organisation and their role; 404 for outsiders (no hints)."""
    user = current_user()
    assert user is not None
    org = get_organisation(dbs(), slug)
    from ..errors import Forbidden, NotFound

    try:
        role = require_role(dbs(), user, org)
    except Forbidden as exc:
        raise NotFound(_("No such organisation.")) from exc
    return user, org, role


def learner_evidence_response(row: LearnerEvidence) -> Response:
    """A learner's own evidence file as a download (their portfolio, or a share that includes
    evidence): the type found from its bytes when it was added (never HTML or SVG), an
    attachment, a policy that runs nothing even if opened, and never cached publicly."""
    response = Response(row.data or b"", content_type=row.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{row.filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def comment_html(text: str) -> Markup:
    return Markup(render_markdown(text))  # noqa: S704 (sanitised by nh3)


# -- what the public badge, achievement and organisation pages list ----------------------------

_LOCATION_NOTES = {
    "achievement": N_("endorses this badge"),
    "issuer": N_("endorses the issuer"),
    "badge": N_("endorses this award"),
}


def for_credential(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """The endorsements embedded in a signed badge, each marked when since withdrawn."""
    shown = []
    for entry in endorsement_service.embedded_in(dbs(), credential, urls()):
        row = entry["row"]
        link = (
            entry["id"] if entry["id"] and entry["id"].startswith(("https://", "http://")) else None
        )
        shown.append(
            {
                "endorser": entry["endorser"],
                "note": _(_LOCATION_NOTES[entry["location"]])
                if entry["location"] in _LOCATION_NOTES
                else None,
                "comment_html": comment_html(str(entry["comment"])),
                "date": entry["date"],
                "url": link,
                "withdrawn_at": row.withdrawn_at if row is not None else None,
            }
        )
    return shown


def _active(rows: list[Endorsement]) -> list[dict[str, Any]]:
    shown = []
    for row in rows:
        endorser = dbs().get(Organisation, row.endorser_id)
        shown.append(
            {
                "endorser": endorser.name if endorser is not None else _("An endorser"),
                "note": None,
                "comment_html": comment_html(row.comment),
                "date": row.issued_at.strftime("%Y-%m-%d"),
                "url": url_for("endorsements.show", public_id=row.public_id),
                "withdrawn_at": None,
            }
        )
    return shown


def for_achievement(achievement: Achievement) -> list[dict[str, Any]]:
    """The active endorsements of an achievement, newest first."""
    return _active(
        list(
            dbs().scalars(
                select(Endorsement)
                .where(
                    Endorsement.achievement_id == achievement.id, Endorsement.withdrawn_at.is_(None)
                )
                .order_by(Endorsement.id.desc())
                .limit(50)
            )
        )
    )


def for_org(org: Organisation) -> list[dict[str, Any]]:
    """The active endorsements of an organisation's profile, newest first."""
    return _active(
        list(
            dbs().scalars(
                select(Endorsement)
                .where(Endorsement.endorsed_org_id == org.id, Endorsement.withdrawn_at.is_(None))
                .order_by(Endorsement.id.desc())
                .limit(50)
            )
        )
    )


def award_view(award: Award) -> dict[str, Any]:
    """What the badge's pages show, read from its signed credential."""
    credential = json.loads(award.credential_json)
    subject = credential.get("credentialSubject", {})
    achievement = subject.get("achievement", {})
    # the level reached, with what it means for this achievement, as signed
    reached = achieved_level(credential)
    # the language version the reader reads: one asked for (``?in=ru``, the page's "also
    # available in" links), else the page's language, when the credential embeds it in
    # ``related[]``; else the one awarded
    versions = language_versions(achievement if isinstance(achievement, dict) else {})
    asked = request.args.get("in") if has_request_context() else None
    shown = choose(versions, asked if isinstance(asked, str) and asked else current_language())
    criteria = shown.criteria or ""
    return {
        "award": award,
        "credential": credential,
        "achievement": achievement,
        "shown": shown,
        "other_versions": [v for v in versions if v is not shown],
        "issuer": credential.get("issuer", {}),
        "level": reached.name if reached is not None else None,
        "level_reached": reached,
        "criteria_html": Markup(render_markdown(criteria)),  # noqa: S704 (sanitised by nh3)
        "evidence": credential.get("evidence", []) or [],
        "activity_start": _day(subject.get("activityStartDate")),
        "activity_end": _day(subject.get("activityEndDate")),
        "url": urls().credential(award.public_id),
    }


def _day(value: Any) -> str | None:
    """The date part of a signed date-time (``2026-04-01T00:00:00Z`` -> ``2026-04-01``)."""
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None
