"""The JSON API: the same report as the page: the core's ``to_dict()``, with who signed the
badge and what the trusted registries say of that signer (``service.Trust``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from badges import jsonutil
from badges.errors import FormatError, InputTooLargeError

from . import service
from .errors import BadRequest, TooLarge
from .i18n import registry_sentence, translated_report
from .openapi import OPENAPI
from .translate import _, current_language

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _answer(submission: service.Submission, recipient: str | None) -> Any:
    """The report: its codes always, its titles and messages in English unless
    ``Accept-Language`` asks for another of the verifier's languages."""
    report = service.verify(submission, recipient)
    trust = service.trust(report)
    if current_language() == "en":
        return jsonify({**report.to_dict(), **trust.to_dict()})
    shown = {**translated_report(report), **trust.to_dict()}
    shown["registry"]["message"] = registry_sentence(trust.registry)
    return jsonify(shown)


def _json_body() -> tuple[Any, int]:
    """The request's JSON and its size, parsed with the core's limits (size, depth, no
    duplicate keys, no NaN, no lone surrogates).

    Raises BadRequest when it is not JSON, TooLarge past the pasted-text limit (plus room
    for the wrapper). Flask's own parser is not used: deep nesting makes it recurse.
    """
    if not request.is_json:
        raise BadRequest(_("Send JSON (Content-Type: application/json) or a multipart image."))
    limit = service.record_limit() + 64 * 1024
    data = request.get_data(cache=False)
    if len(data) > limit:
        raise TooLarge(
            _(
                "The request is larger than %(text_limit)s MB.",
                text_limit=service.record_limit() // (1024 * 1024),
            )
        )
    try:
        return jsonutil.loads(data, max_bytes=limit, max_depth=jsonutil.MAX_JSON_DEPTH + 1), len(
            data
        )
    except InputTooLargeError as exc:
        raise BadRequest(_("The JSON is not acceptable: %(exc)s", exc=exc)) from exc
    except FormatError as exc:
        raise BadRequest(_("The request is not valid JSON: %(exc)s", exc=exc)) from exc


@bp.post("/verify")
def verify() -> Any:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image") or request.files.get("file")
        if upload is None:
            raise BadRequest(_('Send the baked image in a multipart field named "image".'))
        return _answer(service.from_image(upload.read()), request.form.get("recipient") or None)
    body, size = _json_body()
    recipient = body.get("recipient") if isinstance(body, dict) else None
    if recipient is not None and not isinstance(recipient, str):
        raise BadRequest(_('"recipient" must be a string (an email address).'))
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "recipient"}
    return _answer(service.from_api_json(body, size=size), recipient)


@bp.get("/verify")
def verify_get() -> Any:
    url = request.args.get("url", "")
    if not url.startswith(("https://", "http://")):
        raise BadRequest(_("Give the badge link as ?url=https://..."))
    return _answer(service.from_text(url), None)


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(OPENAPI)
