"""What a portfolio card shows of a badge, read once from its signed credential.

The portfolio lists hundreds of a learner's badges; parsing every stored credential on every
page view was most of its cost. So the few things a card, the competence map and the
timeline show of a badge (achievement name, image, issuer name, awarded date and its school
year, the rubric level reached, the framework areas it is aligned to) are read here from
the credential when it is signed (``issuer.services.awards``), kept in columns of the award
(``Award.awarded_at`` ... ``Award.card_alignment``; migration 0008 fills them for older
awards with this same function), and read back by column (``issuer.services.portfolio``).
What was signed stays the one truth: these columns are a copy of it, never signed or served.

Pure: a credential (already parsed) in, values out; no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.errors import FormatError
from badges.timeutil import parse_datetime

from ..translate import _
from .network import term_of


@dataclass(frozen=True)
class LevelReached:
    """One rubric level a badge records: ``rank`` 1 is the rubric's first (lowest) of ``of``."""

    id: str
    name: str
    description: str
    rank: int
    of: int

    @property
    def fraction(self) -> float:
        return self.rank / self.of

    @property
    def sort_key(self) -> tuple[float, int]:
        return (self.fraction, self.rank)

    @property
    def label(self) -> str:
        return _("%(name)s (%(rank)s of %(of)s)", name=self.name, rank=self.rank, of=self.of)


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def levels_reached(credential: Mapping[str, Any]) -> list[LevelReached]:
    """The rubric levels a signed credential says the learner reached, in result order."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    rubrics: dict[str, list[dict[str, Any]]] = {}
    for description in _strings(achievement.get("resultDescription")):
        if isinstance(description, dict) and isinstance(description.get("id"), str):
            rubrics[description["id"]] = [
                lv
                for lv in _strings(description.get("rubricCriterionLevel"))
                if isinstance(lv, dict)
            ]
    found: list[LevelReached] = []
    for result in _strings(subject.get("result")):
        if not isinstance(result, dict) or not isinstance(result.get("achievedLevel"), str):
            continue
        named = result.get("resultDescription")
        candidates = [rubrics[named]] if isinstance(named, str) and named in rubrics else []
        candidates = candidates or list(rubrics.values())
        for rubric in candidates:
            for index, level in enumerate(rubric):
                if level.get("id") == result["achievedLevel"]:
                    description = level.get("description")
                    found.append(
                        LevelReached(
                            id=result["achievedLevel"],
                            name=str(level.get("name") or f"Level {index + 1}"),
                            description=description if isinstance(description, str) else "",
                            rank=index + 1,
                            of=len(rubric),
                        )
                    )
                    break
            else:
                continue
            break
    return found


def highest(levels: Iterable[LevelReached | None]) -> LevelReached | None:
    """The highest of some levels (by place in their own rubric; of equals, the last)."""
    best: LevelReached | None = None
    for level in levels:
        if level is not None and (best is None or level.sort_key >= best.sort_key):
            best = level
    return best


# -- the card's columns ------------------------------------------------------------------------

CARD_COLUMNS = (
    "awarded_at",
    "school_year",
    "card_name",
    "card_issuer",
    "card_image",
    "card_image_alt",
    "level_id",
    "level_name",
    "level_description",
    "level_rank",
    "level_of",
    "card_alignment",
    "card_description",
    "card_evidence",
)
"""The award's columns ``card_fields`` fills (to copy a filled row's, as tests do)."""

Alignment = tuple[str, str, str]
"""A framework area as signed: (``targetFramework``, ``targetCode`` or "", ``targetName``)."""


def signed_alignments(credential: Mapping[str, Any]) -> list[Alignment]:
    """The framework areas a credential's achievement is aligned to, in signed order, once
    each: its ``alignment`` entries that name a framework (links to external frameworks
    without one are not areas)."""
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    alignment = _strings(achievement.get("alignment")) if isinstance(achievement, dict) else []
    found: list[Alignment] = []
    for entry in alignment:
        if not isinstance(entry, dict):
            continue
        framework, name, code = (
            entry.get("targetFramework"),
            entry.get("targetName"),
            entry.get("targetCode"),
        )
        if not isinstance(framework, str) or not framework or not isinstance(name, str):
            continue
        triple = (framework, code if isinstance(code, str) else "", name)
        if triple not in found:
            found.append(triple)
    return found


def signed_evidence(credential: Mapping[str, Any]) -> list[list[str | None]]:
    """The credential's evidence entries as [id, name, narrative] (each a string or None)."""
    found: list[list[str | None]] = []
    for entry in _strings(credential.get("evidence")):
        if isinstance(entry, dict):
            found.append(
                [
                    value if isinstance(value, str) else None
                    for value in (entry.get("id"), entry.get("name"), entry.get("narrative"))
                ]
            )
    return found


def parse_credential(text: str) -> dict[str, Any] | None:
    """A stored credential's JSON object, or None when it cannot be read."""
    try:
        credential = json.loads(text)
    except ValueError:
        return None
    return credential if isinstance(credential, dict) else None


def card_fields(credential: Mapping[str, Any] | None, *, issued_at: datetime) -> dict[str, Any]:
    """The award's card columns from its signed credential (None: it cannot be read; then
    only the dates are known, from the issue time, and the areas stay unknown (None), for
    the achievement's own alignment to decide). A value the credential lacks is None; the
    readers fall back to the achievement's and the school's rows for name and issuer."""
    if credential is None:
        return {
            "awarded_at": issued_at,
            "school_year": term_of(issued_at).school_year,
            "card_name": None,
            "card_issuer": None,
            "card_image": None,
            "card_image_alt": None,
            "level_id": None,
            "level_name": None,
            "level_description": None,
            "level_rank": None,
            "level_of": None,
            "card_alignment": None,
            "card_description": None,
            "card_evidence": None,
        }
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    image = achievement.get("image")
    image_url = image.get("id") if isinstance(image, dict) else image
    caption = image.get("caption") if isinstance(image, dict) else None
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    name = achievement.get("name")
    try:
        awarded = parse_datetime(credential.get("awardedDate"))
    except FormatError:
        awarded = issued_at
    level = highest(levels_reached(credential))
    description = achievement.get("description")
    return {
        "awarded_at": awarded,
        "school_year": term_of(awarded).school_year,
        "card_name": name if isinstance(name, str) else None,
        "card_issuer": issuer_name if isinstance(issuer_name, str) else None,
        "card_image": image_url if isinstance(image_url, str) else None,
        "card_image_alt": caption if isinstance(caption, str) else None,
        "level_id": level.id if level else None,
        "level_name": level.name if level else None,
        "level_description": level.description if level else None,
        "level_rank": level.rank if level else None,
        "level_of": level.of if level else None,
        "card_alignment": [list(a) for a in signed_alignments(credential)],
        "card_description": description if isinstance(description, str) else None,
        "card_evidence": signed_evidence(credential),
    }


def level_of_columns(
    level_id: str | None,
    name: str | None,
    description: str | None,
    rank: int | None,
    of: int | None,
) -> LevelReached | None:
    """The level a card's columns record (None: no rubric level)."""
    if level_id is None or name is None or rank is None or of is None:
        return None
    return LevelReached(id=level_id, name=name, description=description or "", rank=rank, of=of)
