"""Achievements (badge classes): create, edit, and their OB 3.0 form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import model
from badges.languages import primary

from ..errors import InvalidInput, NotFound
from ..models import Achievement, Framework, FrameworkItem, Organisation
from ..translate import N_, _
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .images import check_image, default_badge_svg, store_image
from .orgs import issuer_profile
from .pathways import achievement_ids, check_rule, reaches

# OB 3.0 AchievementType vocabulary (extensions are written "ext:Name").
ACHIEVEMENT_TYPES = (
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree",
    "Award", "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification",
    "CoCurricular", "CommunityService", "Competency", "Course", "Degree", "Diploma",
    "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment", "JourneymanCertificate",
    "LearningProgram", "License", "Membership", "MicroCredential", "ProfessionalDoctorate",
    "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "ResearchDoctorate",
    "SecondarySchoolDiploma",
)  # fmt: skip
# The types a school uses, with plain labels: the ones offered when creating a badge. Any
# other type of the vocabulary (or an ext: type) is kept, shown and editable where a badge
# already has it (and the API accepts all of them).
SCHOOL_TYPES = (
    ("Badge", N_("Badge")),
    ("Certificate", N_("Certificate")),
    ("CertificateOfCompletion", N_("Certificate of completion")),
    ("Competency", N_("Competence (a skill shown)")),
    ("Course", N_("Course")),
    ("CoCurricular", N_("Club or activity outside lessons")),
    ("CommunityService", N_("Volunteering or community service")),
    ("Award", N_("Award or prize")),
)
_LABELS = dict(SCHOOL_TYPES)


def type_label(achievement_type: str) -> str:
    """A plain label for an achievement type ("SecondarySchoolDiploma" -> "Secondary
    school diploma", "ext:ReadingClub" -> "Reading club")."""
    if achievement_type in _LABELS:
        return _(_LABELS[achievement_type])
    name = achievement_type.removeprefix("ext:")
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name) or [name]
    text = " ".join(words)
    return text[:1].upper() + text[1:].lower()


def type_choices(current: str | None) -> list[tuple[str, str]]:
    """The types to offer in the form: the school's few, plus ``current`` if it is another."""
    choices = [(value, _(label)) for value, label in SCHOOL_TYPES]
    if current and current not in _LABELS:
        choices.append((current, type_label(current)))
    return choices


class Unchanged(Enum):
    """An input field left as it is (the API's PATCH, a form that does not show it)."""

    KEEP = "keep"


DEFAULT_LEVELS = ("Emerging", "Developing", "Proficient", "Mastered")
MAX_LEVEL_DESCRIPTION = 1000
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


