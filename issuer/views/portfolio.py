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
from ..services.imports import imported_cards
from ..services.learners import learner_award
from ..services.network import school_year_label
from ..services.portfolio import portfolio_page
from ..services.steering import get_reflection
from ..services.text import render_markdown
from ..translate import _
from ..web import current_learner, dbs, import_tools, learner_required
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
    # "²".isdigit() is true, yet no int: only ASCII digits name a year or a page; others
    # show all years, the first page (a page past the last shows the last)
    chosen = request.args.get("year", "")
    number = request.args.get("page", "")
    wanted = int(chosen) if re.fullmatch(r"[0-9]{4}", chosen) else None
    shown = portfolio_page(
        dbs(),
        learner,
        year=wanted,
        page=int(number) if re.fullmatch(r"[0-9]{1,6}", number) else 1,
    )
    # badges brought in from other issuers: their own list on the first page (checked again)
    imported = imported_cards(dbs(), learner, tools=import_tools())
    years = sorted(set(shown.years) | {card.school_year for card in imported}, reverse=True)
    year = wanted if wanted in years else None
    cards = shown.cards
    if year is not None:
        imported = [card for card in imported if card.school_year == year]
        if shown.year != year:  # a year of imported badges only
            cards = []
    return render_template(
        "issuer/portfolio/home.html",
        section="badges",
        learner=learner,
        shown=shown,
        cards=cards,
        imported=imported if shown.page == 1 else [],
        imported_count=len(imported),
        total=shown.total,
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
