"""An achievement in several languages: the versions a credential carries, and which to show.

OB 3.0's way: each language version is an ``Achievement`` of its own with ``inLanguage``,
and names the others in ``related[]`` (``id``, ``inLanguage``, ``version``). A badge signs
one version, the one awarded. So that a reader can be shown the version in their language
from the signed credential alone (no fetch of the ``id``, which may be anywhere), this
platform's ``related[]`` entries also embed the other version's ``name``, ``description``
and criteria (as ``narrative``): covered by the proof like the rest. An entry without its
text (another issuer's) is listed but never shown: its text would have to be fetched.

Pure: the apps pass the reader's language and show what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LanguageVersion:
    """One language version of an achievement as a credential carries it."""

    language: str | None  # a BCP 47 code, None when the credential does not say
    name: str | None
    description: str | None
    criteria: str | None  # Markdown
    id: str | None
    awarded: bool  # the version signed as the credential's achievement


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def primary(code: str | None) -> str | None:
    """The language subtag of a code, lower-cased ("lt-LT" -> "lt")."""
    if not isinstance(code, str) or not code:
        return None
    return code.split("-", 1)[0].lower()


def language_versions(achievement: Mapping[str, Any]) -> list[LanguageVersion]:
    """The awarded version first, then each other language version the credential embeds
    with its text (``related[]`` entries with ``inLanguage`` and a ``name``), one per
    language, skipping the awarded one's language."""
    criteria = achievement.get("criteria")
    awarded = LanguageVersion(
        language=_text(achievement.get("inLanguage")),
        name=_text(achievement.get("name")),
        description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, Mapping) else None,
        id=_text(achievement.get("id")),
        awarded=True,
    )
    versions = [awarded]
    seen = {primary(awarded.language)}
    for entry in _items(achievement.get("related")):
        if not isinstance(entry, Mapping):
            continue
        types = _items(entry.get("type"))
        language = _text(entry.get("inLanguage"))
        name = _text(entry.get("name"))
        if "Related" not in types or language is None or name is None:
            continue
        if primary(language) in seen:
            continue
        seen.add(primary(language))
        versions.append(
            LanguageVersion(
                language=language,
                name=name,
                description=_text(entry.get("description")),
                criteria=_text(entry.get("narrative")),
                id=_text(entry.get("id")),
                awarded=False,
            )
        )
    return versions


def choose(versions: Sequence[LanguageVersion], wanted: str | None) -> LanguageVersion:
    """The version in the ``wanted`` language (matched on the language subtag), else the
    awarded one. ``versions`` as ``language_versions`` gives them (never empty)."""
    want = primary(wanted)
    for version in versions:
        if want is not None and primary(version.language) == want:
            return version
    return versions[0]


def language_name(code: str | None) -> str:
    """A language's name in itself ("lt" -> "Lietuvių", "ru" -> "Русский"), or the code."""
    if not code:
        return "?"
    from babel import Locale, UnknownLocaleError  # imported here: the command starts lighter

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name() or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def language_name_in(code: str, reader: str) -> str:
    """A language's name in the ``reader``'s language, as it is written inside a sentence
    ("lt" for an English reader: "Lithuanian"; for a Russian one: "литовский"), or the code
    when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(reader.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name or code
