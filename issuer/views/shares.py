"""Sharing: a learner's share links, the shared page, guardians' consent, the school's view.

- /portfolio/shares: the signed-in learner's links (create, QR code, withdraw), their birth
  date and the guardian's consent when a school asks for it.
- /s/<public_id>: the shared portfolio, for anyone with the link, while it is live; its
  evidence files under it. Anything else (withdrawn, expired, a minor's without consent,
  never existed) is the same 404.
- /guardian/<token>: a guardian reads what consenting means, consents or withdraws.
- /staff/<slug>/shared: the portfolios learners shared with the school (its staff only);
  /staff/<slug>/settings: the school's consent age (its admins only).

Every page here is personal: ``Cache-Control: private, no-store`` and noindex.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from ..errors import InvalidInput
from ..i18n import endonym, languages
from ..models import Learner, Role, ShareLink, ShareScope
from ..models.base import now_utc
from ..services import shares as service
from ..services.competences import achieved_level, badges_of, build_map
from ..services.imports import (
    as_signed,
    card_of,
    imported_badges,
    refresh_status,
    status_reason,
)
from ..services.orgs import set_default_language
from ..services.portfolio import PortfolioCard, portfolio_cards
from ..services.text import local_day, render_markdown
from ..translate import _
from ..web import (
    actor,
    current_learner,
    dbs,
    import_tools,
    learner_required,
    login_required,
    urls,
)
from .common import form_errors, staff_org

bp = Blueprint("shares", __name__)


def _private(body: Any, status: int = 200) -> Response:
    """A personal page or file: never kept by a shared cache, never indexed."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _learner() -> Learner:
    learner = current_learner()
    assert learner is not None  # learner_required
    return learner


def share_url(public_id: str) -> str:
    """The public link of a share (what its QR code holds)."""
    return f"{urls().base}/s/{public_id}"


def _verify_url(credential_url: str) -> str:
    verifier = current_app.config["VERIFIER_URL"] or request.host_url
    return f"{verifier.rstrip('/')}/verify?url={quote(credential_url, safe='')}"


def badge_status(card: PortfolioCard) -> tuple[str, str]:
    """The badge's live status: (css class, text). Never hidden, always said."""
    if card.status == "revoked":
        if card.revoked_at:
            return "revoked", _("Revoked on %(date)s", date=local_day(card.revoked_at))
        return "revoked", _("Revoked")
    if card.status == "suspended":
        return "revoked", _("Suspended by the issuer")
    if card.status == "expired":
        if card.valid_until:
            return "expired", _("Expired on %(date)s", date=local_day(card.valid_until))
        return "expired", _("Expired")
    return "valid", _("Active")


def _badge(card: PortfolioCard) -> dict[str, Any]:
    """What a list of badges shows: its card (read by column, as signed)."""
    css, status = badge_status(card)
    url = urls().credential(card.public_id)
    return {
        "card": card,
        "public_id": card.public_id,
        "name": card.name,
        "description": card.description,
        "issuer": card.school,
        "image": card.image,
        "level": card.level.name if card.level else None,
        "status_class": css,
        "status": status,
        "issued": card.issued or card.awarded,
        "valid_until": card.valid_until,
        "revoked_at": card.revoked_at,
        "url": url,
        "verify_url": _verify_url(url),
    }


# -- the learner's own page --------------------------------------------------------------------


