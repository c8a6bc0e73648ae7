"""Learners' accounts: register, sign in (password or one-time link), confirm addresses,
the account page, sign out; and the claim links of award messages (/claim/<token>).

Thin: the work is in services/learner_accounts.py. Every page here is private (Cache-Control
private, no-store; one-time links must never sit in a shared cache).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..errors import InvalidInput, IssuerError, TooManyRequests
from ..models import LearnerTokenPurpose
from ..services import learner_accounts as accounts
from ..services.awards import normalised_email
from ..services.learners import confirmed_owner
from ..translate import _
from ..web import (
    current_learner,
    dbs,
    has_control_characters,
    learner_required,
    log_in_learner,
    log_out,
    safe_next,
    smtp_settings,
    urls,
)
from .common import form_errors, password_login

bp = Blueprint("learners", __name__)
PORTFOLIO = "/portfolio/"


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _next(default: str = PORTFOLIO) -> str:
    return safe_next(request.values.get("next"), default)


def _mail_note() -> str | None:
    """What the "we sent a link" pages say about mail on this server."""
    if smtp_settings() is not None:
        return None
    if current_app.config["DEMO"]:
        return _(
            "Demo mode: no mail server is configured, so the message is kept in the outbox "
            "and its link is printed in the log of the terminal running badges serve."
        )
    return _(
        "This site has no mail server configured yet, so the message may not arrive. "
        "If it does not, ask the site's administrator."
    )


def _log_link(sent: accounts.SentLink | None) -> None:
    """Demo mode without a mail server: print the link in the server's log, so someone
    trying the demo can follow it. Never outside demo mode, and never on a page."""
    if sent is None or smtp_settings() is not None or not current_app.config["DEMO"]:
        return
    current_app.logger.warning(
        "demo mode, no mail server: the %s link for %s is %s", sent.purpose, sent.to_email, sent.url
    )


def _sent_page(email: str, what: str) -> Any:
    return render_template(
        "issuer/learners/link_sent.html", email=email, what=what, mail_note=_mail_note()
    )


# -- register, sign in, sign out -------------------------------------------------------------


@bp.route("/learner/register", methods=["GET", "POST"])
def register() -> Any:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("name", "email")}
        try:
            sent = accounts.register(
                dbs(),
                name=values["name"],
                email=values["email"],
                password=request.form.get("password", "") or None,
                urls=urls(),
            )
        except IssuerError as exc:
            errors = form_errors(exc)
        else:
            _log_link(sent)
            return _sent_page(normalised_email(values["email"]), "confirm")
    return render_template("issuer/learners/register.html", values=values, errors=errors), (
        400 if errors else 200
    )


@bp.route("/learner/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    status = 200
    email = ""
    if has_control_characters(request.args.get("next", "")):
        return render_template(
            "issuer/learners/login.html",
            error=_(
                "This sign-in link is damaged: its return address has control characters. "
                "Sign in here instead."
            ),
            email="",
            next="",
        ), 400
    if request.method == "POST":
        email = request.form.get("email", "")
        learner, error, status = password_login(accounts.authenticate_learner)
        if learner is not None:
            log_in_learner(learner)
            return redirect(_next())
    return render_template(
        "issuer/learners/login.html", error=error, email=email, next=_next("")
    ), status


@bp.post("/learner/sign-in-link")
def sign_in_link() -> Any:
    email = request.form.get("email", "")
    try:
        sent = accounts.request_sign_in_link(
            dbs(), email=email, urls=urls(), next_path=_next("") or None
        )
    except InvalidInput as exc:
        errors = form_errors(exc)
        return render_template(
            "issuer/learners/login.html",
            error=None,
            email="",
            link_email=email,
            link_error=errors.get("email") or errors.get("form"),
            next=_next(""),
        ), 400
    _log_link(sent)
    return _sent_page(normalised_email(email), "sign-in")


@bp.route("/learner/sign-in/<token>", methods=["GET", "POST"])
def sign_in(token: str) -> Any:
    """A sign-in link: opening it shows a button (mail scanners that open links must not
    use it up); pressing it signs in."""
    if request.method == "GET":
        accounts.peek_token(dbs(), token, LearnerTokenPurpose.SIGN_IN)
        return render_template("issuer/learners/use_link.html", kind="sign-in", next=_next(""))
    learner = accounts.sign_in_with_link(dbs(), token)
    log_in_learner(learner)
    return redirect(_next())


@bp.route("/learner/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Any:
    """A confirmation link: the address joins its account (and signs the learner in)."""
    if request.method == "GET":
        row = accounts.peek_token(dbs(), token, LearnerTokenPurpose.CONFIRM_EMAIL)
        return render_template(
            "issuer/learners/use_link.html", kind="confirm", email=row.email, next=""
        )
    done = accounts.confirm_address(dbs(), token)
    signed_in = current_learner()
    if done.first or (signed_in is not None and signed_in.id == done.learner.id):
        # a new account's first address signs it in; an address added later does not
        # (whoever opens that link is not shown into the account that asked for it)
        if signed_in is None or signed_in.id != done.learner.id:
            log_in_learner(done.learner)
        flash(_("Your address is confirmed: the badges awarded to it are in your portfolio."))
        return redirect(PORTFOLIO)
    return render_template("issuer/learners/use_link.html", kind="confirmed", email=done.email)


@bp.post("/learner/logout")
def logout() -> Any:
    log_out()
    return redirect(url_for("public.home"))


# -- the account page ------------------------------------------------------------------------


def _account_page(errors: dict[str, str] | None = None, status: int = 200, **values: Any) -> Any:
    learner = current_learner()
    assert learner is not None
    return render_template(
        "issuer/learners/account.html",
        section="account",
        learner=learner,
        addresses=accounts.addresses(dbs(), learner),
        errors=errors or {},
        values=values,
        mail_note=_mail_note(),
    ), status


@bp.get("/learner/account")
@learner_required
def account() -> Any:
    return _account_page()


@bp.post("/learner/account/profile")
@learner_required
def profile() -> Any:
    learner = current_learner()
    assert learner is not None
    try:
        accounts.update_profile(
            dbs(),
            learner=learner,
            name=request.form.get("name", ""),
            name_public=request.form.get("name_public") == "1",
            birth_date=request.form.get("birth_date", ""),
        )
    except IssuerError as exc:
        return _account_page(
            form_errors(exc),
            400,
            name=request.form.get("name", ""),
            birth_date=request.form.get("birth_date", ""),
        )
    flash(_("Your details are saved."))
    return redirect(url_for("learners.account"))


@bp.post("/learner/account/addresses")
@learner_required
def add_address() -> Any:
    learner = current_learner()
    assert learner is not None
    email = request.form.get("email", "")
    try:
        sent = accounts.add_address(dbs(), learner=learner, email=email, urls=urls())
    except IssuerError as exc:  # nothing of the attempt is kept (the page shows what is)
        errors = form_errors(exc)
        if isinstance(exc, TooManyRequests):
            errors = {"email": exc.description}
        return _account_page(errors, exc.http_status, email=email)
    _log_link(sent)
    flash(
        _(
            "We sent a confirmation link to %(email)s. The address joins your account (with its badges) once you open it.",
            email=normalised_email(email),
        )
    )
    return redirect(url_for("learners.account"))


@bp.post("/learner/account/addresses/<int:email_id>/delete")
@learner_required
def remove_address(email_id: int) -> Any:
    learner = current_learner()
    assert learner is not None
    try:
        removed = accounts.remove_address(dbs(), learner=learner, email_id=email_id)
    except InvalidInput as exc:
        return _account_page(form_errors(exc), 400)
    flash(
        _(
            "%(removed)s is no longer on your account; its badges left your portfolio.",
            removed=removed,
        )
    )
    return redirect(url_for("learners.account"))


@bp.post("/learner/account/password")
@learner_required
def password() -> Any:
    learner = current_learner()
    assert learner is not None
    token = session.get("learner")
    try:
        accounts.change_password(
            dbs(),
            learner=learner,
            current=request.form.get("current_password", ""),
            new=request.form.get("new_password", ""),
            keep_session=token if isinstance(token, str) else None,
        )
    except IssuerError as exc:
        if isinstance(exc, InvalidInput) and "current_password" in exc.fields:
            dbs().commit()  # keep the count of wrong passwords (nothing else changed)
        errors = form_errors(exc)
        if isinstance(exc, TooManyRequests):
            errors = {"current_password": exc.description}
        return _account_page(errors, exc.http_status)
    flash(_("Your password is changed. Other browsers signed in to your account are signed out."))
    return redirect(url_for("learners.account"))


# -- claim links -----------------------------------------------------------------------------


def _claim_page(token: str, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    claim = accounts.find_claim(dbs(), token)
    learner = current_learner()
    owner = confirmed_owner(dbs(), claim.award.learner_email)
    return render_template(
        "issuer/learners/claim.html",
        claim=claim,
        token=token,
        learner=learner,
        address=normalised_email(claim.award.learner_email),
        taken=owner is not None and (learner is None or owner.id != learner.id),
        errors=errors or {},
        values=request.form if request.method == "POST" else {},
    ), status


@bp.get("/claim/<token>")
def claim(token: str) -> Any:
    """An award message's claim link. Opening it changes nothing (a mail scanner may open
    it): the page offers to add the badge to the signed-in learner's portfolio, or to
    create an account or sign in first."""
    return _claim_page(token)


@bp.post("/claim/<token>")
def claim_it(token: str) -> Any:
    accounts.find_claim(dbs(), token)  # a dead link says so, signed in or not
    learner = current_learner()
    if learner is None:
        return redirect(url_for("learners.login", next=url_for("learners.claim", token=token)))
    award = accounts.redeem_claim(dbs(), learner=learner, token=token)
    flash(_("“%(name)s” is in your portfolio now.", name=award.achievement.name))
    return redirect(url_for("portfolio.badge", public_id=award.public_id))


@bp.post("/claim/<token>/register")
def claim_register(token: str) -> Any:
    """Create an account from the claim link: its address is the badge's, confirmed by the
    link; the badge is claimed into it and the learner is signed in."""
    try:
        learner, award = accounts.register_and_claim(
            dbs(),
            token=token,
            name=request.form.get("name", ""),
            password=request.form.get("password", "") or None,
        )
    except InvalidInput as exc:
        return _claim_page(token, form_errors(exc), 400)
    log_in_learner(learner)
    flash(
        _("Your account is ready and “%(name)s” is in your portfolio.", name=award.achievement.name)
    )
    return redirect(url_for("portfolio.badge", public_id=award.public_id))
