"""What a learner adds to their portfolio to describe and steer their learning: a reflection
on a badge, their own evidence (a link or a file), and goals (achievements or pathways).

All of it is kept beside the credentials, in tables of its own: nothing here ever reads or
writes ``Award.credential_json`` or ``credential_jwt``, so what was signed stays exactly as
signed. All of it is the learner's own and private: every function takes the learner and
finds only their rows (another learner's is "not found", as if it did not exist). A share
link that includes reflections or evidence shows them (issuer/services/shares.py, with
``reflections_by_award`` and ``evidence_by_award`` below).

The teachers' side of pathways is here too: which learners of a school (known by the
addresses their badges went to) have completed a pathway or how far they are, by class,
and awarding the pathway to those who completed it through the award service.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from badges.i18n import number

from ..errors import Conflict, InvalidInput, NotFound
from ..models import (
    Achievement,
    Award,
    AwardBatch,
    Goal,
    Learner,
    LearnerEvidence,
    Organisation,
    Reflection,
)
from ..models.base import now_utc
from ..translate import _, current_language
from ..urls import PublicUrls
from .achievements import language_groups, with_language_versions
from .audit import Actor
from .awards import AwardInput, BulkResult, award_badge, award_many, normalised_email
from .keys import Sealer
from .learners import learner_award
from .pathways import (
    Progress,
    achievement_ids,
    describe,
    evaluate,
    names_of,
)
from .portfolio import mine
from .text import local_day

MAX_REFLECTION = 10_000  # characters of Markdown
MAX_TITLE = 200
MAX_URL = 2000
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024  # one file
MAX_LEARNER_BYTES = 50 * 1024 * 1024  # all of a learner's files together
MAX_EVIDENCE_PER_BADGE = 20
MAX_GOALS = 50

# The file types a learner may add, told by their first bytes (never by the name): served
# back only as downloads, with this type. No HTML, no SVG, nothing a browser would run.
FILE_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
TEXT_TYPE = ("text/plain; charset=utf-8", "txt")
ALLOWED_FILES = "PDF, PNG, JPEG, GIF, WebP or plain text (.txt)"


# -- reflections -------------------------------------------------------------------------------


def _own_award(session: Session, learner: Learner, award_public_id: str) -> Award:
    award = learner_award(session, learner, award_public_id)
    if award is None:
        raise NotFound(_("No such badge in your portfolio."))
    return award


def get_reflection(session: Session, learner: Learner, award: Award) -> Reflection | None:
    return session.scalar(
        select(Reflection).where(
            Reflection.learner_id == learner.id, Reflection.award_id == award.id
        )
    )


def save_reflection(
    session: Session, learner: Learner, award_public_id: str, body_md: str
) -> Reflection:
    """Write or rewrite the learner's reflection on one of their badges (Markdown, shown
    sanitised). Raises NotFound (not their badge) or InvalidInput (field ``body_md``)."""
    award = _own_award(session, learner, award_public_id)
    body = (body_md or "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"body_md": _("Write your reflection, or delete it with the button below.")},
        )
    if len(body) > MAX_REFLECTION:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "body_md": _(
                    "Keep your reflection under %(max_reflection)s characters (it has %(body)s).",
                    max_reflection=format(MAX_REFLECTION, ","),
                    body=format(len(body), ","),
                )
            },
        )
    row = get_reflection(session, learner, award)
    if row is None:
        row = Reflection(learner_id=learner.id, award_id=award.id, body_md=body)
        session.add(row)
    elif row.body_md != body:
        row.body_md = body
        row.updated_at = now_utc()
    session.flush()
    return row


def delete_reflection(session: Session, learner: Learner, award_public_id: str) -> bool:
    """Remove the learner's reflection on a badge; False if there was none."""
    award = _own_award(session, learner, award_public_id)
    row = get_reflection(session, learner, award)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# -- own evidence ------------------------------------------------------------------------------


def _clean_title(title: str | None, fallback: str) -> str:
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", title or "").strip()
    return (text or fallback)[:MAX_TITLE]


