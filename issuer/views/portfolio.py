"""A learner's portfolio: their badges (/portfolio/) and each badge in full.

Only the signed-in learner's own badges: another learner's badge answers 404, exactly like
one that does not exist. Private pages: Cache-Control private, no-store, and noindex.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from ..errors import NotFound
from ..models import Organisation
from ..models.base import now_utc
from ..services.competences import badge_status
from ..services.learners import learner_award
from ..services.network import school_year_label
from ..services.portfolio import portfolio_cards
from ..services.steering import get_reflection
from ..services.text import render_markdown
from ..translate import _
from ..web import current_learner, dbs, learner_required
from .common import award_view

bp = Blueprint("portfolio", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/portfolio/")
@learner_required
def home() -> Any:
    learner = current_learner()
    assert learner is not None
    cards = portfolio_cards(dbs(), learner)
    years = sorted({card.school_year for card in cards}, reverse=True)
    chosen = request.args.get("year", "")
    # "²".isdigit() is true, yet no int: only four ASCII digits name a year; others show all
    year = int(chosen) if re.fullmatch(r"[0-9]{4}", chosen) and int(chosen) in years else None
    shown = [card for card in cards if year is None or card.school_year == year]
    return render_template(
        "issuer/portfolio/home.html",
        section="badges",
        learner=learner,
        cards=shown,
        total=len(cards),
        years=[(y, school_year_label(y)) for y in years],
        year=year,
        year_label=school_year_label(year) if year is not None else None,
    )


@bp.get("/portfolio/badges/<public_id>")
@learner_required
def badge(public_id: str) -> Any:
    learner = current_learner()
    assert learner is not None
    award = learner_award(dbs(), learner, public_id)
    if award is None:
        raise NotFound(_("No such badge in your portfolio."))
    view = award_view(award)
    org = dbs().get(Organisation, award.org_id)
    verifier = current_app.config["VERIFIER_URL"] or request.host_url
    reflection = get_reflection(dbs(), learner, award)
    return render_template(
        "issuer/portfolio/badge.html",
        section="badges",
        school=org,
        status=badge_status(award, now_utc()),
        verify_url=f"{verifier.rstrip('/')}/verify?url={view['url']}",
        reflection_html=Markup(render_markdown(reflection.body_md))  # noqa: S704 (nh3)
        if reflection is not None
        else None,
        **view,
    )
