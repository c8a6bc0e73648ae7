"""The network view: a coordination centre's member schools and their award counts per
competence-framework area and per school term — the numbers a national council asks for.

Definitions (the page and the CSV say the same):

* **Members** are every organisation below the centre: its schools, its regional
  sub-centres, their schools, and so on (``Organisation.parent_id``, followed down). The
  centre's own awards are not counted.
* **School year and term** come from the date a badge was awarded (``Award.issued_at``,
  in UTC). A school year runs from 1 September to 31 August and is named by both
  calendar years: "2025/26". It has three terms:

  - **autumn**: September to January (Sep 2025 – Jan 2026 is "2025/26 autumn"),
  - **spring**: February to June ("2025/26 spring" is Feb – Jun 2026),
  - **summer**: July and August, the holidays that end the year ("2025/26 summer" is
    Jul – Aug 2026).

* **Framework area** is a framework item an achievement is aligned to (e.g. "Four pillars
  of learning: Learning to do"). An award of an achievement aligned to several areas
  counts once under *each* of them, so the areas add up to more than the awards; the
  totals count every award once. An achievement aligned to no framework item (external
  links alone do not count) is "Not aligned".
* **Issued and revoked**: "issued" counts every badge awarded in the term, "revoked" how
  many of those have since been revoked (they are included in "issued"); "active" is the
  difference. A badge re-issued after a signing-key compromise is the same award: it counts
  once, in the term of the badge it replaces, and as revoked only if the copy is revoked.

Counting happens in the database: one GROUP BY over the awards per (organisation,
achievement, school year, term), so the rows that reach Python are bounded by
achievements × terms, not by awards; spreading them over framework areas is done here.
The SQL is plain enough for both SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_skeleton
from sqlalchemy import Integer, case, exists, extract, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from ..errors import InvalidInput, NotFound
from ..models import Achievement, Award, Framework, FrameworkItem, Organisation, OrgKind
from ..translate import N_, _, current_language

CENTRE_KINDS = (OrgKind.CENTRE, OrgKind.NETWORK)
TERM_NAMES = {1: N_("autumn"), 2: N_("spring"), 3: N_("summer")}
TERM_LABELS = {1: N_("%(year)s autumn"), 2: N_("%(year)s spring"), 3: N_("%(year)s summer")}
TERM_MONTHS = {1: (9, 1), 2: (2, 6), 3: (7, 8)}  # its first and last month
NOT_ALIGNED_KEY = "none"


# -- terms -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Term:
    """One term of a school year: ``school_year`` 2025 is 2025/26; ``part`` 1-3."""

    school_year: int
    part: int

    @property
    def name(self) -> str:
        """The term's name in the language being written ("autumn", lt "ruduo")."""
        return _(TERM_NAMES[self.part])

    @property
    def year_label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def label(self) -> str:
        """ "2025/26 autumn", in the language being written."""
        return _(TERM_LABELS[self.part], year=self.year_label)

    @property
    def months(self) -> str:
        """Its first and last month, as the language being written writes a month of a
        year (Babel: "Sep 2025 – Jan 2026", ru "сент. 2025 г. – янв. 2026 г.")."""
        first, last = TERM_MONTHS[self.part]
        start_year = self.school_year if self.part == 1 else self.school_year + 1
        return f"{month_of_year(start_year, first)} – {month_of_year(self.school_year + 1, last)}"


def month_of_year(year: int, month: int) -> str:
    """A month of a year in the language being written (Babel's "yMMM": "Sep 2025")."""
    return str(format_skeleton("yMMM", date(year, month, 1), locale=current_language()))


