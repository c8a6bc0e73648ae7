"""A learner's competence map and timeline: from their badges to pictures and tables.

Everything here but ``area_catalogue`` and ``learner_badges`` is pure: a list of badges in,
a view model out, with every coordinate the SVG needs already worked out, so the Jinja
macros (templates/issuer/portfolio/_charts.html: ``competence_map(map)`` and
``timeline(tl)``) only write elements. The portfolio pages and the share page draw the same
view models. All text reaches the page through Jinja's autoescaping.

What counts, decided once for the map, the timeline and their tables:

* **What was awarded is what the credential says.** A badge's areas, name, school, rubric
  and level are read from its signed credential (``credentialSubject.achievement``), not
  from today's achievement: a teacher who later re-aligns or renames an achievement does
  not change what a learner was awarded. Framework areas are the credential's
  ``alignment`` entries that name a framework (``targetFramework``; links to external
  frameworks without one are not areas). They are matched by framework, code and name to
  the framework items the achievements are aligned to now, which gives them their order
  and a stable key; an area the credential names that no longer matches (an item renamed
  since) stays a group of its own under the name that was signed. Only when a credential
  cannot be read does the achievement row's ``alignment_ids`` decide.
* **Badges without a framework area** go to the group "Other".
* **Levels**: a badge's level is its ``credentialSubject.result[].achievedLevel`` found
  among the rubric levels of the signed ``resultDescription``; the rubric's order is the
  levels' order (first = lowest). Rubrics differ in length, so levels of different badges
  are compared by their place in their own rubric (3 of 4 is above 2 of 3); ties go to the
  later badge. A badge without a rubric result counts as earned, with no level.
* **Status**: a revoked or suspended badge is shown, marked, but counts toward no level
  and no "highest level"; an expired badge counts: it was achieved then, and a level
  reached stays reached. A badge replaced by a re-issue (a new signature after a key
  compromise) is the same award: only the copy is shown.
* **When**: the date the badge was awarded (the credential's ``awardedDate``, which a
  re-issue keeps; else the award's issue time), read in UTC, in the school year and term
  of the network view (``issuer.services.network.term_of``): a year runs from 1 September
  to 31 August, terms autumn (Sep-Jan), spring (Feb-Jun), summer (Jul-Aug).
* **Growth** of an area: for each term of the learner's (the terms in which they earned
  any badge), the highest level reached in that area so far; a step is a term in which it
  went up.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Achievement, Award, Framework, FrameworkItem, Learner
from ..seed import shared_text
from ..translate import N_, _, ngettext
from .card_fields import Alignment, signed_alignments
from .card_fields import LevelReached as LevelReached  # re-exported: the levels' old home
from .card_fields import highest as highest
from .card_fields import levels_reached as levels_reached
from .network import Term, school_year_label, term_of
from .portfolio import PortfolioCard, current_cards, portfolio_cards, status_of

OTHER_KEY = "other"
OTHER_NAME = N_("Other")
OTHER_AREA = N_("Badges not aligned to a framework")

# -- badges -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class AreaRef:
    """A framework area a badge is aligned to. ``order`` sorts frameworks, then areas."""

    order: tuple[int, int, str]
    key: str  # "item-<FrameworkItem id>", "signed-<hash>" or "other": an HTML id part
    framework: str
    code: str
    name: str

    @property
    def label(self) -> str:
        if self.key == OTHER_KEY:  # ours, in the reader's language
            return _(self.name)
        name = shared_text(self.name)  # a shared framework's, in the reader's language too
        return f"{self.code} {name}" if self.code and self.code != self.name else name

    @property
    def framework_name(self) -> str:
        return _(self.framework) if self.key == OTHER_KEY else shared_text(self.framework)


OTHER = AreaRef(
    order=(1 << 62, 0, ""), key=OTHER_KEY, framework=OTHER_NAME, code="", name=OTHER_AREA
)

STATUS_LABELS = {
    "active": N_("Active"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked"),
    "suspended": N_("Suspended"),
    "invalid": N_("No longer valid"),  # an imported badge that no longer verifies
}


@dataclass(frozen=True)
class Badge:
    """One badge of a learner's, as the map and timeline need it (read from its credential)."""

    public_id: str
    name: str
    school: str
    awarded: datetime
    level: LevelReached | None
    areas: tuple[AreaRef, ...]
    status: str  # active | expired | revoked | suspended
    href: str  # where the badge is shown (the portfolio's page of it, or a share's)

    @property
    def term(self) -> Term:
        return term_of(self.awarded)

    @property
    def counts(self) -> bool:
        """Whether it counts toward levels reached: revoked and suspended badges do not."""
        return self.status in ("active", "expired")

    @property
    def status_label(self) -> str:
        return _(STATUS_LABELS[self.status]) if self.status in STATUS_LABELS else self.status


