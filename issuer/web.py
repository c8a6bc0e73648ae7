"""Request plumbing shared by the blueprints: the session, the user, CSRF, errors, headers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, render_template, request, session
from psycopg.errors import NumericValueOutOfRange
from sqlalchemy.exc import SQLAlchemyError, StatementError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from badges.errors import BadgeError

from .db import Database, run_after_commit
from .errors import InvalidInput, IssuerError, NotFound
from .health import RETRY_AFTER, UNAVAILABLE_MESSAGE, database_unavailable
from .models import Learner, User
from .models.base import MAX_ID, now_utc
from .services.achievements import type_label
from .services.audit import Actor
from .services.keys import Sealer
from .services.mail import SmtpSettings, deliver_after_commit
from .translate import _
from .urls import PublicUrls

if TYPE_CHECKING:
    from .services.imports import ImportTools

F = TypeVar("F", bound=Callable[..., Any])


def db() -> Database:
    database: Database = current_app.extensions["issuer.db"]
    return database


def dbs() -> Session:
    """The request's database session (opened on first use, committed at the end)."""
    if "dbs" not in g:
        g.dbs = db().sessions()
    session_: Session = g.dbs
    return session_


def urls() -> PublicUrls:
    public: PublicUrls = current_app.extensions["issuer.urls"]
    return public


def sealer() -> Sealer:
    """The key-encryption key; raises ConfigurationError when it is not configured."""
    value: Sealer | None = current_app.extensions.get("issuer.sealer")
    if value is None:
        return Sealer.from_config(current_app.config["KEY_ENCRYPTION_KEY"])
    return value


def import_tools() -> ImportTools:
    """The fetcher and verifier badges are imported through (made once per app, from the
    ``IMPORT_*`` settings, so that keys and status lists stay cached for their lifetime)."""
    tools: ImportTools | None = current_app.extensions.get("issuer.import_tools")
    if tools is None:
        from .services.imports import import_tools as make_tools

        tools = current_app.extensions["issuer.import_tools"] = make_tools(current_app.config)
    return tools


def current_user() -> User | None:
    if "user" not in g:
        from .services.accounts import session_user

        token = session.get("login")
        g.user = session_user(dbs(), token) if isinstance(token, str) and token else None
    user: User | None = g.user
    return user


def actor() -> Actor:
    """Who is making this request, for the audit log: the API token or the logged-in person."""
    ip = request.remote_addr
    token = g.get("api_token")
    if token is not None:
        return Actor(label=f"API token {token.name} ({token.prefix}…)", via="api", ip=ip)
    user = current_user()
    if user is None:
        return Actor(label="anonymous", via="web", ip=ip)
    return Actor(label=f"{user.name} <{user.email}>", via="web", user_id=user.id, ip=ip)


def log_in(user: User) -> None:
    """Start a server-side login session for ``user`` in a fresh cookie session."""
    from .services.accounts import start_login_session

    log_out()  # nothing planted before the login survives it, nor a learner's session
    session["login"] = start_login_session(
        dbs(), user=user, lifetime=current_app.permanent_session_lifetime
    )
    session.permanent = True
    g.pop("user", None)


def log_out() -> None:
    """End this browser's sessions on the server, staff and learner alike (a copied cookie
    stops working), then the cookie."""
    from .services.accounts import end_login_session
    from .services.learners import end_learner_session

    token = session.get("login")
    if isinstance(token, str) and token:
        end_login_session(dbs(), token)
    token = session.get("learner")
    if isinstance(token, str) and token:
        end_learner_session(dbs(), token)
    session.clear()
    g.pop("user", None)
    g.pop("learner", None)


def current_learner() -> Learner | None:
    """The learner signed in on this browser (cookie key "learner"), or None. Independent of
    the staff login: a staff session grants nothing here, and the other way round."""
    if "learner" not in g:
        from .services.learners import session_learner

        token = session.get("learner")
        g.learner = session_learner(dbs(), token) if isinstance(token, str) and token else None
    learner: Learner | None = g.learner
    return learner


def log_in_learner(learner: Learner) -> None:
    """Start a learner session in a fresh cookie session (ending any staff login in it)."""
    from .services.learners import start_learner_session

    log_out()  # one person per browser session: nothing of a staff login survives
    session["learner"] = start_learner_session(
        dbs(), learner=learner, lifetime=current_app.permanent_session_lifetime
    )
    session.permanent = True
    g.pop("learner", None)


