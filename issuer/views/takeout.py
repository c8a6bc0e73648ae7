"""Taking everything out: the archive (zip), the personal data (JSON), erasing the account.

- /portfolio/export: the page that offers all three;
- POST /portfolio/export/archive.zip: every badge (JSON, VC-JWT, baked PNG and SVG), every
  imported badge as received, own evidence files, the signed CLR, and an index.html that
  works offline
  (services/archive.py). A POST with the form's CSRF token: another site cannot make a
  browser build one;
- /portfolio/export/personal-data.json: everything held about the learner
  (services/data_rights.py);
- /learner/account/erase: what erasing does, then the confirmation (password, or a sign-in
  from the last 15 minutes for an account without one).

Thin: the work is in the services. Every answer is private (no shared cache keeps it).
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from flask import Blueprint, Response, render_template, request, session
from werkzeug.wsgi import wrap_file

from ..errors import IssuerError, TooManyRequests
from ..models import Learner
from ..models.base import now_utc
from ..services import data_rights
from ..services.archive import ArchiveIndex, archive_size, build_archive
from ..services.learners import confirmed_emails
from ..web import current_learner, dbs, learner_required, log_out, sealer, urls
from .common import form_errors

bp = Blueprint("takeout", __name__)
SPOOL_BYTES = 16 * 1024 * 1024  # an archive larger than this is built in a temporary file


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _learner() -> Learner:
    learner = current_learner()
    assert learner is not None  # learner_required
    return learner


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
    )


@bp.post("/portfolio/export/archive.zip")
@learner_required
def archive() -> Any:
    learner = _learner()

    def render_index(index: ArchiveIndex) -> str:
        return render_template("issuer/portfolio/archive_index.html", index=index)

    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        build_archive(
            dbs(), learner, spool, sealer=sealer(), urls=urls(), render_index=render_index
        )
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    response = Response(
        wrap_file(request.environ, spool), mimetype="application/zip", direct_passthrough=True
    )
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="badges-{_day()}.zip"'
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
