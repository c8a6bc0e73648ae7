"""The public surface, no login: badge pages, issuer documents, status lists, images."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select

from ..i18n import set_org_language
from ..models import Award, Organisation, OrgKind, StoredImage
from ..services import orgs as org_service
from ..services import platform as platform_service
from ..services import status as status_service
from ..services.achievements import achievement_model, get_achievement
from ..services.awards import get_award
from ..services.text import render_markdown
from ..translate import _
from ..web import dbs, sealer, urls
from .common import JSON_TYPES, JWT_TYPE, award_view
from .common import cacheable as _cacheable
from .common import negotiate as _negotiate

bp = Blueprint("public", __name__)


def _json(body: Any, media_type: str = "application/json", seconds: int = 300) -> Response:
    text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
    return _cacheable(Response(text, mimetype=media_type), seconds)


@bp.get("/")
def home() -> Any:
    from ..web import current_user

    if current_user() is not None:
        return redirect(url_for("staff.dashboard"))
    schools = (
        dbs()
        .scalars(
            select(Organisation)
            .where(Organisation.kind != OrgKind.PLATFORM)
            .order_by(Organisation.name)
        )
        .all()
    )
    return render_template("issuer/home.html", organisations=schools)


# -- the platform as an issuer -----------------------------------------------------------


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
def platform_did() -> Any:
    """The platform's DID document, where did:web resolves the base URL's DID (the other
    path answers 404, as does either before the platform has signed anything)."""
    # the routes are relative to the base URL (the app is served at its path)
    expected = "/did.json" if urlsplit(urls().base).path.strip("/") else "/.well-known/did.json"
    if request.path != expected:
        abort(404)
    return _json(platform_service.platform_did_document(dbs(), urls()), "application/did+json")


# -- credentials --------------------------------------------------------------------------


@bp.get("/credentials/<public_id>")
def credential(public_id: str) -> Any:
    award = get_award(dbs(), public_id)
    kind = _negotiate("text/html", *JSON_TYPES, JWT_TYPE)
    if kind in JSON_TYPES and request.accept_mimetypes[JWT_TYPE] and _jwt_only(award):
        # ES256/RS256 badges are signed as VC-JWTs only: their JSON has no proof, so a
        # client that can take the JWT gets that rather than a copy it could not check.
        kind = JWT_TYPE
    if kind == JWT_TYPE:
        if not award.credential_jwt:
            abort(406, description=_("This badge has no VC-JWT form."))
        return _cacheable(Response(award.credential_jwt, mimetype=JWT_TYPE), 60)
    if kind in JSON_TYPES:
        return _cacheable(Response(award.credential_json, mimetype=kind), 60)
    view = award_view(award)
    org = dbs().get(Organisation, award.org_id)
    assert org is not None
    set_org_language(org.default_language)  # for a reader who chose none
    verifier = current_app.config["VERIFIER_URL"] or request.host_url
    from ..services.learners import confirmed_owner
    from ..services.shares import public_name_allowed
    from ..web import current_learner
    from .common import for_credential

    # The learner's name only when their account made it public (and, for a minor, a
    # guardian consented); an unclaimed badge too stays anonymous. The signed JSON and
    # VC-JWT above are served unchanged.
    shown_name = award.learner_name if public_name_allowed(dbs(), award) else None
    learner = current_learner()
    owner = confirmed_owner(dbs(), award.learner_email) if learner is not None else None
    return render_template(
        "issuer/credential.html",
        org=org,
        shown_name=shown_name,
        anonymous_name=_("a learner of %(school)s", school=org.name),
        own_badge=owner is not None and learner is not None and owner.id == learner.id,
        verify_url=f"{verifier.rstrip('/')}/verify?url={view['url']}",
        linkedin_url=_linkedin(award, view),
        endorsements=for_credential(view["credential"]),
        **view,
    )


def _jwt_only(award: Award) -> bool:
    """True when the VC-JWT is the badge's only signed form (no embedded proof)."""
    return bool(award.credential_jwt) and "proof" not in json.loads(award.credential_json)


def _linkedin(award: Award, view: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    issued = award.issued_at
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": view["achievement"].get("name", ""),
        "organizationName": view["issuer"].get("name", ""),
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": view["url"],
        "certId": award.public_id,
    }
    if award.valid_until:
        params.update(
            expirationYear=award.valid_until.year, expirationMonth=award.valid_until.month
        )
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@bp.get("/credentials/<public_id>.json")
def credential_json(public_id: str) -> Any:
    award = get_award(dbs(), public_id)
    return _cacheable(Response(award.credential_json, mimetype="application/vc+ld+json"), 60)


@bp.get("/credentials/<public_id>.jwt")
def credential_jwt(public_id: str) -> Any:
    award = get_award(dbs(), public_id)
    if not award.credential_jwt:
        abort(404, description=_("This badge has no VC-JWT form."))
    return _cacheable(Response(award.credential_jwt, mimetype=JWT_TYPE), 60)


# -- organisations -------------------------------------------------------------------------


@bp.get("/orgs/<slug>")
def organisation(slug: str) -> Any:
    org = org_service.get_organisation(dbs(), slug)
    profile = org_service.issuer_profile(org, urls())
    if _negotiate("text/html", "application/ld+json", "application/json") != "text/html":
        body = profile.to_json()
        body["@context"] = [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ]
        return _json(body)
    from ..models import Achievement

    achievements = (
        dbs()
        .scalars(select(Achievement).where(Achievement.org_id == org.id).order_by(Achievement.name))
        .all()
    )
    from .common import for_org

    return render_template(
        "issuer/org.html",
        org=org,
        profile=profile,
        achievements=achievements,
        endorsements=for_org(org),
    )


