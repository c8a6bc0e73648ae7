"""The staff dashboard: an organisation's achievements, awards and outbox."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..models import Achievement, Award, OutboxMessage
from ..services import search
from ..services.accounts import organisations_of
from ..web import current_user, dbs, login_required
from .common import staff_org
from .forms import page_number

bp = Blueprint("staff", __name__, url_prefix="/staff")
PAGE = 50
# a claim link in a message body (urls.claim): "<base>/claim/<token>"
CLAIM_LINK = re.compile(r"\S+/claim/[A-Za-z0-9_-]+")
CLAIM_SENT = "(claim link sent by email)"


def outbox_body(message: OutboxMessage) -> str:
    """A message as the staff outbox shows it. Once the mail server has taken the message
    (sent_at set), its claim link is masked: any member of staff reading the outbox could
    otherwise claim a pupil's badge into their own learner account. A message not sent keeps
    its link, since staff print it or pass it on to the learner."""
    if message.sent_at is None:
        return message.body
    return CLAIM_LINK.sub(CLAIM_SENT, message.body)


@bp.get("/")
@login_required
def dashboard() -> Any:
    user = current_user()
    assert user is not None
    orgs = organisations_of(dbs(), user)
    if len(orgs) == 1 and not user.is_platform_admin:
        return redirect(url_for("staff.org_home", slug=orgs[0].slug))
    return render_template("issuer/dashboard.html", organisations=orgs)


@bp.get("/<slug>")
@login_required
def org_home(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    achievements = (
        dbs()
        .scalars(select(Achievement).where(Achievement.org_id == org.id).order_by(Achievement.name))
        .all()
    )
    # awarded = held now (not revoked); revoked ones are counted apart
    counts: dict[int, int] = {}
    revoked: dict[int, int] = {}
    for achievement_id, is_revoked, number in dbs().execute(
        select(Award.achievement_id, Award.revoked_at.is_not(None), func.count())
        .where(Award.org_id == org.id)
        .group_by(Award.achievement_id, Award.revoked_at.is_not(None))
    ):
        (revoked if is_revoked else counts)[achievement_id] = number
    return render_template(
        "issuer/org_home.html",
        org=org,
        role=role,
        achievements=achievements,
        counts=counts,
        revoked=revoked,
    )


@bp.get("/<slug>/awards")
@login_required
def awards(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    page = page_number(request.args.get("page"))
    query = select(Award).where(Award.org_id == org.id)
    q = request.args.get("q", "").strip()
    matching = search.contains(Award.learner_name_search, q)
    if matching is not None:
        query = query.where(matching)
    # newest first; the id breaks ties (a class signed in the same second) so pages are stable
    rows = (
        dbs()
        .scalars(
            query.order_by(Award.issued_at.desc(), Award.id.desc())
            .offset((page - 1) * PAGE)
            .limit(PAGE + 1)
        )
        .all()
    )
    return render_template(
        "issuer/awards.html",
        org=org,
        role=role,
        awards=rows[:PAGE],
        page=page,
        more=len(rows) > PAGE,
        q=q,
    )


@bp.get("/<slug>/outbox")
@login_required
def outbox(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    messages = (
        dbs()
        .scalars(
            select(OutboxMessage)
            .where(OutboxMessage.org_id == org.id)
            .order_by(OutboxMessage.id.desc())
            .limit(500)
        )
        .all()
    )
    return render_template(
        "issuer/outbox.html",
        org=org,
        role=role,
        messages=[(message, outbox_body(message)) for message in messages],
    )