@dataclass
class AchievementInput:
    """What a teacher fills in; ``validate`` says what is wrong, field by field."""

    name: str
    description: str
    criteria_md: str = ""
    achievement_type: str = "Badge"
    tags: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    # what each level means, parallel to ``levels`` (shorter: the rest have none)
    level_descriptions: list[str] = field(default_factory=list)
    alignment_ids: list[int] = field(default_factory=list)
    external_alignments: list[dict[str, str]] = field(default_factory=list)
    validity_days: int | None = None
    language: str = "en"
    image: bytes | None = None
    image_caption: str | None = None
    # A pathway's rule (issuer/services/pathways.py), None for a plain achievement, or
    # Unchanged.KEEP to leave the stored one as it is.
    requirement: dict[str, Any] | Literal[Unchanged.KEEP] | None = Unchanged.KEEP

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        self.description = self.description.strip()
        errors.update(_text_errors(self.name, self.description, self.criteria_md))
        if self.achievement_type not in ACHIEVEMENT_TYPES and not re.fullmatch(
            r"ext:[A-Za-z][A-Za-z0-9]{0,60}", self.achievement_type
        ):
            errors["achievement_type"] = _("Choose a type from the list (or ext:YourType).")
        self.tags = [t.strip() for t in self.tags if t.strip()]
        if len(self.tags) > 30 or any(len(t) > 60 for t in self.tags):
            errors["tags"] = _("At most 30 tags of at most 60 characters.")
        if len(self.level_descriptions) > len(self.levels):
            errors["level_descriptions"] = _("Give at most one description per level.")
        # blank levels are dropped with their descriptions, so the two stay parallel
        paired = [
            (lv.strip(), (self.level_descriptions[i] if i < len(self.level_descriptions) else ""))
            for i, lv in enumerate(self.levels)
            if lv.strip()
        ]
        self.levels = [lv for lv, _text in paired]
        self.level_descriptions = [(text or "").strip() for _level, text in paired]
        if not any(self.level_descriptions):
            self.level_descriptions = []
        if len(self.levels) > 10 or len(set(self.levels)) != len(self.levels):
            errors["levels"] = _("At most 10 distinct levels.")
        if any(len(text) > MAX_LEVEL_DESCRIPTION for text in self.level_descriptions):
            errors["level_descriptions"] = _(
                "Keep each level's description under %(max_level_description)s characters.",
                max_level_description=format(MAX_LEVEL_DESCRIPTION, ","),
            )
        if self.validity_days is not None and not 1 <= self.validity_days <= 36500:
            errors["validity_days"] = _("Validity is 1 to 36,500 days, or empty for no expiry.")
        if self.image_caption is not None and len(self.image_caption) > 300:
            errors["image_caption"] = _("Keep the image description under 300 characters.")
        if not LANGUAGE.fullmatch(self.language or ""):
            errors["language"] = _("Use a language code such as en, lt, ru or kk.")
        for link in self.external_alignments:
            if not link.get("name") or not re.match(r"https?://", link.get("url", "")):
                errors["external_alignments"] = _(
                    "Each external link needs a name and an http(s) URL."
                )
        return errors


def _apply(session: Session, row: Achievement, org: Organisation, data: AchievementInput) -> None:
    errors = data.validate()
    items: list[FrameworkItem] = []
    if data.alignment_ids:
        items = list(
            session.scalars(
                select(FrameworkItem)
                .join(Framework)
                .where(FrameworkItem.id.in_(data.alignment_ids))
                .where((Framework.org_id.is_(None)) | (Framework.org_id == org.id))
            )
        )
        if len(items) != len(set(data.alignment_ids)):
            errors["alignment_ids"] = _("Choose competences from the frameworks shown.")
    requirement = row.requirement
    if data.requirement is not Unchanged.KEEP:
        try:
            requirement = validated_requirement(session, org, data.requirement, row.id)
        except InvalidInput as exc:
            errors.update(exc.fields)
    image_type = None
    if data.image is not None:
        try:
            data.image, image_type = check_image(data.image)
        except InvalidInput as exc:
            errors["image"] = exc.description
    if "language" not in errors and row.id is not None:
        taken = {primary(v.language) for v in language_versions(session, row) if v.id != row.id}
        if primary(data.language) in taken:
            errors["language"] = _("This badge already has a version in this language.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    row.name = data.name
    row.description = data.description
    row.criteria_md = data.criteria_md
    row.achievement_type = data.achievement_type
    row.tags = list(data.tags)
    row.levels = list(data.levels)
    row.level_descriptions = list(data.level_descriptions)
    row.alignment_ids = [item.id for item in items]
    row.external_alignments = [
        {"name": a["name"], "url": a["url"]} for a in data.external_alignments
    ]
    row.validity_days = data.validity_days
    row.language = data.language
    row.image_caption = data.image_caption or None
    row.requirement = requirement
    if data.image is not None and image_type is not None:
        row.image_sha256 = store_image(session, data.image, image_type)
    elif row.image_sha256 is None:
        row.image_sha256 = store_image(session, default_badge_svg(data.name), "image/svg+xml")


def validated_requirement(
    session: Session, org: Organisation, rule: Any, achievement_id: int | None
) -> dict[str, Any] | None:
    """A pathway's rule in its normal form, checked: its shape (``pathways.check_rule``:
    all/any/n, n within 1..items, nesting depth), only achievements of ``org`` (a school's
    pathway asks for its own badges), not the pathway itself, and no circle through other
    pathways (A requires B requires A). None stays None (a plain achievement). Raises
    InvalidInput on the field ``requirement``."""
    if rule is None:
        return None

    def bad(message: str) -> InvalidInput:
        return InvalidInput(_("Please correct the pathway."), fields={"requirement": message})

    normal, problem = check_rule(rule)
    if normal is None:
        raise bad(str(problem))
    ids = achievement_ids(normal)
    own: dict[int, dict[str, Any] | None] = {
        ident: requirement
        for ident, requirement in session.execute(
            select(Achievement.id, Achievement.requirement).where(Achievement.org_id == org.id)
        )
    }
    if any(ident not in own for ident in ids):
        raise bad(_("A pathway can require only your organisation's achievements."))
    if achievement_id is not None:
        if achievement_id in ids:
            raise bad(_("A pathway cannot require itself."))
        graph = {ident: achievement_ids(req) for ident, req in own.items() if req}
        if reaches(graph, ids, achievement_id):
            raise bad(
                _(
                    "This would make a circle: a pathway it requires (or one that pathway "
                    "requires) already requires this achievement."
                )
            )
    return normal


def create_achievement(
    session: Session, *, org: Organisation, data: AchievementInput, actor: Actor | None = None
) -> Achievement:
    """A new achievement of ``org``, with its audit entry by ``actor``. Raises InvalidInput,
    naming the bad fields."""
    row = Achievement(org_id=org.id)
    _apply(session, row, org, data)
    session.add(row)
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.ACHIEVEMENT_CREATE,
        subject=f"achievement:{row.public_id}",
        summary=Summary("achievement.create", {"name": row.name}),
        details={"achievement": row.public_id, "version": row.version},
    )
    return row


