"""The language switcher on every page: a form that works without JavaScript."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, redirect, request, session

from ..errors import InvalidInput
from ..i18n import COOKIE, COOKIE_AGE, known
from ..translate import _
from ..web import current_learner, current_user, dbs, safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def switch() -> Any:
    """Remember the chosen language in a cookie and, for whoever is signed in, in their
    account (so it follows them to another browser).

    The form's CSRF check is done here, not by the app (issuer/web.py exempts this route):
    a page for someone not signed in carries no token (so that it starts no session and stays
    cacheable), and without one only the cookie changes."""
    code = known(request.form.get("lang"))
    if code is None:
        raise InvalidInput(_("Choose one of the languages offered."))
    sent = str(request.form.get("csrf_token") or "")
    expected = str(session.get("csrf") or "")
    if expected and sent and hmac.compare_digest(sent, expected):
        user = current_user()
        learner = current_learner() if user is None else None
        person = user or learner
        if person is not None:
            person.language = code
            dbs().flush()
    response = redirect(safe_next(request.form.get("next"), "/"), 303)
    response.set_cookie(
        COOKIE, code, max_age=COOKIE_AGE, samesite="Lax", secure=request.is_secure, httponly=True
    )
    return response
