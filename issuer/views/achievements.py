"""Staff pages for achievements: list, create, edit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from badges.languages import language_name, primary

from ..errors import InvalidInput
from ..i18n import languages as offered_languages
from ..models import Achievement, Framework
from ..services.achievements import (
    DEFAULT_LEVELS,
    LanguageVersionInput,
    add_language_version,
    create_achievement,
    create_framework,
    get_achievement,
    language_versions,
    level_descriptions,
    type_choices,
    update_achievement,
)
from ..services.pathways import achievement_ids as required_ids
from ..services.pathways import describe, names_of
from ..web import actor, dbs, login_required
from .common import form_errors, staff_org
from .forms import (
    achievement_input,
    form_levels,
    level_description_fields,
    level_rows,
    pathway_values,
)

bp = Blueprint("achievements", __name__, url_prefix="/staff/<slug>/achievements")


def _frameworks(org_id: int) -> list[Framework]:
    return list(
        dbs().scalars(
            select(Framework)
            .where((Framework.org_id.is_(None)) | (Framework.org_id == org_id))
            .order_by(Framework.id)
        )
    )


def _form(
    org: Any,
    role: str,
    achievement: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    levels: list[tuple[str, str]] | None = None,
) -> Any:
    return (
        render_template(
            "issuer/achievement_form.html",
            org=org,
            role=role,
            achievement=achievement,
            values=values,
            errors=errors,
            # the school's few types; an achievement's other type stays on offer for it
            types=type_choices(
                achievement.achievement_type
                if achievement is not None
                else values.get("achievement_type")
            ),
            frameworks=_frameworks(org.id),
            # one description field per level: the stored ones, or what was just sent
            level_rows=levels
            if levels is not None
            else level_rows(form_levels(request.form), level_description_fields(request.form)),
            # a pathway requires achievements of the same organisation, never itself
            pathway_choices=[
                a
                for a in dbs().scalars(
                    select(Achievement)
                    .where(Achievement.org_id == org.id)
                    .order_by(Achievement.name, Achievement.id)
                )
                if achievement is None or a.id != achievement.id
            ],
            requirement_text=describe(
                achievement.requirement, names_of(dbs(), required_ids(achievement.requirement))
            )
            if achievement is not None and achievement.requirement
            else None,
        ),
        status,
    )


def _posted(form: Any) -> dict[str, Any]:
    """The form's values to show again after an error (the ticked lists kept whole)."""
    values: dict[str, Any] = form.to_dict(flat=True)
    return values | {
        name: form.getlist(name) for name in ("alignment_ids", "req_items", "req_sub_items")
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    if request.method == "GET":
        return _form(
            org,
            role,
            None,
            {"levels": "\n".join(DEFAULT_LEVELS), "achievement_type": "Badge", "language": "en"}
            | pathway_values(None),
            {},
            levels=[(level, "") for level in DEFAULT_LEVELS],
        )
    try:
        row = create_achievement(
            dbs(), org=org, data=achievement_input(request.form, request.files), actor=actor()
        )
    except InvalidInput as exc:
        return _form(
            org,
            role,
            None,
            _posted(request.form),
            exc.fields or {"form": exc.description},
            400,
        )
    return redirect(url_for("awards.new", slug=org.slug, achievement_id=row.public_id, created=1))


@bp.route("/<achievement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, achievement_id: str) -> Any:
    _user, org, role = staff_org(slug)
    row = get_achievement(dbs(), achievement_id, org=org)
    if request.method == "GET":
        values = {
            "name": row.name,
            "description": row.description,
            "criteria_md": row.criteria_md,
            "achievement_type": row.achievement_type,
            "tags": ", ".join(row.tags),
            "levels": "\n".join(row.levels),
            "alignment_ids": [str(i) for i in row.alignment_ids],
            "external_alignments": "\n".join(
                f"{a['name']} | {a['url']}" for a in row.external_alignments
            ),
            "validity_days": row.validity_days or "",
            "language": row.language,
            "image_caption": row.image_caption or "",
        } | pathway_values(row.requirement)
        return _form(
            org,
            role,
            row,
            values,
            {},
            levels=list(zip(row.levels, level_descriptions(row), strict=True)),
        )
    try:
        update_achievement(
            dbs(),
            achievement=row,
            org=org,
            data=achievement_input(request.form, request.files),
            actor=actor(),
        )
    except InvalidInput as exc:
        return _form(
            org,
            role,
            row,
            _posted(request.form),
            form_errors(exc),
            400,
        )
    return redirect(url_for("staff.org_home", slug=org.slug))


@bp.route("/<achievement_id>/languages", methods=["GET", "POST"])
@login_required
def languages(slug: str, achievement_id: str) -> Any:
    """An achievement's language versions, and the form that adds one."""
    _user, org, role = staff_org(slug)
    row = get_achievement(dbs(), achievement_id, org=org)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            added = add_language_version(
                dbs(),
                org=org,
                achievement=row,
                data=LanguageVersionInput(
                    language=values.get("language", ""),
                    name=values.get("name", ""),
                    description=values.get("description", ""),
                    criteria_md=values.get("criteria_md", ""),
                    image_caption=values.get("image_caption") or None,
                    levels=values.get("levels", "").splitlines(),
                ),
                actor=actor(),
            )
        except InvalidInput as exc:
            errors, status = form_errors(exc), 400
        else:
            return redirect(
                url_for(
                    "achievements.languages",
                    slug=org.slug,
                    achievement_id=row.public_id,
                    added=added.language,
                ),
                303,
            )
    versions = language_versions(dbs(), row)
    first = versions[0]
    if not values:
        values = {"levels": "\n".join(first.levels)}
    taken = {primary(v.language) for v in versions}
    added_language = request.args.get("added", "")
    return render_template(
        "issuer/achievement_languages.html",
        org=org,
        role=role,
        achievement=row,
        first=first,
        versions=versions,
        choices=[(code, language_name(code)) for code in offered_languages() if code not in taken],
        added=language_name(added_language)
        if any(v.language == added_language for v in versions)
        else None,
        values=values,
        errors=errors,
    ), status


@bp.route("/frameworks", methods=["GET", "POST"], endpoint="frameworks")
@login_required
def frameworks(slug: str) -> Any:
    """Competence frameworks: the shared ones, and the organisation's own."""
    _user, org, role = staff_org(slug)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            create_framework(
                dbs(),
                org=org,
                name=values.get("name", ""),
                url=values.get("url") or None,
                items_text=values.get("items", ""),
                description=values.get("description", ""),
            )
        except InvalidInput as exc:
            errors, status = form_errors(exc), 400
        else:
            return redirect(url_for("achievements.frameworks", slug=org.slug))
    return render_template(
        "issuer/frameworks.html",
        org=org,
        role=role,
        frameworks=_frameworks(org.id),
        errors=errors,
        values=values,
    ), status
