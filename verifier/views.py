"""The pages: give a badge in any form, see the verdict, every check, and the badge."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import Blueprint, render_template, request

from badges.verification import Verdict

from . import service
from .errors import BadRequest
from .translate import _

bp = Blueprint("views", __name__)


@bp.get("/")
def index() -> Any:
    return render_template("verifier/index.html", values={})


def _submission_from_form() -> service.Submission:
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        return service.from_image(upload.read())
    if request.form.get("image_b64"):
        try:
            return service.from_image(base64.b64decode(request.form["image_b64"], validate=True))
        except (binascii.Error, ValueError) as exc:
            raise BadRequest(_("The image sent back was damaged; choose the file again.")) from exc
    return service.from_text(request.form.get("input", ""))


def _result(submission: service.Submission, recipient: str | None) -> Any:
    report = service.verify(submission, recipient)
    status = 200
    trust, badge = service.present(report)
    return render_template(
        "verifier/result.html",
        report=report,
        trust=trust,
        badge=badge,
        verdict=report.verdict.value,
        Verdict=Verdict,
        carry=submission.carry(),
        asked_recipient=bool(recipient),
        raw=json.dumps(report.credential, indent=2, ensure_ascii=False)
        if report.credential
        else None,
    ), status


@bp.post("/verify")
def verify() -> Any:
    submission = _submission_from_form()
    recipient = request.form.get("recipient", "").strip() or None
    return _result(submission, recipient)


@bp.get("/verify")
def verify_get() -> Any:
    """Arriving from a QR code or an issuer's "verify" button: ``/verify?url=...``."""
    url = request.args.get("url", "")
    if not url:
        return render_template("verifier/index.html", values={}), 200
    submission = service.from_text(url)
    if submission.kind != "url":
        raise BadRequest(_("The url parameter must be an https:// link."))
    return _result(submission, None)
