"""Claim links: every award message carries one (/claim/<token>).

Opening it lets the learner add the badge, and the address it was sent to, to a learner
account (see services/learner_accounts.py). The token is unguessable (256 bits), stored
only as its SHA-256, works once and expires; a badge never claimed works exactly as before.
This module only makes them, so the award services can import it without importing
the learners' services.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..models import Award, ClaimToken
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .text import local_day
from .tokens import token_hash

CLAIM_LIFETIME = timedelta(days=180)


def new_claim_link(
    session: Session, award: Award, urls: PublicUrls, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new claim link for ``award`` (already flushed) and when it expires. The token is
    added to the session (flushed with the message that carries it)."""
    link, expires, row = claim_link_row(award.id, urls, now)
    session.add(ClaimToken(**row))
    return link, expires


def claim_link_row(
    award_id: int, urls: PublicUrls, now: datetime | None = None
) -> tuple[str, datetime, dict[str, Any]]:
    """A new claim link for the award of row id ``award_id`` (stored), when it expires,
    and the columns of its ``ClaimToken`` (for a caller that inserts many at once)."""
    token = secrets.token_urlsafe(32)
    expires = (now or now_utc()).replace(microsecond=0) + CLAIM_LIFETIME
    return (
        urls.claim(token),
        expires,
        {"token_hash": token_hash(token), "award_id": award_id, "expires_at": expires},
    )


def claim_paragraph(link: str, expires: datetime) -> str:
    """What the award message says about its claim link."""
    return f"{claim_text(expires)}\n{link}\n\n"


def claim_text(expires: datetime) -> str:
    """What the award message says before its claim link (that expires then)."""
    return _(
        "Add it to your portfolio of competences: this link adds the badge, and this email "
        "address, to your learner account (you can create one on the way). It works once, "
        "until %(date)s:",
        date=local_day(expires),
    )
