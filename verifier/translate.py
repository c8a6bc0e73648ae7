"""The translation functions, typed (Flask-Babel ships no type information).

``_("...", name=value)`` is the message in the request's language (or the one ``in_language``
sets), with its ``%(name)s`` placeholders filled; English outside a request.
Babel extracts the calls of ``_``, ``ngettext`` and ``N_`` (tests/i18n/catalogues.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import flask_babel
from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent / "translations"

# The language set by ``in_language``: (code, its catalogue), for this thread or task only.
_written_in: ContextVar[tuple[str, NullTranslations] | None] = ContextVar(
    "written_in", default=None
)


def _(message: str, **values: Any) -> str:
    forced = _written_in.get()
    if forced is not None:
        text = forced[1].ugettext(message)
        return text % values if values else text
    return str(flask_babel.gettext(message, **values))


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """``%(num)s`` in either form is the number."""
    forced = _written_in.get()
    if forced is not None:
        return forced[1].ungettext(singular, plural, num) % {"num": num, **values}
    return str(flask_babel.ngettext(singular, plural, num, **values))


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined (a module's table of labels);
    it is translated where it is shown, with ``_(label)``."""
    return message


@cache
def _catalogue(code: str) -> NullTranslations:
    if code == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [code], "messages")


@contextmanager
def in_language(code: str) -> Iterator[None]:
    """Write in ``code`` (a message to someone else than the reader), whatever the request's
    language, in a request or outside one (a command, a background job)."""
    token = _written_in.set((code, _catalogue(code)))
    try:
        yield
    finally:
        _written_in.reset(token)


def current_language() -> str:
    """The language being written: the one ``in_language`` sets, else the request's."""
    forced = _written_in.get()
    if forced is not None:
        return forced[0]
    locale = flask_babel.get_locale()
    return str(locale) if locale is not None else "en"