@bp.get("/orgs/<slug>/did.json")
def did_document(slug: str) -> Any:
    org = org_service.get_organisation(dbs(), slug)
    return _json(org_service.did_document(dbs(), org, urls()), "application/did+json")


@bp.get("/orgs/<slug>/jwks.json")
def jwks(slug: str) -> Any:
    org = org_service.get_organisation(dbs(), slug)
    return _json(org_service.jwks(dbs(), org, urls()), "application/jwk-set+json")


@bp.get("/orgs/<slug>/status/<purpose>")
def status_list(slug: str, purpose: str) -> Any:
    org = org_service.get_organisation(dbs(), slug)
    if purpose not in ("revocation", "suspension"):
        abort(404, description=_("No such status list."))
    media_type, body = status_service.status_list_credential(
        dbs(), org=org, purpose=purpose, sealer=sealer(), urls=urls()
    )
    response = Response(body, mimetype=media_type)
    response.headers["Cache-Control"] = "no-cache"  # a revocation shows at once
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/orgs/<slug>/revocations")
def revocation_list(slug: str) -> Any:
    org = org_service.get_organisation(dbs(), slug)
    response = jsonify(status_service.revocation_list(dbs(), org=org, urls=urls()))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/registry.json")
def registry() -> Any:
    """Every organisation on this platform, as a registry of trusted issuers."""
    from ..services.registry import registry as build

    return _json(build(dbs(), urls()))


@bp.get("/orgs/<slug>/registry.json")
def org_registry(slug: str) -> Any:
    """The organisation and every organisation under it, as a registry of trusted issuers."""
    from ..services.registry import registry as build

    org = org_service.get_organisation(dbs(), slug)
    return _json(build(dbs(), urls(), root=org))


# -- achievements and images ------------------------------------------------------------------


@bp.get("/achievements/<public_id>")
def achievement(public_id: str) -> Any:
    row = get_achievement(dbs(), public_id)
    org = dbs().get(Organisation, row.org_id)
    assert org is not None
    body = achievement_model(dbs(), row, org, urls())
    if _negotiate("text/html", "application/ld+json", "application/json") != "text/html":
        data = body.to_json()
        data["@context"] = [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ]
        return _json(data)
    from .common import for_achievement

    set_org_language(org.default_language)  # for a reader who chose none
    return render_template(
        "issuer/achievement.html",
        org=org,
        achievement=row,
        body=body,
        endorsements=for_achievement(row),
        criteria_html=Markup(render_markdown(row.criteria_md)),  # noqa: S704 (sanitised by nh3),
    )


@bp.get("/images/<sha256>")
def image(sha256: str) -> Any:
    row = dbs().scalar(select(StoredImage).where(StoredImage.sha256 == sha256))
    if row is None:
        abort(404, description=_("No such image."))
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- baked images and the QR code ------------------------------------------------------------


def _baked(public_id: str, image_type: str) -> Response:
    """The achievement's image with this badge baked in: for PNG the school's PNG, or its
    SVG artwork (or the generated image) drawn as PNG; for SVG the school's SVG or the
    generated one. Baked on request: cheap, and the signed text inside is the stored one,
    byte for byte."""
    from ..services.images import achievement_image, baked_badge

    award = get_award(dbs(), public_id)
    if award.revoked_at is not None:
        # Not handed out as if nothing happened: the signed record (JSON, VC-JWT) stays for
        # verifiers, who see the revocation; a new picture to share is not made.
        abort(
            410, description=_("This badge was revoked by its issuer; it has no image to download.")
        )
    data = baked_badge(award, achievement_image(dbs(), award), image_type)
    media = "image/png" if image_type == "png" else "image/svg+xml"
    response = Response(data, mimetype=media)
    response.headers["Content-Disposition"] = (
        f'inline; filename="badge-{award.public_id}.{image_type}"'
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return _cacheable(response, 60)


@bp.get("/credentials/<public_id>.png")
def credential_png(public_id: str) -> Any:
    return _baked(public_id, "png")


@bp.get("/credentials/<public_id>.svg")
def credential_svg(public_id: str) -> Any:
    return _baked(public_id, "svg")


@bp.get("/credentials/<public_id>/qr.svg")
def credential_qr(public_id: str) -> Any:
    from badges import qr

    award = get_award(dbs(), public_id)
    response = Response(
        qr.cached_qr(urls().credential(award.public_id), "svg"), mimetype="image/svg+xml"
    )
    return _cacheable(response, 3600)


@bp.get("/evidence/<public_id>")
def evidence_file(public_id: str) -> Any:
    """An evidence file a teacher uploaded, always as a download, never rendered as a page.

    Not public: the signed badge names this URL, and it opens for the school's staff and
    for the learner whose badge it is (signed in); anyone else gets 404, as for no file.
    Through a share link that includes evidence it opens under /s/<link>/evidence/<id>."""
    from ..models import EvidenceFile
    from ..services.accounts import role_in
    from ..services.shares import download_name, learner_may_see_file
    from ..web import current_learner, current_user

    row = dbs().scalar(select(EvidenceFile).where(EvidenceFile.public_id == public_id))
    if row is None:
        abort(404, description=_("No such evidence file."))
    user = current_user()
    learner = current_learner()
    org = dbs().get(Organisation, row.org_id)
    allowed = (user is not None and org is not None and role_in(dbs(), user, org) is not None) or (
        learner is not None and learner_may_see_file(dbs(), learner, row, urls())
    )
    if not allowed:
        abort(404, description=_("No such evidence file."))
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{download_name(row.filename)}"'
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