def check_link(url: str) -> str:
    """``url`` trimmed, if it is an http(s) link to a host; else InvalidInput on ``url``."""
    link = (url or "").strip()

    def bad(message: str) -> InvalidInput:
        return InvalidInput(_("Please correct the marked fields."), fields={"url": message})

    if not link:
        raise bad(_("Give the link, starting with https://."))
    if len(link) > MAX_URL:
        raise bad(
            _("Keep the link under %(max)s characters.", max=number(MAX_URL, current_language()))
        )
    if re.search(r"[\s\x00-\x1f\x7f-\x9f\\]", link):
        raise bad(_("A link has no spaces or control characters."))
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError as exc:
        raise bad(_("This is not a link a browser can open.")) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise bad(_("Only web links are accepted: start with https:// (or http://)."))
    if not host:
        raise bad(_("The link needs a site, as in https://example.org/my-work."))
    if parts.username is not None or parts.password is not None:
        raise bad(_("Leave names and passwords out of the link."))
    return link


def _check_room(session: Session, learner: Learner, award: Award, adding: int = 0) -> None:
    count, size = session.execute(
        select(
            func.count(LearnerEvidence.id).filter(LearnerEvidence.award_id == award.id),
            func.coalesce(func.sum(func.length(LearnerEvidence.data)), 0),
        ).where(LearnerEvidence.learner_id == learner.id)
    ).one()
    if count >= MAX_EVIDENCE_PER_BADGE:
        raise InvalidInput(
            _(
                "A badge has at most %(max_evidence_per_badge)s pieces of evidence: delete one before adding another.",
                max_evidence_per_badge=MAX_EVIDENCE_PER_BADGE,
            )
        )
    if adding and size + adding > MAX_LEARNER_BYTES:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "file": _(
                    "Your files together may take %(max_learner_bytes)s MB: delete some before adding this one.",
                    max_learner_bytes=MAX_LEARNER_BYTES // (1024 * 1024),
                )
            },
        )


def add_evidence_link(
    session: Session, learner: Learner, award_public_id: str, *, url: str, title: str | None
) -> LearnerEvidence:
    """Add a link as the learner's own evidence for one of their badges. Raises NotFound
    or InvalidInput (fields ``url``, ``title``)."""
    award = _own_award(session, learner, award_public_id)
    link = check_link(url)
    if title is not None and len(title.strip()) > MAX_TITLE:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "title": _("Keep the title under %(max_title)s characters.", max_title=MAX_TITLE)
            },
        )
    _check_room(session, learner, award)
    row = LearnerEvidence(
        learner_id=learner.id,
        award_id=award.id,
        title=_clean_title(title, urlsplit(link).hostname or link),
        url=link,
    )
    session.add(row)
    session.flush()
    return row


def file_type(data: bytes, filename: str) -> tuple[str, str] | None:
    """(content type, extension) of an allowed file, told by its bytes; None otherwise.
    Plain text is taken only from a file named .txt whose bytes are UTF-8 text."""
    for magic, content_type, extension in FILE_TYPES:
        if data.startswith(magic):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if filename.lower().endswith(".txt"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
            return TEXT_TYPE
    return None


def safe_filename(filename: str, extension: str) -> str:
    """A plain ASCII name for the download, with the extension of the type found."""
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)[:80].strip("-.") or "evidence"
    return f"{stem}.{extension}"


def add_evidence_file(
    session: Session,
    learner: Learner,
    award_public_id: str,
    *,
    filename: str,
    data: bytes,
    title: str | None,
) -> LearnerEvidence:
    """Keep a file as the learner's own evidence for one of their badges: at most 5 MB, of
    an allowed type (told by its bytes), within the learner's room. Raises NotFound or
    InvalidInput (fields ``file``, ``title``)."""
    award = _own_award(session, learner, award_public_id)

    def bad(message: str) -> InvalidInput:
        return InvalidInput(_("Please correct the marked fields."), fields={"file": message})

    if not data:
        raise bad(_("Choose a file (this one is empty)."))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise bad(_("The file is larger than %(max)s MB.", max=MAX_EVIDENCE_BYTES // (1024 * 1024)))
    found = file_type(data, filename)
    if found is None:
        raise bad(_("Add a %(types)s file.", types=ALLOWED_FILES))
    if title is not None and len(title.strip()) > MAX_TITLE:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "title": _("Keep the title under %(max_title)s characters.", max_title=MAX_TITLE)
            },
        )
    _check_room(session, learner, award, adding=len(data))
    content_type, extension = found
    name = safe_filename(filename, extension)
    row = LearnerEvidence(
        learner_id=learner.id,
        award_id=award.id,
        title=_clean_title(title, name),
        filename=name,
        content_type=content_type,
        data=data,
    )
    session.add(row)
    session.flush()
    return row


