"""A learner's competence map and timeline (pages of the portfolio, private to them)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..services.competences import build_map, build_timeline, learner_badges
from ..services.imports import imported_cards
from ..web import current_learner, dbs, import_tools, learner_required

bp = Blueprint("competences", __name__)


def _private(page: str) -> Any:
    return page, 200, {"Cache-Control": "private, no-store"}


def _badges() -> Any:
    learner = current_learner()
    assert learner is not None  # learner_required
    imported = imported_cards(dbs(), learner, tools=import_tools())  # checked again now
    return learner_badges(dbs(), learner, extra=imported)


@bp.get("/portfolio/competences")
@learner_required
def competence_map() -> Any:
    """The learner's badges by framework and area, the highest level and its growth."""
    return _private(
        render_template(
            "issuer/portfolio/competences.html",
            section="competences",
            map=build_map(_badges()),
        )
    )


@bp.get("/portfolio/timeline")
@learner_required
def timeline() -> Any:
    """The learner's badges over school years and terms, from every school."""
    return _private(
        render_template(
            "issuer/portfolio/timeline.html",
            section="timeline",
            tl=build_timeline(_badges()),
        )
    )
