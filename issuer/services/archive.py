"""A learner's whole portfolio as one zip to keep: every badge, the signed CLR, an index.

In the zip (``build_archive``):

- ``badges/<date>-<name>.<id>/``: each badge as its signed JSON (``badge.json``, exactly as
  issued), its VC-JWT (``badge.jwt``) where it has one, and its picture with the badge
  baked in (``badge.png``, ``badge.svg``: the same baking as the public badge page's
  downloads). A revoked badge has no pictures (the public page offers none either); its
  JSON and JWT stay, and a verifier reports it revoked.
- ``imported/<date>-<name>.<id>/badge.<json|jwt|png|svg>``: each badge the learner
  imported from another issuer, exactly as it was received (its JSON, its JWT, or the
  baked picture it came in), listed as "imported, issued by ...".
- ``evidence/<id>-<file>``: the files the learner added as their own evidence.
- ``clr/portfolio.json`` and ``clr/portfolio.jwt``: every badge in one 1EdTech CLR 2.0
  ``ClrCredential`` signed by the platform (``services.clr.export_clr``), the imported
  Open Badges 3.0 badges as their issuers signed them; an imported badge the record
  cannot hold as signed (Open Badges 2.0, VC Data Model 1.1: ``clr.imported_entry``) is
  in the zip but not in the record, and the index says why.
- ``index.html``: a page that lists all of it and works offline: no script, no external
  style sheet, image or font; every link relative, into the zip.

The badges awarded here are read as the portfolio reads them (``portfolio_cards``: one
statement), then their ``Award`` rows by id with their achievements (two more): a
portfolio of 500 costs the same few statements as one of 5.

The zip is written into the file object given (the archive job, services/jobs.py, gives a
spooled temporary file),
entry by entry, so the whole archive is never held as one ``bytes``; pictures are stored
as they are (PNG is compressed already), text is deflated.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Award, ImportedBadge, Learner, LearnerEvidence, StoredImage
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .clr import clr_entries_of, export_clr
from .images import baked_badge, baked_payload
from .imports import card_of, imported_badges, received_file
from .keys import Sealer
from .learners import confirmed_emails
from .portfolio import CardKind, PortfolioCard, mine, portfolio_cards
from .shares import download_name

CLR_JSON = "clr/portfolio.json"
CLR_JWT = "clr/portfolio.jwt"
INDEX = "index.html"


@dataclass(frozen=True)
class ArchiveFile:
    """One file of the archive, as the index lists it."""

    path: str  # inside the zip, relative to index.html
    label: str  # "Signed JSON", "Picture (PNG)"...
    size: int


@dataclass
class ArchivedBadge:
    card: PortfolioCard
    folder: str
    files: list[ArchiveFile] = field(default_factory=list)
    evidence: list[ArchiveFile] = field(default_factory=list)
    not_in_clr: str | None = None  # an imported badge the CLR cannot hold: why not

    @property
    def imported(self) -> bool:
        return self.card.kind == CardKind.IMPORTED

    def file(self, path_end: str) -> ArchiveFile | None:
        return next((f for f in self.files if f.path.endswith(path_end)), None)


@dataclass
class ArchiveIndex:
    """What index.html shows (rendered by the caller's template)."""

    learner_name: str
    made_at: datetime
    base_url: str
    badges: list[ArchivedBadge] = field(default_factory=list)
    clr: list[ArchiveFile] = field(default_factory=list)

    @property
    def left_out_of_clr(self) -> list[ArchivedBadge]:
        return [badge for badge in self.badges if badge.not_in_clr]


def _slug(text: str, limit: int = 40) -> str:
    """An ASCII file-name part: letters and digits, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text.lower())
    return "-".join(words)[:limit].strip("-") or "badge"


class _Zip:
    """The zip being written, with a record of each file's size."""

    def __init__(self, out: IO[bytes], when: datetime) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.date_time = when.timetuple()[:6]

    def add(self, path: str, label: str, data: bytes, *, compress: bool = True) -> ArchiveFile:
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, data)
        return ArchiveFile(path=path, label=label, size=len(data))

    def close(self) -> None:
        self.zip.close()


