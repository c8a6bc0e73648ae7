"""Logging in and out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ..services.accounts import authenticate
from ..translate import _
from ..web import has_control_characters, log_in, log_out, safe_next
from .common import password_login

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    status = 200
    email = ""
    if has_control_characters(request.args.get("next", "")):
        # no link of ours has one (a tab or line break is how a link is bent to another
        # site, or how a header is forged): say so, and offer the plain login form
        message = _(
            "This login link is damaged: its return address has control characters. "
            "Log in here instead."
        )
        return render_template(
            "issuer/login.html", error=message, email="", action=url_for("auth.login")
        ), 400
    if request.method == "POST":
        email = request.form.get("email", "")
        user, error, status = password_login(authenticate)
        if user is not None:
            log_in(user)
            return redirect(safe_next(request.args.get("next"), url_for("staff.dashboard")))
    return render_template("issuer/login.html", error=error, email=email), status


@bp.post("/logout")
def logout() -> Any:
    log_out()
    return redirect(url_for("public.home"))