def _editable(row: Achievement) -> dict[str, Any]:
    """What an edit can change, by the names of ``AchievementInput``'s fields (the API's too)."""
    return {
        "name": row.name,
        "description": row.description,
        "criteria_md": row.criteria_md,
        "achievement_type": row.achievement_type,
        "tags": list(row.tags),
        "levels": list(row.levels),
        "level_descriptions": list(row.level_descriptions),
        "alignment_ids": list(row.alignment_ids),
        "external_alignments": list(row.external_alignments),
        "validity_days": row.validity_days,
        "language": row.language,
        "image": row.image_sha256,
        "image_caption": row.image_caption,
        "requirement": row.requirement,
    }


def update_achievement(
    session: Session,
    *,
    achievement: Achievement,
    org: Organisation,
    data: AchievementInput,
    actor: Actor | None = None,
) -> Achievement:
    """Edit an achievement, with its audit entry by ``actor`` naming the fields that changed.
    Credentials already issued keep what they were signed with."""
    before = _editable(achievement)
    _apply(session, achievement, org, data)
    after = _editable(achievement)
    # counted in the database: of two edits at once each gets its own version number
    achievement.version = Achievement.version + 1
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.ACHIEVEMENT_UPDATE,
        subject=f"achievement:{achievement.public_id}",
        summary=Summary(
            "achievement.update", {"name": achievement.name, "version": achievement.version}
        ),
        details={
            "achievement": achievement.public_id,
            "version": achievement.version,
            "fields": sorted(name for name in after if after[name] != before[name]),
        },
    )
    return achievement


def get_achievement(
    session: Session, public_id: str, *, org: Organisation | None = None
) -> Achievement:
    query = select(Achievement).where(Achievement.public_id == public_id)
    if org is not None:
        query = query.where(Achievement.org_id == org.id)
    row = session.scalar(query)
    if row is None:
        raise NotFound(_("No such achievement."))
    return row


