"""Bringing badges in: a learner imports a badge another issuer gave them (issue 14).

A badge comes as a link, pasted JSON or a JWT, or a baked PNG or SVG: Open Badges 3.0
(VC Data Model 2.0 or 1.1, Data Integrity or VC-JWT) or Open Badges 2.0 (hosted or
signed). It is imported only when

1. the core verifier (``badges.verification.Verifier``, configured like the verifier
   app's, through the one guarded fetcher) finds it valid: a tampered, revoked, expired or
   unverifiable badge is refused with the report's own reason;
2. it was awarded to one of the learner's **confirmed** addresses
   (``badges.identity.recipient_address``); otherwise it is refused saying so;
3. it is not one of this platform's own badges (those are in the portfolio already) nor
   one the learner imported before (one row per badge, whatever carried it).

Then it is stored exactly as received (``ImportedBadge.received``: the bytes given, or the
link's answer) with who issued it. Nothing is stored for a refused badge. Its status is
checked again each time it is shown (``refresh_status``): the verifier keeps a status list
at most for the list's own time to live and ``IMPORT_STATUS_TTL``, so a revocation shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges import baking
from badges.errors import (
    BadgeError,
    FetchBlockedError,
    FetchError,
    FetchStatusError,
    FetchTooLargeError,
    FormatError,
)
from badges.fetch import Fetcher, FetchPolicy, Resolver
from badges.identity import recipient_address, recipient_description
from badges.proofs import looks_like_jwt
from badges.resolve import KeyResolver
from badges.timeutil import parse_datetime
from badges.verification import JSON_ACCEPT, CheckId, Outcome, Verdict, VerificationReport, Verifier
from badges.verification.messages import Message
from badges.verification.parsing import parse_source

from ..errors import InvalidInput, NotFound
from ..models import Award, ImportedBadge, Learner
from ..models.base import now_utc
from ..translate import N_, _, report_text
from ..urls import PublicUrls
from .card_fields import highest, levels_reached, signed_alignments
from .learners import confirmed_emails, learner_award
from .portfolio import CardKind, PortfolioCard
from .text import local_day

# what the import form names its fields (a refusal is tied to the field that was used)
FIELD_LINK, FIELD_TEXT, FIELD_FILE = "url", "text", "file"


class ImportRefused(InvalidInput):
    """Raised when a badge is not imported: not valid, not the learner's, or not readable."""

    code = "import_refused"


class AlreadyHeld(ImportRefused):
    """Raised when the badge is in the portfolio already: one of this platform's own
    awarded to the learner, or a badge they imported before (``href`` leads to it)."""

    code = "already_held"

    def __init__(self, description: str, *, href: str, field: str) -> None:
        super().__init__(description, fields={field: description})
        self.href = href


def _refused(message: str, field: str) -> ImportRefused:
    return ImportRefused(message, fields={field: message})


# -- the tools: a verifier and a fetcher configured like the verifier app's ---------------


@dataclass(frozen=True)
class ImportTools:
    """The guarded fetcher and the core verifier imports go through (one per app, so that
    keys, DID documents and status lists stay cached for their time to live)."""

    fetcher: Fetcher
    verifier: Verifier
    max_bytes: int


def import_tools(config: Mapping[str, Any], *, resolver: Resolver | None = None) -> ImportTools:
    """From the issuer's ``IMPORT_*`` settings (issuer/settings.py): the same policy as the
    verifier app's (no loopback or private address unless allowlisted, https only, one
    deadline, a size cap). ``resolver``: the fetcher's name resolver (tests resolve none).
    Raises FetchError for a malformed allowlist or URL map."""
    max_bytes = int(config["IMPORT_MAX_BYTES"])
    policy = FetchPolicy(
        allowed_hosts=frozenset(config["IMPORT_ALLOWED_HOSTS"]),
        url_map=tuple(config["IMPORT_URL_MAP"]),
        timeout=float(config["IMPORT_FETCH_TIMEOUT"]),
        max_bytes=max_bytes,
        resolver=resolver,
    )
    fetcher = Fetcher(policy)
    verifier = Verifier(
        fetcher=fetcher,
        key_resolver=KeyResolver(fetcher, ttl=float(config["IMPORT_DOCUMENT_TTL"])),
        status_ttl=float(config["IMPORT_STATUS_TTL"]),
        deadline=float(config["IMPORT_DEADLINE"]),
        max_fetches=int(config["IMPORT_FETCHES_PER_BADGE"]),
    )
    return ImportTools(fetcher=fetcher, verifier=verifier, max_bytes=max_bytes)


