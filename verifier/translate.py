"""The translation functions, typed (Flask-Babel ships no type information).

``_("...", name=value)`` is the message in the request's language (or the one ``in_language``
sets), with its ``%(name)s`` placeholders filled; English outside a request.
Babel extracts the calls of ``_``, ``ngettext`` and ``N_`` (tests/i18n/catalogues.py).
The catalogues, ``in_language`` and the language list are the core's (``badges.i18n``);
only the request's language, through Flask-Babel, is read here.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import flask_babel

from badges.i18n import Catalogues, number
from badges.verification.messages import Message

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
CATALOGUES = Catalogues(TRANSLATIONS)


def _(message: str, **values: Any) -> str:
    return CATALOGUES.gettext(message, values, flask_babel.gettext)


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """``%(num)s`` in either form is the number, as the language being written writes a
    count ("131,072", lt "131 072")."""
    values = {**values, "num": number(num, current_language())}
    return CATALOGUES.ngettext(singular, plural, num, values, _plural)


def _plural(singular: str, plural: str, count: int, /, **values: Any) -> str:
    """Flask-Babel's ``ngettext``, with ``%(num)s`` as given in ``values``."""
    return str(flask_babel.get_translations().ungettext(singular, plural, count) % values)


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined (a module's table of labels);
    it is translated where it is shown, with ``_(label)``."""
    return message


def catalogue_languages() -> tuple[str, ...]:
    """English, then every language with a compiled catalogue, by code."""
    return CATALOGUES.languages()


def in_language(code: str) -> AbstractContextManager[None]:
    """Write in ``code`` (a message to someone else than the reader), whatever the request's
    language, in a request or outside one (a command, a background job)."""
    return CATALOGUES.in_language(code)


def current_language() -> str:
    """The language being written: the one ``in_language`` sets, else the request's."""
    return CATALOGUES.language(flask_babel.get_locale)


def report_text(message: Message) -> str:
    """A message of a verification report (a code and its parameters) in the language
    being written, from this app's catalogue."""
    code = current_language()
    return message.render(CATALOGUES.catalogue(code), code)