def list_achievements(
    session: Session, org: Organisation, *, limit: int, before: int | None
) -> list[Achievement]:
    """Up to ``limit`` achievements of ``org``, newest first; with ``before``, only those of
    a smaller row id (the next page of a cursor)."""
    query = select(Achievement).where(Achievement.org_id == org.id)
    if before is not None:
        query = query.where(Achievement.id < before)
    return list(session.scalars(query.order_by(Achievement.id.desc()).limit(limit)))


# --- language versions --------------------------------------------------------------------

# The language codes a language version may have: what the 1EdTech JSON schema accepts for
# ``inLanguage`` (a language subtag, optionally a script and a region: "lt", "sr-Latn-RS").
VERSION_LANGUAGE = re.compile(r"[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?")


def group_id(achievement: Achievement) -> int:
    """The id of the first achievement of ``achievement``'s language versions."""
    return achievement.language_of_id or achievement.id


def language_versions(session: Session, achievement: Achievement) -> list[Achievement]:
    """Every language version of ``achievement`` (itself among them): the first one, then
    the others in the order they were added."""
    if achievement.id is None:
        return [achievement]
    first = group_id(achievement)
    return list(
        session.scalars(
            select(Achievement)
            .where((Achievement.id == first) | (Achievement.language_of_id == first))
            .order_by(Achievement.id)
        )
    )


def language_groups(session: Session, ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Each of ``ids``, and each language version of them, to all the versions of its badge
    (itself among them): holding one version of a badge is holding the badge (a pathway
    counts it, a goal is reached). Two queries, whatever the number of ids."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    firsts = {
        first or ident
        for ident, first in session.execute(
            select(Achievement.id, Achievement.language_of_id).where(Achievement.id.in_(wanted))
        )
    }
    members: dict[int, set[int]] = {first: {first} for first in firsts}
    for ident, first in session.execute(
        select(Achievement.id, Achievement.language_of_id).where(
            Achievement.language_of_id.in_(sorted(firsts))
        )
    ):
        if first is not None:  # always: the query asks for versions of these
            members[first].add(ident)
    groups = {ident: frozenset(group) for group in members.values() for ident in group}
    return groups | {ident: frozenset({ident}) for ident in wanted if ident not in groups}


def with_language_versions(session: Session, ids: Iterable[int]) -> set[int]:
    """``ids`` and every language version of each (``language_groups``)."""
    return {member for group in language_groups(session, ids).values() for member in group}


def version_in(session: Session, achievement: Achievement, language: str | None) -> Achievement:
    """The language version of ``achievement`` in ``language`` (its language subtag), else
    ``achievement`` itself."""
    wanted = primary(language)
    if wanted is None or primary(achievement.language) == wanted:
        return achievement
    if achievement.language_of_id is None and not session.scalar(
        select(Achievement.id).where(Achievement.language_of_id == achievement.id).limit(1)
    ):
        return achievement  # no versions: the usual case, one query
    for version in language_versions(session, achievement):
        if primary(version.language) == wanted:
            return version
    return achievement


def level_in(achievement: Achievement, version: Achievement, level: str | None) -> str | None:
    """The level ``level`` of ``achievement`` as ``version`` names it (the same place in its
    list of levels: a version names its levels in its own language)."""
    if level is None or version.id == achievement.id:
        return level
    if level in achievement.levels and len(version.levels) == len(achievement.levels):
        return version.levels[achievement.levels.index(level)]
    return level if level in version.levels else None


