"""Sharing a portfolio: share links, guardians' consent for minors, who sees a name or a file.

Everything in a portfolio is private until the learner shares it. A share link covers the
whole portfolio or a chosen collection of the learner's own badges; it answers only while
it is *live*: not withdrawn, not expired, and, for a minor, while a guardian's consent is
granted and not withdrawn. Every page and file behind a link asks ``live_share`` on each
request, so withdrawing a link, its expiry or the withdrawal of consent stops all of it at
once (nothing is cached publicly).

Minors: a school sets a consent age (``Organisation.consent_age``). A learner is a minor
when younger than the highest consent age of the schools that awarded them; a learner who
has not given a birth date counts as a minor wherever a school asks for consent.

The same rule decides whether a learner's name shows on the public badge page: only when
the learner made it public and, if a minor, has a guardian's consent.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..models import (
    Award,
    EvidenceFile,
    GuardianConsent,
    ImportedBadge,
    Learner,
    LearnerEmail,
    LearnerEvidence,
    Organisation,
    OutboxMessage,
    Reflection,
    ShareLink,
    ShareScope,
)
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .awards import EMAIL, normalised_email
from .imports import imported_badges
from .learners import confirmed_owner
from .mail import note_new_messages
from .portfolio import PortfolioCard, portfolio_cards
from .portfolio import mine as learners_awards
from .text import local_day
from .tokens import token_hash

CONSENT_LINK_LIFETIME = timedelta(days=14)
"""How long a guardian's link can grant consent (withdrawing with it works for good)."""
CONSENT_REQUESTS_PER_DAY = 5
"""Consent requests a learner may send in 24 hours (each is an email to someone)."""
MAX_CONSENT_AGE = 21
MAX_SHARES = 200
"""Share links a learner may keep (withdrawn ones included)."""


# -- whose, and who is a minor -------------------------------------------------------------


def awarding_schools(session: Session, learner: Learner) -> list[Organisation]:
    """The organisations that awarded the learner a badge (to a confirmed address)."""
    confirmed = (
        select(LearnerEmail.email)
        .where(LearnerEmail.learner_id == learner.id, LearnerEmail.confirmed_at.is_not(None))
        .scalar_subquery()
    )
    org_ids = select(Award.org_id).where(func.lower(Award.learner_email).in_(confirmed))
    return list(
        session.scalars(
            select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.name)
        )
    )


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def consent_age(session: Session, learner: Learner) -> int | None:
    """The highest consent age among the schools that awarded the learner; None if none asks."""
    ages = [org.consent_age for org in awarding_schools(session, learner) if org.consent_age]
    return max(ages) if ages else None


def is_minor(session: Session, learner: Learner, today: date | None = None) -> bool:
    """Younger than a consent age of a school that awarded them; no birth date given
    counts as a minor wherever a school asks for consent."""
    age = consent_age(session, learner)
    if age is None:
        return False
    if learner.birth_date is None:
        return True
    return age_on(learner.birth_date, today or now_utc().date()) < age


def active_consent(session: Session, learner: Learner) -> GuardianConsent | None:
    """The guardian's consent in force (granted, not withdrawn), if any."""
    return session.scalar(
        select(GuardianConsent)
        .where(
            GuardianConsent.learner_id == learner.id,
            GuardianConsent.granted_at.is_not(None),
            GuardianConsent.withdrawn_at.is_(None),
        )
        .order_by(GuardianConsent.granted_at.desc())
        .limit(1)
    )


def may_share(session: Session, learner: Learner, today: date | None = None) -> bool:
    """True when the learner's share links may answer: not a minor, or consent in force."""
    return not is_minor(session, learner, today) or active_consent(session, learner) is not None


def public_name_allowed(session: Session, award: Award) -> bool:
    """Whether the public badge page may show the learner's name: the account holding the
    badge's (confirmed) address made its name public and, if a minor, has a guardian's
    consent. A badge nobody has claimed shows no name either: its learner never chose."""
    owner = confirmed_owner(session, award.learner_email)
    return owner is not None and owner.name_public and may_share(session, owner)


def set_birth_date(session: Session, learner: Learner, value: str) -> None:
    """Record the learner's birth date (YYYY-MM-DD). Given once: changing it would let a
    minor lift the consent rule, so a date already given stays. Raises InvalidInput."""
    if learner.birth_date is not None:
        raise InvalidInput(
            _("Your birth date is already recorded."),
            fields={"birth_date": _("Your birth date is already recorded.")},
        )
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        day = None
    today = now_utc().date()
    if day is None or not date(1900, 1, 1) <= day <= today:
        raise InvalidInput(
            _("Give your birth date as a date in the past, e.g. 2010-05-31."),
            fields={"birth_date": _("Give a date in the past, e.g. 2010-05-31.")},
        )
    learner.birth_date = day
    session.flush()


