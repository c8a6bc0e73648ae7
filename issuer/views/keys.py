"""Signing keys, for an organisation's admins: rotate, mark compromised, re-issue."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput
from ..models import Organisation, Role, SigningKey
from ..services import jobs
from ..services.jobs import Progress
from ..services.keys import key_overview, rotate_key
from ..services.orgs import KEY_ALGS
from ..services.reissue import (
    awaiting_reissue,
    count_awaiting,
    endorsements_awaiting,
    get_key,
    mark_compromised,
    recently_reissued,
)
from ..translate import _, current_language, ngettext
from ..web import actor, dbs, login_required, sealer, urls
from .common import form_errors, staff_org
from .progress import as_job, started, stream_job

bp = Blueprint("keys", __name__, url_prefix="/staff/<slug>")
SHOWN = 200  # badges listed on the page (all of them are re-issued)


def _admin_org(slug: str) -> tuple[Any, Organisation, str]:
    user, org, role = staff_org(slug)
    if role != Role.ADMIN:
        raise Forbidden(_("Only the organisation's administrators manage its signing keys."))
    return user, org, role


def _page(org: Organisation, role: str, status: int = 200, **extra: Any) -> Any:
    keys = key_overview(dbs(), org)
    return render_template(
        "issuer/keys.html",
        org=org,
        role=role,
        keys=keys,
        kid_of={info.row.id: info.row.kid for info in keys},
        awaiting=awaiting_reissue(dbs(), org, limit=SHOWN),
        awaiting_total=count_awaiting(dbs(), org),
        endorsements_waiting=endorsements_awaiting(dbs(), org),
        reissued=recently_reissued(dbs(), org),
        request_key=secrets.token_urlsafe(16),  # a double click submits one re-issue job
        **extra,
    ), status


@bp.get("/keys")
@login_required
def index(slug: str) -> Any:
    _user, org, role = _admin_org(slug)
    return _page(org, role)


@bp.route("/keys/rotate", methods=["GET", "POST"])
@login_required
def rotate(slug: str) -> Any:
    _user, org, role = _admin_org(slug)
    values = request.form.to_dict() if request.method == "POST" else {"alg": org.key_alg}

    def again(errors: dict[str, str]) -> Any:
        return render_template(
            "issuer/key_confirm.html",
            org=org,
            role=role,
            action="rotate",
            values=values,
            errors=errors,
            algorithms=KEY_ALGS,
        ), (400 if errors else 200)

    if request.method == "GET":
        return again({})
    if values.get("confirm") != "yes":
        return again({"confirm": _("Tick the box to confirm.")})
    alg = values.get("alg") or None
    try:
        row = rotate_key(
            dbs(), org=org, sealer=sealer(), actor=actor(), alg=alg if alg != org.key_alg else None
        )
    except InvalidInput as exc:
        return again(form_errors(exc))
    flash(
        _(
            "The new key %(kid)s signs every badge from now on. The previous key stays published while badges it signed are valid.",
            kid=row.kid,
        )
    )
    return redirect(url_for("keys.index", slug=org.slug))


def _compromise_page(
    org: Organisation, role: str, key: SigningKey, status: int = 200, **extra: Any
) -> Any:
    info = next(k for k in key_overview(dbs(), org) if k.row.id == key.id)
    return render_template(
        "issuer/key_confirm.html",
        org=org,
        role=role,
        action="compromise",
        key=info,
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        **extra,
    ), status


@bp.route("/keys/<kid>/compromise", methods=["GET", "POST"])
@login_required
def compromise(slug: str, kid: str) -> Any:
    _user, org, role = _admin_org(slug)
    key = get_key(dbs(), org, kid)
    if key.compromised_at is not None and request.method == "GET":
        return redirect(url_for("keys.index", slug=org.slug))
    if request.method == "GET":
        return _compromise_page(org, role, key)
    values = request.form.to_dict()
    if values.get("confirm") != "yes":
        return _compromise_page(
            org, role, key, 400, errors={"confirm": _("Tick the box to confirm.")}, values=values
        )
    try:
        result = mark_compromised(
            dbs(),
            org=org,
            key_row=key,
            sealer=sealer(),
            actor=actor(),
            reason=values.get("reason", ""),
        )
    except InvalidInput as exc:
        return _compromise_page(org, role, key, 400, errors=form_errors(exc), values=values)
    parts = [
        ngettext(
            "The key %(kid)s is marked compromised and no longer published: %(num)s badge it "
            "signed was revoked.",
            "The key %(kid)s is marked compromised and no longer published: %(num)s badges it "
            "signed were revoked.",
            result.revoked,
            kid=result.key.kid,
        )
    ]
    if result.withdrawn:
        parts.append(
            ngettext(
                "%(num)s endorsement was withdrawn.",
                "%(num)s endorsements were withdrawn.",
                result.withdrawn,
            )
        )
    if result.new_key is not None:
        parts.append(_("The new key %(kid)s signs from now on.", kid=result.new_key.kid))
    parts.append(_("Re-issue the badges below when you are ready."))
    flash(" ".join(parts))
    return redirect(url_for("keys.index", slug=org.slug))


@bp.post("/keys/reissue")
@login_required
def reissue(slug: str) -> Any:
    """Re-issue every badge waiting for it, in one transaction, streaming the progress."""
    user, org, role = _admin_org(slug)
    total = jobs.reissue_size(dbs(), org=org)
    if total == 0:
        return _page(org, role, 409, error=_("No badges are waiting for re-issue."))
    if as_job(total):  # many badges: a worker re-issues them; the browser watches its page
        job, new = jobs.submit_reissue(
            dbs(),
            org=org,
            request_key=request.form.get("request_key") or secrets.token_urlsafe(16),
            actor=actor(),
            created_by=user.id,
            language=current_language(),
        )
        return started(job, org.slug, new=new)
    user_id, org_id = user.id, org.id
    keyring, public, who = (
        sealer(),
        urls(),
        actor(),
    )  # read here: the work runs in a thread of its own

    def work(session: Session, progress: Progress) -> int:
        return jobs.run_reissue(
            session,
            org=session.get_one(Organisation, org_id),
            sealer=keyring,
            urls=public,
            actor=who,
            reissued_by=user_id,
            progress=progress,
        )

    return stream_job(
        "issuer/reissue_progress.html", work, name="re-issue", org=org, role=role, total=total
    )
