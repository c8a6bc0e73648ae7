"""A learner's badges as portfolio cards: what the home, the competence map, the timeline and
the share page show of each.

A card is a small value (``PortfolioCard``), independent of where its badge is kept: a badge
awarded here (an ``Award`` row, kind ``issued``) and one brought in from another platform
(kind ``imported``) become cards of the same type, each naming where it links to.

Badges awarded here are read by column, never as full ``Award`` objects and never by parsing
their signed credentials: what a card shows of the credential (name, image, issuer, awarded
date, school year, rubric level, framework areas) was copied into the award's columns when it
was signed (``issuer.services.card_fields``); the live record gives the status. A row whose
columns were never filled (written some other way) is read from its credential instead, the
same way. A portfolio of 500 costs the same few statements as one of 5, and the home reads
one page of cards (``portfolio_page``) plus one small count per school year.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, case, cast, exists, func, null, select
from sqlalchemy.orm import Session, aliased

from ..models import Achievement, Award, Learner, LearnerEmail, Organisation
from ..models.base import now_utc
from .card_fields import Alignment, LevelReached, card_fields, level_of_columns, parse_credential
from .network import Term, term_of

PER_PAGE = 48
"""Cards on one page of the portfolio's home (a multiple of 2, 3 and 4 columns)."""


Evidence = tuple[str | None, str | None, str | None]
"""A signed evidence entry: (id, name, narrative), each a string or None."""


class CardKind(StrEnum):
    ISSUED = "issued"  # awarded on this platform: an Award row
    IMPORTED = "imported"  # brought in from another platform


@dataclass(frozen=True)
class PortfolioCard:
    """One badge of a learner's, as every portfolio page shows it."""

    kind: str  # a CardKind
    public_id: str  # unique within the portfolio, URL-safe (an issued badge's: its credential's)
    href: str  # where the card leads (the portfolio's page of the badge)
    name: str  # the achievement's name, as signed
    school: str  # who awarded it, as signed (else the school's name here)
    image: str | None  # the achievement image's URL
    image_alt: str
    awarded: datetime  # the credential's awardedDate (a re-issue keeps the original's)
    level: LevelReached | None  # the rubric level reached, if any
    # the framework areas as signed, (framework, code, name); None: unknown (the credential
    # could not be read), and the achievement's own alignment decides
    alignments: tuple[Alignment, ...] | None
    status: str  # "active", "revoked", "suspended" or "expired": marked, never hidden
    reissued: bool = False  # replaced by a re-issued copy (which is in the portfolio too)
    award_id: int | None = None  # kind issued: the Award row (reflections, evidence, shares)
    achievement_id: int | None = None  # kind issued: the achievement here
    reissue_of_id: int | None = None  # kind issued: the award this re-issued copy replaces
    # read only for the pages that show them (``details``): the share page
    description: str = ""  # the achievement's description, as signed
    evidence: tuple[Evidence, ...] = ()  # the signed evidence entries
    issued: datetime | None = None  # when this credential was signed (a re-issue: later)
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def term(self) -> Term:
        return term_of(self.awarded)

    @property
    def school_year(self) -> int:
        return self.term.school_year


def status_of(
    revoked_at: datetime | None, suspended: bool, valid_until: datetime | None, now: datetime
) -> str:
    """A badge's live status (the order decides: revoked, then suspended, then expired)."""
    if revoked_at is not None:
        return "revoked"
    if suspended:
        return "suspended"
    if valid_until is not None and valid_until <= now:
        return "expired"
    return "active"


def badge_href(public_id: str) -> str:
    """The portfolio's page of a badge awarded here."""
    return f"/portfolio/badges/{public_id}"


# -- reading the cards of badges awarded here ---------------------------------------------------


def _confirmed(learner: Learner) -> Any:
    return (
        select(LearnerEmail.email)
        .where(LearnerEmail.learner_id == learner.id, LearnerEmail.confirmed_at.is_not(None))
        .scalar_subquery()
    )