def own_evidence(session: Session, learner: Learner, public_id: str) -> LearnerEvidence:
    """One piece of the learner's evidence; NotFound for anyone else's."""
    return evidence_of(session, learner.id, public_id)


def evidence_of(session: Session, learner_id: int, public_id: str) -> LearnerEvidence:
    """One piece of evidence of the learner ``learner_id``; NotFound for anyone else's
    (a share page asks with the share's learner, and only when it includes evidence)."""
    row = session.scalar(
        select(LearnerEvidence).where(
            LearnerEvidence.public_id == public_id, LearnerEvidence.learner_id == learner_id
        )
    )
    if row is None:
        raise NotFound(_("No such evidence."))
    return row


def update_evidence(
    session: Session,
    learner: Learner,
    public_id: str,
    *,
    title: str,
    url: str | None = None,
) -> LearnerEvidence:
    """Rename a piece of evidence (and, for a link, change where it points)."""
    row = own_evidence(session, learner, public_id)
    errors: dict[str, str] = {}
    if not title.strip() or len(title.strip()) > MAX_TITLE:
        errors["title"] = _(
            "Give a title of at most %(max_title)s characters.", max_title=MAX_TITLE
        )
    link = row.url
    if row.url is not None and url is not None:
        try:
            link = check_link(url)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    row.title = _clean_title(title, row.title)
    row.url = link
    session.flush()
    return row


def delete_evidence(session: Session, learner: Learner, public_id: str) -> Award:
    """Remove a piece of the learner's evidence; returns the badge it belonged to."""
    row = own_evidence(session, learner, public_id)
    award = session.get(Award, row.award_id)
    session.delete(row)
    session.flush()
    assert award is not None  # the foreign key
    return award


def award_evidence(session: Session, learner: Learner, award: Award) -> list[LearnerEvidence]:
    """The learner's evidence for one badge, oldest first (files' bytes not loaded)."""
    return evidence_by_award(session, learner.id, [award.id]).get(award.id, [])


def reflections_by_award(
    session: Session, learner_id: int, award_ids: Iterable[int]
) -> dict[int, Reflection]:
    """The learner's reflections on these badges, by award id (one query): for the share
    page when its link includes reflections."""
    wanted = sorted(set(award_ids))
    if not wanted:
        return {}
    return {
        row.award_id: row
        for row in session.scalars(
            select(Reflection).where(
                Reflection.learner_id == learner_id, Reflection.award_id.in_(wanted)
            )
        )
    }


def evidence_by_award(
    session: Session, learner_id: int, award_ids: Iterable[int]
) -> dict[int, list[LearnerEvidence]]:
    """The learner's evidence for these badges, by award id, oldest first (one query; the
    files' bytes are not loaded): for the share page when its link includes evidence."""
    wanted = sorted(set(award_ids))
    if not wanted:
        return {}
    found: dict[int, list[LearnerEvidence]] = defaultdict(list)
    for row in session.scalars(
        select(LearnerEvidence)
        .options(defer(LearnerEvidence.data))
        .where(LearnerEvidence.learner_id == learner_id, LearnerEvidence.award_id.in_(wanted))
        .order_by(LearnerEvidence.id)
    ):
        found[row.award_id].append(row)
    return dict(found)


# -- goals and pathways ------------------------------------------------------------------------


@dataclass
class PathwayView:
    """A pathway with one learner's progress, and the names of what it requires."""

    pathway: Achievement
    org: Organisation
    progress: Progress
    names: dict[int, str]
    pinned: bool
    achieved: bool  # the pathway itself was awarded (and counts)


