"""The translation functions, typed (Flask-Babel ships no type information).

``_("...", name=value)`` is the message in the request's language (or the one forced with
``in_language``), with its ``%(name)s`` placeholders filled; English outside a request.
Babel extracts the calls of ``_`` and ``ngettext`` (tools/translations.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask_babel


def _(message: str, **values: Any) -> str:
    return str(flask_babel.gettext(message, **values))


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """``%(num)s`` in either form is the number."""
    return str(flask_babel.ngettext(singular, plural, num, **values))


@contextmanager
def in_language(code: str) -> Iterator[None]:
    """Write in ``code`` (a message to someone else than the reader), whatever the request's."""
    with flask_babel.force_locale(code):
        yield


def current_language() -> str:
    """The language being written: the request's, or the one ``in_language`` forces."""
    locale = flask_babel.get_locale()
    return str(locale) if locale is not None else "en"


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined (a module's table of labels);
    it is translated where it is shown, with ``_(label)``."""
    return message