@dataclass(frozen=True)
class Catalogue:
    """Framework items the learner's achievements are aligned to, by id and by what a
    credential signs of them (framework name, code, name)."""

    by_id: Mapping[int, AreaRef] = field(default_factory=dict)
    by_signed: Mapping[tuple[str, str, str], AreaRef] = field(default_factory=dict)
    # each achievement's item ids (for a badge whose credential could not be read)
    alignment_ids: Mapping[int, tuple[int, ...]] = field(default_factory=dict)


def catalogue_of(items: Iterable[tuple[int, int, str, str | None, str]]) -> Catalogue:
    """From (item id, framework id, framework name, code, item name) rows."""
    by_id: dict[int, AreaRef] = {}
    by_signed: dict[tuple[str, str, str], AreaRef] = {}
    for item_id, framework_id, framework, code, name in items:
        ref = AreaRef(
            order=(framework_id, item_id, ""),
            key=f"item-{item_id}",
            framework=framework,
            code=code or "",
            name=name,
        )
        by_id[item_id] = ref
        by_signed.setdefault((framework, code or "", name), ref)
    return Catalogue(by_id=by_id, by_signed=by_signed)


def area_of(alignment: Alignment, catalogue: Catalogue) -> AreaRef:
    """A signed framework area: the catalogue's item it names, else a group of its own
    under the name that was signed (see the module notes)."""
    ref = catalogue.by_signed.get(alignment)
    if ref is not None:
        return ref
    framework, code, name = alignment
    digest = hashlib.sha256(f"{framework}\n{code}\n{name}".encode()).hexdigest()[:12]
    return AreaRef(
        order=(1 << 61, 0, f"{framework}\n{name}"),
        key=f"signed-{digest}",
        framework=framework,
        code=code,
        name=name,
    )


def signed_areas(credential: Mapping[str, Any], catalogue: Catalogue) -> list[AreaRef]:
    """The framework areas a credential's achievement is aligned to (see the module notes)."""
    return areas_of(signed_alignments(credential), catalogue)


def areas_of(alignments: Iterable[Alignment], catalogue: Catalogue) -> list[AreaRef]:
    areas: list[AreaRef] = []
    for alignment in alignments:
        ref = area_of(alignment, catalogue)
        if ref not in areas:
            areas.append(ref)
    return areas


def badge_status(award: Award, now: datetime) -> str:
    return status_of(award.revoked_at, award.suspended, award.valid_until, now)


def badge_of(
    card: PortfolioCard, catalogue: Catalogue, *, href: Callable[[PortfolioCard], str]
) -> Badge:
    """One card as a Badge: its signed areas, or (when its credential could not be read)
    the areas its achievement here is aligned to."""
    if card.alignments is not None:
        areas = areas_of(card.alignments, catalogue)
    else:
        ids = catalogue.alignment_ids.get(card.achievement_id or 0, ())
        areas = [catalogue.by_id[i] for i in ids if i in catalogue.by_id]
    return Badge(
        public_id=card.public_id,
        name=card.name,
        school=card.school,
        awarded=card.awarded,
        level=card.level,
        areas=tuple(areas),
        status=card.status,
        href=href(card),
    )


