"""Staff pages for awarding: one learner, a class from CSV, revocation and renewal."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from flask import (
    Blueprint,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import Session

from ..errors import AlreadyAwarded, InvalidInput, IssuerError, NotFound
from ..i18n import endonym
from ..models import Achievement, Award, Organisation
from ..models.base import now_utc
from ..services import awards as award_service
from ..services import jobs
from ..services import renewal as renewal_service
from ..services import status as status_service
from ..services.achievements import get_achievement
from ..services.awards import get_award
from ..services.jobs import Progress
from ..translate import _, current_language
from ..web import actor, dbs, login_required, sealer, urls
from .common import award_view, form_errors, staff_org
from .forms import CSV_COLUMNS, award_input, rows_from_csv
from .progress import as_job, started, stream_job

bp = Blueprint("awards", __name__, url_prefix="/staff/<slug>")
FIRST_CSV_ROW = 2  # a CSV's first learner is on its second line, under the header


def _award_form(
    org: Any,
    role: str,
    achievement: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    already: str | None = None,
) -> Any:
    values.setdefault("request_key", secrets.token_urlsafe(16))
    return (
        render_template(
            "issuer/award_form.html",
            org=org,
            role=role,
            achievement=achievement,
            values=values,
            errors=errors,
            levels=achievement.levels,
            school_language=endonym(org.default_language),
            created=request.args.get("created"),
            already=already,
        ),
        status,
    )


@bp.route("/achievements/<achievement_id>/award", methods=["GET", "POST"])
@login_required
def new(slug: str, achievement_id: str) -> Any:
    user, org, role = staff_org(slug)
    achievement = get_achievement(dbs(), achievement_id, org=org)
    if request.method == "GET":
        return _award_form(org, role, achievement, {}, {})
    again = request.form.get("award_again") == "1"  # the teacher confirmed a second award
    try:
        data = award_input(request.form)
        upload = request.files.get("evidence_file")
        if upload is not None and upload.filename:
            existing = award_service.find_by_request_key(
                dbs(), org, request.form.get("request_key") or ""
            )
            if existing is None:  # a retried submit must not store the file twice
                data.evidence_file_url = award_service.store_evidence_file(
                    dbs(),
                    org=org,
                    filename=upload.filename,
                    data=upload.read(award_service.MAX_EVIDENCE_BYTES + 1),
                    urls=urls(),
                )
        award = award_service.award_badge(
            dbs(),
            org=org,
            achievement=achievement,
            data=data,
            sealer=sealer(),
            urls=urls(),
            awarded_by=user.id,
            request_key=request.form.get("request_key") or None,
            allow_again=again,
            actor=actor(),
        )
    except AlreadyAwarded as exc:
        form_errors(exc)  # (an evidence file stored above goes too: it is chosen again)
        values = request.form.to_dict()
        values.pop("award_again", None)
        return _award_form(org, role, achievement, values, {}, 409, already=exc.description)
    except InvalidInput as exc:
        return _award_form(org, role, achievement, request.form.to_dict(), form_errors(exc), 400)
    return redirect(url_for("awards.done", slug=org.slug, award_id=award.public_id))


def _org_award(org: Any, award_id: str) -> Any:
    """An award of ``org``; another organisation's award is "not found", like a missing one."""
    award = get_award(dbs(), award_id)
    if award.org_id != org.id:
        raise NotFound(_("No such badge."))
    return award


@bp.get("/awards/<award_id>")
@login_required
def done(slug: str, award_id: str) -> Any:
    _user, org, role = staff_org(slug)
    return _done_page(org, role, _org_award(org, award_id))


def _done_page(org: Any, role: str, award: Any, error: str | None = None, status: int = 200) -> Any:
    """The staff page of one badge: its link and QR code, what it says, and its actions."""
    view = award_view(award)
    view.pop("award")
    session = dbs()
    return render_template(
        "issuer/award_done.html",
        org=org,
        role=role,
        award=award,
        error=error,
        renewed_by=renewal_service.renewal_of(session, award),
        renews=session.get(Award, award.renewal_of_id) if award.renewal_of_id else None,
        can_renew=renewal_service.can_renew(award),
        expired=award.valid_until is not None and award.valid_until <= now_utc(),
        **view,
    ), status


@bp.post("/awards/<award_id>/revoke")
@login_required
def revoke(slug: str, award_id: str) -> Any:
    _user, org, role = staff_org(slug)
    award = _org_award(org, award_id)
    try:
        status_service.revoke_award(
            dbs(), award=award, reason=request.form.get("reason", ""), urls=urls(), actor=actor()
        )
    except IssuerError as exc:
        form_errors(exc)
        return _done_page(org, role, award, exc.description, exc.http_status)
    return redirect(url_for("awards.done", slug=org.slug, award_id=award.public_id))


@bp.post("/awards/<award_id>/renew")
@login_required
def renew(slug: str, award_id: str) -> Any:
    """A new copy of an expired or expiring badge, valid from now; the old one stays."""
    user, org, role = staff_org(slug)
    award = _org_award(org, award_id)
    try:
        new = renewal_service.renew_award(
            dbs(),
            org=org,
            award=award,
            sealer=sealer(),
            urls=urls(),
            actor=actor(),
            renewed_by=user.id,
        )
    except IssuerError as exc:
        form_errors(exc)
        return _done_page(org, role, award, exc.description, exc.http_status)
    return redirect(url_for("awards.done", slug=org.slug, award_id=new.public_id))


# -- a whole class from CSV -----------------------------------------------------------------


