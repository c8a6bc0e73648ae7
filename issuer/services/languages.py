"""The language a message to a learner is written in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Learner, LearnerEmail, Organisation


def message_language(session: Session, org: Organisation | None, email: str) -> str:
    """The language the learner chose on their account (the account holding ``email`` as a
    confirmed address), else their school's default language, else English."""
    chosen = session.scalar(
        select(Learner.language)
        .join(LearnerEmail, LearnerEmail.learner_id == Learner.id)
        .where(LearnerEmail.email == email.strip().lower(), LearnerEmail.confirmed_at.is_not(None))
    )
    return chosen or (org.default_language if org is not None else None) or "en"