def school_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def term_of(when: datetime) -> Term:
    """The term of a moment (read in UTC), by the rules in the module docstring."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    month = when.month
    school_year = when.year if month >= 9 else when.year - 1
    part = 1 if month >= 9 or month == 1 else 2 if month <= 6 else 3
    return Term(school_year, part)


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    key: str  # "item:<id>" or "none"
    framework: str  # "" for "Not aligned"
    code: str
    name: str
    order: tuple[int, int] = (0, 0)

    @property
    def label(self) -> str:
        return f"{self.framework}: {self.name}" if self.framework else self.name


NOT_ALIGNED = Area(
    key=NOT_ALIGNED_KEY, framework="", code="", name="Not aligned", order=(1 << 62, 0)
)


@dataclass
class Counts:
    issued: int = 0
    revoked: int = 0

    @property
    def active(self) -> int:
        return self.issued - self.revoked

    def add(self, issued: int, revoked: int) -> None:
        self.issued += issued
        self.revoked += revoked


@dataclass(frozen=True)
class Member:
    id: int
    slug: str
    name: str
    kind: str
    parent_name: str  # the sub-centre a school belongs to ("" when directly under the centre)
    depth: int


@dataclass(frozen=True)
class AchievementRow:
    id: int
    public_id: str
    name: str
    org_id: int
    areas: tuple[Area, ...]


@dataclass
class NetworkReport:
    centre: Organisation
    members: list[Member]  # every member (the filter does not hide the list of schools)
    school_years: list[int]  # the years with awards, for the filter
    school_year: int | None  # the filter
    school: Member | None  # the filter: this member and the ones below it
    counted: list[Member] = field(default_factory=list)  # the members the counts cover
    terms: list[Term] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    by_area_term: dict[tuple[str, Term], Counts] = field(default_factory=dict)
    by_area: dict[str, Counts] = field(default_factory=dict)
    by_term: dict[Term, Counts] = field(default_factory=dict)  # each award once
    total: Counts = field(default_factory=Counts)  # each award once
    by_member: dict[int, Counts] = field(default_factory=dict)
    achievements: dict[int, list[tuple[AchievementRow, Counts]]] = field(default_factory=dict)
    # school x area x term, for the CSV (only combinations with awards)
    cells: dict[tuple[int, str, Term], Counts] = field(default_factory=dict)

    def area_term(self, area: Area, term: Term) -> Counts:
        return self.by_area_term.get((area.key, term), Counts())

    @property
    def area_groups(self) -> list[tuple[str, list[Area]]]:
        """The areas by framework, in order ("" for "Not aligned")."""
        groups: list[tuple[str, list[Area]]] = []
        for area in self.areas:
            if not groups or groups[-1][0] != area.framework:
                groups.append((area.framework, []))
            groups[-1][1].append(area)
        return groups


def is_centre(org: Organisation) -> bool:
    return org.kind in CENTRE_KINDS


def _below(children: dict[int, list[int]], root: int) -> list[int]:
    """Every organisation under ``root`` (not ``root`` itself), parents before children."""
    found: list[int] = []
    seen = {root}
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:  # a loop in parent_id must not hang the page
                seen.add(child)
                found.append(child)
                stack.append(child)
    return found


def _children(session: Session) -> dict[int, list[int]]:
    """Organisation id -> the ids of the organisations directly below it."""
    children: dict[int, list[int]] = defaultdict(list)
    for org_id, parent_id in session.execute(select(Organisation.id, Organisation.parent_id)):
        if parent_id is not None:
            children[parent_id].append(org_id)
    return children


def members_of(session: Session, centre: Organisation) -> list[Member]:
    """The organisations below ``centre``, sorted by name."""
    ids = _below(_children(session), centre.id)
    if not ids:
        return []
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    depth: dict[int, int] = {centre.id: 0}
    for org_id in ids:  # parents come first
        parent = orgs[org_id].parent_id
        depth[org_id] = depth.get(parent, 0) + 1 if parent is not None else 1
    members = [
        Member(
            id=o.id,
            slug=o.slug,
            name=o.name,
            kind=o.kind,
            parent_name=orgs[o.parent_id].name
            if o.parent_id in orgs and o.parent_id is not None
            else "",
            depth=depth[o.id],
        )
        for o in orgs.values()
    ]
    return sorted(members, key=lambda m: (m.name.casefold(), m.id))


def _utc(session: Session, column: Any) -> Any:
    """``column`` as a UTC wall-clock time: PostgreSQL's EXTRACT on a timestamptz would
    read it in the session's time zone; SQLite stores UTC text already."""
    if session.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", column)
    return column


# Award again, in queries that join it to itself (the one a copy was re-issued from, the
# copy that replaced one). Made once: an alias works out its columns' stand-ins on first
# use (each of Award's columns), more work than the rest of a page's query.
_PARENT = aliased(Award)
_SUCCESSOR = aliased(Award)


def _first_awarded(org_ids: list[int]) -> Any:
    """(award id, issued_at of the first badge of its chain) for every re-issued copy: a
    copy re-issued again after another compromise walks back to the original award."""
    parent = _PARENT
    chain = (
        select(
            Award.id.label("award_id"),
            Award.reissue_of_id.label("up"),
            Award.issued_at.label("issued_at"),
            literal_column("0", Integer).label("depth"),
        )
        .where(Award.org_id.in_(org_ids), Award.reissue_of_id.is_not(None))
        .cte("reissue_chain", recursive=True)
    )
    chain = chain.union_all(
        select(chain.c.award_id, parent.reissue_of_id, parent.issued_at, chain.c.depth + 1)
        .join(parent, parent.id == chain.c.up)
        .where(chain.c.depth < 100)
    )
    return select(chain.c.award_id, chain.c.issued_at).where(chain.c.up.is_(None)).subquery()


