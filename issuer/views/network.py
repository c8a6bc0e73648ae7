"""The network view of a coordination centre: member schools and award counts per
framework area and term, on a page and as CSV (aggregates only, no learner data).

Every staff member of the centre (admin or teacher) may see it: it holds counts, never a
learner's name or address. Outsiders get 404 like any other staff page; a school gets 404
with a message saying the view is for centres.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from ..errors import InvalidInput
from ..services import network as network_service
from ..services.network import NetworkReport
from ..translate import _
from ..web import dbs, login_required
from .common import staff_org

bp = Blueprint("network", __name__, url_prefix="/staff/<slug>")
# Above this many members the page lists achievements only for the school chosen in the
# filter (a national network's full list would be thousands of rows).
ACHIEVEMENT_LIST_LIMIT = 30


def _report(slug: str) -> tuple[Any, str, NetworkReport]:
    _user, org, role = staff_org(slug)
    raw_year = request.args.get("year", "").strip()
    year: int | None = None
    if raw_year:
        try:
            year = int(raw_year.split("/", 1)[0])  # "2025" or "2025/26"
        except ValueError:
            raise InvalidInput(
                _("Choose a school year from the list."),
                fields={"year": _("Choose a school year from the list.")},
            ) from None
    school = request.args.get("school", "").strip() or None
    report = network_service.network_report(dbs(), org, school_year=year, school=school)
    return org, role, report


@bp.get("/network")
@login_required
def page(slug: str) -> Any:
    org, role, report = _report(slug)
    if request.args.get("format") == "csv":
        return _csv(org, report)
    return render_template(
        "issuer/network.html",
        org=org,
        role=role,
        report=report,
        year_label=network_service.school_year_label,
        achievement_list_limit=ACHIEVEMENT_LIST_LIMIT,
    )


@bp.get("/network.csv")
@login_required
def export(slug: str) -> Any:
    org, _role, report = _report(slug)
    return _csv(org, report)


def _csv(org: Any, report: NetworkReport) -> Response:
    parts = [org.slug]
    if report.school is not None:
        parts.append(report.school.slug)
    parts.append(
        network_service.school_year_label(report.school_year).replace("/", "-")
        if report.school_year
        else "all-years"
    )
    response = Response(network_service.report_csv(report), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="network-{"-".join(parts)}.csv"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