def area_catalogue(session: Session, cards: Sequence[PortfolioCard]) -> Catalogue:
    """The framework items the cards' achievements here are aligned to now: two small
    statements (the achievements' alignments, then their items), however many cards."""
    achievement_ids = sorted({c.achievement_id for c in cards if c.achievement_id is not None})
    if not achievement_ids:
        return Catalogue()
    aligned = {
        achievement_id: tuple(ids or ())
        for achievement_id, ids in session.execute(
            select(Achievement.id, Achievement.alignment_ids).where(
                Achievement.id.in_(achievement_ids)
            )
        )
    }
    ids = sorted({i for found in aligned.values() for i in found})
    if not ids:
        return Catalogue(alignment_ids=aligned)
    rows = session.execute(
        select(
            FrameworkItem.id,
            FrameworkItem.framework_id,
            Framework.name,
            FrameworkItem.code,
            FrameworkItem.name,
        )
        .join(Framework, Framework.id == FrameworkItem.framework_id)
        .where(FrameworkItem.id.in_(ids))
    )
    found = catalogue_of((i, f, fn, code, name) for i, f, fn, code, name in rows)
    return Catalogue(by_id=found.by_id, by_signed=found.by_signed, alignment_ids=aligned)


def card_href(card: PortfolioCard) -> str:
    return card.href


def learner_badges(
    session: Session,
    learner: Learner,
    *,
    now: datetime | None = None,
    href: Callable[[PortfolioCard], str] = card_href,
    only: Collection[int] | None = None,
    extra: Sequence[PortfolioCard] = (),
) -> list[Badge]:
    """Every badge of the learner's (or, given ``only``, those of these award ids: a shared
    collection), newest first, in a bounded number of statements (three, however many
    badges: the cards, their achievements' alignments, the framework items). ``href`` says
    where each badge links to (a share page has its own); ``extra``: more cards (e.g.
    imported badges) drawn with them."""
    cards = current_cards(portfolio_cards(session, learner, now, areas=True))
    if only is not None:
        wanted = set(only)
        cards = [card for card in cards if card.award_id in wanted]
    if extra:
        cards = sorted([*cards, *extra], key=lambda c: c.awarded, reverse=True)
    return badges_of(session, cards, href=href)


def badges_of(
    session: Session,
    cards: Sequence[PortfolioCard],
    *,
    href: Callable[[PortfolioCard], str] = card_href,
) -> list[Badge]:
    """Cards read with their areas (``portfolio_cards(..., areas=True)``) as the map's and
    the timeline's badges: two more statements, however many cards."""
    catalogue = area_catalogue(session, cards)
    return [badge_of(card, catalogue, href=href) for card in cards]


# -- the competence map -------------------------------------------------------------------------

# level colours, lightest (a first level) to darkest (a rubric's top), and a badge without one
LEVEL_FILLS = ("#d4e6f3", "#94c1e0", "#3f86bb", "#1f5f8b")
LEVEL_TEXT = ("#1b1f24", "#1b1f24", "#ffffff", "#ffffff")
NO_LEVEL_FILL = "#e4e7eb"
CARRIED_FILLS = ("#eaf2f9", "#d2e4f1", "#bcd6ea", "#a9c9e2")
REVOKED_STROKE = "#a32020"
INK = "#1b1f24"
MUTED = "#5b6470"

MIN_WIDTH = 340
CELL = 30
CELL_STEP = 34
LEGEND_CHARS = 44  # a school's name beside its colour
NAME_CHARS = 36  # at 13 units a character is about 7: with the count, the narrowest drawing


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def level_colours(level: LevelReached | None, *, carried: bool = False) -> tuple[str, str]:
    """Fill and text colour of a map cell for a level (darker is higher in its rubric)."""
    if level is None:
        return NO_LEVEL_FILL, INK
    step = min(3, max(0, round(level.fraction * 4) - 1))
    if carried:
        return CARRIED_FILLS[step], MUTED
    return LEVEL_FILLS[step], LEVEL_TEXT[step]


@dataclass(frozen=True)
class GrowthStep:
    term: Term
    level: LevelReached


@dataclass(frozen=True)
class Cell:
    """One term of an area's row: ``state`` new (a badge counted then), carried (reached
    earlier), revoked (only revoked or suspended badges then), or empty."""

    x: int
    term: Term
    state: str
    level: LevelReached | None
    fill: str
    text_fill: str
    text: str
    title: str