def learner_required(view: F) -> F:
    """Pages of a portfolio: a learner must be signed in (staff logins do not count)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_learner() is None:
            from flask import redirect, url_for

            return redirect(url_for("learners.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            from flask import redirect, url_for

            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def has_control_characters(text: str) -> bool:
    """C0 and C1 control characters (tab, CR, LF, NUL, ESC, DEL, NEL...)."""
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirect).

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\t/evil.example`` or ``/\\evil.example`` would become ``//evil.example``, another
    site: a target with any control character or backslash is refused, and what is left
    must be a path (one leading ``/``, no scheme, no host)."""
    if not target or len(target) > 2000:
        return default
    if "\\" in target or has_control_characters(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


class IdConverter(IntegerConverter):
    """``<int:...>`` in our URLs: a database id, 1 to MAX_ID. A larger number names no
    row and matches no route (404) rather than overflowing in the database driver."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _out_of_range(exc: Exception) -> bool:
    """A number too large for the database column (SQLite: OverflowError in the driver;
    PostgreSQL: numeric_value_out_of_range). Inputs are bounded where they are read; this
    is the net under any that is not, so it is a 400, not a 500."""
    cause = exc.orig if isinstance(exc, StatementError) else exc
    return isinstance(cause, OverflowError | NumericValueOutOfRange)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def _reject_nul() -> None:
    """A NUL character is in no link or form field of ours, and PostgreSQL refuses it in
    text: 404 for a path with one, 400 for a query or form field, never a database error.
    (The JSON API checks its own, after the token, with per-field messages.)"""
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return
    if "\x00" in request.path:
        raise NotFound(_("No such page."))
    fields = list(request.args.items(multi=True))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += request.form.items(multi=True)
    if any("\x00" in name or "\x00" in value for name, value in fields):
        raise InvalidInput(_("The request contains a NUL character, which no field here accepts."))


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.blueprint == "api":  # bearer tokens, no cookies
        return
    if request.endpoint == "language.switch":
        return  # checks its own token (issuer/views/language.py): without one, only a cookie
    if request.url_rule is None and request.path.startswith("/api/"):
        return  # no such API route or method: its JSON 404/405 follows, nothing runs
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(
            400,
            description=_(
                "The form has expired or did not come from this site. Reload the page and try again."
            ),
        )


def smtp_settings() -> SmtpSettings | None:
    """The mail server from the configuration, or None (messages stay in the outbox)."""
    config = current_app.config
    if not config["SMTP_HOST"]:
        return None
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=int(config["SMTP_PORT"]),
        user=config["SMTP_USER"],
        password=config["SMTP_PASSWORD"],
        sender=config["MAIL_FROM"],
        starttls=bool(config["SMTP_STARTTLS"]),
    )


def _commit(response: Any) -> Any:
    """Commit once at the request boundary, before the response leaves; then side effects."""
    session_: Session | None = g.get("dbs")
    if session_ is None or g.get("rollback") or response.status_code >= 400:
        return response
    deliver_after_commit(session_, db(), smtp_settings())
    try:
        session_.commit()
    except Exception as exc:
        session_.rollback()
        g.rollback = True
        current_app.logger.exception("commit failed")
        return current_app.make_response(_handle_error(exc))
    run_after_commit(session_)
    return response


def _finish(exc: BaseException | None) -> None:
    session_: Session | None = g.pop("dbs", None)
    if session_ is not None:
        try:
            session_.rollback()  # no-op after a commit; undoes anything left otherwise
            session_.close()
        except SQLAlchemyError:  # the database went away: the answer (a 503) is given already
            current_app.logger.warning("closing a session on a lost connection failed")
            session_.invalidate()
    # uploads over the in-memory limit are spooled to temporary files: close them now
    for upload in request.files.values() if "files" in request.__dict__ else ():
        upload.close()


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    )
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    # an unknown path or method under /api/ matches no blueprint, yet is an API error too
    return (
        best == "application/json" or request.blueprint == "api" or request.path.startswith("/api/")
    )


def _handle_error(exc: Exception) -> Any:
    g.rollback = True
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
        code = exc.name.lower().replace(" ", "_")
    elif isinstance(exc, IssuerError):
        status, message, code = exc.http_status, exc.description, exc.code
    elif isinstance(exc, BadgeError):
        status, message, code = 400, exc.description, exc.code
    elif database_unavailable(exc):
        current_app.logger.warning("the database is unavailable: %s", exc)
        status, message, code = 503, _(UNAVAILABLE_MESSAGE), "database_unavailable"
    elif _out_of_range(exc):
        current_app.logger.warning("a number out of range reached the database: %s", exc)
        status, message, code = 400, _("A number in the request is out of range."), "out_of_range"
    else:
        current_app.logger.exception("unexpected error")
        status, message, code = (
            500,
            _("Something went wrong on our side. Nothing was changed."),
            "internal",
        )
    if wants_json():
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        fields = getattr(exc, "fields", None)
        if fields:
            body["error"]["fields"] = fields
        response = jsonify(body)
    else:
        response = current_app.make_response(
            render_template("errors/error.html", status=status, message=message)
        )
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def install(app: Flask) -> None:
    from . import health

    app.url_map.converters["int"] = IdConverter
    health.install(app)
    app.before_request(_reject_nul)
    app.before_request(_check_csrf)
    app.teardown_request(_finish)
    app.after_request(_security_headers)
    app.after_request(_commit)  # runs before _security_headers (reverse order)
    app.register_error_handler(Exception, _handle_error)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["current_learner"] = current_learner
    app.jinja_env.globals["now"] = now_utc
    app.jinja_env.globals["type_label"] = type_label