# -- share links -----------------------------------------------------------------------------


@dataclass
class ShareInput:
    title: str = ""
    scope: str = ShareScope.PORTFOLIO
    award_ids: list[str] | None = None  # public ids of the learner's badges (a collection)
    imported_ids: list[str] | None = None  # public ids of their imported badges (too)
    include_reflections: bool = False
    include_evidence: bool = False
    org_slug: str = ""  # share with this school (one that awarded the learner), or ""
    expires_on: str = ""  # YYYY-MM-DD: the link works until the end of that day (UTC), or ""


def create_share(
    session: Session, learner: Learner, data: ShareInput, now: datetime | None = None
) -> ShareLink:
    """A new share link of ``learner``'s portfolio or of a collection of their own badges.
    A badge that is not theirs, or a school that did not award them, is refused (InvalidInput)."""
    now = now or now_utc()
    errors: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title or len(title) > 200:
        errors["title"] = _("Give a title of at most 200 characters.")
    if data.scope not in set(ShareScope):
        errors["scope"] = _("Choose the whole portfolio or a collection.")
    chosen: list[int] = []
    chosen_imported: list[int] = []
    if data.scope == ShareScope.COLLECTION:
        mine = {
            public_id: award_id
            for public_id, award_id in session.execute(
                select(Award.public_id, Award.id).where(learners_awards(learner))
            )
        }
        brought = {
            public_id: row_id
            for public_id, row_id in session.execute(
                select(ImportedBadge.public_id, ImportedBadge.id).where(
                    ImportedBadge.learner_id == learner.id
                )
            )
        }
        wanted = list(dict.fromkeys(data.award_ids or []))
        wanted_imported = list(dict.fromkeys(data.imported_ids or []))
        if not wanted and not wanted_imported:
            errors["award_ids"] = _("Choose at least one of your badges.")
        elif any(public_id not in mine for public_id in wanted) or any(
            public_id not in brought for public_id in wanted_imported
        ):
            errors["award_ids"] = _("Choose among your own badges only.")
        else:
            chosen = [mine[public_id] for public_id in wanted]
            chosen_imported = [brought[public_id] for public_id in wanted_imported]
    org_id = None
    if data.org_slug:
        org = next((o for o in awarding_schools(session, learner) if o.slug == data.org_slug), None)
        if org is None:
            errors["org"] = _("Choose one of the schools that awarded you a badge.")
        else:
            org_id = org.id
    expires_at = None
    if data.expires_on.strip():
        try:
            day = date.fromisoformat(data.expires_on.strip())
        except ValueError:
            errors["expires_on"] = _("Give a date such as 2027-06-30, or leave it empty.")
        else:
            if day < now.date():
                errors["expires_on"] = _("Give a date from today on, or leave it empty.")
            elif day > now.date() + timedelta(days=3660):
                errors["expires_on"] = _("Give a date within ten years, or leave it empty.")
            else:
                expires_at = datetime.combine(day + timedelta(days=1), time(0), UTC)
    count = session.scalar(
        select(func.count()).select_from(ShareLink).where(ShareLink.learner_id == learner.id)
    )
    if (count or 0) >= MAX_SHARES:
        errors["form"] = _(
            "You have %(max_shares)s share links; withdraw and remove some first.",
            max_shares=MAX_SHARES,
        )
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    share = ShareLink(
        learner_id=learner.id,
        title=title,
        scope=data.scope,
        award_ids=chosen,
        imported_ids=chosen_imported,
        include_reflections=data.include_reflections,
        include_evidence=data.include_evidence,
        org_id=org_id,
        expires_at=expires_at,
    )
    session.add(share)
    session.flush()
    return share


def learner_shares(session: Session, learner: Learner) -> list[ShareLink]:
    return list(
        session.scalars(
            select(ShareLink)
            .where(ShareLink.learner_id == learner.id)
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        )
    )


def learner_share(session: Session, learner: Learner, public_id: str) -> ShareLink:
    """One of the learner's share links; NotFound for another learner's (as for none)."""
    share = session.scalar(
        select(ShareLink).where(
            ShareLink.public_id == public_id, ShareLink.learner_id == learner.id
        )
    )
    if share is None:
        raise NotFound(_("No such share link."))
    return share