def build_archive(
    session: Session,
    learner: Learner,
    out: IO[bytes],
    *,
    sealer: Sealer,
    urls: PublicUrls,
    render_index: Callable[[ArchiveIndex], str],
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ArchiveIndex:
    """Write ``learner``'s archive as a zip into ``out`` and return what its index lists.

    ``render_index`` makes index.html from the ``ArchiveIndex`` (a template: the core of
    the page is the caller's). Signing the CLR makes the platform issuer on first use
    (flushed, not committed). A portfolio without badges gives an archive with the index
    alone. ``progress(done, total)`` is told after each badge."""
    now = now or now_utc()
    cards = portfolio_cards(session, learner, now)
    awards = _awards_of(session, cards)
    imported = imported_badges(session, learner)
    index = ArchiveIndex(learner_name=learner.name, made_at=now, base_url=urls.base)
    images = _achievement_images(session, awards.values())
    evidence = _own_evidence(session, learner)
    _entries, _emails, left_out = clr_entries_of(imported)
    archive = _Zip(out, now)
    total = len(cards) + len(imported)
    try:
        for card in cards:
            assert card.award_id is not None  # portfolio_cards: the awards here
            award = awards[card.award_id]
            index.badges.append(
                _add_badge(archive, card, award, images, evidence.get(award.id, []))
            )
            if progress is not None:
                progress(len(index.badges), total)
        for row in imported:
            index.badges.append(_add_imported(archive, row, not_in_clr=left_out.get(row.id)))
            if progress is not None:
                progress(len(index.badges), total)
        if cards or len(imported) > len(left_out):
            clr_json, clr_jwt = export_clr(
                session,
                [awards[card.award_id] for card in cards if card.award_id is not None],
                sealer=sealer,
                urls=urls,
                imported=imported,
                addresses=confirmed_emails(session, learner),
                now=now,
            )
            index.clr.append(
                archive.add(CLR_JSON, _("Signed CLR 2.0 (JSON)"), clr_json.encode("utf-8"))
            )
            if clr_jwt is not None:
                index.clr.append(
                    archive.add(CLR_JWT, _("Signed CLR 2.0 (VC-JWT)"), clr_jwt.encode("ascii"))
                )
        archive.add(INDEX, _("This page"), render_index(index).encode("utf-8"))
    finally:
        archive.close()
    return index


def archive_size(session: Session, learner: Learner) -> int:
    """How many badges the learner's archive holds: those awarded here and those imported
    (counted, not read)."""
    awarded = session.scalar(select(func.count()).select_from(Award).where(mine(learner)))
    brought = session.scalar(
        select(func.count())
        .select_from(ImportedBadge)
        .where(ImportedBadge.learner_id == learner.id)
    )
    return int(awarded or 0) + int(brought or 0)


def _awards_of(session: Session, cards: list[PortfolioCard]) -> dict[int, Award]:
    """The cards' Award rows by id, each with its achievement: two statements (the rows,
    then their few achievements, each read once)."""
    ids = [card.award_id for card in cards if card.award_id is not None]
    if not ids:
        return {}
    rows = session.scalars(
        select(Award).options(selectinload(Award.achievement)).where(Award.id.in_(ids))
    )
    return {row.id: row for row in rows}


def _add_badge(
    archive: _Zip,
    card: PortfolioCard,
    award: Award,
    images: dict[str, StoredImage],
    evidence: list[LearnerEvidence],
) -> ArchivedBadge:
    folder = f"badges/{card.awarded:%Y-%m-%d}-{_slug(card.name)}.{award.public_id}"
    badge = ArchivedBadge(card=card, folder=folder)
    badge.files.append(
        archive.add(f"{folder}/badge.json", _("Signed JSON"), award.credential_json.encode("utf-8"))
    )
    if award.credential_jwt:
        badge.files.append(
            archive.add(f"{folder}/badge.jwt", "VC-JWT", award.credential_jwt.encode("ascii"))
        )
    if award.revoked_at is None:  # as on the public page: no new picture of a revoked badge
        stored = images.get(award.achievement.image_sha256 or "")
        payload = baked_payload(award)
        png = baked_badge(award, stored, "png", payload=payload)
        badge.files.append(
            archive.add(f"{folder}/badge.png", _("Picture (PNG)"), png, compress=False)
        )
        svg = baked_badge(award, stored, "svg", payload=payload)
        badge.files.append(archive.add(f"{folder}/badge.svg", _("Picture (SVG)"), svg))
    for row in evidence:
        if row.data is None:
            continue
        name = download_name(row.filename)
        badge.evidence.append(
            archive.add(
                f"evidence/{row.public_id}-{name}",
                row.title,
                row.data,
                compress=not (row.content_type or "").startswith("image/"),
            )
        )
    return badge


def _add_imported(archive: _Zip, row: ImportedBadge, *, not_in_clr: str | None) -> ArchivedBadge:
    """An imported badge: the one file it came as, byte for byte."""
    card = card_of(row)
    folder = f"imported/{card.awarded:%Y-%m-%d}-{_slug(card.name)}.{row.public_id}"
    badge = ArchivedBadge(card=card, folder=folder, not_in_clr=not_in_clr)
    extension, label = received_file(row)
    badge.files.append(
        archive.add(
            f"{folder}/badge.{extension}",
            label,
            row.received,
            compress=row.received_type != "image/png",  # PNG is compressed already
        )
    )
    return badge


def _achievement_images(session: Session, awards: Iterable[Award]) -> dict[str, StoredImage]:
    """The achievements' stored images, each read once (one statement)."""
    wanted = {award.achievement.image_sha256 for award in awards} - {None}
    if not wanted:
        return {}
    rows = session.scalars(select(StoredImage).where(StoredImage.sha256.in_(wanted)))
    return {row.sha256: row for row in rows}


def _own_evidence(session: Session, learner: Learner) -> dict[int, list[LearnerEvidence]]:
    rows = session.scalars(
        select(LearnerEvidence)
        .where(LearnerEvidence.learner_id == learner.id)
        .order_by(LearnerEvidence.id)
    )
    by_award: dict[int, list[LearnerEvidence]] = {}
    for row in rows:
        by_award.setdefault(row.award_id, []).append(row)
    return by_award