@dataclass
class GoalView:
    goal: Goal
    achievement: Achievement
    org: Organisation
    achieved: bool
    pathway: PathwayView | None  # the goal is a pathway: its progress


@dataclass
class GoalsPage:
    goals: list[GoalView]
    pathways: list[PathwayView]  # offered by the schools that awarded the learner
    # what can still be pinned: the schools' achievements not held nor pinned yet
    choices: list[tuple[Organisation, list[Achievement]]]


def goals_page(session: Session, learner: Learner) -> GoalsPage:
    """Everything the goals page shows, in a bounded number of queries: the learner's goals
    with progress, the pathways of every school that awarded them with progress, and the
    achievements of those schools they may still pin."""
    # the learner's badges by column: what each awards, from where, and whether it counts
    # (pathways.counts_as_held, in SQL: not revoked, not suspended), never whole badges
    badges = session.execute(
        select(
            Award.achievement_id,
            Award.org_id,
            Award.revoked_at.is_(None) & Award.suspended.is_(False),
        ).where(mine(learner))
    ).all()
    # any language version of a badge is the badge (services.achievements.language_groups)
    held = with_language_versions(
        session, {achievement_id for achievement_id, _org, counts in badges if counts}
    )
    org_ids = {org_id for _achievement, org_id, _counts in badges}
    goals = list(
        session.scalars(select(Goal).where(Goal.learner_id == learner.id).order_by(Goal.id))
    )
    pinned = {goal.achievement_id for goal in goals}
    offered = list(
        session.scalars(
            select(Achievement)
            .where(Achievement.org_id.in_(sorted(org_ids)))
            .order_by(Achievement.name, Achievement.id)
        )
    )
    by_id = {a.id: a for a in offered}
    missing = sorted(pinned - set(by_id))  # goals set from other schools' public pages
    if missing:
        for row in session.scalars(select(Achievement).where(Achievement.id.in_(missing))):
            by_id[row.id] = row
    orgs = {
        org.id: org
        for org in session.scalars(
            select(Organisation).where(
                Organisation.id.in_(sorted({a.org_id for a in by_id.values()}))
            )
        )
    }
    rules = [a.requirement for a in by_id.values() if a.requirement]
    names = names_of(session, [i for rule in rules for i in achievement_ids(rule)])

    def pathway_view(achievement: Achievement) -> PathwayView:
        assert achievement.requirement is not None
        return PathwayView(
            pathway=achievement,
            org=orgs[achievement.org_id],
            progress=evaluate(achievement.requirement, held),
            names=names,
            pinned=achievement.id in pinned,
            achieved=achievement.id in held,
        )

    pathways = [
        pathway_view(a)
        for a in sorted(
            (a for a in offered if a.requirement),
            key=lambda a: (orgs[a.org_id].name, a.name.lower(), a.id),
        )
    ]
    views = []
    for goal in goals:
        achievement = by_id.get(goal.achievement_id)
        if achievement is None:
            continue
        views.append(
            GoalView(
                goal=goal,
                achievement=achievement,
                org=orgs[achievement.org_id],
                achieved=achievement.id in held,
                pathway=pathway_view(achievement) if achievement.requirement else None,
            )
        )
    choices: list[tuple[Organisation, list[Achievement]]] = []
    for org_id in sorted(org_ids, key=lambda i: orgs[i].name):
        left = [
            a for a in offered if a.org_id == org_id and a.id not in pinned and a.id not in held
        ]
        if left:
            choices.append((orgs[org_id], left))
    return GoalsPage(goals=views, pathways=pathways, choices=choices)


