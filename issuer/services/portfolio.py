"""What the portfolio's home shows of each of a learner's badges.

Read from what was signed (name, image, level, awarded date) and from the live record
(status); the levels, statuses and school years are the ones the competence map and the
network view use (services/competences.py, services/network.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import FormatError
from badges.timeutil import parse_datetime

from ..models import Award, Learner, Organisation
from ..models.base import now_utc
from .competences import LevelReached, badge_status, highest, levels_reached
from .learners import portfolio_awards
from .network import term_of


@dataclass(frozen=True)
class PortfolioCard:
    award: Award
    school: str
    name: str
    image: str | None
    image_alt: str
    level: LevelReached | None
    awarded: datetime
    status: str  # "active", "revoked", "suspended" or "expired": marked, never hidden
    reissued: bool  # replaced by a re-issued copy (which is in the list too)

    @property
    def school_year(self) -> int:
        return term_of(self.awarded).school_year


def _signed(award: Award) -> dict[str, object]:
    try:
        credential = json.loads(award.credential_json)
    except ValueError:
        return {}
    return credential if isinstance(credential, dict) else {}


def card_of(award: Award, school: str, *, now: datetime, replaced: set[int]) -> PortfolioCard:
    credential = _signed(award)
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    name = achievement.get("name")
    image = achievement.get("image")
    image_url = image.get("id") if isinstance(image, dict) else image
    caption = image.get("caption") if isinstance(image, dict) else None
    try:
        awarded = parse_datetime(credential.get("awardedDate"))
    except FormatError:
        awarded = award.issued_at
    return PortfolioCard(
        award=award,
        school=school,
        name=name if isinstance(name, str) else award.achievement.name,
        image=image_url if isinstance(image_url, str) else None,
        image_alt=caption if isinstance(caption, str) else "",
        level=highest(levels_reached(credential)),
        awarded=awarded,
        status=badge_status(award, now),
        reissued=award.id in replaced,
    )


def portfolio_cards(
    session: Session, learner: Learner, now: datetime | None = None
) -> list[PortfolioCard]:
    """The learner's badges as cards, newest first: three statements whatever their number
    (the awards, their achievements, and their schools)."""
    awards = portfolio_awards(session, learner)
    schools = {
        org.id: org.name
        for org in session.scalars(
            select(Organisation).where(Organisation.id.in_({award.org_id for award in awards}))
        )
    }
    replaced = {award.reissue_of_id for award in awards if award.reissue_of_id is not None}
    now = now or now_utc()
    return [
        card_of(award, schools.get(award.org_id, ""), now=now, replaced=replaced)
        for award in awards
    ]
