"""Badges from elsewhere in a learner's portfolio: import one (/portfolio/import), see it
(/portfolio/imported/<id>), remove it. Only the signed-in learner's own: another learner's
imported badge answers 404, exactly like one that does not exist. Private pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from ..models import ImportedBadge
from ..services import imports as service
from ..services.competences import achieved_level
from ..services.text import render_markdown
from ..translate import _
from ..web import current_learner, dbs, import_tools, learner_required, urls
from .common import form_errors

bp = Blueprint("imports", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _learner() -> Any:
    learner = current_learner()
    assert learner is not None  # learner_required
    return learner


@bp.route("/portfolio/import", methods=["GET", "POST"])
@learner_required
def import_badge() -> Any:
    """The form: a link, pasted JSON or JWT, or a baked image; checked, then stored."""
    learner = _learner()
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    held: str | None = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload is not None and upload.filename else None
        values = {"url": request.form.get("url", ""), "text": request.form.get("text", "")}
        try:
            given = service.given_from_form(values["url"], values["text"], data)
            row = service.import_badge(dbs(), learner, given, tools=import_tools(), urls=urls())
        except service.AlreadyHeld as exc:
            errors, held, status = form_errors(exc), exc.href, 409
        except service.ImportRefused as exc:
            errors, status = form_errors(exc), 400
        else:
            flash(_("“%(name)s” is checked and now in your portfolio.", name=row.name))
            return redirect(url_for("imports.imported", public_id=row.public_id))
    return render_template(
        "issuer/portfolio/import.html",
        section="badges",
        values=values,
        errors=errors,
        held=held,
    ), status


def _view(row: ImportedBadge) -> dict[str, Any]:
    signed = service.as_signed(row)
    subject = signed.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    criteria = achievement.get("criteria")
    return {
        "row": row,
        "format_label": service.format_label(row),
        "status_reason": service.status_reason(row),
        "description": achievement.get("description")
        if isinstance(achievement.get("description"), str)
        else "",
        # Markdown, as the issuer wrote it: rendered, then sanitised (nh3)
        "criteria_html": Markup(render_markdown(criteria["narrative"]))  # noqa: S704
        if isinstance(criteria, dict) and isinstance(criteria.get("narrative"), str)
        else None,
        "level": achieved_level(signed),
        "alignments": [
            a
            for a in achievement.get("alignment") or []
            if isinstance(a, dict) and isinstance(a.get("targetName"), str)
        ],
    }


@bp.get("/portfolio/imported/<public_id>")
@learner_required
def imported(public_id: str) -> Any:
    row = service.imported_badge(dbs(), _learner(), public_id)
    service.refresh_status(dbs(), [row], import_tools())
    return render_template("issuer/portfolio/imported.html", section="badges", **_view(row))


@bp.post("/portfolio/imported/<public_id>/remove")
@learner_required
def remove(public_id: str) -> Any:
    name = service.remove_imported(dbs(), _learner(), public_id)
    flash(
        _(
            "“%(name)s” is removed from your portfolio (it stays valid wherever else you keep it).",
            name=name,
        )
    )
    return redirect(url_for("portfolio.home"))


@bp.get("/portfolio/imported/<public_id>/received")
@learner_required
def received(public_id: str) -> Any:
    """The badge exactly as it was received (to keep or to verify elsewhere)."""
    row = service.imported_badge(dbs(), _learner(), public_id)
    extension = {
        "image/png": "png",
        "image/svg+xml": "svg",
        "application/json": "json",
    }.get(row.received_type, "jwt")
    response = Response(row.received, mimetype=row.received_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="badge-{row.public_id}.{extension}"'
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
