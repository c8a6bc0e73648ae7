"""The JSON API: the same report as the page, as the core's ``to_dict()``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from . import service
from .errors import BadRequest
from .openapi import OPENAPI

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _answer(submission: service.Submission, recipient: str | None) -> Any:
    report = service.verify(submission, recipient)
    return jsonify(report.to_dict())


@bp.post("/verify")
def verify() -> Any:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image") or request.files.get("file")
        if upload is None:
            raise BadRequest('Send the baked image in a multipart field named "image".')
        return _answer(service.from_image(upload.read()), request.form.get("recipient") or None)
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("Send JSON (Content-Type: application/json) or a multipart image.")
    recipient = body.get("recipient") if isinstance(body, dict) else None
    if recipient is not None and not isinstance(recipient, str):
        raise BadRequest('"recipient" must be a string (an email address).')
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "recipient"}
    return _answer(service.from_api_json(body), recipient)


@bp.get("/verify")
def verify_get() -> Any:
    url = request.args.get("url", "")
    if not url.startswith(("https://", "http://")):
        raise BadRequest('Give the badge link as ?url=https://...')
    return _answer(service.from_text(url), None)


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(OPENAPI)
