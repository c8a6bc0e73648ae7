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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from ..models import Achievement, Award, Learner, LearnerEmail, Organisation
from ..models.base import now_utc
from .card_fields import Alignment, LevelReached, card_fields, level_of_columns, parse_credential
from .network import Term, term_of

PER_PAGE = 48
"""Cards on one page of the portfolio's home (a multiple of 2, 3 and 4 columns)."""


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


def _card_query(learner: Learner, *, areas: bool) -> Select[Any]:
    """The columns a card needs of each of the learner's awards, newest first. ``areas``:
    with the signed framework areas (the map and timeline need them, the home does not)."""
    copy = aliased(Award)
    reissued = exists().where(
        copy.reissue_of_id == Award.id, func.lower(copy.learner_email).in_(_confirmed(learner))
    )
    columns: list[Any] = [
        Award.id,
        Award.public_id,
        Award.achievement_id,
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
    if areas:
        columns.append(Award.card_alignment)
    return (
        select(*columns)
        .join(Achievement, Achievement.id == Award.achievement_id)
        .join(Organisation, Organisation.id == Award.org_id)
        .where(mine(learner))
        .order_by(Award.issued_at.desc(), Award.id.desc())
    )


def _card(row: Any, now: datetime, *, areas: bool) -> PortfolioCard:
    values: dict[str, Any] = row._asdict()
    if row.unfilled is not None:  # columns never filled: read the credential, as at signing
        filled = card_fields(parse_credential(row.unfilled), issued_at=row.issued_at)
        values |= {key: value for key, value in filled.items() if value is not None}
        values["card_alignment"] = filled["card_alignment"]
    alignment = values.get("card_alignment") if areas else None
    return PortfolioCard(
        kind=CardKind.ISSUED,
        public_id=row.public_id,
        href=badge_href(row.public_id),
        name=values["card_name"] if values.get("card_name") is not None else row.name,
        school=values["card_issuer"] if values.get("card_issuer") is not None else row.school,
        image=values["card_image"],
        image_alt=values["card_image_alt"] or "",
        awarded=values["awarded_at"],
        level=level_of_columns(
            values["level_id"],
            values["level_name"],
            values["level_description"],
            values["level_rank"],
            values["level_of"],
        ),
        alignments=tuple((a[0], a[1], a[2]) for a in alignment) if alignment is not None else None,
        status=status_of(row.revoked_at, row.suspended, row.valid_until, now),
        reissued=bool(row.reissued),
        award_id=row.id,
        achievement_id=row.achievement_id,
    )


def portfolio_cards(
    session: Session, learner: Learner, now: datetime | None = None, *, areas: bool = False
) -> list[PortfolioCard]:
    """All of the learner's badges awarded here as cards, newest first, in one statement
    whatever their number. ``areas``: with their signed framework areas."""
    now = now or now_utc()
    rows = session.execute(_card_query(learner, areas=areas))
    return [_card(row, now, areas=areas) for row in rows]


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
        cards = [_card(row, moment, areas=False) for row in rows]
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
