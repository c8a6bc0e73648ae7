"""Endorsements: their public pages and status list, and the staff pages to give,
list and withdraw them (admins of the endorsing organisation only)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from ..errors import Conflict, Forbidden, InvalidInput
from ..models import Achievement, Endorsement, Organisation, OrgKind, Role
from ..services import endorsements as service
from ..services.orgs import get_organisation
from ..translate import _
from ..web import actor, dbs, login_required, sealer, urls
from .common import JSON_TYPES, JWT_TYPE, comment_html, form_errors, staff_org
from .common import cacheable as _cacheable
from .common import negotiate as _negotiate

bp = Blueprint("endorsements", __name__)


def describe(endorsement: Endorsement) -> dict[str, Any]:
    """What the pages show of one endorsement: who, what, the comment, its state."""
    session = dbs()
    endorser = session.get(Organisation, endorsement.endorser_id)
    target = service.target_of(session, endorsement)
    if target.achievement is not None:
        target_url = url_for("public.achievement", public_id=target.achievement.public_id)
        target_label = f"the badge “{target.achievement.name}” of {target.org.name}"
    else:
        target_url = url_for("public.organisation", slug=target.org.slug)
        target_label = target.org.name
    return {
        "row": endorsement,
        "endorser": endorser,
        "target": target,
        "target_url": target_url,
        "target_label": target_label,
        "comment_html": comment_html(endorsement.comment),
        "url": urls().endorsement(endorsement.public_id),
    }


# -- public ------------------------------------------------------------------------------------


@bp.get("/endorsements/<public_id>")
def show(public_id: str) -> Any:
    row = service.get_endorsement(dbs(), public_id)
    kind = _negotiate("text/html", *JSON_TYPES, JWT_TYPE)
    if kind == JWT_TYPE:
        if not row.credential_jwt:
            abort(406, description=_("This endorsement has no VC-JWT form."))
        return _cacheable(Response(row.credential_jwt, mimetype=JWT_TYPE), 60)
    if kind in JSON_TYPES:
        return _cacheable(Response(row.credential_json, mimetype=kind), 60)
    view = describe(row)
    verifier = current_app.config["VERIFIER_URL"] or request.host_url
    return render_template(
        "issuer/endorsement.html",
        verify_url=f"{verifier.rstrip('/')}/verify?url={view['url']}",
        **view,
    )


@bp.get("/endorsements/<public_id>.json")
def show_json(public_id: str) -> Any:
    row = service.get_endorsement(dbs(), public_id)
    return _cacheable(Response(row.credential_json, mimetype="application/vc+ld+json"), 60)


@bp.get("/endorsements/<public_id>.jwt")
def show_jwt(public_id: str) -> Any:
    row = service.get_endorsement(dbs(), public_id)
    if not row.credential_jwt:
        abort(404, description=_("This endorsement has no VC-JWT form."))
    return _cacheable(Response(row.credential_jwt, mimetype=JWT_TYPE), 60)


@bp.get("/orgs/<slug>/status/endorsements")
def status_list(slug: str) -> Any:
    """The endorser's list of withdrawn endorsements (a Bitstring Status List)."""
    org = get_organisation(dbs(), slug)
    media_type, body = service.status_list(dbs(), org=org, sealer=sealer(), urls=urls())
    response = Response(body, mimetype=media_type)
    response.headers["Cache-Control"] = "no-cache"  # a withdrawal shows at once
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- staff -------------------------------------------------------------------------------------


def _admin(slug: str) -> tuple[Any, Organisation, str]:
    user, org, role = staff_org(slug)
    if role != Role.ADMIN:
        raise Forbidden(
            _("Only the admins of %(name)s give or withdraw its endorsements.", name=org.name)
        )
    return user, org, role


@bp.get("/staff/<slug>/endorsements")
@login_required
def index(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    return render_template(
        "issuer/endorsements.html",
        org=org,
        role=role,
        given=[describe(e) for e in service.given(dbs(), org)],
        received=[describe(e) for e in service.received(dbs(), org)],
        withdrawn=request.args.get("withdrawn"),
        created=request.args.get("created"),
    )


def _choices(org: Organisation) -> dict[str, Any]:
    """The form's lists: the member schools' achievements (for a centre or network) and
    the other organisations."""
    session = dbs()
    members: list[Organisation] = []
    if org.kind in (OrgKind.CENTRE, OrgKind.NETWORK):
        level = [org.id]
        for _depth in range(3):  # schools, and the centres' schools below a network
            below = list(
                session.scalars(select(Organisation).where(Organisation.parent_id.in_(level)))
            )
            members.extend(below)
            level = [o.id for o in below]
            if not level:
                break
    achievements: list[tuple[Organisation, list[Achievement]]] = []
    for member in sorted(members, key=lambda o: o.name)[:200]:
        rows = list(
            session.scalars(
                select(Achievement)
                .where(Achievement.org_id == member.id)
                .order_by(Achievement.name)
            )
        )
        if rows:
            achievements.append((member, rows))
    others = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id != org.id)
            .order_by(Organisation.name)
            .limit(500)
        )
    )
    return {"member_achievements": achievements, "organisations": others}


@bp.route("/staff/<slug>/endorsements/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Any:
    user, org, role = _admin(slug)
    context = {"org": org, "role": role, **_choices(org)}
    if request.method == "GET":
        values = {"target": request.args.get("target", "")}
        return render_template("issuer/endorse_form.html", values=values, errors={}, **context)
    values = request.form.to_dict()
    target = (values.get("target_url") or "").strip() or values.get("target", "")
    try:
        row = service.endorse(
            dbs(),
            endorser=org,
            target=target,
            comment=values.get("comment", ""),
            sealer=sealer(),
            urls=urls(),
            created_by=user.id,
            actor=actor(),
        )
    except InvalidInput as exc:
        errors = form_errors(exc)
        if "target" in errors and values.get("target_url", "").strip():
            errors["target_url"] = errors.pop("target")
        return render_template(
            "issuer/endorse_form.html", values=values, errors=errors, **context
        ), 400
    except Conflict as exc:
        form_errors(exc)
        return render_template(
            "issuer/endorse_form.html", values=values, errors={}, error=exc.description, **context
        ), exc.http_status
    return redirect(url_for("endorsements.index", slug=org.slug, created=row.public_id))


@bp.post("/staff/<slug>/endorsements/<public_id>/withdraw")
@login_required
def withdraw(slug: str, public_id: str) -> Any:
    _user, org, role = _admin(slug)
    row = service.get_endorsement(dbs(), public_id)
    try:
        service.withdraw(
            dbs(),
            endorsement=row,
            endorser=org,
            reason=request.form.get("reason", ""),
            actor=actor(),
        )
    except (InvalidInput, Conflict) as exc:
        form_errors(exc)
        return render_template(
            "issuer/endorsements.html",
            org=org,
            role=role,
            given=[describe(e) for e in service.given(dbs(), org)],
            received=[describe(e) for e in service.received(dbs(), org)],
            error=exc.description,
            withdrawn=None,
            created=None,
        ), exc.http_status
    return redirect(url_for("endorsements.index", slug=org.slug, withdrawn=row.public_id))
