"""Taking everything out: the archive (zip), the personal data (JSON), erasing the account.

- /portfolio/export: the page that offers all three;
- POST /portfolio/export/archive.zip: asks for the archive: every badge (JSON, VC-JWT,
  baked PNG and SVG), every imported badge as received, own evidence files, the signed CLR,
  and an index.html that works offline (services/archive.py). It is made by a job
  (services/jobs.py: by ``badges worker``, or a thread of the app without a broker), never
  inside the request; the answer leads to the job's page
  (/portfolio/export/jobs/<id>, its state as JSON at .../<id>.json), which offers the zip
  (.../<id>/archive.zip) when it is done, for ISSUER_ARCHIVE_KEEP_DAYS days or until a
  newer archive replaces it. Only the learner who asked sees the page or
  downloads the zip (anyone else: 404). A POST with the form's CSRF token: another site
  cannot make a browser ask for one;
- /portfolio/export/personal-data.json: everything held about the learner
  (services/data_rights.py);
- /learner/account/erase: what erasing does, then the confirmation (password, or a sign-in
  from the last 15 minutes for an account without one).

Thin: the work is in the services. Every answer is private (no shared cache keeps it).
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..db import after_commit
from ..errors import IssuerError, TooManyRequests
from ..jobqueue import runner, state_of
from ..models import JobStatus, Learner
from ..models.base import now_utc
from ..services import data_rights
from ..services import jobs as job_service
from ..services.archive import archive_size
from ..services.learners import confirmed_emails
from ..translate import _, current_language
from ..web import current_learner, dbs, learner_required, log_out, urls
from .common import form_errors

bp = Blueprint("takeout", __name__)
REFRESH_SECONDS = 3  # how often the job's page asks for its state


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _learner() -> Learner:
    learner = current_learner()
    assert learner is not None  # learner_required
    return learner


def _keep() -> timedelta:
    """How long a finished archive is offered (ISSUER_ARCHIVE_KEEP_DAYS)."""
    return timedelta(days=current_app.config["ARCHIVE_KEEP_DAYS"])


def _day() -> str:
    return f"{now_utc():%Y-%m-%d}"


@bp.get("/portfolio/export")
@learner_required
def export_page() -> Any:
    learner = _learner()
    return render_template(
        "issuer/portfolio/export.html",
        section="export",
        learner=learner,
        badges=archive_size(dbs(), learner),
        request_key=secrets.token_urlsafe(16),  # a double click asks for one archive
    )


@bp.post("/portfolio/export/archive.zip")
@learner_required
def archive() -> Any:
    """Ask for the archive: a job (one at a time per learner; the same form again finds its
    job), handed to the runner once this request has committed it; then its page."""
    learner = _learner()
    job, new = job_service.submit_archive(
        dbs(),
        learner=learner,
        request_key=request.form.get("request_key") or secrets.token_urlsafe(16),
        language=current_language(),
    )
    if new:
        jobs, job_id = runner(current_app._get_current_object()), job.public_id  # type: ignore[attr-defined]
        after_commit(dbs(), lambda: jobs.dispatch(job_id))
    return redirect(url_for("takeout.archive_job", job_id=job.public_id), 303)


@bp.get("/portfolio/export/jobs/<job_id>")
@learner_required
def archive_job(job_id: str) -> Any:
    """The archive's job: waiting, being made (the page asks for its state: static/job.js;
    a Refresh link without script), or done with the zip to download, or failed."""
    learner = _learner()
    job = job_service.learner_job(dbs(), job_id, learner=learner)
    state = state_of(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    kept = None
    if job.status == JobStatus.DONE:
        try:
            kept = job_service.job_file(dbs(), job, keep=_keep())
        except IssuerError:
            kept = None  # a newer archive replaced it, or it was kept its time
    return render_template(
        "issuer/portfolio/archive_job.html",
        section="export",
        learner=learner,
        job=job,
        state=state,
        file=kept,
        refresh=REFRESH_SECONDS if job.status == JobStatus.QUEUED else None,
        # the sentence static/job.js fills in as the job goes on (its placeholders kept)
        signed_template=_("Added %(done)s of %(of)s badges"),
    )


@bp.get("/portfolio/export/jobs/<job_id>.json")
@learner_required
def archive_job_state(job_id: str) -> Any:
    """The archive job's state as JSON (status queued, done or failed; done of total)."""
    job = job_service.learner_job(dbs(), job_id, learner=_learner())
    return jsonify(state_of(current_app._get_current_object(), job))  # type: ignore[attr-defined]


@bp.get("/portfolio/export/jobs/<job_id>/archive.zip")
@learner_required
def archive_file(job_id: str) -> Any:
    """The finished archive, for the learner who asked for it alone."""
    job = job_service.learner_job(dbs(), job_id, learner=_learner())
    kept = job_service.job_file(dbs(), job, keep=_keep())
    response = Response(kept.data, mimetype=kept.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{kept.filename}"'
    return response


@bp.get("/portfolio/export/personal-data.json")
@learner_required
def personal_data() -> Any:
    data = data_rights.personal_data(dbs(), _learner(), urls=urls())
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="personal-data-{_day()}.json"'
    return response


def _erase_page(errors: dict[str, str] | None = None, status: int = 200) -> Any:
    learner = _learner()
    token = session.get("learner")
    return render_template(
        "issuer/learners/erase.html",
        section="account",
        learner=learner,
        preview=data_rights.erasure_preview(dbs(), learner),
        recent=data_rights.recently_signed_in(
            dbs(), learner, token if isinstance(token, str) else None
        ),
        address=(confirmed_emails(dbs(), learner) or [""])[0],
        errors=errors or {},
    ), status


@bp.get("/learner/account/erase")
@learner_required
def erase_page() -> Any:
    return _erase_page()


@bp.post("/learner/account/erase")
@learner_required
def erase() -> Any:
    learner = _learner()
    token = session.get("learner")
    try:
        data_rights.check_erasure_confirmed(
            dbs(),
            learner,
            password=request.form.get("password", ""),
            understood=request.form.get("understood") == "1",
            session_token=token if isinstance(token, str) else None,
        )
    except IssuerError as exc:
        if "password" in getattr(exc, "fields", {}):
            dbs().commit()  # keep the count of wrong passwords (nothing else changed)
        errors = form_errors(exc)
        if isinstance(exc, TooManyRequests):
            errors = {"password": exc.description}
        return _erase_page(errors, exc.http_status)
    done = data_rights.erase_learner(dbs(), learner)
    log_out()  # its sessions are gone already; this clears the cookie
    return render_template("issuer/learners/erased.html", erasure=done)
