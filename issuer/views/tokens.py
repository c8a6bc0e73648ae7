"""The staff page for API tokens: an organisation's admins create and revoke them.

A new token's secret is shown once, on the page that answers the creation (never cached),
and never again: only its SHA-256 is stored. Teachers get 403; outsiders 404.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from ..errors import Forbidden, InvalidInput
from ..models import Organisation, Role, User
from ..services import tokens as token_service
from ..translate import _
from ..web import actor, dbs, login_required
from .common import form_errors, staff_org

bp = Blueprint("tokens", __name__, url_prefix="/staff/<slug>/tokens")


def _admin_org(slug: str) -> tuple[User, Organisation, str]:
    user, org, role = staff_org(slug)
    if role != Role.ADMIN:
        raise Forbidden(_("Only the organisation's admins can manage its API tokens."))
    return user, org, role


def _page(org: Organisation, role: str, *, status: int = 200, **context: Any) -> Any:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("form_id", secrets.token_urlsafe(12))
    response = render_template(
        "issuer/tokens.html",
        org=org,
        role=role,
        tokens=token_service.tokens_of(dbs(), org),
        **context,
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.route("", methods=["GET", "POST"])
@login_required
def index(slug: str) -> Any:
    user, org, role = _admin_org(slug)
    if request.method == "GET":
        return _page(org, role)
    # The secret is shown on this POST's own answer, so reloading it would post the form
    # again: a form already used creates nothing more.
    form_id = request.form.get("form_id", "")[:40]
    used: list[str] = session.get("token_forms", [])
    if form_id and form_id in used:
        flash(
            _(
                "That token was already created; its secret was shown once and cannot be shown again."
            )
        )
        return redirect(url_for("tokens.index", slug=org.slug))
    try:
        token, secret = token_service.create_token(
            dbs(), org=org, name=request.form.get("name", ""), created_by=user.id, actor=actor()
        )
    except InvalidInput as exc:
        return _page(org, role, status=400, errors=form_errors(exc), values=request.form.to_dict())
    if form_id:
        session["token_forms"] = [*used, form_id][-10:]
    return _page(org, role, created=token, secret=secret)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(slug: str, token_id: int) -> Any:
    _user, org, _role = _admin_org(slug)
    token_service.revoke_token(dbs(), org=org, token_id=token_id, actor=actor())
    return redirect(url_for("tokens.index", slug=org.slug))
