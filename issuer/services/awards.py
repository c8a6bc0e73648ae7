"""Awarding badges: one learner or a whole class, each stored as its exact signed text."""

from __future__ import annotations

import copy
import dataclasses
import re
import secrets
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast, overload

import orjson
from sqlalchemy import ColumnElement, Table, func, insert, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from badges import jsonutil, model
from badges.identity import hash_identity, hashed_email, normalize_email
from badges.issuing import ProofFormat, SignedCredential, sign_credential
from badges.languages import primary
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from badges.timeutil import format_datetime, parse_datetime

from ..errors import AlreadyAwarded, Conflict, InvalidInput, NotFound
from ..models import (
    Achievement,
    Award,
    AwardBatch,
    ClaimToken,
    EvidenceFile,
    Organisation,
    OutboxMessage,
    StatusMethod,
)
from ..models.base import Base, now_utc, public_id
from ..translate import _, catalogue_languages, in_language
from ..urls import PublicUrls
from .achievements import (
    achievement_model,
    group_id,
    language_versions,
    level_id,
    level_in,
    rubric_id,
)
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .card_fields import card_fields
from .claims import claim_link_row, claim_text, new_claim_link
from .endorsements import endorsed_achievement, endorsed_profile
from .keys import Sealer, active_key, hold_keys, private_key
from .languages import message_language, message_languages
from .lookup import one_of
from .mail import note_new_message_ids, note_new_messages
from .orgs import issuer_profile
from .search import fold

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_BATCH = 2000  # in one request (the API, a class signed while its page streams)
MAX_JOB_BATCH = 10_000  # in one job (issuer/services/jobs.py): a worker signs it, not a request


@dataclass
class AwardInput:
    """One learner's award, as a teacher fills it in (or a CSV row gives it)."""

    learner_name: str
    learner_email: str
    evidence_url: str | None = None
    evidence_narrative: str | None = None
    evidence_file_url: str | None = None
    level: str | None = None
    activity_start: date | None = None
    activity_end: date | None = None
    narrative: str | None = None
    # The narrative (the teacher's note) always goes into the learner's message; it is
    # signed into the badge (``credentialSubject.narrative``, public) only when this is set.
    publish_narrative: bool = False
    # The language of the learner's message; None: the learner's own choice on their
    # account, else the school's default language (services/languages.py)
    language: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # Problems found while reading the form or CSV row (e.g. an unreadable date), reported
    # together with the rest by ``validate``.
    parse_errors: dict[str, str] = field(default_factory=dict)

    def validate(self, achievement: Achievement) -> dict[str, str]:
        errors: dict[str, str] = dict(self.parse_errors)
        self.learner_name = self.learner_name.strip()
        self.learner_email = self.learner_email.strip()
        if not self.learner_name or len(self.learner_name) > 200:
            errors["learner_name"] = _("Give the learner's name (at most 200 characters).")
        if not EMAIL.fullmatch(self.learner_email) or len(self.learner_email) > 320:
            errors["learner_email"] = _("Give a valid email address.")
        if self.evidence_url and not re.match(r"https?://\S+$", self.evidence_url.strip()):
            errors["evidence_url"] = _("Evidence links must start with https:// or http://.")
        levels = achievement.levels
        if self.level and self.level not in levels:
            errors["level"] = (
                _("Choose one of: %(levels)s.", levels=", ".join(levels))
                if levels
                else _("This badge has no levels.")
            )
        if self.activity_start and self.activity_end and self.activity_end < self.activity_start:
            errors["activity_end"] = _("The activity cannot end before it starts.")
        if self.narrative and len(self.narrative) > 5000:
            errors["narrative"] = _("Keep the narrative under 5,000 characters.")
        if self.evidence_narrative and len(self.evidence_narrative) > 5000:
            errors["evidence_narrative"] = _("Keep the evidence text under 5,000 characters.")
        if self.language and self.language not in catalogue_languages():
            errors["language"] = _("Choose one of the languages offered.")
        self.errors = errors
        return errors


class _Serialised(model.Model):
    """A model value whose JSON is written once and copied into each credential that
    carries it: the achievement (with its endorsements) and the issuer's profile are the
    same in every badge of a class award, and writing them was most of the cost of
    building each one. The credential's JSON is the same, key for key."""

    _json: dict[str, Any]
    _bytes: bytes | None

    def __init__(self, value: model.Model) -> None:
        super().__init__()
        data = value.to_json()
        object.__setattr__(self, "_json", data)
        # read back from its compact JSON: a fresh copy, exact when it holds no float
        # and no integer beyond 64 bits (jsonutil.is_plain); else copied by deepcopy
        object.__setattr__(
            self, "_bytes", jsonutil.compact_bytes(data) if jsonutil.is_plain(data) else None
        )

    def to_json(self) -> dict[str, Any]:
        copied: dict[str, Any] = (
            orjson.loads(self._bytes) if self._bytes is not None else copy.deepcopy(self._json)
        )
        return copied


@dataclass(frozen=True)
class IssueContext:
    """What every award of one achievement by one organisation shares."""

    org: Organisation
    achievement: Achievement
    # both _Serialised: a model whose JSON is written once (it stands in for the type)
    achievement_json: model.Achievement
    profile: model.Profile
    key_row_id: int
    key: Any
    verification_method: str
    urls: PublicUrls
    # a level's result (rubric and level ids), made once for the whole class
    results: dict[str, model.Result] = field(default_factory=dict, compare=False)
    # the credential's template per (signing time, awarded date), made once (``_template``)
    templates: dict[tuple[datetime, datetime | None], bytes | None] = field(
        default_factory=dict, compare=False
    )
    # an award's card columns, read once per key (``_Draft.card_key``)
    cards: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict, compare=False)
    # what the data model writes alike in every credential (``_identifier_json``,
    # ``_results_json``), written once for the whole class
    written: dict[Any, Any] = field(default_factory=dict, compare=False)

    def result(self, level: str) -> model.Result:
        found = self.results.get(level)
        if found is None:
            found = self.results[level] = model.Result(
                result_description=rubric_id(self.achievement, self.urls),
                achieved_level=level_id(self.achievement, self.urls, level),
            )
        return found


def _context(
    session: Session, org: Organisation, achievement: Achievement, sealer: Sealer, urls: PublicUrls
) -> IssueContext:
    if achievement.org_id != org.id:
        raise NotFound(_("No such achievement."))
    hold_keys(session, org)  # a compromise waits for this signing to commit, then revokes it
    key_row = active_key(session, org)
    return IssueContext(
        org=org,
        achievement=achievement,
        # with the active endorsements of the achievement and of the issuer, loaded once
        achievement_json=cast(
            model.Achievement,
            _Serialised(
                endorsed_achievement(
                    session, achievement, achievement_model(session, achievement, org, urls)
                )
            ),
        ),
        profile=cast(
            model.Profile,
            _Serialised(endorsed_profile(session, org, issuer_profile(org, urls))),
        ),
        key_row_id=key_row.id,
        key=private_key(key_row, org, sealer),
        verification_method=urls.verification_method(org.slug, key_row.kid),
        urls=urls,
    )