def withdraw_share(
    session: Session, learner: Learner, public_id: str, now: datetime | None = None
) -> ShareLink:
    """Withdraw one of the learner's links: it answers 404 from now on, everywhere."""
    share = learner_share(session, learner, public_id)
    if share.withdrawn_at is None:
        share.withdrawn_at = now or now_utc()
        session.flush()
    return share


def share_state(
    session: Session,
    share: ShareLink,
    learner: Learner,
    now: datetime | None = None,
    *,
    allowed: bool | None = None,
) -> str:
    """The link's state: withdrawn, expired, needs-consent or live. ``allowed``: the
    learner's ``may_share`` when the caller knows it already (a page listing many links)."""
    now = now or now_utc()
    if share.withdrawn_at is not None:
        return "withdrawn"
    if share.expires_at is not None and share.expires_at <= now:
        return "expired"
    if allowed is None:
        allowed = may_share(session, learner, now.date())
    return "live" if allowed else "needs-consent"


def live_share(
    session: Session, public_id: str, now: datetime | None = None
) -> tuple[ShareLink, Learner]:
    """The share link and its learner while it answers; NotFound otherwise (withdrawn,
    expired, or a minor's without consent: the same 404 as a link that never existed)."""
    share = session.scalar(select(ShareLink).where(ShareLink.public_id == public_id))
    learner = session.get(Learner, share.learner_id) if share is not None else None
    if share is None or learner is None or share_state(session, share, learner, now) != "live":
        raise NotFound(_("No such page."))
    return share, learner


def count_view(session: Session, share: ShareLink) -> None:
    """One more view, counted in the database (two views at once both count)."""
    session.execute(
        update(ShareLink)
        .where(ShareLink.id == share.id)
        .values(view_count=ShareLink.view_count + 1)
        .execution_options(synchronize_session=False)
    )


def shared_award_ids(session: Session, share: ShareLink, learner: Learner) -> set[int]:
    """The badges a link shows, by award id: all of the learner's, or the chosen ones still
    theirs (one statement, of ids only)."""
    mine = set(session.scalars(select(Award.id).where(learners_awards(learner))))
    if share.scope == ShareScope.COLLECTION:
        return mine & set(share.award_ids or [])
    return mine


def shared_cards(
    session: Session, share: ShareLink, learner: Learner, now: datetime | None = None
) -> list[PortfolioCard]:
    """The badges a link shows as cards, with their areas, descriptions and evidence."""
    cards = portfolio_cards(session, learner, now, areas=True, details=True)
    if share.scope == ShareScope.COLLECTION:
        chosen = set(share.award_ids or [])
        cards = [card for card in cards if card.award_id in chosen]
    return cards


def shared_imported(session: Session, share: ShareLink, learner: Learner) -> list[ImportedBadge]:
    """The imported badges a link shows: all of the learner's, or the chosen ones."""
    only = None if share.scope != ShareScope.COLLECTION else list(share.imported_ids or [])
    if only == []:
        return []
    return imported_badges(session, learner, only)


def reflections_for(session: Session, learner: Learner, award_ids: Iterable[int]) -> dict[int, str]:
    """The learner's reflections (their Markdown) on these badges, by award id: by column,
    one statement however many."""
    ids = list(award_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Reflection.award_id, Reflection.body_md).where(
            Reflection.learner_id == learner.id, Reflection.award_id.in_(ids)
        )
    )
    return {award_id: body for award_id, body in rows if body.strip()}


@dataclass(frozen=True)
class OwnEvidence:
    """A link or file the learner added to a badge, as a shared page lists it."""

    public_id: str
    title: str
    url: str | None
    filename: str | None


def learner_evidence_for(
    session: Session, learner: Learner, award_ids: Iterable[int]
) -> dict[int, list[OwnEvidence]]:
    """The learner's own evidence on these badges, by award id (oldest first): by column,
    never the files themselves, one statement however many."""
    ids = list(award_ids)
    found: dict[int, list[OwnEvidence]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(
            LearnerEvidence.award_id,
            LearnerEvidence.public_id,
            LearnerEvidence.title,
            LearnerEvidence.url,
            LearnerEvidence.filename,
        )
        .where(LearnerEvidence.learner_id == learner.id, LearnerEvidence.award_id.in_(ids))
        .order_by(LearnerEvidence.id)
    )
    for award_id, public_id, title, url, filename in rows:
        found.setdefault(award_id, []).append(OwnEvidence(public_id, title, url, filename))
    return found


