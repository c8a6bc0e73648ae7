"""The reader's language: Flask-Babel, its catalogues (``verifier/translations``) and the choice.

The verifier has no accounts: the language is the one this browser chose (the ``lang``
cookie the switcher sets), else the best of ours the browser asks for (``Accept-Language``),
else English. The JSON API takes only ``Accept-Language`` (its codes never change; its
messages follow the language, English by default). Adding a language is adding a catalogue.

Extracting, updating and compiling the catalogues: README, "Translations".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request
from flask_babel import Babel, get_translations

from badges import localdates
from badges.i18n import best_language, template_callables
from badges.languages import language_name
from badges.registry import RegistryResult, Signer
from badges.verification.messages import M
from badges.verification.report import (
    Check,
    CredentialResult,
    EndorsementResult,
    VerificationReport,
)

from .errors import BadRequest
from .translate import N_, _, catalogue_languages, current_language, report_text

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COOKIE = "lang"
COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)
DEFAULT = "en"

bp = Blueprint("language", __name__)


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
    accepted = best_language(request.headers.get("Accept-Language"), languages())
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


# The report's words come from the core as codes with parameters
# (badges/verification/messages.py, whose English is in this app's catalogue): the page
# and the JSON API show them in the reader's language.


def check_title(check: Check) -> str:
    """A check's title in the reader's language (the core's, for a check it does not know)."""
    code = f"check.{check.name}"
    try:
        return report_text(M(code))
    except KeyError:
        return str(check.to_dict()["title"])


def check_message(check: Check) -> str:
    """What a check says, in the reader's language."""
    return report_text(check.text) if check.text is not None else check.message


def check_detail(check: Check) -> str | None:
    """A check's detail: in the reader's language when it is made of report messages (the
    verdicts of endorsements or of a record's credentials), else as the verifier wrote it."""
    if check.detail_text:
        return check.detail_separator.join(report_text(part) for part in check.detail_text)
    return check.detail


def result_message(result: EndorsementResult | CredentialResult) -> str:
    """What an endorsement's or a learner record's credential's verification says."""
    return report_text(result.text) if result.text is not None else result.message


def verdict_sentence(report: VerificationReport) -> str:
    """The report's one-sentence answer (``VerificationReport.message``), in the reader's
    language; the reason of a failure is the failed check's message."""
    return report_text(report.text)


def translated_report(report: VerificationReport) -> dict[str, Any]:
    """``report.to_dict()`` with every message in the reader's language (the codes, titles
    and parameters as they are): the JSON API's answer to an ``Accept-Language``."""
    shown = report.to_dict()
    _translate_report(shown, report)
    return shown


def _translate_checks(shown: list[dict[str, Any]], checks: list[Check]) -> None:
    for entry, check in zip(shown, checks, strict=True):
        entry["title"] = check_title(check)
        entry["message"] = check_message(check)
        entry["detail"] = check_detail(check)


def _translate_report(shown: dict[str, Any], report: VerificationReport) -> None:
    shown["message"] = verdict_sentence(report)
    _translate_checks(shown["checks"], report.checks)
    for entry, endorsement in zip(shown["endorsements"], report.endorsements, strict=True):
        entry["message"] = result_message(endorsement)
        _translate_checks(entry["checks"], endorsement.checks)
    for entry, credential in zip(
        shown.get("credentials") or [], report.credentials or [], strict=True
    ):
        entry["message"] = result_message(credential)
        if credential.report is not None and entry["report"] is not None:
            _translate_report(entry["report"], credential.report)


def signer_description(signer: Signer) -> str:
    """Who signed (``Signer.description``) in the reader's language: the domain, or what
    kind of identifier it is."""
    if signer.domain:
        return signer.domain
    if signer.kind == "did:key":
        return _("a key of its own, not tied to any web address")
    return _("an identifier not tied to any web address")


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


# the Open Badges achievement types schools use, with plain labels (as the issuer shows them);
# any other type of the vocabulary is shown as the credential writes it
ACHIEVEMENT_TYPES = {
    "Badge": N_("Badge"),
    "Certificate": N_("Certificate"),
    "CertificateOfCompletion": N_("Certificate of completion"),
    "Competency": N_("Competence (a skill shown)"),
    "Course": N_("Course"),
    "CoCurricular": N_("Club or activity outside lessons"),
    "CommunityService": N_("Volunteering or community service"),
    "Award": N_("Award or prize"),
}


def achievement_type_label(value: str) -> str:
    """An achievement's type in the reader's language ("Competency", lt "Kompetencija
    (parodytas gebėjimas)"); a type without a label as the credential writes it."""
    label = ACHIEVEMENT_TYPES.get(value)
    return _(label) if label is not None else value


def _template_globals() -> dict[str, Any]:
    return {
        "lang": current_language(),
        "languages": [(code, endonym(code)) for code in languages()],
        "language_name": language_name,  # any language's name in itself (badges.languages)
        "check_title": check_title,
        "check_message": check_message,
        "check_detail": check_detail,
        "result_message": result_message,
        "verdict_sentence": verdict_sentence,
        "registry_sentence": registry_sentence,
        "signer_description": signer_description,
        "achievement_type_label": achievement_type_label,
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
    # counts in the templates' plural messages as the reader writes them ("131 072")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # (jinja2.ext.i18n)
        **template_callables(get_translations, current_language), newstyle=True
    )
    app.jinja_env.filters["day"] = lambda value: localdates.day(value, current_language())
    app.jinja_env.filters["moment"] = lambda value: localdates.moment(value, current_language())
    app.context_processor(_template_globals)
    app.after_request(_vary)
    app.register_blueprint(bp)