def _manage_page(
    learner: Learner, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    session = dbs()
    now = now_utc()
    cards = portfolio_cards(session, learner, now)
    names = {card.award_id: card.name for card in cards}
    allowed = service.may_share(session, learner, now.date())
    imported = imported_badges(session, learner)
    imported_names = {row.id: row.name for row in imported}
    shares = [
        {
            "share": share,
            "state": service.share_state(session, share, learner, now, allowed=allowed),
            "url": share_url(share.public_id),
            "badges": [names[i] for i in share.award_ids or [] if i in names]
            + [imported_names[i] for i in share.imported_ids or [] if i in imported_names],
        }
        for share in service.learner_shares(session, learner)
    ]
    # the links that open (or will, once consented) first; withdrawn and expired ones after
    shares.sort(key=lambda item: item["state"] in ("withdrawn", "expired"))
    schools = service.awarding_schools(session, learner)
    age = service.consent_age(session, learner)
    return _private(
        render_template(
            "issuer/portfolio/shares.html",
            section="shares",
            learner=learner,
            badges=[_badge(card) for card in cards],
            imported=imported,
            shares=shares,
            schools=schools,
            consent_age=age,
            minor=service.is_minor(session, learner, now.date()),
            consent=service.active_consent(session, learner),
            requests=service.consent_requests(session, learner) if age else [],
            values=values,
            errors=errors,
            created=request.args.get("created"),
            notice=request.args.get("notice"),
        ),
        status,
    )


@bp.route("/portfolio/shares", methods=["GET", "POST"])
@learner_required
def manage() -> Any:
    learner = _learner()
    if request.method == "GET":
        return _manage_page(learner, {"scope": ShareScope.PORTFOLIO}, {})
    form = request.form
    data = service.ShareInput(
        title=form.get("title", ""),
        scope=form.get("scope", ShareScope.PORTFOLIO),
        award_ids=form.getlist("award_ids"),
        imported_ids=form.getlist("imported_ids"),
        include_reflections=form.get("include_reflections") == "1",
        include_evidence=form.get("include_evidence") == "1",
        org_slug=form.get("org", ""),
        expires_on=form.get("expires_on", ""),
    )
    try:
        share = service.create_share(dbs(), learner, data)
    except InvalidInput as exc:
        values = form.to_dict() | {
            "award_ids": form.getlist("award_ids"),
            "imported_ids": form.getlist("imported_ids"),
        }
        return _manage_page(learner, values, form_errors(exc), 400)
    return redirect(url_for("shares.manage", created=share.public_id) + f"#share-{share.public_id}")


@bp.post("/portfolio/shares/<public_id>/withdraw")
@learner_required
def withdraw(public_id: str) -> Any:
    service.withdraw_share(dbs(), _learner(), public_id)
    return redirect(url_for("shares.manage", notice="withdrawn"))


@bp.get("/portfolio/shares/<public_id>/qr.svg", defaults={"kind": "svg"}, endpoint="qr")
@bp.get("/portfolio/shares/<public_id>/qr.png", defaults={"kind": "png"}, endpoint="qr_png")
@learner_required
def qr(public_id: str, kind: str) -> Any:
    """The QR code of one of the learner's live links (SVG on the page, PNG to print)."""
    from badges import qr as qr_codes

    learner = _learner()
    share = service.learner_share(dbs(), learner, public_id)
    if service.share_state(dbs(), share, learner) in ("withdrawn", "expired"):
        abort(404)
    body = qr_codes.cached_qr(share_url(share.public_id), kind)
    response = _private(body)
    response.mimetype = "image/svg+xml" if kind == "svg" else "image/png"
    if kind == "png":
        response.headers["Content-Disposition"] = (
            f'attachment; filename="share-qr-{share.public_id}.png"'
        )
    return response


@bp.post("/portfolio/shares/birth-date")
@learner_required
def birth_date() -> Any:
    learner = _learner()
    try:
        service.set_birth_date(dbs(), learner, request.form.get("birth_date", ""))
    except InvalidInput as exc:
        return _manage_page(learner, {"scope": ShareScope.PORTFOLIO}, form_errors(exc), 400)
    return redirect(url_for("shares.manage", notice="birth-date") + "#consent")


@bp.post("/portfolio/shares/guardian")
@learner_required
def ask_guardian() -> Any:
    learner = _learner()
    try:
        service.request_consent(dbs(), learner, request.form.get("guardian_email", ""), urls())
    except InvalidInput as exc:
        values = {
            "scope": ShareScope.PORTFOLIO,
            "guardian_email": request.form.get("guardian_email", ""),
        }
        return _manage_page(learner, values, form_errors(exc), 400)
    return redirect(url_for("shares.manage", notice="consent-asked") + "#consent")


# -- the shared page ------------------------------------------------------------------------------


def _evidence_link(share: ShareLink, link: str | None) -> str | None:
    """Where a signed evidence entry (its id) links from a shared page: our evidence files
    through the share (so they open for its viewers), other web links as they are."""
    if link is None or not link.startswith(("https://", "http://")):
        return None
    prefix = urls().evidence_file("")
    if link.startswith(prefix):
        return url_for("shares.shared_file", public_id=share.public_id, file_id=link[len(prefix) :])
    return link


@bp.get("/s/<public_id>")
def shared(public_id: str) -> Any:
    session = dbs()
    share, learner = service.live_share(session, public_id)
    viewer = current_learner()
    if viewer is None or viewer.id != learner.id:  # the learner checking their own link: no view
        service.count_view(session, share)
    now = now_utc()
    cards = service.shared_cards(session, share, learner, now)
    ids = [card.award_id for card in cards if card.award_id is not None]
    replaced = {card.reissue_of_id for card in cards if card.reissue_of_id is not None}
    imported = service.shared_imported(session, share, learner)
    refresh_status(session, imported, import_tools())  # checked again as they are shown
    # the competence map of the same badges (a re-issued copy shown stands for its original
    # there; imported badges among them); its links lead to the badge below
    drawn = [card for card in cards if card.award_id not in replaced]
    drawn += [card_of(row) for row in imported]
    competences = build_map(
        badges_of(
            session,
            sorted(drawn, key=lambda card: card.awarded, reverse=True),
            href=lambda card: f"#badge-{card.public_id}",
        )
    )
    reflections = (
        service.reflections_for(session, learner, ids) if share.include_reflections else {}
    )
    own = service.learner_evidence_for(session, learner, ids) if share.include_evidence else {}
    badges = []
    for card in cards:
        badge = _badge(card)
        badge["replaced"] = card.award_id in replaced
        reflection = reflections.get(card.award_id or 0)
        badge["reflection_html"] = (
            Markup(render_markdown(reflection))  # noqa: S704 (sanitised by nh3)
            if reflection is not None
            else None
        )
        badge["teacher_evidence"] = (
            [
                {
                    "name": name or narrative or link or "Evidence",
                    "narrative": narrative if name else None,
                    "link": _evidence_link(share, link),
                }
                for link, name, narrative in card.evidence
            ]
            if share.include_evidence
            else []
        )
        badge["own_evidence"] = [
            {
                "title": row.title,
                "link": row.url
                if row.url and row.url.startswith(("https://", "http://"))
                else (
                    url_for(
                        "shares.shared_own_file", public_id=share.public_id, file_id=row.public_id
                    )
                    if row.filename
                    else None
                ),
                "file": bool(row.filename) and not row.url,
            }
            for row in own.get(card.award_id or 0, [])
        ]
        badges.append(badge)
    return _private(
        render_template(
            "issuer/shared.html",
            share=share,
            learner=learner,
            badges=badges,
            imported=[
                {
                    "row": row,
                    "status_reason": status_reason(row),
                    "level": achieved_level(as_signed(row)),
                    "verify_url": _verify_url(row.source_url) if row.source_url else None,
                }
                for row in imported
            ],
            map=competences,
            shared_on=share.created_at,
        )
    )


def _file(data: bytes, content_type: str, filename: str) -> Response:
    response = _private(data)
    response.mimetype = content_type or "application/octet-stream"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/s/<public_id>/evidence/<file_id>")
def shared_file(public_id: str, file_id: str) -> Any:
    """A teacher's evidence file of a shared badge, while the link lives and includes it."""
    share, learner = service.live_share(dbs(), public_id)
    row = service.shared_file(dbs(), share, learner, file_id, urls())
    return _file(row.data, row.content_type, service.download_name(row.filename))


@bp.get("/s/<public_id>/imported/<badge_id>")
def shared_imported(public_id: str, badge_id: str) -> Any:
    """An imported badge of a shared page, exactly as received (to verify it anywhere)."""
    share, learner = service.live_share(dbs(), public_id)
    row = next(
        (r for r in service.shared_imported(dbs(), share, learner) if r.public_id == badge_id),
        None,
    )
    if row is None:
        abort(404)
    extension = {"image/png": "png", "image/svg+xml": "svg", "application/json": "json"}
    return _file(
        row.received,
        row.received_type,
        f"badge-{row.public_id}.{extension.get(row.received_type, 'jwt')}",
    )


@bp.get("/s/<public_id>/own-evidence/<file_id>")
def shared_own_file(public_id: str, file_id: str) -> Any:
    """A file the learner added as evidence, while the link lives and includes evidence."""
    share, learner = service.live_share(dbs(), public_id)
    row = service.shared_learner_file(dbs(), share, learner, file_id)
    assert row.data is not None
    return _file(
        row.data,
        row.content_type or "application/octet-stream",
        service.download_name(row.filename),
    )


# -- a guardian's consent -------------------------------------------------------------------------


@bp.route("/guardian/<token>", methods=["GET", "POST"])
def guardian(token: str) -> Any:
    session = dbs()
    row = service.consent_by_token(session, token)
    error = None
    status = 200
    if request.method == "POST":
        choice = request.form.get("choice")
        try:
            if choice == "consent":
                service.grant_consent(session, token)
            elif choice == "withdraw":
                service.withdraw_consent(session, token)
            else:
                raise InvalidInput(_("Choose to consent or to withdraw consent."))
        except InvalidInput as exc:
            error, status = form_errors(exc).get("form"), 400
            row = service.consent_by_token(session, token)
        else:
            return redirect(url_for("shares.guardian", token=token, done=choice))
    learner = session.get(Learner, row.learner_id)
    assert learner is not None
    return _private(
        render_template(
            "issuer/guardian.html",
            token=token,
            consent=row,
            state=service.consent_state(row),
            in_force=service.active_consent(session, learner) is not None,
            learner=learner,
            schools=service.awarding_schools(session, learner),
            error=error,
            done=request.args.get("done"),
        ),
        status,
    )


# -- the school --------------------------------------------------------------------------------


@bp.get("/staff/<slug>/shared")
@login_required
def school_shares(slug: str) -> Any:
    """The portfolios learners shared with this school: its staff only (404 for others)."""
    _user, org, role = staff_org(slug)
    rows = service.shares_with_school(dbs(), org)
    return _private(
        render_template(
            "issuer/school_shares.html",
            org=org,
            role=role,
            rows=[(share, learner, share_url(share.public_id)) for share, learner in rows],
        )
    )


@bp.route("/staff/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> Any:
    """The school's settings (its admins only): the age below which a guardian consents."""
    _user, org, role = staff_org(slug)
    if role != Role.ADMIN:
        abort(404)
    errors: dict[str, str] = {}
    value = "" if org.consent_age is None else str(org.consent_age)
    language = org.default_language
    status = 200
    if request.method == "POST":
        value = request.form.get("consent_age", "")
        language = request.form.get("default_language", org.default_language)
        try:
            service.set_consent_age(dbs(), org, value, actor())
            set_default_language(dbs(), org, language, offered=languages(), actor=actor())
        except InvalidInput as exc:
            errors, status = form_errors(exc), 400
        else:
            return redirect(url_for("shares.settings", slug=org.slug, saved=1))
    return _private(
        render_template(
            "issuer/org_settings.html",
            org=org,
            role=role,
            value=value,
            language=language,
            language_choices=[(code, endonym(code)) for code in languages()],
            errors=errors,
            saved=request.args.get("saved"),
            max_age=service.MAX_CONSENT_AGE,
        ),
        status,
    )