def pin_goal(session: Session, learner: Learner, achievement_public_id: str) -> Goal:
    """Pin an achievement (or pathway) as a goal; pinning it again changes nothing. Any
    achievement can be pinned: each has a public page, where a signed-in learner may set it
    as a goal. Raises NotFound or InvalidInput (too many goals)."""
    achievement = session.scalar(
        select(Achievement).where(Achievement.public_id == achievement_public_id)
    )
    if achievement is None:
        raise NotFound(_("No such achievement."))
    existing = session.scalar(
        select(Goal).where(Goal.learner_id == learner.id, Goal.achievement_id == achievement.id)
    )
    if existing is not None:
        return existing
    count = session.scalar(select(func.count(Goal.id)).where(Goal.learner_id == learner.id)) or 0
    if count >= MAX_GOALS:
        raise InvalidInput(
            _("You have %(max_goals)s goals: unpin one before adding another.", max_goals=MAX_GOALS)
        )
    goal = Goal(learner_id=learner.id, achievement_id=achievement.id)
    try:
        with session.begin_nested():
            session.add(goal)
            session.flush()
    except IntegrityError:  # the same goal pinned at the same moment (a double click)
        found = session.scalar(
            select(Goal).where(Goal.learner_id == learner.id, Goal.achievement_id == achievement.id)
        )
        if found is None:
            raise
        return found
    return goal


def unpin_goal(session: Session, learner: Learner, achievement_public_id: str) -> None:
    """Unpin a goal; NotFound if the learner has no such goal."""
    goal = session.scalar(
        select(Goal)
        .join(Achievement, Achievement.id == Goal.achievement_id)
        .where(Goal.learner_id == learner.id, Achievement.public_id == achievement_public_id)
    )
    if goal is None:
        raise NotFound(_("No such goal."))
    session.delete(goal)
    session.flush()


# -- the teachers' view ------------------------------------------------------------------------


@dataclass
class LearnerProgress:
    """One learner of a school (known by the address their badges went to) on a pathway."""

    email: str
    name: str
    progress: Progress
    awarded_at: datetime | None  # the pathway itself, not revoked


@dataclass
class ClassProgress:
    """A class: the learners of one class award (AwardBatch) of an achievement the pathway
    requires (the same learners awarded several such badges are one class); or, with
    ``batch`` None, the learners awarded one by one."""

    label: str
    batch: AwardBatch | None
    learners: list[LearnerProgress]

    @property
    def completed(self) -> int:
        return sum(1 for lp in self.learners if lp.progress.satisfied)


@dataclass
class PathwayReport:
    pathway: Achievement
    rule_text: str
    names: dict[int, str]
    learners: list[LearnerProgress]
    classes: list[ClassProgress]

    @property
    def completed(self) -> list[LearnerProgress]:
        return [lp for lp in self.learners if lp.progress.satisfied]

    @property
    def to_award(self) -> list[LearnerProgress]:
        return [lp for lp in self.learners if lp.progress.satisfied and lp.awarded_at is None]


def get_pathway(session: Session, org: Organisation, public_id: str) -> Achievement:
    """A pathway of ``org``; NotFound for another organisation's or a plain achievement."""
    row = session.scalar(
        select(Achievement).where(Achievement.public_id == public_id, Achievement.org_id == org.id)
    )
    if row is None or not row.requirement:
        raise NotFound(_("No such pathway."))
    return row