def mine(learner: Learner) -> ColumnElement[bool]:
    """The awards to one of the learner's confirmed addresses (compared lower-cased)."""
    return func.lower(Award.learner_email).in_(_confirmed(learner))


# A re-issued copy of an award, in a query of the award itself. Made once: an alias works
# out its columns' stand-ins on first use (each of Award's columns), which cost a page that
# made a new one per query more than the rest of its queries.
_COPY = aliased(Award)


def _card_query(learner: Learner, *, areas: bool, details: bool = False) -> Select[Any]:
    """The columns a card needs of each of the learner's awards, newest first. ``areas``:
    with the signed framework areas (the map and timeline need them, the home does not);
    ``details``: with the description and evidence (the share page)."""
    copy = _COPY
    reissued = exists().where(
        copy.reissue_of_id == Award.id, func.lower(copy.learner_email).in_(_confirmed(learner))
    )
    columns: list[Any] = [
        Award.id,
        Award.public_id,
        Award.achievement_id,
        Award.reissue_of_id,
        Award.issued_at,
        Award.awarded_at,
        func.coalesce(Award.card_name, Achievement.name).label("name"),
        func.coalesce(Award.card_issuer, Organisation.name).label("school"),
        Award.card_image,
        Award.card_image_alt,
        Award.level_id,
        Award.level_name,
        Award.level_description,
        Award.level_rank,
        Award.level_of,
        Award.revoked_at,
        Award.suspended,
        Award.valid_until,
        reissued.label("reissued"),
        # only a row never filled sends its credential (then read as at signing)
        case((Award.awarded_at.is_(None), Award.credential_json)).label("unfilled"),
    ]
    # JSON as stored text (psycopg would decode it): decoded once per distinct value
    columns.append(cast(Award.card_alignment, Text) if areas else null())
    if details:
        columns += [Award.card_description, cast(Award.card_evidence, Text)]
    return (
        select(*columns)
        .join(Achievement, Achievement.id == Award.achievement_id)
        .join(Organisation, Organisation.id == Award.org_id)
        .where(mine(learner))
        .order_by(Award.issued_at.desc(), Award.id.desc())
    )


def _card(
    row: Any, now: datetime, decoded: dict[str | None, tuple[Alignment, ...] | None]
) -> PortfolioCard:
    """One row of ``_card_query`` as a card. ``decoded``: the signed areas decoded so far,
    by their stored text (the badges of one achievement share theirs: decoded once)."""
    (
        award_id,
        public_id,
        achievement_id,
        reissue_of_id,
        issued_at,
        awarded_at,
        name,
        school,
        image,
        image_alt,
        level_id,
        level_name,
        level_description,
        level_rank,
        level_of,
        revoked_at,
        suspended,
        valid_until,
        reissued,
        unfilled,
        stored_areas,
        *details,
    ) = row
    description, evidence = (details[0], _evidence(details[1])) if details else (None, ())
    if unfilled is not None:  # columns never filled: read the credential, as at signing
        filled = card_fields(parse_credential(unfilled), issued_at=issued_at)
        awarded_at = filled["awarded_at"]
        name = filled["card_name"] or name
        school = filled["card_issuer"] or school
        image, image_alt = filled["card_image"], filled["card_image_alt"]
        level_id, level_name = filled["level_id"], filled["level_name"]
        level_description = filled["level_description"]
        level_rank, level_of = filled["level_rank"], filled["level_of"]
        areas = _areas(filled["card_alignment"])
        if details:
            description = filled["card_description"]
            evidence = tuple(_evidence_of(filled["card_evidence"]))
    else:
        if stored_areas not in decoded:
            decoded[stored_areas] = _areas(json.loads(stored_areas) if stored_areas else None)
        areas = decoded[stored_areas]
    return PortfolioCard(
        kind=CardKind.ISSUED,
        public_id=public_id,
        href=f"/portfolio/badges/{public_id}",
        name=name,
        school=school,
        image=image,
        image_alt=image_alt or "",
        awarded=awarded_at,
        level=level_of_columns(level_id, level_name, level_description, level_rank, level_of),
        alignments=areas,
        status=status_of(revoked_at, suspended, valid_until, now),
        reissued=bool(reissued),
        award_id=award_id,
        achievement_id=achievement_id,
        reissue_of_id=reissue_of_id,
        description=description or "",
        evidence=evidence,
        issued=issued_at,
        valid_until=valid_until,
        revoked_at=revoked_at,
    )


