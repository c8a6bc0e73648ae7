"""/achievements: an organisation's badge classes, listed, created, read and changed."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from ..models import Achievement
from ..services import achievements as achievement_service
from ..services.achievements import AchievementInput, level_descriptions
from ..translate import _
from ..web import actor, dbs
from .plumbing import answer, body, bp, errors, idempotent, load, next_link, org, posted
from .plumbing import request_body as documents_body
from .schemas import (
    AchievementPageSchema,
    AchievementSchema,
    LanguageVersionSchema,
    LanguageVersionsSchema,
    PageQuerySchema,
)

TAGS = ["achievements"]
READ_ONLY = ("id", "url", "image_url", "language_of", "version", "created_at")
# one schema, read three ways: what the API writes, and what it reads to create or change one
ACHIEVEMENT = AchievementSchema()
CREATE = AchievementSchema(exclude=READ_ONLY)
UPDATE = AchievementSchema(exclude=READ_ONLY, partial=True)
PAGE = AchievementPageSchema()
VERSION = LanguageVersionSchema()
VERSIONS = LanguageVersionsSchema()


def achievement_input(sent: dict[str, Any], current: Achievement | None) -> AchievementInput:
    """The service input from a JSON body; with ``current``, absent fields keep its values."""
    values, problems = load(UPDATE if current is not None else CREATE, sent)
    if current is None:
        data = AchievementInput(name="", description="")
    else:
        data = AchievementInput(
            name=current.name,
            description=current.description,
            criteria_md=current.criteria_md,
            achievement_type=current.achievement_type,
            tags=list(current.tags),
            levels=list(current.levels),
            level_descriptions=level_descriptions(current),
            alignment_ids=list(current.alignment_ids),
            external_alignments=[dict(a) for a in current.external_alignments],
            validity_days=current.validity_days,
            language=current.language,
            image_caption=current.image_caption,
        )
    for name, value in values.items():
        if name != "image" or value is not None:  # a null image: none given
            setattr(data, name, value)
    if current is not None and "levels" in values and "level_descriptions" not in sent:
        # new levels, descriptions not given: each kept level keeps its description
        kept = dict(zip(current.levels, level_descriptions(current), strict=True))
        data.level_descriptions = [kept.get(level.strip(), "") for level in data.levels]
    if problems:
        # with the service's own checks of the values given, so every problem shows at once
        raise InvalidInput(
            _("Please correct the marked fields."), fields=data.validate() | problems
        )
    return data


@bp.route("/achievements", methods=["GET"], tags=TAGS)
@bp.doc(operationId="listAchievements")
@bp.arguments(PageQuerySchema, location="query", unknown=None, error_status_code=400)
@bp.response(200, PAGE, description="One page.")
@errors(400, 401)
def list_achievements(query: dict[str, Any]) -> Any:
    """The organisation's achievements, newest first"""
    limit = query["limit"]
    rows = achievement_service.list_achievements(
        dbs(), org(), limit=limit + 1, before=query.get("cursor")
    )
    rows, link = next_link(rows, limit)
    return answer(PAGE.dump({"achievements": rows, "next": link}))


@bp.route("/achievements", methods=["POST"], tags=TAGS)
@bp.doc(operationId="createAchievement")
@documents_body(CREATE)
@bp.response(201, ACHIEVEMENT, description="Created.")
@posted
@idempotent
def create_achievement(sent: dict[str, Any]) -> tuple[Any, int]:
    """Create an achievement (a badge class)"""
    row = achievement_service.create_achievement(
        dbs(), org=org(), data=achievement_input(sent, None), actor=actor()
    )
    return ACHIEVEMENT.dump(row), 201


@bp.route("/achievements/<achievement_id>", methods=["GET"], tags=TAGS)
@bp.doc(operationId="getAchievement")
@bp.response(200, ACHIEVEMENT, description="The achievement.")
@errors(401, 404)
def get_achievement(achievement_id: str) -> Any:
    """One achievement"""
    return answer(
        ACHIEVEMENT.dump(achievement_service.get_achievement(dbs(), achievement_id, org=org()))
    )


@bp.route("/achievements/<achievement_id>", methods=["PATCH"], tags=TAGS)
@bp.doc(operationId="updateAchievement")
@documents_body(UPDATE)
@bp.response(200, ACHIEVEMENT, description="The achievement as it is now.")
@errors(400, 401, 404, 413)
def update_achievement(achievement_id: str) -> Any:
    """Change some fields of an achievement (badges already awarded keep what they were signed with)

    Only the fields given change; the version goes up by one.
    """
    own = org()
    row = achievement_service.get_achievement(dbs(), achievement_id, org=own)
    data = achievement_input(body(), row)
    achievement_service.update_achievement(
        dbs(), achievement=row, org=own, data=data, actor=actor()
    )
    return answer(ACHIEVEMENT.dump(row))


@bp.route("/achievements/<achievement_id>/languages", methods=["GET"], tags=TAGS)
@bp.doc(operationId="listLanguageVersions")
@bp.response(200, VERSIONS, description="The versions.")
@errors(401, 404)
def list_language_versions(achievement_id: str) -> Any:
    """The language versions of an achievement (itself among them)

    Each is an achievement of its own, signed with its language (``inLanguage``) and naming
    the others in ``related[]``; a learner is awarded the version in their language.
    """
    row = achievement_service.get_achievement(dbs(), achievement_id, org=org())
    return answer(VERSIONS.dump({"versions": achievement_service.language_versions(dbs(), row)}))


@bp.route("/achievements/<achievement_id>/languages", methods=["POST"], tags=TAGS)
@bp.doc(operationId="addLanguageVersion")
@documents_body(VERSION)
@bp.response(201, ACHIEVEMENT, description="The new language version.")
@errors(404)
@posted
@idempotent
def add_language_version(sent: dict[str, Any], achievement_id: str) -> tuple[Any, int]:
    """Add a language version of an achievement"""
    own = org()
    row = achievement_service.get_achievement(dbs(), achievement_id, org=own)
    values, problems = load(VERSION, sent)
    data = achievement_service.LanguageVersionInput(
        language=values.get("language", ""),
        name=values.get("name", ""),
        description=values.get("description", ""),
        criteria_md=values.get("criteria_md", ""),
        image_caption=values.get("image_caption"),
        levels=list(values.get("levels", [])),
    )
    if problems:
        raise InvalidInput("Please correct the marked fields.", fields=problems)
    added = achievement_service.add_language_version(
        dbs(), org=own, achievement=row, data=data, actor=actor()
    )
    return ACHIEVEMENT.dump(added), 201