def shares_with_school(
    session: Session, org: Organisation, now: datetime | None = None
) -> list[tuple[ShareLink, Learner]]:
    """The live links learners shared with ``org`` (what its staff may open), newest first."""
    now = now or now_utc()
    rows = session.execute(
        select(ShareLink, Learner)
        .join(Learner, Learner.id == ShareLink.learner_id)
        .where(
            ShareLink.org_id == org.id,
            ShareLink.withdrawn_at.is_(None),
            (ShareLink.expires_at.is_(None)) | (ShareLink.expires_at > now),
        )
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        .limit(1000)
    ).all()
    allowed: dict[int, bool] = {}
    shown = []
    for share, learner in rows:
        if learner.id not in allowed:
            allowed[learner.id] = may_share(session, learner, now.date())
        if allowed[learner.id]:
            shown.append((share, learner))
    return shown


# -- evidence files -------------------------------------------------------------------------


def awards_citing(session: Session, evidence: EvidenceFile, urls: PublicUrls) -> list[Award]:
    """The awards whose signed credential names this evidence file (its public URL)."""
    link = urls.evidence_file(evidence.public_id)
    return list(
        session.scalars(
            select(Award).where(
                Award.org_id == evidence.org_id,
                Award.credential_json.contains(link, autoescape=True),
            )
        )
    )


def learner_may_see_file(
    session: Session, learner: Learner, evidence: EvidenceFile, urls: PublicUrls
) -> bool:
    """The learner holds (by a confirmed address) a badge whose credential names the file."""
    mine = set(session.scalars(select(Award.id).where(learners_awards(learner))))
    return any(award.id in mine for award in awards_citing(session, evidence, urls))


def shared_file(
    session: Session, share: ShareLink, learner: Learner, public_id: str, urls: PublicUrls
) -> EvidenceFile:
    """A teacher's evidence file behind a live link that includes evidence; NotFound else."""
    evidence = session.scalar(select(EvidenceFile).where(EvidenceFile.public_id == public_id))
    if evidence is None or not share.include_evidence:
        raise NotFound(_("No such evidence file."))
    shown = shared_award_ids(session, share, learner)
    if not any(award.id in shown for award in awards_citing(session, evidence, urls)):
        raise NotFound(_("No such evidence file."))
    return evidence


def shared_learner_file(
    session: Session, share: ShareLink, learner: Learner, public_id: str
) -> LearnerEvidence:
    """The learner's own evidence file behind a live link that includes evidence."""
    row = session.scalar(
        select(LearnerEvidence).where(
            LearnerEvidence.public_id == public_id, LearnerEvidence.learner_id == learner.id
        )
    )
    if row is None or row.data is None or not share.include_evidence:
        raise NotFound(_("No such evidence file."))
    if row.award_id not in shared_award_ids(session, share, learner):
        raise NotFound(_("No such evidence file."))
    return row


def download_name(filename: str | None, fallback: str = "evidence") -> str:
    """A file name safe in a Content-Disposition header."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", filename or "").strip("-.")[:120]
    return cleaned or fallback


# -- guardians' consent ------------------------------------------------------------------------


def request_consent(
    session: Session,
    learner: Learner,
    guardian_email: str,
    urls: PublicUrls,
    now: datetime | None = None,
) -> str:
    """Email a guardian a link to consent to the learner's share links; returns the token
    (stored hashed). Raises InvalidInput for a bad address or too many requests."""
    now = now or now_utc()
    address = normalised_email(guardian_email)
    if not EMAIL.fullmatch(address) or len(address) > 320:
        raise InvalidInput(
            _("Give your guardian's email address."),
            fields={"guardian_email": _("Give a valid email address.")},
        )
    if address in {e.email for e in learner.emails}:
        raise InvalidInput(
            _("Give your guardian's address, not one of yours."),
            fields={"guardian_email": _("This is one of your own addresses.")},
        )
    recent = session.scalar(
        select(func.count())
        .select_from(GuardianConsent)
        .where(
            GuardianConsent.learner_id == learner.id,
            GuardianConsent.created_at > now - timedelta(days=1),
        )
    )
    if (recent or 0) >= CONSENT_REQUESTS_PER_DAY:
        raise InvalidInput(
            _("You have asked for consent several times today; try again tomorrow."),
            fields={"guardian_email": _("Too many requests today; try again tomorrow.")},
        )
    token = secrets.token_urlsafe(32)
    session.add(
        GuardianConsent(
            learner_id=learner.id,
            guardian_email=address,
            token_hash=token_hash(token),
            expires_at=now + CONSENT_LINK_LIFETIME,
        )
    )
    link = f"{urls.base}/guardian/{token}"
    # in the language the learner reads (this request's): the one who asks knows it best
    body = (
        _("Hello,")
        + "\n\n"
        + _(
            "%(name)s keeps a portfolio of the badges their school awarded them and would like "
            "to share it (for example with a school or an employer) through links they choose. "
            "Because of their age, their school asks a parent or guardian to agree first.",
            name=learner.name,
        )
        + "\n\n"
        + _("Read what consenting means and give (or refuse) your consent here:")
        + f"\n{link}\n\n"
        + _(
            "The link can give consent until %(date)s. You can withdraw your consent at any "
            "time with the same link: every share link stops at once.",
            date=local_day(now + CONSENT_LINK_LIFETIME),
        )
        + "\n\n"
        + _("If you do not know this learner, ignore this message.")
        + "\n"
    )
    message = OutboxMessage(
        org_id=None,
        award_id=None,
        to_email=address,
        to_name="",
        subject=_("Consent for %(name)s's portfolio links", name=learner.name),
        body=body,
    )
    session.add(message)
    session.flush()
    note_new_messages(session, [message])
    return token


def consent_by_token(session: Session, token: str) -> GuardianConsent:
    """The consent request a guardian's link names; NotFound for an unknown token."""
    if not token or len(token) > 100:
        raise NotFound(_("This consent link is not valid."))
    row = session.scalar(
        select(GuardianConsent).where(GuardianConsent.token_hash == token_hash(token))
    )
    if row is None:
        raise NotFound(_("This consent link is not valid."))
    return row


