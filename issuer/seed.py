"""Seed data: the competence frameworks ASPnet schools align their badges to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Framework, FrameworkItem
from .translate import N_, _

PILLARS_URL = "https://www.unesco.org/en/articles/four-pillars-learning"
ASPNET_URL = "https://www.unesco.org/en/aspnet"

FRAMEWORKS = [
    (
        N_("Four pillars of learning"),
        PILLARS_URL,
        N_("UNESCO's Delors report (1996): the four foundations of lifelong learning."),
        [
            (
                "P1",
                N_("Learning to know"),
                N_("Mastering the instruments of knowledge; learning to learn."),
            ),
            (
                "P2",
                N_("Learning to do"),
                N_("Putting knowledge into practice; skills and competences for work and life."),
            ),
            (
                "P3",
                N_("Learning to be"),
                N_("Personal development, autonomy, judgement and responsibility."),
            ),
            (
                "P4",
                N_("Learning to live together"),
                N_("Understanding others, interdependence, peace and pluralism."),
            ),
        ],
    ),
    (
        N_("ASPnet thematic areas"),
        ASPNET_URL,
        N_("The themes of the UNESCO Associated Schools Network."),
        [
            (
                "T1",
                N_("Peace and human rights"),
                N_("Culture of peace, non-violence and human rights."),
            ),
            (
                "T2",
                N_("Sustainable development"),
                N_("Education for sustainable development and climate action."),
            ),
            ("T3", N_("Global citizenship"), N_("Global citizenship education.")),
            (
                "T4",
                N_("Intercultural learning"),
                N_("Intercultural dialogue, cultural diversity and heritage."),
            ),
        ],
    ),
]


# the shared frameworks' names and descriptions: stored in English (and signed so, as an
# alignment's targetName), shown in the reader's language
SHARED_TEXTS = frozenset(
    text
    for name, _url, description, items in FRAMEWORKS
    for text in (name, description, *(t for _code, *rest in items for t in rest))
)


def shared_text(value: Any) -> Any:
    """A shared framework's name or description (or one of its items') in the reader's
    language; any other value (a school's own framework, a name another issuer signed) as
    it is."""
    return _(value) if isinstance(value, str) and value in SHARED_TEXTS else value


def seed_frameworks(session: Session) -> None:
    """Create the shared frameworks once (idempotent)."""
    for name, url, description, items in FRAMEWORKS:
        existing = session.scalar(
            select(Framework).where(Framework.name == name, Framework.org_id.is_(None))
        )
        if existing is not None:
            continue
        framework = Framework(name=name, url=url, description=description)
        session.add(framework)
        session.flush()
        for code, item_name, item_description in items:
            session.add(
                FrameworkItem(
                    framework_id=framework.id,
                    code=code,
                    name=item_name,
                    description=item_description,
                    url=f"{url}#{code}",
                )
            )
    session.flush()
