"""The language a message to a learner is written in."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Learner, LearnerEmail, Organisation


def message_language(session: Session, org: Organisation | None, email: str) -> str:
    """The language the learner chose on their account (the account holding ``email`` as a
    confirmed address), else their school's default language, else English."""
    return message_languages(session, org, [email])[email]


def message_languages(
    session: Session, org: Organisation | None, emails: Sequence[str]
) -> dict[str, str]:
    """``message_language`` of each of ``emails`` (keyed as given), in a query per 500
    addresses rather than one each: a class of thousands is written in seconds, not minutes."""
    chosen: dict[str, str] = {}
    wanted = sorted({email.strip().lower() for email in emails})
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(LearnerEmail.email, Learner.language)
            .join(Learner, LearnerEmail.learner_id == Learner.id)
            .where(
                LearnerEmail.email.in_(wanted[start : start + 500]),
                LearnerEmail.confirmed_at.is_not(None),
            )
        )
        for address, language in rows:
            if language:
                chosen.setdefault(address, language)
    fallback = (org.default_language if org is not None else None) or "en"
    return {email: chosen.get(email.strip().lower(), fallback) for email in emails}
