"""Request plumbing: throttling, errors as JSON or a page, security headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from badges.errors import BadgeError

from .errors import Throttled, TooLarge, VerifierError
from .limits import RequestLimits
from .translate import _

LIMITED = {"views.verify", "views.verify_get", "api.verify", "api.verify_get"}


def _limits() -> RequestLimits:
    limits: RequestLimits = current_app.extensions["verifier.limits"]
    return limits


def limit_views(app: Flask) -> None:
    """The verifications (page and API) take from the client's one allowance (after the
    blueprints are registered)."""
    limits: RequestLimits = app.extensions["verifier.limits"]
    for endpoint in LIMITED:
        app.view_functions[endpoint] = limits.limit(app.view_functions[endpoint])


def _is_api() -> bool:
    # By path, not blueprint: a 404 or 405 under /api/ matched no view, yet is answered as JSON.
    return request.blueprint == "api" or request.path.startswith("/api/")


def _error(exc: Exception) -> Any:
    if isinstance(exc, RateLimitExceeded):  # Flask-Limiter's, in the reader's language
        exc = Throttled(
            _("Too many verifications from your address. Wait a moment and try again."),
            _limits().retry_after(request.remote_addr or "?"),
        )
    if isinstance(exc, RequestEntityTooLarge):
        megabytes = int(current_app.config["MAX_CONTENT_LENGTH"] or 0) / (1024 * 1024)
        exc = TooLarge(
            _(
                "The upload is larger than the verifier takes (%(megabytes)s MB).",
                megabytes=format(megabytes, "g"),
            )
        )
    if isinstance(exc, VerifierError):
        status, code, message = exc.http_status, exc.code, exc.description
    elif isinstance(exc, HTTPException):
        status, code, message = (
            exc.code or 500,
            exc.name.lower().replace(" ", "_"),
            exc.description or exc.name,
        )
    elif isinstance(exc, BadgeError):
        status, code, message = 400, exc.code, exc.description
    else:
        current_app.logger.exception("unexpected error")
        status, code, message = (
            500,
            "internal",
            _("The verifier failed unexpectedly. Please try again."),
        )
    if _is_api():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
    else:
        response = current_app.make_response(
            (render_template("verifier/index.html", error=message, values={}), status)
        )
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    # img-src data: only: badge images are fetched by the verifier and inlined (images.py),
    # so a page never makes the reader's browser contact a host the badge names.
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; img-src data:; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    )
    headers.setdefault("Cache-Control", "no-store")
    return response


def healthz() -> Any:
    """The process answers (liveness)."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


def readyz() -> Any:
    """Ready to verify (readiness). The verifier keeps no database; what it depends on
    (fetching the badge's documents) belongs to each badge, not to its readiness. A Redis
    for the rate limits is reported, but its absence leaves the verifier ready: each
    process then limits on its own."""
    checks: dict[str, str] = {}
    limits = _limits()
    if limits.shared:
        checks["redis"] = "ok" if limits.check() else "unavailable: limits kept per process"
    response = jsonify({"status": "ok", "checks": checks})
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.add_url_rule("/readyz", "readyz", readyz, methods=["GET"])
    app.after_request(_headers)
    app.register_error_handler(Exception, _error)
