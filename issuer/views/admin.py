"""Administration: the platform admin creates organisations; org admins invite staff."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ..errors import InvalidInput
from ..models import Membership, Organisation, OrgKind, Role, User
from ..services.accounts import accept_invitation, find_invitation, invite
from ..services.orgs import create_organisation
from ..translate import _
from ..web import actor, current_user, dbs, log_in, login_required, sealer
from .common import form_errors, staff_org

bp = Blueprint("admin", __name__)


def _platform_admin() -> User:
    user = current_user()
    if user is None or not user.is_platform_admin:
        abort(404)
    return user


def _schools() -> list[Organisation]:
    """Every organisation but the platform itself (which signs only CLR exports)."""
    query = select(Organisation).where(Organisation.kind != OrgKind.PLATFORM)
    return list(dbs().scalars(query.order_by(Organisation.name)))


@bp.route("/admin/organisations", methods=["GET", "POST"])
@login_required
def organisations() -> Any:
    _platform_admin()
    orgs = _schools()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"kind": "school", "status_method": "bitstring", "key_alg": "EdDSA"}
    invite_link = None
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        parent = None
        if values.get("parent"):
            parent = dbs().scalar(select(Organisation).where(Organisation.slug == values["parent"]))
        try:
            if values.get("parent") and parent is None:
                raise InvalidInput(
                    _("Choose a parent from the list."),
                    fields={"parent": _("Choose a parent from the list.")},
                )
            org = create_organisation(
                dbs(),
                sealer=sealer(),
                slug=values.get("slug", ""),
                name=values.get("name", ""),
                kind=values.get("kind", "school"),
                description=values.get("description", ""),
                url=values.get("url") or None,
                country=(values.get("country") or "").upper() or None,
                parent=parent,
                status_method=values.get("status_method", "bitstring"),
                key_alg=values.get("key_alg", "EdDSA"),
            )
            try:
                token = invite(
                    dbs(),
                    org=org,
                    email=values.get("admin_email", ""),
                    role=Role.ADMIN,
                    actor=actor(),
                )
            except InvalidInput as exc:  # the form calls the invitee's field "admin_email"
                raise InvalidInput(
                    exc.description, fields={"admin_email": exc.description}
                ) from exc
        except InvalidInput as exc:
            errors, status = form_errors(exc), 400
        else:
            invite_link = url_for("admin.accept", token=token, _external=True)
            values = {"kind": "school", "status_method": "bitstring", "key_alg": "EdDSA"}
            orgs = _schools()
    return render_template(
        "issuer/admin_orgs.html",
        organisations=orgs,
        errors=errors,
        values=values,
        invite_link=invite_link,
    ), status


@bp.route("/staff/<slug>/people", methods=["GET", "POST"])
@login_required
def people(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    if role != Role.ADMIN:
        abort(404)
    errors: dict[str, str] = {}
    invite_link = None
    status = 200
    if request.method == "POST":
        try:
            token = invite(
                dbs(),
                org=org,
                email=request.form.get("email", ""),
                role=request.form.get("role", "teacher"),
                actor=actor(),
            )
        except InvalidInput as exc:
            errors, status = exc.fields or {"form": exc.description}, 400
        else:
            invite_link = url_for("admin.accept", token=token, _external=True)
    members = (
        dbs()
        .execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.org_id == org.id)
            .order_by(User.name)
        )
        .all()
    )
    return render_template(
        "issuer/people.html",
        org=org,
        role=role,
        members=members,
        errors=errors,
        invite_link=invite_link,
    ), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str) -> Any:
    try:
        invitation = find_invitation(dbs(), token)
    except InvalidInput as exc:
        return render_template("errors/error.html", status=404, message=exc.description), 404
    org = dbs().get(Organisation, invitation.org_id)
    exists = dbs().scalar(select(User.id).where(User.email == invitation.email)) is not None
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = (
                accept_invitation(
                    dbs(),
                    token=token,
                    name=request.form.get("name", ""),
                    password=request.form.get("password", ""),
                )
                if not exists
                else _accept_existing(token)
            )
        except InvalidInput as exc:
            errors = form_errors(exc)
        else:
            log_in(user)
            assert org is not None
            return redirect(url_for("staff.org_home", slug=org.slug))
    return render_template(
        "issuer/invite.html", invitation=invitation, org=org, exists=exists, errors=errors
    ), (400 if errors else 200)


def _accept_existing(token: str) -> User:
    """An existing account joins only when logged in as itself (no takeover by link)."""
    user = current_user()
    invitation = find_invitation(dbs(), token)
    if user is None or user.email != invitation.email:
        raise InvalidInput(
            _("Log in as %(email)s first, then open the link again.", email=invitation.email)
        )
    return accept_invitation(dbs(), token=token, name=user.name, password="")