@dataclass(frozen=True)
class AreaView:
    area: AreaRef
    badges: tuple[Badge, ...]  # newest first
    highest: LevelReached | None
    growth: tuple[GrowthStep, ...]
    cells: tuple[Cell, ...]
    y: int  # top of the area's block in the drawing
    anchor: str  # the HTML id of its row in the table (its badges)

    @property
    def counted(self) -> int:
        return sum(1 for b in self.badges if b.counts)

    @property
    def not_counted(self) -> int:
        return len(self.badges) - self.counted

    @property
    def short_name(self) -> str:
        return shorten(self.area.label, NAME_CHARS)

    @property
    def count_text(self) -> str:
        return _badges(len(self.badges))

    @property
    def level_text(self) -> str:
        """The drawing's second line, short enough for a phone (the title has it all)."""
        if self.highest is not None:
            text = _(
                "Highest: %(name)s (%(rank)s of %(of)s)",
                name=shorten(self.highest.name, 22),
                rank=self.highest.rank,
                of=self.highest.of,
            )
        else:
            text = _("No levels") if self.counted else _("None counted")
        if self.not_counted:
            text += " · " + ngettext("%(num)s not counted", "%(num)s not counted", self.not_counted)
        return text

    @property
    def summary(self) -> str:
        """One line: how many badges, the highest level (for the drawing and its text)."""
        parts = [_badges(self.counted)]
        if self.not_counted:
            parts.append(_revoked_or_suspended(self.not_counted))
        if self.highest is not None:
            parts.append(_("highest: %(level)s", level=self.highest.label))
        elif self.counted:
            parts.append(_("no levels"))
        return " · ".join(parts)


@dataclass(frozen=True)
class FrameworkView:
    name: str
    areas: tuple[AreaView, ...]
    y: int  # baseline of its heading


@dataclass(frozen=True)
class TermHead:
    x: int
    text: str


@dataclass(frozen=True)
class YearHead:
    x: int
    width: int
    text: str


@dataclass(frozen=True)
class CompetenceMap:
    frameworks: tuple[FrameworkView, ...]
    terms: tuple[Term, ...]
    term_heads: tuple[TermHead, ...]
    year_heads: tuple[YearHead, ...]
    width: int
    height: int
    badge_count: int
    id_prefix: str

    @property
    def areas(self) -> tuple[AreaView, ...]:
        return tuple(a for f in self.frameworks for a in f.areas)

    @property
    def title(self) -> str:
        return _("Competence map")

    @property
    def description(self) -> str:
        if not self.badge_count:
            return _("No badges yet.")
        areas = self.areas
        lines = [
            _(
                "%(badges)s in %(areas)s, by framework, over %(terms)s.",
                badges=_badges(self.badge_count),
                areas=ngettext("%(num)s area", "%(num)s areas", len(areas)),
                terms=ngettext("%(num)s term", "%(num)s terms", len(self.terms)),
            )
        ]
        for area in areas:
            lines.append(f"{area.area.framework_name}: {area.area.label}: {area.summary}.")
        lines.append(_("The table after the drawing lists the same, with each area's badges."))
        return " ".join(lines)


def _badges(n: int) -> str:
    return ngettext("%(num)s badge", "%(num)s badges", n)


def _revoked_or_suspended(n: int) -> str:
    return ngettext("%(num)s revoked or suspended", "%(num)s revoked or suspended", n)


def unnamed_school() -> str:
    """How a badge whose school is not named is counted on the timeline."""
    return _("a school")


# the timeline's and the map's term heads, short (a column is 28 units wide)
SHORT_TERMS = {1: N_("Aut"), 2: N_("Spr"), 3: N_("Sum")}


