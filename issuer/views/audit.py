"""The audit log page: who did what, when and from where, for an organisation's admins.

Teachers of the organisation get 403 with a message (they know the organisation exists);
outsiders get 404 like every staff page.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask import Blueprint, render_template, request

from ..errors import Forbidden, InvalidInput
from ..models import Role
from ..services import audit as audit_service
from ..translate import CATALOGUES, N_, _, current_language
from ..web import dbs, login_required
from .common import staff_org

bp = Blueprint("audit", __name__, url_prefix="/staff/<slug>")

# The filter's choices: the noun of "noun.verb" actions (any other noun is accepted too).
ACTIONS = (
    ("award", N_("Awards (issue, batch, revoke, suspend, re-issue, renew, address erased)")),
    ("achievement", N_("Achievements")),
    ("endorsement", N_("Endorsements")),
    ("token", N_("API tokens")),
    ("key", N_("Signing keys")),
    ("member", N_("People")),
    ("org", N_("School settings")),
)
# How a change was made (``Actor.via``), and the labels of the actors that are no person or
# token (``services.audit``: SYSTEM; data_rights, restore, web): stored in English, shown in
# the reader's language; a person's or a token's name is shown as it is.
VIAS = {
    "web": N_("web"),
    "api": N_("API"),
    "cli": N_("command line"),
    "system": N_("system"),
}
ACTORS = {
    "system": N_("system"),
    "anonymous": N_("anonymous"),
    "a learner (their own account)": N_("a learner (their own account)"),
    "badges restore (revocation journal)": N_("badges restore (revocation journal)"),
}
ACTION = re.compile(r"[a-z][a-z_]{0,30}(\.[a-z][a-z_]{0,30})?")


@bp.get("/audit")
@login_required
def log(slug: str) -> Any:
    _user, org, role = staff_org(slug)
    if role != Role.ADMIN:
        raise Forbidden(_("Only the organisation's admins can see its audit log."))
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 0
    if page < 1:
        raise InvalidInput(_("The page number must be a whole number from 1."))
    action = request.args.get("action", "").strip().lower()
    if action and not ACTION.fullmatch(action):
        raise InvalidInput(
            _("Filter by an action such as award or award.revoke."),
            fields={"action": _("Choose an action from the list.")},
        )
    # "award" means the award.* actions, not also a noun that merely starts with it
    prefix = action if "." in action else f"{action}." if action else None
    events, total = audit_service.events(dbs(), org, page=page, action=prefix)
    pages = max(1, math.ceil(total / audit_service.PAGE))
    language = current_language()
    catalogue = CATALOGUES.catalogue(language)
    summaries = {e.id: audit_service.summary_in(e, catalogue, language) for e in events}
    return render_template(
        "issuer/audit.html",
        org=org,
        role=role,
        events=events,
        summaries=summaries,
        vias={value: _(label) for value, label in VIAS.items()},
        actors={value: _(label) for value, label in ACTORS.items()},
        total=total,
        page=page,
        pages=pages,
        action=action,
        actions=[(value, _(label)) for value, label in ACTIONS],
        page_size=audit_service.PAGE,
    )
