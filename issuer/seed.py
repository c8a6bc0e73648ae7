"""Seed data: the competence frameworks ASPnet schools align their badges to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Framework, FrameworkItem

PILLARS_URL = "https://www.unesco.org/en/articles/four-pillars-learning"
ASPNET_URL = "https://www.unesco.org/en/aspnet"

FRAMEWORKS = [
    (
        "Four pillars of learning",
        PILLARS_URL,
        "UNESCO's Delors report (1996): the four foundations of lifelong learning.",
        [
            (
                "P1",
                "Learning to know",
                "Mastering the instruments of knowledge; learning to learn.",
            ),
            (
                "P2",
                "Learning to do",
                "Putting knowledge into practice; skills and competences for work and life.",
            ),
            (
                "P3",
                "Learning to be",
                "Personal development, autonomy, judgement and responsibility.",
            ),
            (
                "P4",
                "Learning to live together",
                "Understanding others, interdependence, peace and pluralism.",
            ),
        ],
    ),
    (
        "ASPnet thematic areas",
        ASPNET_URL,
        "The themes of the UNESCO Associated Schools Network.",
        [
            ("T1", "Peace and human rights", "Culture of peace, non-violence and human rights."),
            (
                "T2",
                "Sustainable development",
                "Education for sustainable development and climate action.",
            ),
            ("T3", "Global citizenship", "Global citizenship education."),
            (
                "T4",
                "Intercultural learning",
                "Intercultural dialogue, cultural diversity and heritage.",
            ),
        ],
    ),
]


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