@bp.post("/awards/<award_id>/suspend", defaults={"suspended": True}, endpoint="suspend")
@bp.post("/awards/<award_id>/unsuspend", defaults={"suspended": False}, endpoint="unsuspend")
@login_required
def change_suspension(slug: str, award_id: str, suspended: bool) -> Any:
    """Suspend a badge (e.g. while a complaint is looked into), or lift the suspension."""
    _user, org, role = staff_org(slug)
    award = _org_award(org, award_id)
    try:
        status_service.change_suspension(
            dbs(),
            award=award,
            org=org,
            suspended=suspended,
            reason=request.form.get("reason", ""),
            actor=actor(),
            urls=urls(),
        )
    except IssuerError as exc:
        form_errors(exc)
        return _done_page(org, role, award, exc.description, exc.http_status)
    return redirect(url_for("awards.done", slug=org.slug, award_id=award.public_id))


def _decoded(payload: str) -> bytes:
    """The CSV that the preview page carried in its hidden field (base64)."""
    try:
        return base64.b64decode(payload, validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise InvalidInput(_("The upload was damaged; start again.")) from None


@bp.route("/achievements/<achievement_id>/bulk", methods=["GET", "POST"])
@login_required
def bulk(slug: str, achievement_id: str) -> Any:
    """Upload a CSV: a preview with every row's problems; nothing is signed yet."""
    _user, org, role = staff_org(slug)
    achievement = get_achievement(dbs(), achievement_id, org=org)
    context = {"org": org, "role": role, "achievement": achievement, "columns": CSV_COLUMNS}
    if request.method == "GET":
        return render_template("issuer/bulk.html", **context)
    upload = request.files.get("csv")
    content = upload.read(1024 * 1024 + 1) if upload is not None and upload.filename else b""
    try:
        if not content and request.form.get("csv_b64"):
            content = _decoded(request.form["csv_b64"])
        if not content:
            raise InvalidInput(_("Choose a CSV file to upload."))
        rows = rows_from_csv(content)
        result = award_service.award_many(
            dbs(),
            org=org,
            achievement=achievement,
            rows=rows,
            sealer=sealer(),
            urls=urls(),
            dry_run=True,
            first_row=FIRST_CSV_ROW,
        )
    except InvalidInput as exc:
        return render_template("issuer/bulk.html", error=exc.description, **context), 400
    return render_template(
        "issuer/bulk.html",
        rows=rows,
        row_errors=result.errors,
        earlier=result.earlier,
        first_row=FIRST_CSV_ROW,
        has_notes=any(r.narrative for r in rows),
        csv_b64=base64.b64encode(content).decode(),
        request_key=secrets.token_urlsafe(16),
        **context,
    ), (400 if result.errors else 200)


@bp.post("/achievements/<achievement_id>/bulk/confirm")
@login_required
def bulk_confirm(slug: str, achievement_id: str) -> Any:
    """Sign and store the whole class in one transaction, streaming progress to the page."""
    user, org, role = staff_org(slug)
    achievement = get_achievement(dbs(), achievement_id, org=org)
    skip_earlier = request.form.get("earlier", "skip") != "include"  # skipped unless chosen
    try:
        rows = rows_from_csv(
            _decoded(request.form.get("csv_b64", "")),
            publish_notes=request.form.get("publish_notes") == "1",
        )
    except InvalidInput as exc:
        message = exc.description
        return render_template(
            "issuer/bulk.html",
            org=org,
            role=role,
            achievement=achievement,
            columns=CSV_COLUMNS,
            error=message,
        ), 400
    user_id, org_id, achievement_pk = user.id, org.id, achievement.id
    batch_key = request.form.get("request_key") or None
    keyring, public, who = (
        sealer(),
        urls(),
        actor(),
    )  # read here: the work runs in a thread of its own
    earlier_job = jobs.find_job(dbs(), org=org, request_key=batch_key)
    if earlier_job is not None:  # this confirmation was submitted as a job before
        return started(earlier_job, org.slug, new=False)
    total = jobs.class_award_size(
        dbs(), org=org, achievement=achievement, rows=rows, skip_earlier=skip_earlier
    )
    if as_job(total):  # a large class: a worker signs it; the browser watches its page
        try:
            job, new = jobs.submit_class_award(
                dbs(),
                org=org,
                achievement=achievement,
                rows=rows,
                request_key=batch_key or secrets.token_urlsafe(16),
                skip_earlier=skip_earlier,
                first_row=FIRST_CSV_ROW,
                actor=who,
                created_by=user_id,
                language=current_language(),
            )
        except IssuerError as exc:
            return render_template(
                "issuer/bulk.html",
                org=org,
                role=role,
                achievement=achievement,
                columns=CSV_COLUMNS,
                error=exc.description,
            ), exc.http_status
        return started(job, org.slug, new=new)

    def work(session: Session, progress: Progress) -> jobs.ClassAwarded:
        return jobs.run_class_award(
            session,
            org=session.get_one(Organisation, org_id),
            achievement=session.get_one(Achievement, achievement_pk),
            rows=rows,
            sealer=keyring,
            urls=public,
            awarded_by=user_id,
            actor=who,
            request_key=batch_key,
            skip_earlier=skip_earlier,
            first_row=FIRST_CSV_ROW,
            progress=progress,
        )

    return stream_job(
        "issuer/bulk_progress.html",
        work,
        name="bulk award",
        org=org,
        role=role,
        achievement=achievement,
        total=total,
    )
