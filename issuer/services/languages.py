"""The language a message to a learner is written in."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Learner, LearnerEmail, Organisation
from .lookup import one_of


def message_language(session: Session, org: Organisation | None, email: str) -> str:
    """The language the learner chose on their account (the account holding ``email`` as a
    confirmed address), else their school's default language, else English."""
    chosen = session.scalar(
        select(Learner.language)
        .join(LearnerEmail, LearnerEmail.learner_id == Learner.id)
        .where(LearnerEmail.email == email.strip().lower(), LearnerEmail.confirmed_at.is_not(None))
    )
    return chosen or (org.default_language if org is not None else None) or "en"


def message_languages(
    session: Session, org: Organisation | None, emails: Iterable[str]
) -> dict[str, str]:
    """``message_language`` for many addresses at once (a class award's learners): a few
    queries in all rather than one per learner. Keyed by the address as given."""
    default = (org.default_language if org is not None else None) or "en"
    given = list(emails)
    wanted = {email.strip().lower() for email in given}
    chosen: dict[str, str] = {}
    for among in one_of(session, LearnerEmail.email, wanted):
        rows = session.execute(
            among(
                select(LearnerEmail.email, Learner.language)
                .join(Learner, LearnerEmail.learner_id == Learner.id)
                .where(LearnerEmail.confirmed_at.is_not(None))
            )
        )
        for email, language in rows:
            if language:
                chosen.setdefault(email, language)
    return {email: chosen.get(email.strip().lower()) or default for email in given}
