"""Searching names: one way for every search box, the same on SQLite and PostgreSQL.

A name is searched through a copy of it kept in a column beside it (``Award.learner_name``
→ ``Award.learner_name_search``), folded by :func:`fold` when the name is written (the
services; migration 0013 for rows written before it). A search folds what was typed the
same way and looks for it in that column with a plain ``LIKE``, its ``%`` and ``_`` escaped.

Why a folded column rather than the databases' own functions: SQLite has no ``unaccent``,
its ``lower()`` and ``LIKE`` fold ASCII letters only ("Ė" and "ė" differ there), and
PostgreSQL's ``unaccent`` is an extension to install whose rules (and ``ILIKE``, which
follows the database's locale) would give the two databases different answers. Folding in
Python gives both the same answer, from one function that the tests can call directly.

What folding does (the schools write Lithuanian, Russian, Kazakh and English names):

- case is folded (``str.casefold``: also Cyrillic, and "ß" is "ss");
- accents and other marks go (NFKD, combining marks dropped): Lithuanian ą č ę ė į š ų ū ž
  are a c e e i s u u z, Russian ё is е (Russian writes е for ё as often as not), and
  compatibility forms are their plain letters ("ﬁ" is "fi", a full-width "Ａ" is "a");
- Russian й is kept: it is a letter of its own that nobody writes as и (unlike ё);
- the Kazakh letters ә ғ қ ң ө ұ ү һ і are folded to the Russian letters that stand for
  them when a name is typed on a Russian keyboard (а г к н о у у х и), as Lithuanian "ė" is
  found by "e": "Нурлан" finds "Нұрлан", and "Нұрлан" finds both. They have no Unicode
  decomposition, so NFKD alone would leave them;
- a few Latin letters with a stroke, which NFKD keeps too, are their plain letters: Polish
  ł (Vilnius region names), ø, đ, and dotless ı;
- runs of white space are one space, none at either end.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

KEPT = frozenset("й")  # after casefolding; NFKD would split it into и and a breve
LETTERS = str.maketrans({
    # Kazakh: as typed on a Russian keyboard
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
    # Latin letters with a stroke (no decomposition)
    "ł": "l", "ø": "o", "đ": "d", "ı": "i",
})  # fmt: skip


def fold(text: str) -> str:
    """``text`` as names are compared when searched: see the module's docstring."""
    folded = unicodedata.normalize("NFC", text).casefold()
    if folded.isascii():  # nothing to decompose or translate (a class award folds thousands)
        return " ".join(folded.split())
    # decomposed between the kept letters (й): each part at once, its marks dropped (the
    # canonical reordering of a whole part moves only marks, which all go)
    (kept,) = KEPT
    parts = (
        "".join(c for c in unicodedata.normalize("NFKD", part) if not unicodedata.combining(c))
        for part in folded.split(kept)
    )
    return " ".join(kept.join(parts).translate(LETTERS).split())


def contains(column: InstrumentedAttribute[str], typed: str) -> ColumnElement[bool] | None:
    """The condition "the folded name in ``column`` contains what was ``typed``", or None
    when what was typed folds to nothing (no condition: every name matches).

    What was typed is matched literally: ``%``, ``_`` and the escape character are escaped
    (SQLAlchemy's ``autoescape``), so "%" finds only names with a percent sign in them."""
    folded = fold(typed)
    if not folded:
        return None
    return column.contains(folded, autoescape=True)
