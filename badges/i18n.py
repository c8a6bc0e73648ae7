"""Languages without a web framework: the catalogues on disk, writing in a language, and the
reader's choice among ours (``Accept-Language``).

Each app keeps its own catalogues (``<app>/translations/<code>/LC_MESSAGES/messages.mo``)
and wraps this in its Flask-Babel functions (``issuer.translate``, ``verifier.translate``):

- ``Catalogues(root)``: the languages with a compiled catalogue under ``root`` (English
  first: the messages are written in it, it needs none), each catalogue loaded once with
  Babel, and ``in_language(code)``, which makes ``written_in()`` that language for this
  thread or task (a message to someone else than the reader: a mail, a background job);
- ``best_language(header, offered)``: the one of ``offered`` an ``Accept-Language`` header
  prefers, else None;
- ``number(value, language)``: a count as a reader of ``language`` writes it; ``counted``
  puts it into a plural message's ``%(num)s``.

Pure: Babel only (no Flask, no request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel.support import NullTranslations

ENGLISH = "en"


# Babel is imported where it is used: verifying in English (the `badges` command, the
# pipeline's own messages) never loads it.


@cache
def _null() -> NullTranslations:
    from babel.support import NullTranslations

    return NullTranslations()


class Catalogues:
    """One app's catalogues under ``root`` (its ``translations`` directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # the language ``in_language`` sets: (code, its catalogue), this thread or task only
        self._written_in: ContextVar[tuple[str, NullTranslations] | None] = ContextVar(
            f"written_in:{root}", default=None
        )
        self._loaded: dict[str, NullTranslations] = {}
        self._languages: tuple[str, ...] | None = None

    def languages(self) -> tuple[str, ...]:
        """English, then every language with a compiled catalogue under ``root``, by code."""
        if self._languages is None:
            found = sorted(
                p.name for p in self.root.iterdir() if (p / "LC_MESSAGES" / "messages.mo").is_file()
            )
            self._languages = (ENGLISH, *[code for code in found if code != ENGLISH])
        return self._languages

    def catalogue(self, code: str) -> NullTranslations:
        """The catalogue of ``code`` (English, or a language without one: none, the
        messages as written)."""
        if code == ENGLISH or code not in self.languages():
            return _null()
        loaded = self._loaded.get(code)
        if loaded is None:
            from babel.support import Translations

            loaded = self._loaded[code] = Translations.load(str(self.root), [code], "messages")
        return loaded

    @contextmanager
    def in_language(self, code: str) -> Iterator[None]:
        """Write in ``code``, whatever the reader's language, until the block ends."""
        token = self._written_in.set((code, self.catalogue(code)))
        try:
            yield
        finally:
            self._written_in.reset(token)

    def written_in(self) -> tuple[str, NullTranslations] | None:
        """The language ``in_language`` set and its catalogue, else None (the reader's)."""
        return self._written_in.get()

    # The translation functions of an app: in the language ``in_language`` set, else
    # through ``reader`` (the app's web framework's, in the reader's language).

    def gettext(self, message: str, values: dict[str, Any], reader: Callable[..., Any]) -> str:
        forced = self._written_in.get()
        if forced is None:
            return str(reader(message, **values))
        text = forced[1].gettext(message)
        return text % values if values else text

    def ngettext(
        self,
        singular: str,
        plural: str,
        num: int,
        values: dict[str, Any],
        reader: Callable[..., Any],
    ) -> str:
        """``%(num)s`` in either form is the number."""
        forced = self._written_in.get()
        if forced is None:
            return str(reader(singular, plural, num, **values))
        return forced[1].ngettext(singular, plural, num) % {"num": num, **values}

    def language(self, reader: Callable[[], Any]) -> str:
        """The language being written: the one ``in_language`` set, else ``reader()``'s
        (the reader's locale, None outside a request: English)."""
        forced = self._written_in.get()
        if forced is not None:
            return forced[0]
        locale = reader()
        return str(locale) if locale is not None else ENGLISH


def _accepted(header: str) -> list[tuple[str, float]]:
    """The language ranges of an ``Accept-Language`` header with their weights, best first
    (RFC 9110 §12.5.4; the header's order breaks ties)."""
    ranges: list[tuple[str, float, int]] = []
    for position, item in enumerate(header.split(",")[:64]):
        tag, _sep, rest = item.strip().partition(";")
        tag = tag.strip().lower().replace("_", "-")
        if not tag:
            continue
        weight = 1.0
        for param in rest.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        if 0.0 < weight <= 1.0:
            ranges.append((tag, weight, position))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(tag, weight) for tag, weight, _position in ranges]


def best_language(header: str | None, offered: tuple[str, ...]) -> str | None:
    """The language of ``offered`` (plain codes: "en", "lt"...) the ``Accept-Language``
    ``header`` prefers, else None.

    A range matches a language when it is the language, one of its regional forms ("lt-LT")
    or a prefix of it; ``*`` matches the first offered. Written here rather than taken from
    Werkzeug (whose ``best_match`` the apps used before): the core imports no web framework.
    """
    if not header:
        return None
    for tag, _weight in _accepted(header):
        if tag == "*":
            return offered[0] if offered else None
        for code in offered:
            lowered = code.lower()
            if tag == lowered or tag.startswith(lowered + "-") or lowered.startswith(tag + "-"):
                return code
    return None


def number(value: int, language: str) -> str:
    """``value`` as a reader of ``language`` writes a count ("131,072", lt "131 072")."""
    if language == ENGLISH:
        return f"{value:,}"  # what Babel writes for English, without loading it
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=language))


def counted(template: str, num: Any, language: str) -> str:
    """A plural form with its ``%(num)s`` written as a reader of ``language`` writes a count
    ("131 072 ženklelių"), its other placeholders left to fill."""
    if not isinstance(num, int) or isinstance(num, bool):
        return template
    written = number(num, language)
    return template.replace("%(num)s", written).replace("%(num)d", written)


def template_callables(
    translations: Callable[[], Any], language: Callable[[], str]
) -> dict[str, Callable[..., str]]:
    """Jinja's translation functions (``install_gettext_callables``, new style) reading the
    catalogue ``translations()`` gives, their counts written as ``language()`` writes them."""
    return {
        "gettext": lambda s: str(translations().ugettext(s)),
        "ngettext": lambda s, p, n: counted(str(translations().ungettext(s, p, n)), n, language()),
        "pgettext": lambda c, s: str(translations().upgettext(c, s)),
        "npgettext": lambda c, s, p, n: counted(
            str(translations().unpgettext(c, s, p, n)), n, language()
        ),
    }