@dataclass
class LanguageVersionInput:
    """A language version of an achievement, as a teacher fills it in: its language and
    its text (the rest, e.g. type, competences, image, validity, comes from the first
    version). ``levels``: the first version's levels named in this language, in the same
    order (empty: the same names)."""

    language: str
    name: str
    description: str
    criteria_md: str = ""
    image_caption: str | None = None
    levels: list[str] = field(default_factory=list)

    def validate(self, first: Achievement, taken: set[str | None]) -> dict[str, str]:
        errors: dict[str, str] = {}
        self.language = self.language.strip()
        self.name = self.name.strip()
        self.description = self.description.strip()
        self.criteria_md = self.criteria_md.strip()
        self.image_caption = (self.image_caption or "").strip() or None
        if not VERSION_LANGUAGE.fullmatch(self.language):
            errors["language"] = _("Use a language code such as en, lt, ru or kk.")
        elif primary(self.language) in taken:
            errors["language"] = _("This badge already has a version in this language.")
        errors.update(_text_errors(self.name, self.description, self.criteria_md))
        if self.image_caption is not None and len(self.image_caption) > 300:
            errors["image_caption"] = _("Keep the image description under 300 characters.")
        self.levels = [lv.strip() for lv in self.levels if lv.strip()]
        if not self.levels:
            self.levels = list(first.levels)
        elif len(self.levels) != len(first.levels) or len(set(self.levels)) != len(self.levels):
            errors["levels"] = _(
                "Name each level once, in the same order (%(count)s in all).",
                count=len(first.levels),
            )
        return errors


def add_language_version(
    session: Session,
    *,
    org: Organisation,
    achievement: Achievement,
    data: LanguageVersionInput,
    actor: Actor | None = None,
) -> Achievement:
    """A new language version of ``achievement``: an achievement of its own in
    ``data.language``, with the first version's type, competences, tags, image and validity,
    linked to the others (each signs the rest into ``related[]``). Audited as a new
    achievement. Raises InvalidInput, naming the bad fields."""
    if achievement.org_id != org.id:
        raise NotFound(_("No such achievement."))
    versions = language_versions(session, achievement)
    first = versions[0]
    errors = data.validate(first, {primary(v.language) for v in versions})
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    row = Achievement(
        org_id=org.id,
        language_of_id=first.id,
        language=data.language,
        name=data.name,
        description=data.description,
        criteria_md=data.criteria_md,
        achievement_type=first.achievement_type,
        image_sha256=first.image_sha256,
        image_caption=data.image_caption,
        tags=list(first.tags),
        levels=list(data.levels),
        level_descriptions=[],
        alignment_ids=list(first.alignment_ids),
        external_alignments=list(first.external_alignments),
        validity_days=first.validity_days,
        requirement=None,
    )
    session.add(row)
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.ACHIEVEMENT_CREATE,
        subject=f"achievement:{row.public_id}",
        summary=Summary(
            "achievement.create.language",
            {"language": row.language, "name": row.name, "of": first.name},
        ),
        details={
            "achievement": row.public_id,
            "version": row.version,
            "language": row.language,
            "language_of": first.public_id,
        },
    )
    return row


def level_id(achievement: Achievement, urls: PublicUrls, level: str) -> str:
    return (
        f"{urls.achievement(achievement.public_id)}#level-{uuid.uuid5(uuid.NAMESPACE_URL, level)}"
    )


def level_descriptions(achievement: Achievement) -> list[str]:
    """One description per level ("" where there is none): the column may be shorter."""
    texts = list(achievement.level_descriptions or [])
    return [texts[i] if i < len(texts) else "" for i in range(len(achievement.levels))]


def rubric_id(achievement: Achievement, urls: PublicUrls) -> str:
    return f"{urls.achievement(achievement.public_id)}#levels"