def _grouped(
    session: Session, org_ids: list[int], school_year: int | None
) -> tuple[list[tuple[int, int, Term, int, int]], list[int]]:
    """(org id, achievement id, term, issued, revoked) per group, and the years present."""
    first_awarded = _first_awarded(org_ids)
    successor = _SUCCESSOR
    when = _utc(session, func.coalesce(first_awarded.c.issued_at, Award.issued_at))
    year = extract("year", when)
    month = extract("month", when)
    per_award = (
        select(
            Award.org_id.label("org_id"),
            Award.achievement_id.label("achievement_id"),
            (year - case((month < 9, 1), else_=0)).label("school_year"),
            case((month >= 9, 1), (month == 1, 1), (month <= 6, 2), else_=3).label("part"),
            case((Award.revoked_at.is_not(None), 1), else_=0).label("revoked"),
        )
        .outerjoin(first_awarded, first_awarded.c.award_id == Award.id)
        .where(Award.org_id.in_(org_ids))
        # the current copy of each badge only: one that was re-issued is counted as its copy
        .where(~exists().where(successor.reissue_of_id == Award.id))
        .subquery()
    )
    query = select(
        per_award.c.org_id,
        per_award.c.achievement_id,
        per_award.c.school_year,
        per_award.c.part,
        func.count(),
        func.sum(per_award.c.revoked),
    ).group_by(
        per_award.c.org_id, per_award.c.achievement_id, per_award.c.school_year, per_award.c.part
    )
    # One pass over the awards: every year's groups come back (a few rows per achievement
    # and term), and the years present and the chosen year are taken from them here.
    rows = [
        (int(org_id), int(achievement_id), Term(int(sy), int(part)), int(issued), int(revoked or 0))
        for org_id, achievement_id, sy, part, issued, revoked in session.execute(query)
        if sy is not None
    ]
    years = sorted({row[2].school_year for row in rows}, reverse=True)
    if school_year is not None:
        rows = [row for row in rows if row[2].school_year == school_year]
    return rows, years


def _achievements(session: Session, org_ids: list[int]) -> dict[int, AchievementRow]:
    found = session.execute(
        select(
            Achievement.id,
            Achievement.public_id,
            Achievement.name,
            Achievement.org_id,
            Achievement.alignment_ids,
        ).where(Achievement.org_id.in_(org_ids))
    ).all()
    item_ids = {
        int(i)
        for *_rest, alignment_ids in found
        for i in alignment_ids or []
        if isinstance(i, int) or (isinstance(i, str) and i.isdigit())
    }
    areas: dict[int, Area] = {}
    if item_ids:
        for item_id, code, name, framework_id, framework_name in session.execute(
            select(
                FrameworkItem.id,
                FrameworkItem.code,
                FrameworkItem.name,
                Framework.id,
                Framework.name,
            )
            .join(Framework, Framework.id == FrameworkItem.framework_id)
            .where(FrameworkItem.id.in_(item_ids))
        ):
            areas[item_id] = Area(
                key=f"item:{item_id}",
                framework=framework_name,
                code=code or "",
                name=name,
                order=(framework_id, item_id),
            )
    result = {}
    for achievement_id, pid, name, org_id, alignment_ids in found:
        raw = alignment_ids or []
        mine = sorted(
            {areas[int(i)] for i in raw if str(i).isdigit() and int(i) in areas},
            key=lambda a: a.order,
        )
        result[achievement_id] = AchievementRow(
            id=achievement_id,
            public_id=pid,
            name=name,
            org_id=org_id,
            areas=tuple(mine) or (NOT_ALIGNED,),
        )
    return result