def pathway_report(session: Session, org: Organisation, pathway: Achievement) -> PathwayReport:
    """Every learner of ``org`` who holds (or held) one of the badges the pathway requires,
    or the pathway itself, with their progress, grouped by class. Learners are told apart
    by address, compared lower-cased, as the duplicate-award check does. One query for
    the awards, one for the classes."""
    if pathway.org_id != org.id or not pathway.requirement:
        raise NotFound(_("No such pathway."))
    rule = pathway.requirement
    needed = achievement_ids(rule)
    names = names_of(session, [*needed, pathway.id])
    # a learner holding any language version of a badge holds the badge
    groups = language_groups(session, [*needed, pathway.id])
    own = groups[pathway.id]
    rows = session.execute(
        select(
            func.lower(func.trim(Award.learner_email)),
            Award.learner_name,
            Award.achievement_id,
            Award.batch_id,
            Award.issued_at,
            Award.revoked_at,
            Award.suspended,
        )
        .where(Award.org_id == org.id, Award.achievement_id.in_(sorted(groups)))
        .order_by(Award.issued_at, Award.id)
    )
    held: dict[str, set[int]] = defaultdict(set)
    name: dict[str, str] = {}
    awarded: dict[str, datetime] = {}
    batches: dict[int, set[str]] = defaultdict(set)
    for email, learner_name, achievement_id, batch_id, issued_at, revoked_at, suspended in rows:
        name[email] = learner_name  # the newest award's spelling
        held.setdefault(email, set())
        if batch_id is not None and achievement_id not in own:
            batches[batch_id].add(email)
        if revoked_at is not None:
            continue
        if achievement_id in own:
            awarded.setdefault(email, issued_at)
        elif not suspended:
            held[email].update(groups[achievement_id])
    learners = {
        email: LearnerProgress(
            email=email,
            name=name[email],
            progress=evaluate(rule, held[email]),
            awarded_at=awarded.get(email),
        )
        for email in held
    }
    ordered = sorted(
        learners.values(), key=lambda lp: (-lp.progress.fraction, lp.name.lower(), lp.email)
    )
    classes: list[ClassProgress] = []
    in_class: set[str] = set()
    if batches:
        batch_rows = session.scalars(
            select(AwardBatch).where(AwardBatch.id.in_(sorted(batches))).order_by(AwardBatch.id)
        )
        seen: dict[frozenset[str], ClassProgress] = {}
        for batch in batch_rows:
            members = frozenset(batches[batch.id])
            if members in seen:
                continue  # the same class, awarded another required badge
            label = _(
                "Class awarded “%(badge)s” on %(date)s",
                badge=names.get(batch.achievement_id) or _("a badge"),
                date=local_day(batch.created_at),
            )
            group = ClassProgress(
                label=label,
                batch=batch,
                learners=[lp for lp in ordered if lp.email in members],
            )
            seen[members] = group
            classes.append(group)
            in_class |= members
    rest = [lp for lp in ordered if lp.email not in in_class]
    if rest:
        classes.append(
            ClassProgress(
                label=_("Learners awarded one by one") if classes else _("Learners"),
                batch=None,
                learners=rest,
            )
        )
    return PathwayReport(
        pathway=pathway,
        rule_text=describe(rule, names),
        names=names,
        learners=ordered,
        classes=classes,
    )


def award_pathway(
    session: Session,
    *,
    org: Organisation,
    pathway: Achievement,
    emails: Sequence[str],
    sealer: Sealer,
    urls: PublicUrls,
    awarded_by: int | None,
    actor: Actor | None,
    request_key: str | None = None,
) -> list[Award]:
    """Award the pathway to learners who completed it, through the award service: one
    learner (``award_badge``; AlreadyAwarded if they hold it) or several at once
    (``award_many``, which leaves out those already holding it). The progress is measured
    again here: a learner who has not completed the pathway is refused (Conflict)."""
    report = pathway_report(session, org, pathway)
    by_email = {lp.email: lp for lp in report.learners}
    chosen = []
    for email in dict.fromkeys(normalised_email(e) for e in emails):
        found = by_email.get(email)
        if found is None or not found.progress.satisfied:
            raise Conflict(
                _(
                    "%(email)s has not completed this pathway: it can be awarded once every requirement is met.",
                    email=found.name if found else email,
                )
            )
        chosen.append(found)
    if not chosen:
        raise InvalidInput(_("Nobody has completed this pathway and is waiting for it."))
    if len(chosen) == 1:
        return [
            award_badge(
                session,
                org=org,
                achievement=pathway,
                data=AwardInput(learner_name=chosen[0].name, learner_email=chosen[0].email),
                sealer=sealer,
                urls=urls,
                awarded_by=awarded_by,
                request_key=request_key,
                allow_again=False,
                actor=actor,
            )
        ]
    result: BulkResult = award_many(
        session,
        org=org,
        achievement=pathway,
        rows=[AwardInput(learner_name=lp.name, learner_email=lp.email) for lp in chosen],
        sealer=sealer,
        urls=urls,
        awarded_by=awarded_by,
        request_key=request_key,
        skip_earlier=True,
        actor=actor,
    )
    if result.errors:  # the names and addresses come from stored awards: not expected
        raise InvalidInput(_("Some learners' details could not be used for an award."))
    return list(result.awards)
