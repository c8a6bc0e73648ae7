"""The reader's language: Flask-Babel, its catalogues (``issuer/translations``) and the choice.

The language of a page is, in order: the one the signed-in person chose (staff user or
learner: their account's setting), the one this browser chose (the ``lang`` cookie the
switcher sets), the best of ours the browser asks for (``Accept-Language``), the default of
the organisation the page belongs to, English. The JSON API (``/api/``) keeps English unless
``Accept-Language`` asks for another of ours. Adding a language is adding a catalogue: the
languages offered are English and those with a compiled catalogue (``<code>/LC_MESSAGES``).

Extracting, updating and compiling the catalogues: README, "Translations".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations, refresh
from sqlalchemy import select

from badges.i18n import best_language, template_callables
from badges.languages import language_name

from .translate import catalogue_languages, current_language

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COOKIE = "lang"
COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)
DEFAULT = "en"


def languages() -> tuple[str, ...]:
    codes: tuple[str, ...] = current_app.extensions["issuer.languages"]
    return codes


def endonym(code: str) -> str:
    """A language's name in itself ("lietuvių" -> "Lietuvių"), as a switcher shows it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def known(code: str | None) -> str | None:
    return code if code and code in languages() else None


def set_org_language(code: str | None) -> None:
    """The page belongs to an organisation with this default language (a view that finds
    its organisation otherwise than by the ``slug`` in its URL tells it here)."""
    g.org_language = code
    refresh()


def _org_language() -> str | None:
    if "org_language" in g:
        return known(g.org_language)
    slug = (request.view_args or {}).get("slug")
    # a NUL is in no slug, and PostgreSQL refuses it in a query (the page's 404 for such a
    # path is itself translated, so this runs while that answer is made)
    if not isinstance(slug, str) or len(slug) > 64 or "\x00" in slug:
        return None
    from .models import Organisation
    from .web import dbs

    return known(
        dbs().scalar(select(Organisation.default_language).where(Organisation.slug == slug))
    )


def _account_language() -> str | None:
    from .web import current_learner, current_user

    if request.cookies.get(current_app.session_interface.get_cookie_name(current_app)) is None:
        return None  # no session, nobody signed in: no database query
    user = current_user()
    if user is not None:
        return known(user.language)
    learner = current_learner()
    return known(learner.language) if learner is not None else None


def select_language() -> str:
    if not has_request_context():
        return DEFAULT  # a command or a job: it writes in_language(...) what it must
    accepted = best_language(request.headers.get("Accept-Language"), languages())
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return accepted or DEFAULT
    return (
        _account_language()
        or known(request.cookies.get(COOKIE))
        or accepted
        or _org_language()
        or DEFAULT
    )


def _template_globals() -> dict[str, Any]:
    return {
        "lang": current_language(),
        "languages": [(code, endonym(code)) for code in languages()],
        "language_name": language_name,  # any language's name in itself (badges.languages)
    }


def _vary(response: Any) -> Any:
    """A page in the reader's language differs by their cookie and browser: a shared cache
    must keep the versions apart."""
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def _page_catalogue() -> Any:
    """The catalogue a page's messages are translated from: Flask-Babel's
    ``get_translations()``, kept on ``g`` with the locale object it was found for. A page
    asks for it once per message, and finding it (the locale, the domain, the cache key from
    the locale's name) cost more than the translating. The kept one is used while
    Flask-Babel's chosen locale is still that same object: ``refresh()``, ``force_locale``
    and a new request make it choose again (another object, or none yet), and then it is
    found again the usual way."""
    if not g:  # no app context: Flask-Babel's answer (no catalogue)
        return get_translations()
    kept = g.get("_page_catalogue")
    if kept is not None and getattr(g.get("_flask_babel"), "babel_locale", None) is kept[0]:
        return kept[1]
    locale = get_locale()
    translations = get_translations()
    g._page_catalogue = (locale, translations)
    return translations


def install(app: Flask) -> None:
    app.extensions["issuer.languages"] = catalogue_languages()
    Babel(
        app,
        locale_selector=select_language,
        default_translation_directories=str(TRANSLATIONS),
    )
    # the templates' _() and ngettext() read the catalogue through _page_catalogue (found once
    # per request and language), their counts written as the reader writes them ("131 072")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # (jinja2.ext.i18n)
        **template_callables(_page_catalogue, current_language), newstyle=True
    )
    from .seed import shared_text
    from .services.text import local_day, local_moment

    app.jinja_env.filters["shared"] = shared_text  # the shared frameworks' texts
    app.jinja_env.filters["day"] = local_day
    app.jinja_env.filters["moment"] = local_moment
    app.context_processor(_template_globals)
    app.after_request(_vary)