def achievement_model(
    session: Session, achievement: Achievement, org: Organisation, urls: PublicUrls
) -> model.Achievement:
    """The OB 3.0 Achievement as it is embedded in credentials and served at its URL."""
    alignment: list[model.Alignment] = []
    ids = achievement.alignment_ids
    if ids:
        for item in session.scalars(
            select(FrameworkItem).where(FrameworkItem.id.in_(ids)).order_by(FrameworkItem.id)
        ):
            alignment.append(
                model.Alignment(
                    target_name=item.name,
                    target_url=item.url
                    or item.framework.url
                    or urls.achievement(achievement.public_id),
                    target_code=item.code,
                    target_description=item.description or None,
                    target_framework=item.framework.name,
                    target_type="CFItem" if item.framework.url else None,
                )
            )
    for link in achievement.external_alignments:
        alignment.append(model.Alignment(target_name=link["name"], target_url=link["url"]))
    results = []
    levels = achievement.levels
    if levels:
        results.append(
            model.ResultDescription(
                id=rubric_id(achievement, urls),
                name="Level reached",
                rubric_criterion_level=[
                    model.RubricCriterionLevel(
                        id=level_id(achievement, urls, lv),
                        name=lv,
                        level=str(number),
                        description=description or None,
                    )
                    for number, (lv, description) in enumerate(
                        zip(levels, level_descriptions(achievement), strict=True), start=1
                    )
                ],
            )
        )
    related = [
        model.Related(
            id=urls.achievement(other.public_id),
            in_language=other.language,
            version=str(other.version),
            name=other.name,
            description=other.description,
            narrative=other.criteria_md or None,
        )
        for other in language_versions(session, achievement)
        if other.id != achievement.id
    ]
    return model.Achievement(
        id=urls.achievement(achievement.public_id),
        name=achievement.name,
        description=achievement.description,
        criteria=model.Criteria(
            id=urls.achievement(achievement.public_id) + "#criteria",
            narrative=achievement.criteria_md or None,
        ),
        achievement_type=achievement.achievement_type,
        image=model.Image(
            id=urls.image(achievement.image_sha256), caption=achievement.image_caption
        )
        if achievement.image_sha256
        else None,
        alignment=alignment,
        result_description=results,
        tag=list(achievement.tags),
        in_language=achievement.language,
        related=related,
        creator=issuer_profile(org, urls),
        version=str(achievement.version),
    )


def create_framework(
    session: Session,
    *,
    org: Organisation,
    name: str,
    url: str | None,
    items_text: str,
    description: str = "",
) -> Framework:
    """A custom competence framework of ``org``; items are lines ``code | name | url``.

    Raises InvalidInput naming the bad fields (e.g. the line of a bad item).
    """
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > 200:
        errors["name"] = _("Give the framework a name of at most 200 characters.")
    elif session.scalar(
        select(Framework.id).where(Framework.org_id == org.id, Framework.name == name)
    ):
        errors["name"] = _("Your organisation already has a framework with this name.")
    if url and not re.match(r"https?://\S+$", url.strip()):
        errors["url"] = _("The link must start with https:// or http://.")
    items: list[tuple[str | None, str, str | None]] = []
    for number, line in enumerate(items_text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        code, item_name, link = [*parts, "", "", ""][:3] if len(parts) > 1 else ("", parts[0], "")
        if not item_name or len(item_name) > 200 or (link and not re.match(r"https?://\S+$", link)):
            errors["items"] = _(
                "Line %(number)s: write code | name | https://link (code and link optional).",
                number=number,
            )
            break
        items.append((code or None, item_name, link or None))
    if not items and "items" not in errors:
        errors["items"] = _("List at least one competence, one per line.")
    if len(items) > 200:
        errors["items"] = _("At most 200 competences.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    framework = Framework(
        org_id=org.id, name=name, url=(url or "").strip() or None, description=description.strip()
    )
    session.add(framework)
    session.flush()
    for item_code, item_title, item_link in items:
        session.add(
            FrameworkItem(framework_id=framework.id, code=item_code, name=item_title, url=item_link)
        )
    session.flush()
    return framework


def _text_errors(name: str, description: str, criteria_md: str) -> dict[str, str]:
    """The limits on an achievement's texts, the same for the first version and the others."""
    errors: dict[str, str] = {}
    if not name or len(name) > 200:
        errors["name"] = _("Give a name of at most 200 characters.")
    if not description:
        errors["description"] = _("Describe what the badge recognises.")
    elif len(description) > 5000:
        errors["description"] = _("Keep the description under 5,000 characters.")
    if len(criteria_md) > 20000:
        errors["criteria_md"] = _("Keep the criteria under 20,000 characters.")
    return errors
