"""Describing and steering a portfolio: a learner's reflections and own evidence on their
badges, their goals and pathways; and the staff page of a school's pathways (who completed
one, by class, and awarding it).

Every learner page is the signed-in learner's own: another learner's badge, reflection,
evidence or goal answers 404, as one that does not exist. Nothing is cached outside the
browser (``Cache-Control: private, no-store``), on the staff pages too (they list learners).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from ..errors import AlreadyAwarded, Conflict, InvalidInput, IssuerError, NotFound
from ..models import Award, Learner, Organisation
from ..models.base import now_utc
from ..services import steering as service
from ..services.learners import learner_award
from ..services.pathways import org_pathways
from ..services.text import render_markdown
from ..translate import _, ngettext
from ..web import (
    actor,
    current_learner,
    dbs,
    learner_required,
    login_required,
    sealer,
    urls,
)
from .common import form_errors, learner_evidence_response, staff_org

bp = Blueprint("steering", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _learner() -> Learner:
    learner = current_learner()
    assert learner is not None  # learner_required
    return learner


def _status(award: Award) -> tuple[str, str]:
    """(css class, label) of a badge's live status."""
    if award.revoked_at is not None:
        return "revoked", _("Revoked")
    if award.suspended:
        return "revoked", _("Suspended")
    if award.valid_until is not None and award.valid_until <= now_utc():
        return "expired", _("Expired")
    return "valid", _("Valid")


# -- reflection and own evidence ---------------------------------------------------------------