# -- what was given ----------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """One badge to import: ``kind`` "link" (``value`` the URL), "text" (JSON or a JWT) or
    "file" (a baked image's bytes)."""

    kind: str
    value: str | bytes
    given_in: str = ""  # the form field it was given in, when not its kind's own

    @property
    def field(self) -> str:
        return self.given_in or {"link": FIELD_LINK, "text": FIELD_TEXT}.get(self.kind, FIELD_FILE)


def given_from_form(link: str, text: str, file: bytes | None) -> Given:
    """What the import form was given: exactly one of a link, pasted text or a file."""
    link, text = (link or "").strip(), (text or "").strip()
    chosen = [kind for kind, value in (("link", link), ("text", text), ("file", file)) if value]
    if not chosen:
        message = _("Give the badge's link, paste its JSON or JWT, or choose its image.")
        raise ImportRefused(message, fields={FIELD_LINK: message})
    if len(chosen) > 1:
        message = _("Give one badge at a time: a link, pasted text or an image, not several.")
        raise ImportRefused(message, fields={FIELD_LINK: message})
    if chosen[0] == "link":
        if not link.startswith(("https://", "http://")):
            raise _refused(_("A badge link starts with https://."), FIELD_LINK)
        return Given("link", link)
    if chosen[0] == "text":
        if text.startswith(("https://", "http://")):
            return Given("link", text, FIELD_TEXT)
        return Given("text", text)
    assert file is not None
    return Given("file", file)


@dataclass(frozen=True)
class Received:
    data: bytes  # exactly as received
    media_type: str
    source_url: str | None


def _media_type(data: bytes) -> str:
    image = baking.sniff_image_type(data)
    if image is not None:
        return image.media_type
    return "application/json" if data.lstrip().startswith(b"{") else "application/jwt"


def receive(given: Given, tools: ImportTools) -> Received:
    """The badge's bytes: as given, or the link's answer (through the guarded fetcher,
    which refuses loopback and private addresses before connecting). Raises ImportRefused."""
    if given.kind == "link":
        assert isinstance(given.value, str)
        try:
            response = tools.fetcher.get(
                given.value, accept=JSON_ACCEPT, budget=tools.verifier.budget()
            )
        except FetchBlockedError as exc:
            raise _refused(
                _(
                    "That link is refused: it points at an address badges are not fetched from"
                    " (%(reason)s).",
                    reason=exc.description,
                ),
                given.field,
            ) from exc
        except FetchTooLargeError as exc:
            raise _refused(_("The link's answer is too large to be a badge."), given.field) from exc
        except FetchStatusError as exc:
            if exc.status == 410:  # how an Open Badges 2.0 issuer revokes a hosted badge
                raise _refused(
                    _(
                        "The link answers 410 Gone: its issuer has withdrawn (revoked) this"
                        " badge. Nothing was imported."
                    ),
                    given.field,
                ) from exc
            raise _refused(
                _(
                    "The badge could not be fetched from its link: %(reason)s",
                    reason=exc.description,
                ),
                given.field,
            ) from exc
        except FetchError as exc:
            raise _refused(
                _(
                    "The badge could not be fetched from its link: %(reason)s",
                    reason=exc.description,
                ),
                given.field,
            ) from exc
        return Received(response.body, _media_type(response.body), given.value)
    data = given.value.encode("utf-8") if isinstance(given.value, str) else given.value
    if len(data) > tools.max_bytes:
        raise _refused(
            _(
                "That is larger than %(limit)s MB: too large to be a badge.",
                limit=tools.max_bytes // (1024 * 1024),
            ),
            given.field,
        )
    if not data.strip():
        raise _refused(_("That is empty."), given.field)
    return Received(data, _media_type(data), None)


# -- reading what the verifier found ----------------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int) -> str | None:
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def _date(*values: Any) -> datetime | None:
    for value in values:
        try:
            return parse_datetime(value)
        except FormatError:
            continue
    return None


def _credential_id(credential: Mapping[str, Any]) -> str | None:
    value = credential.get("id")
    return value if isinstance(value, str) and value else None


def fingerprint(issuer_id: str, credential: Mapping[str, Any]) -> str:
    """One badge, whatever carried it: its issuer and id, else its content."""
    credential_id = _credential_id(credential)
    if credential_id is not None:
        key = f"id\n{issuer_id}\n{credential_id}"
    else:
        key = "content\n" + json.dumps(credential, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _ob2_document(verifier: Verifier, value: Any) -> dict[str, Any]:
    """An OB 2.0 badge class or profile: embedded, or as the verification just fetched it
    (the verifier keeps the documents it fetched for their time to live)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return _dict(verifier.documents.get(value))
    return {}


@dataclass(frozen=True)
class Reading:
    """What the pages need of a verified badge, read once at import."""

    format: str
    document: dict[str, Any]  # stored as credential_json
    name: str
    issuer_name: str
    awarded: datetime | None
    valid_until: datetime | None


def read_report(report: VerificationReport, verifier: Verifier) -> Reading:
    credential = report.credential or {}
    if report.format == "ob2":
        badge_class = _ob2_document(verifier, credential.get("badge"))
        profile = _ob2_document(verifier, badge_class.get("issuer"))
        return Reading(
            format="ob2",
            document={"assertion": credential, "badgeClass": badge_class, "issuer": profile},
            name=_text(badge_class.get("name"), 200) or "An Open Badges 2.0 badge",
            issuer_name=_text(profile.get("name"), 300) or "",
            awarded=_date(credential.get("issuedOn")),
            valid_until=_date(credential.get("expires")),
        )
    subject = credential.get("credentialSubject")
    subject = _dict(subject[0] if isinstance(subject, list) and subject else subject)
    achievement = _dict(subject.get("achievement"))
    issuer = _dict(credential.get("issuer"))
    return Reading(
        format="ob3",
        document=credential,
        name=_text(achievement.get("name"), 200) or _text(credential.get("name"), 200) or "Badge",
        issuer_name=_text(issuer.get("name"), 300) or "",
        awarded=_date(
            credential.get("awardedDate"),
            credential.get("validFrom"),
            credential.get("issuanceDate"),
        ),
        valid_until=_date(credential.get("validUntil"), credential.get("expirationDate")),
    )


def as_signed(row: ImportedBadge) -> dict[str, Any]:
    """The badge in the Open Badges 3.0 shape the map and timeline read (an OB 2.0 badge
    class's name, alignment and issuer mapped onto it): areas and levels come from it."""
    try:
        document = json.loads(row.credential_json)
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    if row.format != "ob2":
        return document
    badge_class = _dict(document.get("badgeClass"))
    alignment = badge_class.get("alignment")
    image = badge_class.get("image")
    return {
        "issuer": {"id": row.issuer_id, "name": row.issuer_name},
        "awardedDate": _dict(document.get("assertion")).get("issuedOn"),
        "credentialSubject": {
            "achievement": {
                "name": row.name,
                "description": badge_class.get("description"),
                "criteria": _dict(badge_class.get("criteria")),
                "image": image if isinstance(image, (str, dict)) else None,
                "alignment": alignment if isinstance(alignment, list) else [],
            }
        },
    }


def _why(report: VerificationReport) -> tuple[str, dict[str, Any] | None]:
    """What the first failed check says (and its detail: a revocation's reason): in
    English, and as report messages for ``status_text`` ({"reason": a message, "detail":
    messages, or a text as the verifier wrote it}); None when there is no code to keep."""
    failed = next((c for c in report.checks if c.outcome is Outcome.FAILED), None)
    if failed is None:
        return report.message, {"reason": report.text.to_dict()}
    english = f"{failed.message} {failed.detail}" if failed.detail else failed.message
    if failed.text is None:
        return english, None
    coded: dict[str, Any] = {"reason": failed.text.to_dict()}
    if failed.detail_text:
        coded["detail"] = [part.to_dict() for part in failed.detail_text]
        coded["separator"] = failed.detail_separator
    elif failed.detail:
        coded["detail"] = failed.detail
    return english, coded


def _shown(stored: Any) -> str | None:
    """A report message stored with ``Message.to_dict``, in the reader's language; None
    when it is none this version reads."""
    message = Message.from_dict(stored)
    return report_text(message) if message is not None else None


def format_label(row: ImportedBadge) -> str:
    """What the verifier said of the badge's format, in the reader's language (a badge
    imported before the codes were kept: its English)."""
    return _shown(row.format_text) or row.format_label


def status_reason(row: ImportedBadge) -> str | None:
    """Why the badge is no longer valid, in the reader's language (the English stored
    with it when no codes were kept); None while it is valid."""
    if row.status == "active" or not row.status_reason:
        return None
    coded = row.status_text if isinstance(row.status_text, dict) else {}
    reason = _shown(coded.get("reason"))
    if reason is None:
        return row.status_reason
    detail = coded.get("detail")
    if isinstance(detail, list):
        parts = [_shown(part) for part in detail]
        if any(part is None for part in parts):
            return row.status_reason
        separator = coded.get("separator")
        text = (separator if isinstance(separator, str) else "; ").join(
            part for part in parts if part
        )
        return f"{reason} {text}" if text else reason
    if isinstance(detail, str) and detail:
        return f"{reason} {detail}"
    return reason


def imported_label(issuer: str) -> str:
    """How an imported badge is marked wherever it is listed among the school's own."""
    return _("imported, issued by %(issuer)s", issuer=issuer)


def refusal(report: VerificationReport) -> str:
    """The report's plain reason why the badge is not imported, in the reader's language
    (the check's technical detail, when it has one, as the verifier wrote it)."""
    answer = report_text(report.text)
    if report.verdict is Verdict.UNDECIDED:
        open_check = next((c for c in report.checks if c.undecided), None)
        if open_check is None:
            return _("%(answer)s Nothing was imported; try again later.", answer=answer)
        return _(
            "%(answer)s %(why)s Nothing was imported; try again later.",
            answer=answer,
            why=report_text(open_check.text) if open_check.text else open_check.message,
        )
    failed = next((c for c in report.checks if c.outcome is Outcome.FAILED), None)
    if failed is None or not failed.detail:
        return _("%(answer)s Nothing was imported.", answer=answer)
    return _(
        "%(answer)s (%(detail)s). Nothing was imported.",
        answer=answer.rstrip("."),
        detail=failed.detail,
    )


# -- one of this platform's own ----------------------------------------------------------------


def _own_public_id(urls: PublicUrls, value: Any) -> str | None:
    prefix = urls.credential("")
    if isinstance(value, str) and value.startswith(prefix):
        rest = value[len(prefix) :].split("?")[0].split("#")[0].strip("/")
        return rest if rest and "/" not in rest else None
    return None


def _peek(received: Received) -> dict[str, Any] | None:
    """The credential the bytes carry, read without fetching or verifying anything."""
    try:
        parsed = parse_source(received.data, None)
    except BadgeError:
        return None
    return parsed.credential


def _check_not_own(
    session: Session, learner: Learner, urls: PublicUrls, given: Given, received: Received | None
) -> None:
    """One of this platform's badges is in the portfolio already (when it is the learner's):
    it is not copied. Raises AlreadyHeld, or ImportRefused for another learner's."""
    public_id = _own_public_id(urls, given.value if given.kind == "link" else None)
    if public_id is None and received is not None:
        public_id = _own_public_id(urls, _credential_id(_peek(received) or {}))
    if public_id is None:
        return
    award = learner_award(session, learner, public_id)
    if award is not None:
        raise AlreadyHeld(
            _("This badge was awarded on this platform and is already in your portfolio."),
            href=f"/portfolio/badges/{award.public_id}",
            field=given.field,
        )
    if session.scalar(select(Award.id).where(Award.public_id == public_id)) is not None:
        raise _refused(
            _(
                "This badge was awarded on this platform to an address that is not one of your"
                " confirmed addresses: add and confirm that address, and it joins your portfolio"
                " by itself. Nothing was imported."
            ),
            given.field,
        )


# -- importing ---------------------------------------------------------------------------------


def _status_of(report: VerificationReport, now: datetime, valid_until: datetime | None) -> str:
    if report.verdict is Verdict.VALID:
        return "active"
    if report.revoked:
        return "revoked"
    dates = next((c for c in report.checks if c.name == CheckId.DATES), None)
    if dates is not None and dates.outcome is Outcome.FAILED and valid_until and valid_until <= now:
        return "expired"
    return "invalid"


def import_badge(
    session: Session,
    learner: Learner,
    given: Given,
    *,
    tools: ImportTools,
    urls: PublicUrls,
    now: datetime | None = None,
) -> ImportedBadge:
    """Verify ``given`` and, when it is a valid badge awarded to one of the learner's
    confirmed addresses and not in the portfolio already, store it exactly as received.

    Raises ImportRefused (its ``fields`` name the form field) with the plain reason;
    AlreadyHeld (an ImportRefused) for a badge in the portfolio already. Flushes.
    """
    now = now or now_utc()
    _check_not_own(session, learner, urls, given, None)
    received = receive(given, tools)
    _check_not_own(session, learner, urls, given, received)
    source: str | bytes = received.data
    if received.media_type in ("application/json", "application/jwt"):
        try:
            source = received.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _refused(
                _("That is not a badge: it is neither text nor an image."), given.field
            ) from exc
    report = tools.verifier.verify(source, now=now)
    if report.verdict is not Verdict.VALID or report.credential is None:
        raise _refused(refusal(report), given.field)
    credential = report.credential
    if report.verified_issuer is None:  # a valid report always proves its signer
        raise _refused(
            _("Who issued this badge could not be verified. Nothing was imported."), given.field
        )
    addresses = confirmed_emails(session, learner)
    if recipient_address(credential, addresses) is None:
        raise _refused(
            _(
                "This badge was not awarded to you: its recipient (%(recipient)s) is none of"
                " your confirmed addresses. Add and confirm the address it was awarded to, then"
                " import it again. Nothing was imported.",
                recipient=recipient_description(credential),
            ),
            given.field,
        )
    reading = read_report(report, tools.verifier)
    print_ = fingerprint(report.verified_issuer, credential)
    format_check = report.check(CheckId.FORMAT)
    earlier = session.scalar(
        select(ImportedBadge).where(
            ImportedBadge.learner_id == learner.id, ImportedBadge.fingerprint == print_
        )
    )
    if earlier is not None:
        raise AlreadyHeld(
            _(
                "You imported this badge already, on %(date)s: it is in your portfolio once.",
                date=local_day(earlier.created_at),
            ),
            href=imported_href(earlier.public_id),
            field=given.field,
        )
    row = ImportedBadge(
        learner_id=learner.id,
        fingerprint=print_,
        received=received.data,
        received_type=received.media_type,
        source_url=received.source_url,
        format=reading.format,
        format_label=format_check.message[:300],
        format_text=format_check.text.to_dict() if format_check.text is not None else None,
        credential_id=(_credential_id(credential) or "")[:2000] or None,
        credential_json=json.dumps(reading.document, ensure_ascii=False),
        name=reading.name,
        issuer_id=report.verified_issuer[:2000],
        issuer_name=reading.issuer_name,
        awarded_at=reading.awarded or now,
        valid_until=reading.valid_until,
        status="active",
        status_checked_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():  # the same badge imported twice at once: one row
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise _refused(
            _("You imported this badge already: it is in your portfolio once."), given.field
        ) from exc
    return row


# -- the learner's imported badges -------------------------------------------------------------


def imported_badges(
    session: Session, learner: Learner, only: Sequence[int] | None = None
) -> list[ImportedBadge]:
    """The learner's imported badges (or those of ``only``, ids), newest award first."""
    query = select(ImportedBadge).where(ImportedBadge.learner_id == learner.id)
    if only is not None:
        query = query.where(ImportedBadge.id.in_(list(only)))
    return list(
        session.scalars(query.order_by(ImportedBadge.awarded_at.desc(), ImportedBadge.id.desc()))
    )


def imported_badge(session: Session, learner: Learner, public_id: str) -> ImportedBadge:
    """One of the learner's imported badges; NotFound for anyone else's (exactly as for
    one that does not exist)."""
    row = session.scalar(
        select(ImportedBadge).where(
            ImportedBadge.public_id == public_id, ImportedBadge.learner_id == learner.id
        )
    )
    if row is None:
        raise NotFound(_("No such badge in your portfolio."))
    return row


def remove_imported(session: Session, learner: Learner, public_id: str) -> str:
    """Remove one of the learner's imported badges (its name, for the message). Flushes."""
    row = imported_badge(session, learner, public_id)
    name = row.name
    session.execute(delete(ImportedBadge).where(ImportedBadge.id == row.id))
    session.flush()
    return name


def refresh_status(
    session: Session,
    rows: Sequence[ImportedBadge],
    tools: ImportTools,
    now: datetime | None = None,
) -> None:
    """Check each badge again (its status above all) as it is shown. The verifier keeps a
    status list at most for the list's own time to live and ``IMPORT_STATUS_TTL``, so a
    later revocation shows; a check that cannot be decided now keeps the last answer."""
    now = now or now_utc()
    for row in rows:
        source: str | bytes = row.received
        if row.received_type in ("application/json", "application/jwt"):
            try:
                source = row.received.decode("utf-8-sig")
            except UnicodeDecodeError:
                pass
        report = tools.verifier.verify(source, now=now)
        if report.verdict is Verdict.UNDECIDED:
            continue
        status = _status_of(report, now, row.valid_until)
        reason, coded = (None, None) if status == "active" else _why(report)
        if status != row.status or reason != row.status_reason or coded != row.status_text:
            row.status, row.status_reason = status, reason[:500] if reason else None
            row.status_text = coded
        row.status_checked_at = now
    session.flush()


# -- as received, and as issued -------------------------------------------------------------------

RECEIVED_FILES = {
    "application/json": ("json", N_("As received (JSON)")),
    "application/jwt": ("jwt", N_("As received (JWT)")),
    "image/png": ("png", N_("As received: picture with the badge baked in (PNG)")),
    "image/svg+xml": ("svg", N_("As received: picture with the badge baked in (SVG)")),
}


def received_file(row: ImportedBadge) -> tuple[str, str]:
    """The file name extension and a label for the badge as received, in the language
    being written (``received_type`` is one of ``_media_type``'s answers)."""
    extension, label = RECEIVED_FILES.get(row.received_type, ("bin", N_("As received")))
    return extension, _(label)


def signed_form(row: ImportedBadge) -> dict[str, Any] | str | None:
    """An imported Open Badges 3.0 badge exactly as its issuer signed it, with its own
    proof: the JSON object (embedded proof) or the compact VC-JWT, read from the bytes as
    received (a baked image's payload). None for an Open Badges 2.0 badge (an assertion is
    not a verifiable credential) or when the received bytes carry no signed form (a baked
    link: then the credential the link gave, if it has its proof)."""
    if row.format != "ob3":
        return None
    data = row.received
    text: str | None
    if baking.sniff_image_type(data) is not None:
        try:
            baked = baking.unbake(data)
        except BadgeError:
            baked = None
        text = baked.payload if baked is not None else None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
    text = (text or "").strip()
    if looks_like_jwt(text):
        return text
    for candidate in (text, row.credential_json):
        if candidate.startswith("{"):
            try:
                document = json.loads(candidate)
            except ValueError:
                continue
            if isinstance(document, dict) and "proof" in document:
                return document
    return None


# -- as portfolio cards --------------------------------------------------------------------------


def imported_href(public_id: str) -> str:
    """The portfolio's page of an imported badge."""
    return f"/portfolio/imported/{public_id}"


def card_of(row: ImportedBadge) -> PortfolioCard:
    """An imported badge as a portfolio card, like the school's own: its name, level and
    framework areas read from the credential as received, marked with its issuer."""
    signed = as_signed(row)
    return PortfolioCard(
        kind=CardKind.IMPORTED,
        public_id=row.public_id,
        href=imported_href(row.public_id),
        name=row.name,
        school=imported_label(row.issuer_name or row.issuer_id),
        image=None,  # never hot-linked from another issuer (the pages allow no other origin)
        image_alt="",
        awarded=row.awarded_at,
        level=highest(levels_reached(signed)),
        alignments=tuple(signed_alignments(signed)),
        status=row.status,
    )


def imported_cards(
    session: Session,
    learner: Learner,
    *,
    tools: ImportTools,
    only: Sequence[int] | None = None,
    now: datetime | None = None,
) -> list[PortfolioCard]:
    """The learner's imported badges (or those of ``only``) as cards, newest first, each
    checked again now (``refresh_status``)."""
    rows = imported_badges(session, learner, only)
    refresh_status(session, rows, tools, now)
    return [card_of(row) for row in rows]