def consent_state(row: GuardianConsent, now: datetime | None = None) -> str:
    """The request's state: pending, expired (a pending link past its date), granted or withdrawn."""
    if row.withdrawn_at is not None:
        return "withdrawn"
    if row.granted_at is not None:
        return "granted"
    if row.expires_at <= (now or now_utc()):
        return "expired"
    return "pending"


def grant_consent(session: Session, token: str, now: datetime | None = None) -> GuardianConsent:
    """The guardian consents. Only a pending link can (an expired or spent one cannot)."""
    now = now or now_utc()
    row = consent_by_token(session, token)
    state = consent_state(row, now)
    if state == "expired":
        raise InvalidInput(_("This link has expired; ask the learner to send a new one."))
    if state == "withdrawn":
        raise InvalidInput(
            _("Consent was withdrawn with this link; a new link is needed to give it.")
        )
    if state == "pending":
        row.granted_at = now
        session.flush()
    return row


def withdraw_consent(session: Session, token: str, now: datetime | None = None) -> GuardianConsent:
    """The guardian withdraws consent, with any link they received (however old): every
    consent of the learner ends, and every share link of a minor stops at once."""
    now = now or now_utc()
    row = consent_by_token(session, token)
    for consent in session.scalars(
        select(GuardianConsent).where(
            GuardianConsent.learner_id == row.learner_id, GuardianConsent.withdrawn_at.is_(None)
        )
    ):
        consent.withdrawn_at = now
    session.flush()
    return row


def consent_requests(session: Session, learner: Learner) -> list[GuardianConsent]:
    return list(
        session.scalars(
            select(GuardianConsent)
            .where(GuardianConsent.learner_id == learner.id)
            .order_by(GuardianConsent.created_at.desc(), GuardianConsent.id.desc())
            .limit(20)
        )
    )


# -- the school's setting ----------------------------------------------------------------------


def set_consent_age(
    session: Session, org: Organisation, value: str, actor: Actor | None = None
) -> Organisation:
    """Set (or clear, with "") the age below which a guardian must consent. Audited."""
    text = value.strip()
    age: int | None
    if not text:
        age = None
    elif text.isdigit() and 1 <= int(text) <= MAX_CONSENT_AGE:
        age = int(text)
    else:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "consent_age": _(
                    "Give an age from 1 to %(max_consent_age)s, or leave it empty.",
                    max_consent_age=MAX_CONSENT_AGE,
                )
            },
        )
    if age != org.consent_age:
        before = org.consent_age
        org.consent_age = age
        record(
            session,
            org_id=org.id,
            actor=actor,
            action=AuditAction.ORG_UPDATE,
            subject=f"org:{org.slug}",
            summary=(
                Summary("org.update.consent_age", {"age": age})
                if age is not None
                else Summary("org.update.consent_age.none")
            ),
            details={"consent_age": {"before": before, "after": age}},
        )
        session.flush()
    return org