def _heads(terms: Sequence[Term], left: int) -> tuple[tuple[TermHead, ...], tuple[YearHead, ...]]:
    term_heads = tuple(
        TermHead(x=left + i * CELL_STEP + CELL // 2, text=_(SHORT_TERMS[t.part]))
        for i, t in enumerate(terms)
    )
    years: list[YearHead] = []
    for i, t in enumerate(terms):
        x = left + i * CELL_STEP
        if years and years[-1].text == t.year_label:
            last = years[-1]
            years[-1] = YearHead(x=last.x, width=x + CELL - last.x, text=last.text)
        else:
            years.append(YearHead(x=x, width=CELL, text=t.year_label))
    return term_heads, tuple(years)


# vertical rhythm of the map (drawing units; 1 unit = 1 CSS pixel at natural size)
FRAMEWORK_GAP = 14
FRAMEWORK_HEAD = 22
TERM_HEAD = 32
AREA_NAME = 18
AREA_SUMMARY = 16
AREA_CELLS = CELL + 14


def area_cells(
    badges: Sequence[Badge], terms: Sequence[Term], left: int = 0
) -> tuple[tuple[Cell, ...], tuple[GrowthStep, ...]]:
    """An area's row of cells, one per term in ``terms``, and the steps its level went up."""
    by_term: dict[Term, list[Badge]] = defaultdict(list)
    for badge in badges:
        by_term[badge.term].append(badge)
    cells: list[Cell] = []
    steps: list[GrowthStep] = []
    so_far: LevelReached | None = None
    earned = False
    for i, term in enumerate(terms):
        x = left + i * CELL_STEP
        here = by_term.get(term, [])
        counted = [b for b in here if b.counts]
        if counted:
            best_here = highest(b.level for b in counted)
            if best_here is not None and (so_far is None or best_here.sort_key > so_far.sort_key):
                so_far = best_here
                steps.append(GrowthStep(term, best_here))
            earned = True
            fill, text_fill = level_colours(so_far)
            names = "; ".join(f"{b.name}{f': {b.level.name}' if b.level else ''}" for b in counted)
            title = f"{term.label}: {names}"
            if so_far is not None:
                title += ". " + _("Highest so far: %(level)s", level=so_far.label)
            cells.append(
                Cell(
                    x,
                    term,
                    "new",
                    so_far,
                    fill,
                    text_fill,
                    str(so_far.rank) if so_far else "✓",
                    title,
                )
            )
        elif here:
            cells.append(
                Cell(
                    x,
                    term,
                    "revoked",
                    so_far,
                    "#ffffff",
                    REVOKED_STROKE,
                    "×",
                    _(
                        "%(term)s: %(names)s (%(statuses)s: not counted)",
                        term=term.label,
                        names="; ".join(b.name for b in here),
                        statuses=", ".join(b.status_label.lower() for b in here),
                    ),
                )
            )
        elif earned:
            fill, text_fill = level_colours(so_far, carried=True)
            title = (
                _(
                    "%(term)s: no new badge; highest so far: %(level)s",
                    term=term.label,
                    level=so_far.label,
                )
                if so_far
                else _("%(term)s: no new badge", term=term.label)
            )
            cells.append(Cell(x, term, "carried", so_far, fill, text_fill, "", title))
        else:
            cells.append(
                Cell(
                    x,
                    term,
                    "empty",
                    None,
                    "none",
                    INK,
                    "",
                    _("%(term)s: none yet", term=term.label),
                )
            )
    return tuple(cells), tuple(steps)


def build_map(badges: Sequence[Badge], *, id_prefix: str = "map") -> CompetenceMap:
    """The competence map of some badges: frameworks in order, their areas, per area the
    badges (newest first), the highest level counted, and its row of term cells."""
    terms = tuple(sorted({b.term for b in badges}))
    grouped: dict[AreaRef, list[Badge]] = defaultdict(list)
    for badge in sorted(badges, key=lambda b: (b.awarded, b.public_id), reverse=True):
        for area in badge.areas or (OTHER,):
            grouped[area].append(badge)
    by_framework: dict[str, list[AreaRef]] = defaultdict(list)
    for area in sorted(grouped):
        by_framework[area.framework].append(area)
    framework_order = sorted(by_framework, key=lambda name: min(by_framework[name]).order)
    width = max(MIN_WIDTH, len(terms) * CELL_STEP - (CELL_STEP - CELL) + 2)
    term_heads, year_heads = _heads(terms, 1)
    y = 0
    frameworks: list[FrameworkView] = []
    for name in framework_order:
        y += FRAMEWORK_GAP if frameworks else 0
        y += FRAMEWORK_HEAD
        heading_y = y - 6
        y += TERM_HEAD
        areas: list[AreaView] = []
        for area in by_framework[name]:
            area_badges = tuple(grouped[area])
            cells, steps = area_cells(area_badges, terms, 1)
            areas.append(
                AreaView(
                    area=area,
                    badges=area_badges,
                    highest=highest(b.level for b in area_badges if b.counts),
                    growth=steps,
                    cells=cells,
                    y=y,
                    anchor=f"{id_prefix}-area-{area.key}",
                )
            )
            y += AREA_NAME + AREA_SUMMARY + AREA_CELLS
        shown = by_framework[name][0].framework_name
        frameworks.append(FrameworkView(name=shown, areas=tuple(areas), y=heading_y))
    return CompetenceMap(
        frameworks=tuple(frameworks),
        terms=terms,
        term_heads=term_heads,
        year_heads=year_heads,
        width=width,
        height=max(y, 1),
        badge_count=len(badges),
        id_prefix=id_prefix,
    )


# -- the timeline ------------------------------------------------------------------------------

SCHOOL_FILLS = ("#1f5f8b", "#c9731a", "#2a8c5a", "#8a4fa3", "#b8404a", "#5b6470")
TL_STEP = 40
TL_BAR = 28
TL_LEFT = 6
TL_PLOT = 150  # the tallest bar
TL_LEGEND_ROW = 20


@dataclass(frozen=True)
class Segment:
    y: int
    height: int
    fill: str
    stroke: str
    school: str
    count: int
    counted: bool


@dataclass(frozen=True)
class TermColumn:
    term: Term
    x: int
    badges: tuple[Badge, ...]  # newest first
    segments: tuple[Segment, ...]  # bottom up
    top: int  # y of the bar's top
    anchor: str

    @property
    def count(self) -> int:
        return len(self.badges)

    @property
    def not_counted(self) -> int:
        return sum(1 for b in self.badges if not b.counts)

    @property
    def short_name(self) -> str:
        """The term's name under its bar, short ("Aut"), in the language being written."""
        return _(SHORT_TERMS[self.term.part])

    @property
    def text(self) -> str:
        if not self.badges:
            return _("%(term)s: no badges", term=self.term.label)
        by_school: dict[str, int] = defaultdict(int)
        for badge in self.badges:
            by_school[badge.school or unnamed_school()] += 1
        schools = ", ".join(
            ngettext("%(num)s from %(school)s", "%(num)s from %(school)s", n, school=s)
            for s, n in by_school.items()
        )
        extra = f"; {_revoked_or_suspended(self.not_counted)}" if self.not_counted else ""
        return f"{self.term.label} ({self.term.months}): {_badges(self.count)}, {schools}{extra}"


@dataclass(frozen=True)
class LegendItem:
    x: int
    y: int
    fill: str
    school: str
    text: str
    revoked: bool = False  # the key of the outlined pieces: badges that are not counted


@dataclass(frozen=True)
class Timeline:
    columns: tuple[TermColumn, ...]  # every term from the first badge's to the last's
    year_heads: tuple[YearHead, ...]
    legend: tuple[LegendItem, ...]
    schools: tuple[str, ...]
    plot_top: int  # the top of the tallest bar
    baseline: int
    width: int
    height: int
    badge_count: int
    id_prefix: str

    @property
    def terms_with_badges(self) -> tuple[TermColumn, ...]:
        return tuple(c for c in self.columns if c.badges)

    @property
    def title(self) -> str:
        return _("Timeline of badges by school year and term")

    @property
    def description(self) -> str:
        if not self.badge_count:
            return _("No badges yet.")
        years = {c.term.school_year for c in self.columns}
        parts = [
            _(
                "%(badges)s from %(schools)s over %(years)s.",
                badges=_badges(self.badge_count),
                schools=ngettext("%(num)s school", "%(num)s schools", len(self.schools)),
                years=ngettext("%(num)s school year", "%(num)s school years", len(years)),
            )
        ]
        parts += [c.text + "." for c in self.terms_with_badges]
        parts.append(_("The table after the drawing lists the same, with each term's badges."))
        return " ".join(parts)


def terms_between(first: Term, last: Term) -> list[Term]:
    """Every term from ``first`` to ``last``, both included."""
    terms: list[Term] = []
    term = first
    while term <= last:
        terms.append(term)
        term = (
            Term(term.school_year + 1, 1)
            if term.part == 3
            else Term(term.school_year, term.part + 1)
        )
    return terms


def build_timeline(badges: Sequence[Badge], *, id_prefix: str = "tl") -> Timeline:
    """Badges per term over every school year from the first to the last, each term's bar
    stacked by school (a revoked or suspended badge as an outlined piece, on top)."""
    ordered = sorted(badges, key=lambda b: (b.awarded, b.public_id), reverse=True)
    schools = tuple(dict.fromkeys(b.school or unnamed_school() for b in reversed(ordered)))
    colour = {s: SCHOOL_FILLS[i % len(SCHOOL_FILLS)] for i, s in enumerate(schools)}
    legend = [
        LegendItem(
            x=TL_LEFT,
            y=i * TL_LEGEND_ROW,
            fill=colour[s],
            school=s,
            text=shorten(s, LEGEND_CHARS),
        )
        for i, s in enumerate(schools)
    ]
    if any(not b.counts for b in ordered):
        legend.append(
            LegendItem(
                x=TL_LEFT,
                y=len(legend) * TL_LEGEND_ROW,
                fill="#ffffff",
                school="",
                text=_("Revoked or suspended (not counted)"),
                revoked=True,
            )
        )
    legend_rows = len(legend)
    top = legend_rows * TL_LEGEND_ROW + 24  # room for the count over the tallest bar
    if not ordered:
        return Timeline((), (), (), (), top, top, MIN_WIDTH, top + 40, 0, id_prefix)
    by_term: dict[Term, list[Badge]] = defaultdict(list)
    for badge in ordered:
        by_term[badge.term].append(badge)
    terms = terms_between(min(by_term), max(by_term))
    most = max(len(v) for v in by_term.values())
    unit = min(24.0, TL_PLOT / most)
    baseline = top + round(most * unit)  # the tallest bar reaches ``top``
    columns: list[TermColumn] = []
    for i, term in enumerate(terms):
        here = tuple(by_term.get(term, ()))
        pieces: list[tuple[str, bool, int]] = []
        for school in schools:
            n = sum(1 for b in here if (b.school or unnamed_school()) == school and b.counts)
            if n:
                pieces.append((school, True, n))
        for school in schools:
            n = sum(1 for b in here if (b.school or unnamed_school()) == school and not b.counts)
            if n:
                pieces.append((school, False, n))
        segments: list[Segment] = []
        done = 0
        for school, counted, n in pieces:
            y0 = baseline - round((done + n) * unit)
            y1 = baseline - round(done * unit)
            segments.append(
                Segment(
                    y=y0,
                    height=max(1, y1 - y0),
                    fill=colour[school] if counted else "#ffffff",
                    stroke="#ffffff" if counted else REVOKED_STROKE,
                    school=school,
                    count=n,
                    counted=counted,
                )
            )
            done += n
        columns.append(
            TermColumn(
                term=term,
                x=TL_LEFT + i * TL_STEP,
                badges=here,
                segments=tuple(segments),
                top=baseline - round(done * unit),
                anchor=f"{id_prefix}-term-{term.school_year}-{term.part}",
            )
        )
    years: list[YearHead] = []
    for column in columns:
        label = school_year_label(column.term.school_year)
        if years and years[-1].text == label:
            last = years[-1]
            years[-1] = YearHead(last.x, column.x + TL_BAR - last.x, label)
        else:
            years.append(YearHead(column.x, TL_BAR, label))
    width = max(MIN_WIDTH, TL_LEFT * 2 + len(terms) * TL_STEP)
    return Timeline(
        columns=tuple(columns),
        year_heads=tuple(years),
        legend=tuple(legend),
        schools=schools,
        plot_top=top,
        baseline=baseline,
        width=width,
        height=baseline + 44,
        badge_count=len(ordered),
        id_prefix=id_prefix,
    )


# -- the public badge page ----------------------------------------------------------------------


def achieved_level(credential: Mapping[str, Any]) -> LevelReached | None:
    """The level a credential records (the highest, if it records several)."""
    return highest(levels_reached(credential))