def _reflection_page(
    public_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    learner = _learner()
    award = learner_award(dbs(), learner, public_id)
    if award is None:
        raise NotFound(_("No such badge in your portfolio."))
    reflection = service.get_reflection(dbs(), learner, award)
    values = dict(values or {})
    values.setdefault("body_md", reflection.body_md if reflection else "")
    org = dbs().get(Organisation, award.org_id)
    return (
        render_template(
            "issuer/portfolio/reflection.html",
            section="badges",
            award=award,
            org=org,
            status=_status(award),
            reflection=reflection,
            reflection_html=Markup(render_markdown(reflection.body_md))  # noqa: S704 (nh3)
            if reflection
            else None,
            evidence=service.award_evidence(dbs(), learner, award),
            values=values,
            errors=errors or {},
            max_reflection=service.MAX_REFLECTION,
            allowed_files=service.ALLOWED_FILES,
            max_file_mb=service.MAX_EVIDENCE_BYTES // (1024 * 1024),
        ),
        status,
    )


@bp.get("/portfolio/badges/<public_id>/reflection")
@learner_required
def reflection(public_id: str) -> Any:
    return _reflection_page(public_id)


@bp.post("/portfolio/badges/<public_id>/reflection")
@learner_required
def save_reflection(public_id: str) -> Any:
    try:
        service.save_reflection(dbs(), _learner(), public_id, request.form.get("body_md", ""))
    except InvalidInput as exc:
        return _reflection_page(
            public_id, values=request.form.to_dict(), errors=form_errors(exc), status=400
        )
    flash(_("Your reflection is saved. Only you can see it unless you share it."))
    return redirect(url_for("steering.reflection", public_id=public_id) + "#reflection")


@bp.post("/portfolio/badges/<public_id>/reflection/delete")
@learner_required
def delete_reflection(public_id: str) -> Any:
    if service.delete_reflection(dbs(), _learner(), public_id):
        flash(_("Your reflection is deleted."))
    return redirect(url_for("steering.reflection", public_id=public_id))


@bp.post("/portfolio/badges/<public_id>/evidence/link")
@learner_required
def add_link(public_id: str) -> Any:
    try:
        service.add_evidence_link(
            dbs(),
            _learner(),
            public_id,
            url=request.form.get("link_url", ""),
            title=request.form.get("link_title") or None,
        )
    except InvalidInput as exc:
        errors = {f"link_{k}": v for k, v in form_errors(exc).items()}
        values = request.form.to_dict()
        return _reflection_page(public_id, values=values, errors=errors, status=400)
    flash(_("The link is added to this badge's evidence."))
    return redirect(url_for("steering.reflection", public_id=public_id) + "#evidence")


@bp.post("/portfolio/badges/<public_id>/evidence/file")
@learner_required
def add_file(public_id: str) -> Any:
    upload = request.files.get("file_upload")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput(
                _("Please correct the marked fields."), fields={"file": _("Choose a file to add.")}
            )
        service.add_evidence_file(
            dbs(),
            _learner(),
            public_id,
            filename=upload.filename,
            data=upload.read(service.MAX_EVIDENCE_BYTES + 1),
            title=request.form.get("file_title") or None,
        )
    except InvalidInput as exc:
        names = {"file": "file_upload", "title": "file_title", "form": "file_form"}
        errors = {names.get(k, k): v for k, v in form_errors(exc).items()}
        values = {"file_title": request.form.get("file_title", "")}
        return _reflection_page(public_id, values=values, errors=errors, status=400)
    flash(_("The file is added to this badge's evidence."))
    return redirect(url_for("steering.reflection", public_id=public_id) + "#evidence")


@bp.route("/portfolio/evidence/<public_id>/edit", methods=["GET", "POST"])
@learner_required
def edit_evidence(public_id: str) -> Any:
    learner = _learner()
    row = service.own_evidence(dbs(), learner, public_id)
    award = dbs().get(Award, row.award_id)
    assert award is not None
    values: dict[str, Any] = {"title": row.title, "url": row.url or ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            service.update_evidence(
                dbs(),
                learner,
                public_id,
                title=request.form.get("title", ""),
                url=request.form.get("url") if row.url is not None else None,
            )
        except InvalidInput as exc:
            errors, status = form_errors(exc), 400
            row = service.own_evidence(dbs(), learner, public_id)
        else:
            flash(_("The evidence is saved."))
            return redirect(url_for("steering.reflection", public_id=award.public_id) + "#evidence")
    return (
        render_template(
            "issuer/portfolio/evidence_edit.html",
            section="badges",
            row=row,
            award=award,
            values=values,
            errors=errors,
        ),
        status,
    )


@bp.post("/portfolio/evidence/<public_id>/delete")
@learner_required
def delete_evidence(public_id: str) -> Any:
    award = service.delete_evidence(dbs(), _learner(), public_id)
    flash(_("The evidence is deleted."))
    return redirect(url_for("steering.reflection", public_id=award.public_id) + "#evidence")


@bp.get("/portfolio/evidence/<public_id>")
@learner_required
def evidence_file(public_id: str) -> Any:
    row = service.own_evidence(dbs(), _learner(), public_id)
    if row.data is None:  # a link: it has no file here
        return redirect(url_for("steering.reflection", public_id=_award_id(row.award_id)))
    return learner_evidence_response(row)


def _award_id(award_id: int) -> str:
    award = dbs().get(Award, award_id)
    assert award is not None
    return award.public_id


# -- goals and pathways ------------------------------------------------------------------------


@bp.get("/portfolio/goals")
@learner_required
def goals() -> Any:
    page = service.goals_page(dbs(), _learner())
    return render_template("issuer/portfolio/goals.html", section="goals", page=page)


@bp.post("/portfolio/goals")
@learner_required
def pin() -> Any:
    try:
        goal = service.pin_goal(dbs(), _learner(), request.form.get("achievement", "").strip())
    except InvalidInput as exc:
        form_errors(exc)
        flash(exc.description)
    else:
        flash(_("Pinned as a goal."))
        return redirect(url_for("steering.goals") + f"#goal-{goal.id}")
    return redirect(url_for("steering.goals"))


@bp.post("/portfolio/goals/<achievement_id>/unpin")
@learner_required
def unpin(achievement_id: str) -> Any:
    service.unpin_goal(dbs(), _learner(), achievement_id)
    flash(_("The goal is unpinned."))
    return redirect(url_for("steering.goals"))


# -- staff: a school's pathways ----------------------------------------------------------------


@bp.get("/staff/<slug>/pathways")
@login_required
def pathways(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    reports = [service.pathway_report(dbs(), org, p) for p in org_pathways(dbs(), [org.id])]
    return render_template("issuer/pathways.html", org=org, role=role, reports=reports)


def _pathway_page(slug: str, achievement_id: str, status: int = 200) -> Any:
    _user, org, role = staff_org(slug)
    pathway = service.get_pathway(dbs(), org, achievement_id)
    return (
        render_template(
            "issuer/pathway.html",
            org=org,
            role=role,
            report=service.pathway_report(dbs(), org, pathway),
            request_key=secrets.token_urlsafe(16),
        ),
        status,
    )


@bp.get("/staff/<slug>/pathways/<achievement_id>")
@login_required
def pathway(slug: str, achievement_id: str) -> Any:
    return _pathway_page(slug, achievement_id)


@bp.post("/staff/<slug>/pathways/<achievement_id>/award")
@login_required
def award(slug: str, achievement_id: str) -> Any:
    """Award the pathway to one learner who completed it (``email``), or to every learner
    who completed it and does not hold it yet (``all``)."""
    user, org, _role = staff_org(slug)
    pathway = service.get_pathway(dbs(), org, achievement_id)
    if request.form.get("all") == "1":
        emails = [lp.email for lp in service.pathway_report(dbs(), org, pathway).to_award]
    else:
        emails = [request.form.get("email", "")]
    try:
        done = service.award_pathway(
            dbs(),
            org=org,
            pathway=pathway,
            emails=emails,
            sealer=sealer(),
            urls=urls(),
            awarded_by=user.id,
            actor=actor(),
            request_key=request.form.get("request_key") or None,
        )
    except (AlreadyAwarded, Conflict, InvalidInput) as exc:
        return _error_page(slug, achievement_id, exc)
    if len(done) == 1:
        flash(
            _(
                "“%(name)s” is awarded to %(learner_name)s.",
                name=pathway.name,
                learner_name=done[0].learner_name,
            )
        )
    else:
        flash(
            ngettext(
                "“%(name)s” is awarded to %(num)s learner.",
                "“%(name)s” is awarded to %(num)s learners.",
                len(done),
                name=pathway.name,
            )
        )
    return redirect(url_for("steering.pathway", slug=slug, achievement_id=achievement_id))


def _error_page(slug: str, achievement_id: str, exc: IssuerError) -> Any:
    form_errors(exc)
    flash(exc.description)
    return _pathway_page(slug, achievement_id, exc.http_status)