def _as_datetime(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def status_purpose_of(credential: dict[str, Any]) -> str:
    """What the credential's one status entry is for: "revocation", "suspension" or "1edtech"."""
    entries = credential.get("credentialStatus")
    entry = entries[0] if isinstance(entries, list) and entries else entries
    if isinstance(entry, dict):
        if entry.get("type") == rl.ENTRY_TYPE:
            return "1edtech"
        if entry.get("statusPurpose") == "suspension":
            return "suspension"
    return "revocation"


def _status(ctx: IssueContext, status_index: int) -> list[dict[str, Any]]:
    urls, org = ctx.urls, ctx.org
    if org.status_method == StatusMethod.REVOCATION_LIST:
        return [rl.status_entry(urls.revocation_list(org.slug))]
    # The 1EdTech schema allows one credentialStatus object: for revocation, or (when the
    # organisation chose it) for suspension, which a revocation then sets for good.
    purpose = (
        "suspension" if org.status_method == StatusMethod.BITSTRING_SUSPENSION else "revocation"
    )
    return [bsl.status_entry(urls.status_list(org.slug, purpose), status_index, purpose)]


def _evidence(data: AwardInput) -> list[model.Evidence]:
    evidence = []
    if data.evidence_url or data.evidence_narrative:
        evidence.append(
            model.Evidence(id=data.evidence_url or None, narrative=data.evidence_narrative or None)
        )
    if data.evidence_file_url:
        evidence.append(model.Evidence(id=data.evidence_file_url, name="Uploaded evidence"))
    return evidence


def _model_credential(
    ctx: IssueContext,
    *,
    credential_id: str,
    status: list[dict[str, Any]],
    identifier: list[model.IdentityObject],
    results: list[model.Result],
    evidence: list[model.Evidence],
    activity_start: datetime | None,
    activity_end: datetime | None,
    narrative: str | None,
    now: datetime,
    awarded_date: datetime | None,
) -> dict[str, Any]:
    """The credential's JSON written by the data model (``badges.model``): the one
    definition of what an award signs."""
    valid_until = None
    if ctx.achievement.validity_days:
        valid_until = now + timedelta(days=ctx.achievement.validity_days)
    credential = model.OpenBadgeCredential(
        id=credential_id,
        name=ctx.achievement.name,
        issuer=ctx.profile,
        valid_from=now,
        valid_until=valid_until,
        awarded_date=awarded_date or now,
        credential_subject=model.AchievementSubject(
            achievement=ctx.achievement_json,
            identifier=identifier,
            result=results,
            activity_start_date=activity_start,
            activity_end_date=activity_end,
            narrative=narrative,
        ),
        evidence=evidence,
        credential_status=status,
    )
    return credential.to_json()


def _template(ctx: IssueContext, now: datetime, awarded_date: datetime | None) -> bytes | None:
    """What every credential of ``ctx`` signed at ``now`` (with ``awarded_date``) shares,
    as the compact JSON of one written by the data model with every per-award property
    present (so each sits where the model puts it); None when that JSON is not plain
    (``jsonutil.is_plain``). Made once per class: the model writes the same achievement,
    issuer, dates and contexts for every learner, and writing them was most of the cost of
    building each credential (``_built`` puts in a learner's own values)."""
    key = (now, awarded_date)
    if key in ctx.templates:
        return ctx.templates[key]
    sample = _model_credential(
        ctx,
        credential_id="",
        status=[{}],
        identifier=[model.IdentityObject(identity_hash="")],
        results=[model.Result()],
        evidence=[model.Evidence()],
        activity_start=now,
        activity_end=now,
        narrative="-",
        now=now,
        awarded_date=awarded_date,
    )
    found = jsonutil.compact_bytes(sample) if jsonutil.is_plain(sample) else None
    ctx.templates[key] = found
    return found


def _put(node: dict[str, Any], key: str, value: Any) -> None:
    """Set a per-award property of the template, or leave it out as the data model does
    (None and empty lists are not written)."""
    if value is None or value == []:
        node.pop(key, None)
    else:
        node[key] = value


def _identifier_json(ctx: IssueContext, email: str) -> dict[str, Any]:
    """``hashed_email(email).to_json()``: the address hashed with a fresh salt, as
    ``hashed_email`` hashes it, in the layout the data model writes (another learner's
    differs only in its hash and salt), written once per class."""
    layout: dict[str, Any] | None = ctx.written.get("identifier")
    if layout is None:
        layout = ctx.written["identifier"] = hashed_email("", salt="").to_json()
    salt = secrets.token_hex(16)
    return {**layout, "identityHash": hash_identity(normalize_email(email), salt), "salt": salt}


def _results_json(ctx: IssueContext, level: str | None) -> list[dict[str, Any]]:
    """The JSON of the credential's results (``level``'s, if any): each level's written
    once per class, as compact JSON (plain: text only), a fresh copy read back for each."""
    if not level:
        return []
    written: bytes | None = ctx.written.get(("result", level))
    if written is None:
        written = ctx.written["result", level] = jsonutil.compact_bytes(ctx.result(level).to_json())
    return [orjson.loads(written)]


def _built(
    ctx: IssueContext,
    data: AwardInput,
    *,
    credential_public_id: str,
    status_index: int,
    now: datetime,
    awarded_date: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """``build_credential``, and whether the credential is plain JSON (``jsonutil.is_plain``:
    built from a plain template with text values; False: not known)."""
    status = _status(ctx, status_index)
    evidence = _evidence(data)
    start, end = _as_datetime(data.activity_start), _as_datetime(data.activity_end)
    narrative = (data.narrative or None) if data.publish_narrative else None
    credential_id = ctx.urls.credential(credential_public_id)
    template = _template(ctx, now, awarded_date)
    if template is None:
        built = _model_credential(
            ctx,
            credential_id=credential_id,
            status=status,
            identifier=[hashed_email(data.learner_email)],
            results=[ctx.result(data.level)] if data.level else [],
            evidence=evidence,
            activity_start=start,
            activity_end=end,
            narrative=narrative,
            now=now,
            awarded_date=awarded_date,
        )
        return built, False
    # the template's fresh copy, with this learner's values (as the model writes each)
    credential: dict[str, Any] = orjson.loads(template)
    credential["id"] = credential_id
    subject = credential["credentialSubject"]
    subject["identifier"] = [_identifier_json(ctx, data.learner_email)]
    _put(subject, "result", _results_json(ctx, data.level))
    _put(subject, "activityStartDate", format_datetime(start) if start else None)
    _put(subject, "activityEndDate", format_datetime(end) if end else None)
    _put(subject, "narrative", narrative)
    _put(credential, "evidence", [item.to_json() for item in evidence])
    # one entry is written as an object (model._Credential)
    credential["credentialStatus"] = status[0] if len(status) == 1 else status
    return credential, True


def build_credential(
    ctx: IssueContext,
    data: AwardInput,
    *,
    credential_public_id: str,
    status_index: int,
    now: datetime,
    awarded_date: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for one learner (``awarded_date`` defaults to
    ``now``; a re-issued badge keeps the original's)."""
    built, _plain = _built(
        ctx,
        data,
        credential_public_id=credential_public_id,
        status_index=status_index,
        now=now,
        awarded_date=awarded_date,
    )
    return built


@dataclass(frozen=True)
class _Draft:
    """One award built, not signed yet: its context (its language version's), the row it
    is built from, its public id and status index, and the unsigned credential (``plain``:
    known to be plain JSON, ``jsonutil.is_plain``)."""

    ctx: IssueContext
    data: AwardInput
    public_id: str
    status_index: int
    unsigned: dict[str, Any]
    plain: bool
    # what its portfolio card shows is the same for every credential of its context with
    # this key (``_card``); None: read from the credential itself
    card_key: tuple[Any, ...] | None = None


def _draft(
    ctx: IssueContext,
    data: AwardInput,
    *,
    status_index: int,
    now: datetime,
    awarded_date: datetime | None = None,
    revise: Callable[[dict[str, Any]], None] | None = None,
) -> _Draft:
    """Build one award's credential; ``revise`` may change it (a re-issue puts back the
    original's claims)."""
    pid = public_id()
    unsigned, plain = _built(
        ctx,
        data,
        credential_public_id=pid,
        status_index=status_index,
        now=now,
        awarded_date=awarded_date,
    )
    if revise is not None:
        revise(unsigned)
        plain = False  # the original's claims, as they were read: checked when written
    # Built from the template (``plain``), a credential without evidence differs from the
    # others of its template only in what no card shows (ids, salt, status entry, the
    # learner's dates and note) and in its level.
    card_key = (now, awarded_date, data.level) if plain and "evidence" not in unsigned else None
    return _Draft(ctx, data, pid, status_index, unsigned, plain, card_key)


def _card(draft: _Draft, document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``card_fields`` of the signed ``document``, read once per ``draft.card_key``."""
    if draft.card_key is None:
        return card_fields(document, issued_at=now)
    cards = draft.ctx.cards
    if draft.card_key not in cards:
        cards[draft.card_key] = card_fields(document, issued_at=now)
    return dict(cards[draft.card_key])


def _sign(draft: _Draft) -> SignedCredential:
    ctx = draft.ctx
    return sign_credential(
        draft.unsigned,
        ctx.key,
        verification_method=ctx.verification_method,
        proof=ProofFormat.BOTH,
    )


def _columns(
    draft: _Draft,
    signed: SignedCredential,
    *,
    now: datetime,
    awarded_by: int | None,
    request_key: str | None,
    batch_id: int | None,
) -> dict[str, Any]:
    """The row of a signed award, column by column."""
    ctx, data, unsigned = draft.ctx, draft.data, draft.unsigned
    document = signed.json if signed.json is not None else unsigned
    valid_until = unsigned.get("validUntil")  # the signed value is the one stored
    return {
        "public_id": draft.public_id,
        "org_id": ctx.org.id,
        "achievement_id": ctx.achievement.id,
        "key_id": ctx.key_row_id,
        "awarded_by": awarded_by,
        "batch_id": batch_id,
        "request_key": request_key,
        "learner_name": data.learner_name,
        "learner_name_search": fold(data.learner_name),  # what the staff's search box reads
        "learner_email": data.learner_email,
        # a plain credential with its proof (text) is plain too
        "credential_json": jsonutil.dumps(document, plain=draft.plain),
        "credential_jwt": signed.jwt,
        "status_index": draft.status_index,
        "status_purpose": status_purpose_of(unsigned),
        "issued_at": now,
        "valid_until": parse_datetime(valid_until) if valid_until else None,
        **_card(draft, document, now),  # what its portfolio card shows
    }


def _award_columns(
    ctx: IssueContext,
    data: AwardInput,
    *,
    status_index: int,
    now: datetime,
    awarded_by: int | None,
    request_key: str | None,
    batch_id: int | None = None,
    awarded_date: datetime | None = None,
    revise: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Build and sign one award; its row's columns. ``revise`` may change the unsigned
    credential before it is signed (a re-issue puts back the original's claims)."""
    draft = _draft(
        ctx, data, status_index=status_index, now=now, awarded_date=awarded_date, revise=revise
    )
    return _columns(
        draft,
        _sign(draft),
        now=now,
        awarded_by=awarded_by,
        request_key=request_key,
        batch_id=batch_id,
    )


def _signed_award(
    ctx: IssueContext,
    data: AwardInput,
    *,
    status_index: int,
    now: datetime,
    awarded_by: int | None,
    request_key: str | None,
    batch_id: int | None = None,
    awarded_date: datetime | None = None,
    revise: Callable[[dict[str, Any]], None] | None = None,
) -> Award:
    """Build, sign and return (unsaved) one award; ``revise`` may change the unsigned
    credential before it is signed (a re-issue puts back the original's claims)."""
    return Award(
        **_award_columns(
            ctx,
            data,
            status_index=status_index,
            now=now,
            awarded_by=awarded_by,
            request_key=request_key,
            batch_id=batch_id,
            awarded_date=awarded_date,
            revise=revise,
        )
    )


def _used_indexes(session: Session, org: Organisation) -> set[int]:
    return set(session.scalars(select(Award.status_index).where(Award.org_id == org.id)))


def _message(
    session: Session,
    award: Award,
    org: Organisation,
    urls: PublicUrls,
    note: str | None = None,
    language: str | None = None,
) -> OutboxMessage:
    """The learner's message about a new award, with the badge's link and a claim link
    (for the learner's portfolio; its token is added to ``session``)."""
    claim, expires = new_claim_link(session, award, urls)
    return OutboxMessage(
        **_Messages(org, urls).fields(
            language=language or message_language(session, org, award.learner_email),
            award_id=award.id,
            award_public_id=award.public_id,
            learner_name=award.learner_name,
            learner_email=award.learner_email,
            badge=award.achievement.name,
            claim=claim,
            expires=expires,
            note=note,
        )
    )


@dataclass(frozen=True)
class _MessageTexts:
    """The texts of a school's message about a badge, in one language: ``dear`` still to
    be filled with the learner's name, as ``_`` fills it."""

    dear: str
    awarded: str
    note: str
    link: str
    anyone: str
    subject: str


class _Messages:
    """Writes the messages about a school's awards (``fields``): each text translated
    once per language and badge (a class's thousand messages in one language are
    translated once, not once each), the same text as when written one by one."""

    def __init__(self, org: Organisation, urls: PublicUrls) -> None:
        self._org, self._urls = org, urls
        self._texts: dict[tuple[str, str], _MessageTexts] = {}
        self._claims: dict[tuple[str, datetime], str] = {}

    def _texts_of(self, language: str, badge: str) -> _MessageTexts:
        found = self._texts.get((language, badge))
        if found is None:
            with in_language(language):
                found = self._texts[language, badge] = _MessageTexts(
                    dear=_("Dear %(name)s,"),  # ``_`` fills it so: ``% {"name": ...}``
                    awarded=_(
                        '%(school)s has awarded you the badge "%(badge)s".',
                        school=self._org.name,
                        badge=badge,
                    ),
                    note=_("A note from your teacher:"),
                    link=_("Open it or download it here:"),
                    anyone=_(
                        "Anyone you share this link with can check that the badge is genuine."
                    ),
                    subject=_("Your badge: %(badge)s", badge=badge),
                )
        return found

    def _claim_text(self, language: str, expires: datetime) -> str:
        found = self._claims.get((language, expires))
        if found is None:
            with in_language(language):
                found = self._claims[language, expires] = claim_text(expires)
        return found

    def fields(
        self,
        *,
        language: str,
        award_id: int,
        award_public_id: str,
        learner_name: str,
        learner_email: str,
        badge: str,
        claim: str,
        expires: datetime,
        note: str | None,
    ) -> dict[str, Any]:
        """The columns of the message about an award (its row id and public id, the
        learner, the name of the badge awarded, a claim link already made), in
        ``language``."""
        texts = self._texts_of(language, badge)
        link = self._urls.credential(award_public_id)
        body = (
            texts.dear % {"name": learner_name}
            + "\n\n"
            + texts.awarded
            + "\n\n"
            + (texts.note + f"\n{note}\n\n" if note else "")
            + texts.link
            + f"\n{link}\n\n"
            + texts.anyone
            + "\n\n"
            + f"{self._claim_text(language, expires)}\n{claim}\n\n"
        )
        return {
            "org_id": self._org.id,
            "award_id": award_id,
            "to_email": learner_email,
            "to_name": learner_name,
            "subject": texts.subject,
            "body": body,
        }


def _class_messages(
    session: Session,
    awards: Sequence[dict[str, Any]],
    ids: Sequence[int],
    signing: Sequence[tuple[IssueContext, AwardInput]],
    org: Organisation,
    urls: PublicUrls,
) -> list[int]:
    """The learners' messages about a class award (``awards``: the rows stored, with their
    ``ids``; ``signing``: each one's context and row), each with its claim link, as
    ``_message`` writes them one by one; stored with two multi-row inserts rather than as
    thousands of ORM objects. Returns the messages' ids, in order."""
    # the learners' languages in a few queries, not one per message
    languages = message_languages(session, org, [row.learner_email for _ctx, row in signing])
    writer = _Messages(org, urls)
    claims: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for award, award_id, (ctx, row) in zip(awards, ids, signing, strict=True):
        claim, expires, stored = claim_link_row(award_id, urls)
        claims.append(stored)
        messages.append(
            writer.fields(
                language=row.language or languages[row.learner_email],
                award_id=award_id,
                award_public_id=award["public_id"],
                learner_name=award["learner_name"],
                learner_email=award["learner_email"],
                badge=ctx.achievement.name,
                claim=claim,
                expires=expires,
                note=row.narrative,
            )
        )
    # executemany without RETURNING: one statement, sent once with every row's values
    created = {"created_at": now_utc()}
    _insert_many(session, _table(ClaimToken), claims, created, copy=True)
    _insert_many(session, _table(OutboxMessage), messages, created, copy=True)
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.award_id.in_(
                    select(Award.id).where(Award.batch_id == awards[0]["batch_id"])
                )
            )
            .order_by(OutboxMessage.id)
        )
    )


def _table(entity: type[Base]) -> Table:
    """A model's table, for inserting many rows through SQLAlchemy Core (no ORM objects)."""
    return cast(Table, entity.__table__)


def _bind_form(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A column's bind processor (``process``: what SQLAlchemy makes of a value for the
    driver) that works each distinct value out once: a class's rows share their times and
    their cards' JSON columns. Values are told apart by type, value and time zone; lists
    and dicts (a JSON column's) by identity, kept meanwhile (so that no id is reused)."""
    done: dict[Any, Any] = {}
    kept: dict[int, tuple[Any, Any]] = {}

    def processed(value: Any) -> Any:
        key = (type(value), value, getattr(value, "tzinfo", None))
        try:
            return done[key]
        except KeyError:
            found = done[key] = process(value)
            return found
        except TypeError:  # not hashable: a JSON column's list or dict
            entry = kept.get(id(value))
            if entry is None:
                entry = kept[id(value)] = (value, process(value))
            return entry[1]

    return processed


class _Shape:
    """How rows of ``table`` with the columns of ``first`` go to the driver, worked out once
    for a class: the columns given, those with one value for every row (``same``, and the
    scalar defaults of the columns left out), those whose default is called for each row,
    and each column's bind processor (``_bind_form``: each distinct value made once)."""

    def __init__(
        self, dialect: Dialect, table: Table, first: dict[str, Any], same: dict[str, Any]
    ) -> None:
        given = [name for name in first if name not in same]
        self.fixed = dict(same)
        self.called: dict[str, Callable[[Any], Any]] = {}
        for column in table.columns:
            if column.key in first or column.key in same or column.default is None:
                continue
            default = cast(Any, column.default)
            if default.is_callable:
                self.called[column.key] = default.arg
            elif default.is_scalar:
                self.fixed[column.key] = default.arg
        self.names = [*given, *self.fixed, *self.called]
        self._processors: dict[str, Callable[[Any], Any] | None] = {}
        for name in self.names:
            process = table.c[name].type._cached_bind_processor(dialect)
            self._processors[name] = None if process is None else _bind_form(process)

    def columns(self, rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
        """Each column's values for ``rows``, in their order, as the driver takes them."""
        columns: dict[str, list[Any]] = {}
        for name, process in self._processors.items():
            if name in self.fixed:
                values: list[Any] = [self.fixed[name]] * len(rows)
            elif name in self.called:
                values = [self.called[name](None) for _row in rows]
            else:
                values = [row[name] for row in rows]
            columns[name] = values if process is None else list(map(process, values))
        return columns


def _copies(session: Session) -> bool:
    """Whether rows can go in with COPY (PostgreSQL through psycopg)."""
    dialect = session.get_bind().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _insert_many(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    same: dict[str, Any],
    *,
    copy: bool = False,
) -> None:
    """Insert ``rows`` (dicts of the same columns) into ``table`` with one executemany
    through the session's connection, stored exactly as ``session.execute(insert(table),
    rows)`` stores them: the same statement, each value passed through its column's bind
    processor, the columns left out given their defaults (a scalar one as it is, a
    callable one called for each row). ``same``: columns with one value for every row
    (the rows' ``created_at``: when the statement runs). What it saves is SQLAlchemy's
    work on each row's parameters (about as much as the database's own inserting): the
    times, the same in each row of a class, are written for the driver once. With ``copy``,
    on PostgreSQL (psycopg), the rows go in with COPY (``_copy_in``) instead."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    shape = _Shape(dialect, table, rows[0], same)
    columns = shape.columns(rows)
    if copy and _copies(session):
        with _copy_in(session, table, shape.names) as write:
            write(columns)
        return
    statement, order = _compiled_insert(dialect, table, tuple(shape.names))
    if order is not None:
        parameters: list[Any] = list(zip(*(columns[name] for name in order), strict=True))
    else:
        parameters = [
            dict(zip(shape.names, values, strict=True))
            for values in zip(*columns.values(), strict=True)
        ]
    connection.exec_driver_sql(statement, parameters)


# the INSERT statements of _insert_many, compiled once per engine's dialect, table and columns
_INSERTS: weakref.WeakKeyDictionary[Dialect, dict[tuple[Table, tuple[str, ...]], Any]] = (
    weakref.WeakKeyDictionary()
)


def _compiled_insert(
    dialect: Dialect, table: Table, names: tuple[str, ...]
) -> tuple[str, list[str] | None]:
    """The INSERT of ``names`` into ``table`` as ``dialect`` writes it for an executemany,
    and the order its positional parameters take (None: named parameters); compiled once
    (it cost about a millisecond, each chunk of a class on PostgreSQL)."""
    known = _INSERTS.setdefault(dialect, {})
    found = known.get((table, names))
    if found is None:
        compiled = insert(table).compile(
            dialect=dialect, column_keys=list(names), for_executemany=True
        )
        order = list(cast(list[str], compiled.positiontup)) if compiled.positional else None
        found = known[table, names] = (compiled.string, order)
    return cast(tuple[str, list[str] | None], found)


@contextmanager
def _copy_in(
    session: Session, table: Table, names: Sequence[str]
) -> Iterator[Callable[[dict[str, list[Any]]], None]]:
    """A COPY of rows into ``table`` (PostgreSQL, psycopg), open on the session's driver
    connection, in its transaction, until the block ends; it gives a function that sends
    rows (each column's values, in their bind form: ``_Shape.columns``) as text, without
    an INSERT executed for each (about a third of what the server and this process spend
    on inserting a class's messages, measured). The server stores them as they arrive,
    while this process goes on (psycopg waits for what was sent only every megabyte), and
    says whether all went in when the block ends: an error of the driver raises then (or
    earlier) as SQLAlchemy raises it (IntegrityError, OperationalError...). The caller
    uses the session for nothing else meanwhile."""
    connection = session.connection()
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)}"
        f" ({', '.join(preparer.quote(table.c[name].name) for name in names)}) FROM STDIN"
    )
    driver = cast(Any, connection.connection.driver_connection)
    error = dialect.loaded_dbapi.Error

    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:

            def write(columns: dict[str, list[Any]]) -> None:
                for values in zip(*(columns[name] for name in names), strict=True):
                    copy.write_row(values)

            yield write
    except error as exc:
        raise DBAPIError.instance(statement, None, exc, error, dialect=dialect) from exc


def find_by_request_key(session: Session, org: Organisation, request_key: str) -> Award | None:
    return session.scalar(
        select(Award).where(Award.org_id == org.id, Award.request_key == request_key)
    )


def normalised_email(email: str) -> str:
    """An address as compared for "the same learner": trimmed, case-insensitive."""
    return email.strip().lower()


def earlier_awards(
    session: Session, org: Organisation, achievement: Achievement, emails: Sequence[str]
) -> dict[str, Award]:
    """The first award (not revoked) of ``achievement`` to each of ``emails`` that already
    has one, by normalised address."""
    wanted = {normalised_email(e) for e in emails if e.strip()}
    if not wanted:
        return {}
    found: dict[str, Award] = {}
    # lower(), as the learner portfolio matches addresses (stored addresses are trimmed:
    # ``AwardInput.validate``), so that the index on it can answer
    key = func.lower(Award.learner_email)
    # any language version of the badge counts: it is the same badge
    versions = [v.id for v in language_versions(session, achievement)]
    school: ColumnElement[int] = Award.org_id.expression
    badge: ColumnElement[int] = Award.achievement_id.expression
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps no statistics here and would read every award of the badge (its
        # index) rather than look each address up: "+ 0" makes these two columns no
        # index's, SQLite's own way to steer it (a class's look-up at 8,000 awards of the
        # badge: 43 ms, 6 ms this way; measured)
        school, badge = Award.org_id + 0, Award.achievement_id + 0
    for among in one_of(session, key, wanted):
        rows = session.scalars(
            among(select(Award))
            .where(school == org.id, badge.in_(versions), Award.revoked_at.is_(None))
            .order_by(Award.issued_at, Award.id)
        )
        for award in rows:
            found.setdefault(normalised_email(award.learner_email), award)
    return found


MAX_REQUEST_KEY = 200  # the column's length


def _check_request_key(request_key: str | None) -> None:
    """Our forms send a short random key; a longer one was tampered with (and would not fit
    the column, an error in PostgreSQL)."""
    if request_key is not None and len(request_key) > MAX_REQUEST_KEY:
        raise InvalidInput(
            _(
                "The request key is longer than %(max_request_key)s characters; reload the form and try again.",
                max_request_key=MAX_REQUEST_KEY,
            )
        )


def award_badge(
    session: Session,
    *,
    org: Organisation,
    achievement: Achievement,
    data: AwardInput,
    sealer: Sealer,
    urls: PublicUrls,
    awarded_by: int | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
    allow_again: bool = True,
    actor: Actor | None = None,
) -> Award:
    """Award ``achievement`` to one learner; the same ``request_key`` never issues twice.

    With ``allow_again`` false, a learner who already holds the badge (not revoked) is not
    awarded it a second time: AlreadyAwarded says when they got it.

    Raises InvalidInput (per field), NotFound, AlreadyAwarded, or Conflict (a request key
    reused for another learner or badge). A new award writes its audit entry, by ``actor``;
    a repeated request key returns the first award and writes none.
    """
    _check_request_key(request_key)
    if request_key:
        existing = find_by_request_key(session, org, request_key)
        if existing is not None:
            return _same_request(existing, achievement, data)
    errors = data.validate(achievement)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    if not allow_again:
        earlier = earlier_awards(session, org, achievement, [data.learner_email]).get(
            normalised_email(data.learner_email)
        )
        if earlier is not None:
            raise AlreadyAwarded(
                _(
                    "%(learner_name)s was already awarded this badge on %(issued_at)s.",
                    learner_name=earlier.learner_name,
                    issued_at=format(earlier.issued_at, "%Y-%m-%d"),
                ),
                earlier=earlier.issued_at,
            )
    # the version in the learner's language, when the badge has one (else the one chosen)
    version, data = _in_language(
        session, org, achievement, language_versions(session, achievement), data
    )
    ctx = _context(session, org, version, sealer, urls)
    now = (now or now_utc()).replace(microsecond=0)
    for _attempt in range(5):
        index = bsl.allocate_index(_used_indexes(session, org))
        award = _signed_award(
            ctx, data, status_index=index, now=now, awarded_by=awarded_by, request_key=request_key
        )
        try:
            with session.begin_nested():
                session.add(award)
                session.flush()
        except IntegrityError:
            # A concurrent award took the index or the same request key committed first.
            if request_key:
                existing = find_by_request_key(session, org, request_key)
                if existing is not None:
                    return _same_request(existing, achievement, data)
            continue
        message = _message(session, award, org, urls, data.narrative, data.language)
        session.add(message)
        session.flush()
        note_new_messages(session, [message])
        record(
            session,
            org_id=org.id,
            actor=actor,
            action=AuditAction.AWARD_ISSUE,
            subject=f"award:{award.public_id}",
            summary=Summary(
                "award.issue", {"achievement": achievement.name, "learner": award.learner_name}
            ),
            details={"achievement": achievement.public_id, "award": award.public_id},
        )
        return award
    raise Conflict(_("The award could not be stored; please try again."))


def _in_language(
    session: Session,
    org: Organisation,
    achievement: Achievement,
    versions: Sequence[Achievement],
    data: AwardInput,
) -> tuple[Achievement, AwardInput]:
    """The language version of ``achievement`` (its ``versions``, from
    ``language_versions``) to award: the one in the language of the learner's message (the
    one the teacher chose for it, else the learner's own, else their school's:
    services/languages.py), else ``achievement``; with ``data``'s level named as that
    version names it. A badge in one language costs no query."""
    if len(versions) < 2:
        return achievement, data
    wanted = primary(data.language or message_language(session, org, data.learner_email))
    if primary(achievement.language) == wanted:
        return achievement, data
    version = next((v for v in versions if primary(v.language) == wanted), achievement)
    if version.id == achievement.id:
        return achievement, data
    return version, dataclasses.replace(data, level=level_in(achievement, version, data.level))


def _same_request(existing: Award, achievement: Achievement, data: AwardInput) -> Award:
    if group_id(existing.achievement) != group_id(achievement) or (
        existing.learner_email.strip().lower() != data.learner_email.strip().lower()
    ):
        raise Conflict(_("This request key was already used for a different award."))
    return existing


class ClassAwards(Sequence[Award]):
    """A stored class's awards, in the class's order, read from the database when first
    used (in one query): the class award page and its job need only how many there are,
    and reading thousands of signed credentials back costs a good part of signing them."""

    def __init__(self, session: Session, batch_id: int, count: int) -> None:
        self._session, self._batch_id, self._count = session, batch_id, count
        self._loaded: list[Award] | None = None

    def _awards(self) -> list[Award]:
        if self._loaded is None:
            self._loaded = _batch_awards(self._session, self._batch_id)
        return self._loaded

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Award: ...

    @overload
    def __getitem__(self, index: slice) -> list[Award]: ...

    def __getitem__(self, index: int | slice) -> Award | list[Award]:
        return self._awards()[index]

    def __iter__(self) -> Iterator[Award]:
        return iter(self._awards())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClassAwards | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by its awards, like a list

    def __repr__(self) -> str:
        return f"ClassAwards(batch {self._batch_id}, {self._count} awards)"


@dataclass(frozen=True)
class BulkResult:
    batch: AwardBatch | None
    awards: Sequence[Award]  # a stored class's: ClassAwards
    errors: dict[int, dict[str, str]]  # row number -> field errors
    dry_run: bool
    # row number -> the learner's earlier award of this badge (not revoked)
    earlier: dict[int, Award] = field(default_factory=dict)
    skipped: int = 0  # rows left out because the learner already had the badge


def award_many(
    session: Session,
    *,
    org: Organisation,
    achievement: Achievement,
    rows: Sequence[AwardInput],
    sealer: Sealer,
    urls: PublicUrls,
    awarded_by: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
    skip_earlier: bool = False,
    first_row: int = 1,
    actor: Actor | None = None,
    limit: int = MAX_BATCH,
) -> BulkResult:
    """Award a class: every row valid, then all signed and stored in one flush, or nothing.

    With ``dry_run`` (or any row invalid) nothing is signed or stored, and the per-row
    errors come back. A failure part-way raises, and the caller's rollback undoes all.
    Rows whose learner already holds the badge (not revoked) come back in ``earlier``; with
    ``skip_earlier`` they are not awarded again. ``first_row`` is the number the caller
    shows for the first row (2 for a CSV file under its header line): messages that name
    another row use it. Row numbers (keys) always count from 1. A stored class writes one
    audit entry, by ``actor``; the same ``request_key`` again returns the first and writes none.
    """
    _check_request_key(request_key)
    if not rows:
        raise InvalidInput(_("The list has no learners."))
    if len(rows) > limit:
        raise InvalidInput(_("At most %(max_batch)s learners at a time.", max_batch=limit))
    errors = {number: e for number, row in enumerate(rows, 1) if (e := row.validate(achievement))}
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        email = normalised_email(row.learner_email)
        if email in seen and number not in errors:
            errors[number] = {
                "learner_email": _("Same email as row %(row)s.", row=seen[email] + first_row - 1)
            }
        seen.setdefault(email, number)
    earlier_by_email = earlier_awards(
        session, org, achievement, [row.learner_email for row in rows]
    )
    earlier = {
        number: found
        for number, row in enumerate(rows, 1)
        if (found := earlier_by_email.get(normalised_email(row.learner_email))) is not None
    }
    if errors or dry_run:
        return BulkResult(None, [], errors, dry_run, earlier)
    if request_key:
        done = _earlier_batch(session, org, request_key)
        if done is not None:  # the same upload confirmed twice: the first result
            return done
    chosen = [row for number, row in enumerate(rows, 1) if not (skip_earlier and number in earlier)]
    skipped = len(rows) - len(chosen)
    if not chosen:
        raise InvalidInput(_("Every learner in the list already has this badge: nothing to award."))
    contexts: dict[int, IssueContext] = {}  # one per language version awarded
    versions = language_versions(session, achievement)
    now = (now or now_utc()).replace(microsecond=0)
    batch = AwardBatch(
        org_id=org.id,
        achievement_id=achievement.id,
        created_by=awarded_by,
        count=len(chosen),
        request_key=request_key,
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        # The same confirmation, running at the same time elsewhere, stored its batch first
        # (the unique request key made this insert wait for it): that one is the result.
        done = _earlier_batch(session, org, request_key) if request_key else None
        if done is None:
            raise
        return done
    used = _used_indexes(session, org)
    # Each step for the whole class before the next (the credentials built, then signed,
    # then written as rows): the signing runs with nothing else between two signatures,
    # as fast as the core library signs a list of credentials.
    drafts: list[_Draft] = []
    for row in chosen:
        index = bsl.allocate_index(used)
        used.add(index)
        version, signed_row = _in_language(session, org, achievement, versions, row)
        if version.id not in contexts:
            contexts[version.id] = _context(session, org, version, sealer, urls)
        drafts.append(_draft(contexts[version.id], signed_row, status_index=index, now=now))
    signing = [(draft.ctx, draft.data) for draft in drafts]  # each award's version and row
    # PostgreSQL works in a server of its own: the rows are stored while the rest of the
    # class is signed (_sign_and_store). SQLite works in this process, holding the
    # interpreter: it is given them once all are signed.
    if _copies(session):
        awards, stored = _sign_and_store(
            session, drafts, now=now, awarded_by=awarded_by, batch_id=batch.id, progress=progress
        )
    else:  # SQLite works in this process: signed, then stored
        signatures: list[SignedCredential] = []
        for number, draft in enumerate(drafts, 1):
            signatures.append(_sign(draft))
            if progress is not None:
                progress(number, len(drafts))
        awards = [
            _columns(
                draft, signed, now=now, awarded_by=awarded_by, request_key=None, batch_id=batch.id
            )
            for draft, signed in zip(drafts, signatures, strict=True)
        ]
        stored = False
    if stored:
        ids = _stored_ids(session, awards)
    else:  # (or a status index taken meanwhile, a deadlock: nothing stored) inserted here
        ids = _store_class(session, org, awards, signing, now=now, awarded_by=awarded_by)
    note_new_message_ids(session, _class_messages(session, awards, ids, signing, org, urls))
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.AWARD_BATCH,
        subject=f"batch:{batch.id}",
        summary=Summary("award.batch", {"achievement": achievement.name, "num": len(awards)}),
        details={
            "achievement": achievement.public_id,
            "count": len(awards),
            "skipped": skipped,
            "awards": [award["public_id"] for award in awards],
        },
    )
    return BulkResult(batch, ClassAwards(session, batch.id, len(ids)), {}, False, earlier, skipped)


# how PostgreSQL and SQLite name the unique (org_id, status_index) in their error
STATUS_INDEX_CONSTRAINT = ("uq_award_org_id_status_index", "award.org_id, award.status_index")
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
WRITE_CHUNK = 200  # awards signed, then sent to the server, at a time (_sign_and_store)


def _retry_store(exc: IntegrityError | OperationalError) -> bool:
    """An insert error ``_store_class`` deals with: a status index another award committed
    meanwhile, or a PostgreSQL deadlock with another class's insert."""
    if isinstance(exc, IntegrityError):
        return any(name in str(exc.orig) for name in STATUS_INDEX_CONSTRAINT)
    return getattr(exc.orig, "sqlstate", None) == DEADLOCK_DETECTED


def _sign_and_store(
    session: Session,
    drafts: Sequence[_Draft],
    *,
    now: datetime,
    awarded_by: int | None,
    batch_id: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[dict[str, Any]], bool]:
    """Sign a class's awards (``progress`` after each) a chunk at a time, each chunk's rows
    sent to PostgreSQL down one COPY (``_copy_in``) as soon as it is signed, all in one
    savepoint: the server stores them (about as much CPU as the signing, most of it the
    rows' indexes and their long text) beside the signing instead of after it. The rows'
    columns, in order, and whether they are stored: not when the insert failed in a way
    ``_store_class`` deals with (then the savepoint is rolled back: nothing of the class is
    stored). Any other error raises.

    No thread of our own: one that inserted each chunk while the next was signed cost the
    signing about a third more (measured: the interpreter handed from one thread to the
    other each time the server had read what it was sent)."""
    awards: list[dict[str, Any]] = []
    table = _table(Award)
    try:
        with session.begin_nested(), ExitStack() as stack:
            shape: _Shape | None = None
            write: Callable[[dict[str, list[Any]]], None] | None = None
            for start in range(0, len(drafts), WRITE_CHUNK):
                chunk = drafts[start : start + WRITE_CHUNK]
                signatures = []
                for number, draft in enumerate(chunk, start + 1):
                    signatures.append(_sign(draft))
                    if progress is not None:
                        progress(number, len(drafts))
                rows = [
                    _columns(
                        draft,
                        signed,
                        now=now,
                        awarded_by=awarded_by,
                        request_key=None,
                        batch_id=batch_id,
                    )
                    for draft, signed in zip(chunk, signatures, strict=True)
                ]
                awards.extend(rows)
                if shape is None or write is None:
                    shape = _Shape(
                        session.get_bind().dialect, table, rows[0], {"created_at": now_utc()}
                    )
                    write = stack.enter_context(_copy_in(session, table, shape.names))
                write(shape.columns(rows))
    except (IntegrityError, OperationalError) as exc:
        if not _retry_store(exc):
            raise
        return awards, False
    return awards, True


def _stored_ids(session: Session, awards: Sequence[dict[str, Any]]) -> list[int]:
    """The row ids of a class's awards (just inserted, all of one batch), in their order."""
    table = _table(Award)
    ids = {
        public: row_id
        for public, row_id in session.execute(
            select(table.c.public_id, table.c.id).where(table.c.batch_id == awards[0]["batch_id"])
        )
    }
    return [ids[award["public_id"]] for award in awards]


def _store_class(
    session: Session,
    org: Organisation,
    awards: list[dict[str, Any]],
    signing: Sequence[tuple[IssueContext, AwardInput]],
    *,
    now: datetime,
    awarded_by: int | None,
) -> list[int]:
    """Insert a class's signed awards (their rows' columns; ``signing``: each one's
    context, its language version's, and the row it was signed from) with one multi-row
    insert through SQLAlchemy Core, no ORM object each; returns their ids, in order. Their
    status indexes were drawn from those committed when the class began; another award of
    the school committed since (a teacher's, another class, another job's: a class of 2,000
    beside another almost surely shares one) may hold one of them. Then the insert fails on
    the unique index, and the awards whose index is taken now get a new one, are signed
    again (the index is in the credential) and inserted again, in place in ``awards`` (the
    rest keep theirs). Anything else raises.

    The rows go in in the class's order (their ids keep it: a repeated request returns them
    so). Two classes inserting at once can each wait for an index the other inserted: then
    PostgreSQL fails one insert as a deadlock, and it is tried again, waiting this time
    until the other has committed (then its taken indexes are replaced as above).
    """
    table = _table(Award)
    for _attempt in range(8):
        try:
            with session.begin_nested():
                # executemany without RETURNING: one short statement, sent once with every
                # row's values (with RETURNING, SQLAlchemy writes one statement of thousands
                # of parameters, which the PostgreSQL driver then parses)
                _insert_many(session, table, awards, {"created_at": now_utc()})
            return _stored_ids(session, awards)
        except IntegrityError as exc:
            if not _retry_store(exc):
                raise
        except OperationalError as exc:
            if not _retry_store(exc):
                raise
            continue  # nothing committed meanwhile: the same rows again, waiting this time
        used = _used_indexes(session, org)  # now with the one committed meanwhile
        mine = {award["status_index"] for award in awards}
        taken = used | mine
        for position, award in enumerate(awards):
            if award["status_index"] in used:
                index = bsl.allocate_index(taken)
                taken.add(index)
                awards[position] = _award_columns(
                    *signing[position],
                    status_index=index,
                    now=now,
                    awarded_by=awarded_by,
                    request_key=None,
                    batch_id=award["batch_id"],
                )
    raise Conflict(_("The award could not be stored; please try again."))


def _batch_awards(session: Session, batch_id: int) -> list[Award]:
    """A class's awards, in the class's order."""
    return list(session.scalars(select(Award).where(Award.batch_id == batch_id).order_by(Award.id)))


def _earlier_batch(session: Session, org: Organisation, request_key: str) -> BulkResult | None:
    existing = session.scalar(
        select(AwardBatch).where(AwardBatch.org_id == org.id, AwardBatch.request_key == request_key)
    )
    if existing is None:
        return None
    return BulkResult(existing, _batch_awards(session, existing.id), {}, False)


def get_award(session: Session, public_id_: str, *, org: Organisation | None = None) -> Award:
    """The award with this public id (of ``org`` when given: another organisation's award
    is "not found", like a missing one)."""
    query = select(Award).where(Award.public_id == public_id_)
    if org is not None:
        query = query.where(Award.org_id == org.id)
    award = session.scalar(query)
    if award is None:
        raise NotFound(_("No such badge."))
    return award


AWARD_STATUSES = ("active", "suspended", "revoked", "expired")


def award_status(award: Award, now: datetime | None = None) -> str:
    """One of AWARD_STATUSES: what a verifier would find about the badge now."""
    if award.revoked_at is not None:
        return "revoked"
    if award.suspended:
        return "suspended"
    if award.valid_until is not None and award.valid_until <= (now or now_utc()):
        return "expired"
    return "active"


@dataclass(frozen=True)
class AwardFilter:
    """Which of an organisation's awards to list (None: any)."""

    achievement: str | None = None  # an achievement's public id
    email: str | None = None  # the learner's address, in any case
    status: str | None = None  # one of AWARD_STATUSES
    issued_since: datetime | None = None  # inclusive
    issued_until: datetime | None = None  # exclusive


def _status_clauses(status: str, now: datetime) -> list[ColumnElement[bool]]:
    live = or_(Award.valid_until.is_(None), Award.valid_until > now)
    if status == "revoked":
        return [Award.revoked_at.is_not(None)]
    if status == "suspended":
        return [Award.revoked_at.is_(None), Award.suspended.is_(True)]
    if status == "expired":
        return [Award.revoked_at.is_(None), Award.suspended.is_(False), ~live]
    if status == "active":
        return [Award.revoked_at.is_(None), Award.suspended.is_(False), live]
    raise ValueError(f"not an award status: {status!r}")


def list_awards(
    session: Session, org: Organisation, where: AwardFilter, *, limit: int, before: int | None
) -> list[Award]:
    """Up to ``limit`` awards of ``org`` matching ``where``, newest first; with ``before``,
    only those of a smaller row id (the next page of a cursor)."""
    query = select(Award).where(Award.org_id == org.id)
    if where.achievement:
        query = query.where(
            Award.achievement_id.in_(
                select(Achievement.id).where(
                    Achievement.public_id == where.achievement, Achievement.org_id == org.id
                )
            )
        )
    if where.email:
        query = query.where(func.lower(Award.learner_email) == where.email.strip().lower())
    if where.status:
        query = query.where(*_status_clauses(where.status, now_utc()))
    if where.issued_since is not None:
        query = query.where(Award.issued_at >= where.issued_since)
    if where.issued_until is not None:
        query = query.where(Award.issued_at < where.issued_until)
    if before is not None:
        query = query.where(Award.id < before)
    return list(session.scalars(query.order_by(Award.id.desc()).limit(limit)))


EVIDENCE_TYPES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


def store_evidence_file(
    session: Session, *, org: Organisation, filename: str, data: bytes, urls: PublicUrls
) -> str:
    """Keep an uploaded evidence file (PDF, PNG or JPEG, at most 5 MB); return its public URL.

    The type is taken from the bytes, never from the name. Raises InvalidInput.
    """
    if not data:
        raise InvalidInput(
            _("The evidence file is empty."), fields={"evidence_file": _("The file is empty.")}
        )
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            _("The evidence file is larger than 5 MB."),
            fields={"evidence_file": _("At most 5 MB.")},
        )
    found = next((kind for magic, kind in EVIDENCE_TYPES.items() if data.startswith(magic)), None)
    if found is None:
        raise InvalidInput(
            _("Evidence files must be PDF, PNG or JPEG."),
            fields={"evidence_file": _("Upload a PDF, PNG or JPEG.")},
        )
    content_type, extension = found
    stem = (
        re.sub(r"[^A-Za-z0-9._-]+", "-", filename.rsplit(".", 1)[0])[:80].strip("-.") or "evidence"
    )
    row = EvidenceFile(
        org_id=org.id, filename=f"{stem}.{extension}", content_type=content_type, data=data
    )
    session.add(row)
    session.flush()
    return urls.evidence_file(row.public_id)
