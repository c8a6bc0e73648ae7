"""The reader's language: Flask-Babel, its catalogues (``verifier/translations``) and the choice.

The verifier has no accounts: the language is the one this browser chose (the ``lang``
cookie the switcher sets), else the best of ours the browser asks for (``Accept-Language``),
else English. The JSON API takes only ``Accept-Language`` (its codes never change; its
messages follow the language, English by default). Adding a language is adding a catalogue.

Extracting, updating and compiling the catalogues: README, "Translations".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request
from flask_babel import Babel

from badges import localdates
from badges.languages import language_name
from badges.registry import RegistryResult
from badges.verification.report import (
    Check,
    Outcome,
    Verdict,
    VerificationReport,
    noun_of,
)

from .errors import BadRequest
from .translate import N_, _, current_language

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COOKIE = "lang"
COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)
DEFAULT = "en"

bp = Blueprint("language", __name__)


@cache
def catalogue_languages(root: Path = TRANSLATIONS) -> tuple[str, ...]:
    """English, then every language with a compiled catalogue under ``root``, by code."""
    found = sorted(p.name for p in root.iterdir() if (p / "LC_MESSAGES" / "messages.mo").is_file())
    return (DEFAULT, *[code for code in found if code != DEFAULT])


def languages() -> tuple[str, ...]:
    codes: tuple[str, ...] = current_app.extensions["verifier.languages"]
    return codes


def endonym(code: str) -> str:
    """A language's name in itself ("lietuvių" -> "Lietuvių"), as a switcher shows it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def known(code: str | None) -> str | None:
    return code if code and code in languages() else None


def select_language() -> str:
    if not has_request_context():
        return DEFAULT  # a command or a job: it writes in_language(...) what it must
    accepted = request.accept_languages.best_match(languages())
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return accepted or DEFAULT
    return known(request.cookies.get(COOKIE)) or accepted or DEFAULT


def _local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else the start page (no open redirect)."""
    if (
        not target
        or len(target) > 2000
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in target)
    ):
        return "/"
    return target


@bp.post("/language")
def switch() -> Any:
    """Remember the chosen language in a cookie (it changes nothing else: no token needed)."""
    code = known(request.form.get("lang"))
    if code is None:
        raise BadRequest(_("Choose one of the languages offered."))
    response = redirect(_local_path(request.form.get("next")), 303)
    response.set_cookie(
        COOKIE, code, max_age=COOKIE_AGE, samesite="Lax", secure=request.is_secure, httponly=True
    )
    return response


# The core's check titles and nouns (badges/verification/report.py), for the catalogue: the
# page shows them in the reader's language; the JSON API keeps the core's English.
CHECK_TITLES = {
    "format": N_("Format"),
    "context": N_("JSON-LD context"),
    "schema": N_("Open Badges schema"),
    "proof": N_("Signature"),
    "issuer": N_("Issuer's key"),
    "dates": N_("Validity dates"),
    "status": N_("Revocation status"),
    "recipient": N_("Recipient"),
    "endorsements": N_("Endorsements"),
    "credentials": N_("Credentials inside"),
}
NOUNS = {
    "badge": N_("badge"),
    "learner record": N_("learner record"),
    "endorsement": N_("endorsement"),
}


def check_title(check: Check) -> str:
    """A check's title in the reader's language (the core's, for a check it does not know)."""
    name = str(check.name)
    return _(CHECK_TITLES[name]) if name in CHECK_TITLES else str(check.to_dict()["title"])


def verdict_sentence(report: VerificationReport) -> str:
    """The report's one-sentence answer (``VerificationReport.message``), in the reader's
    language; the reason of a failure is the failed check's message."""
    noun = noun_of(report.credential)
    noun = _(NOUNS[noun]) if noun in NOUNS else noun
    if report.verdict is Verdict.VALID:
        return _("This %(noun)s is genuine and valid.", noun=noun)
    if report.verdict is Verdict.UNDECIDED:
        return _("This %(noun)s cannot be fully checked right now.", noun=noun)
    failed = next(c for c in report.checks if c.outcome is Outcome.FAILED)
    return _("This %(noun)s is not valid: %(reason)s", noun=noun, reason=failed.message)


def registry_sentence(result: RegistryResult) -> str:
    """What the registries of trusted issuers say (``RegistryResult.message``), in the
    reader's language, from the result's data."""
    if result.issuer_id is None:
        return _(
            "Not looked up: the signature was not verified, so who made the badge is not known."
        )
    if result.known:
        names = ", ".join(dict.fromkeys(k.registry for k in result.known))
        return _("Issued by a school known to %(names)s.", names=names)
    if result.consulted == 0:
        return _(
            "Not in any registry you trust: this verifier has no registries of trusted issuers."
        )
    if result.unavailable and len(result.unavailable) == result.consulted:
        return _("Not in any registry you trust that could be read now.")
    return _("Not in any registry you trust.")


def _template_globals() -> dict[str, Any]:
    return {
        "lang": current_language(),
        "languages": [(code, endonym(code)) for code in languages()],
        "language_name": language_name,  # any language's name in itself (badges.languages)
        "check_title": check_title,
        "verdict_sentence": verdict_sentence,
        "registry_sentence": registry_sentence,
    }


def _vary(response: Any) -> Any:
    if response.mimetype == "text/html" or request.path.startswith("/api/"):
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def install(app: Flask) -> None:
    app.extensions["verifier.languages"] = catalogue_languages()
    Babel(
        app,
        locale_selector=select_language,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.jinja_env.filters["day"] = lambda value: localdates.day(value, current_language())
    app.jinja_env.filters["moment"] = lambda value: localdates.moment(value, current_language())
    app.context_processor(_template_globals)
    app.after_request(_vary)
    app.register_blueprint(bp)