def _evidence(text: str | None) -> tuple[Evidence, ...]:
    return tuple(_evidence_of(json.loads(text) if text else None))


def _evidence_of(value: Any) -> list[Evidence]:
    if not isinstance(value, list):
        return []
    return [
        (
            e[0] if isinstance(e[0], str) else None,
            e[1] if isinstance(e[1], str) else None,
            e[2] if isinstance(e[2], str) else None,
        )
        for e in value
        if isinstance(e, list) and len(e) == 3
    ]


def _areas(value: Any) -> tuple[Alignment, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(
        (str(a[0]), str(a[1]), str(a[2])) for a in value if isinstance(a, list) and len(a) == 3
    )


def portfolio_cards(
    session: Session,
    learner: Learner,
    now: datetime | None = None,
    *,
    areas: bool = False,
    details: bool = False,
) -> list[PortfolioCard]:
    """All of the learner's badges awarded here as cards, newest first, in one statement
    whatever their number. ``areas``: with their signed framework areas; ``details``:
    with their description and evidence."""
    now = now or now_utc()
    rows = session.execute(_card_query(learner, areas=areas, details=details))
    decoded: dict[str | None, tuple[Alignment, ...] | None] = {}
    return [_card(row, now, decoded) for row in rows]


@dataclass(frozen=True)
class CardPage:
    """One page of the portfolio's home."""

    cards: list[PortfolioCard]
    total: int  # the learner's badges, all years
    matching: int  # those of the chosen year (all, when none is chosen)
    years: list[int]  # the school years with badges, newest first
    year: int | None  # the chosen one, if it is one of them
    page: int  # 1-based, within 1..pages
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        """The number of the page's first card (1-based; 0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.cards else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.cards)


def portfolio_page(
    session: Session,
    learner: Learner,
    *,
    page: int = 1,
    year: int | None = None,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> CardPage:
    """One page of the learner's badges (of one school year, if ``year`` is one of theirs),
    newest first: two statements whatever their number (the count per school year, then the
    page's cards). A page past the last shows the last."""
    counts = {
        school_year: n
        for school_year, n in session.execute(
            select(Award.school_year, func.count()).where(mine(learner)).group_by(Award.school_year)
        )
    }
    years = sorted((y for y in counts if y is not None), reverse=True)
    year = year if year in years else None
    total = sum(counts.values())
    matching = counts[year] if year is not None else total
    pages = max(1, math.ceil(matching / per_page))
    page = min(max(page, 1), pages)
    cards: list[PortfolioCard] = []
    if matching:
        query = _card_query(learner, areas=False)
        if year is not None:
            query = query.where(Award.school_year == year)
        moment = now or now_utc()
        rows = session.execute(query.limit(per_page).offset((page - 1) * per_page))
        cards = [_card(row, moment, {}) for row in rows]
    return CardPage(
        cards=cards,
        total=total,
        matching=matching,
        years=years,
        year=year,
        page=page,
        pages=pages,
        per_page=per_page,
    )


def current_cards(cards: Sequence[PortfolioCard]) -> list[PortfolioCard]:
    """The cards less those replaced by a re-issue (the copy stands for both)."""
    return [card for card in cards if not card.reissued]