def network_report(
    session: Session,
    centre: Organisation,
    *,
    school_year: int | None = None,
    school: str | None = None,
) -> NetworkReport:
    """The counts for ``centre``'s network, optionally for one school year and one member
    (with the members below it). Raises NotFound for an organisation that is not a centre,
    InvalidInput for a filter that names no member."""
    if not is_centre(centre):
        raise NotFound(
            _("The network view is for coordination centres; this organisation is a school.")
        )
    if school_year is not None and not 1900 <= school_year <= 2999:
        raise InvalidInput(
            _("Choose a school year from the list."),
            fields={"year": _("Choose a school year from the list.")},
        )
    members = members_of(session, centre)
    chosen: Member | None = None
    counted = members
    if school:
        chosen = next((m for m in members if m.slug == school), None)
        if chosen is None:
            raise InvalidInput(
                _("That organisation is not a member of this network."),
                fields={"school": _("Choose a school from the list.")},
            )
        ids = {chosen.id, *_below(_children(session), chosen.id)}
        counted = [m for m in members if m.id in ids]
    report = NetworkReport(
        centre=centre,
        members=members,
        school_years=[],
        school_year=school_year,
        school=chosen,
        counted=counted,
    )
    if not counted:
        return report
    org_ids = [m.id for m in counted]
    rows, report.school_years = _grouped(session, org_ids, school_year)
    achievements = _achievements(session, org_ids)
    for member in counted:
        report.by_member[member.id] = Counts()
    per_achievement: dict[int, Counts] = defaultdict(Counts)
    used_areas: dict[str, Area] = {}
    terms: set[Term] = set()
    for org_id, achievement_id, term, issued, revoked in rows:
        terms.add(term)
        report.total.add(issued, revoked)
        report.by_term.setdefault(term, Counts()).add(issued, revoked)
        report.by_member.setdefault(org_id, Counts()).add(issued, revoked)
        per_achievement[achievement_id].add(issued, revoked)
        achievement = achievements.get(achievement_id)
        for area in achievement.areas if achievement is not None else (NOT_ALIGNED,):
            used_areas[area.key] = area
            report.by_area_term.setdefault((area.key, term), Counts()).add(issued, revoked)
            report.by_area.setdefault(area.key, Counts()).add(issued, revoked)
            report.cells.setdefault((org_id, area.key, term), Counts()).add(issued, revoked)
    report.terms = sorted(terms)
    report.areas = sorted(used_areas.values(), key=lambda a: a.order)
    by_org: dict[int, list[tuple[AchievementRow, Counts]]] = defaultdict(list)
    for row in sorted(achievements.values(), key=lambda a: (a.name.casefold(), a.id)):
        by_org[row.org_id].append((row, per_achievement.get(row.id, Counts())))
    report.achievements = dict(by_org)
    return report


# -- CSV -------------------------------------------------------------------------------------

CSV_HEADER = [
    "school_year",
    "term",
    "term_months",
    "school",
    "school_slug",
    "sub_centre",
    "framework",
    "area_code",
    "area",
    "issued",
    "revoked",
    "active",
]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A formula character at the start (after blanks), or after a separator some spreadsheet may split on (comma;
# semicolon, the list separator of Lithuanian, German or Russian Excel; tab; a line
# break) or a quote, with any blanks between: in such a reading it starts a cell too.
_FORMULA_INSIDE = re.compile(r"""((?:^|[,;\t\r\n"])[\s"]*)(?=[=+\-@])""")


def _cell(value: Any) -> Any:
    """Text a spreadsheet could run as a formula gets an apostrophe before the formula
    character: at the start, and after any separator or quote inside it (the file is
    comma-separated, but Excel set to ";" splits "Vilnius;=1+1" into two cells). The
    writer also quotes every text field; numbers stay numbers."""
    if not isinstance(value, str):
        return value
    value = _FORMULA_INSIDE.sub(r"\1'", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def report_csv(report: NetworkReport) -> str:
    """One row per member school x framework area x term with awards (aggregates only: no
    learner's name or address). Starts with a byte-order mark so Excel reads UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(CSV_HEADER)
    areas = {a.key: a for a in report.areas}
    order = {a.key: n for n, a in enumerate(report.areas)}
    members = {m.id: m for m in report.members}
    for (org_id, area_key, term), counts in sorted(
        report.cells.items(),
        key=lambda kv: (members[kv[0][0]].name.casefold(), kv[0][0], kv[0][2], order[kv[0][1]]),
    ):
        member, area = members[org_id], areas[area_key]
        writer.writerow(
            [
                _cell(v)
                for v in (
                    term.year_label,
                    term.name,
                    term.months,
                    member.name,
                    member.slug,
                    member.parent_name,
                    area.framework,
                    area.code,
                    area.name,
                    counts.issued,
                    counts.revoked,
                    counts.active,
                )
            ]
        )
    return out.getvalue()
