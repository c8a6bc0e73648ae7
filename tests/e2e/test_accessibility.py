"""Every page of the issuer, the portfolio and the verifier, in every language, checked by
axe-core (Deque's rules engine, pinned in tests/peers/axe/ and installed from npm on first
use): no serious or critical violation.

The pages are enumerated from the issuer's and the verifier's URL maps: each GET route is
either visited (by whom, at which path, its parameters taken from the seeded demo) or named
with the reason it is not a page (JSON, images, downloads). A new route that is in neither
list fails ``test_every_get_route_is_visited_or_not_a_page``, so no page is forgotten.

One browser, one context per language (the ``lang`` cookie chooses it, as the switcher
does) taking on each reader in turn by their cookies (each signed in once for the module),
axe-core in every document of it from the start, one seeded stack for the module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from issuer.demo import DEMO_LEARNER, demo_share
from issuer.models import Achievement, Award, Organisation, OutboxMessage, Role, SigningKey
from issuer.services import (
    accounts,
    endorsements,
    imports,
    jobs,
    learner_accounts,
    learners,
    shares,
    steering,
)
from issuer.services.awards import AwardInput
from issuer.services.keys import Sealer
from issuer.urls import PublicUrls
from tests.peers import axe_core

from .conftest import CHROMIUM, KEK, language_context, sign_in
from .test_imports import _signed_elsewhere

pytestmark = [pytest.mark.a11y, pytest.mark.slow]

LANGUAGES = ("en", "lt", "ru", "kk")
SCHOOL = "klaipeda-gymnasium"
SERIOUS = ("serious", "critical")
UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAA"  # an id nothing has: the page for it is the 404 page


@dataclass(frozen=True)
class Page:
    """A page to check: who looks at it (``anon``, ``staff`` (the platform admin, who may
    see every staff page), ``learner``), which app (``issuer`` or ``verifier``) and the path
    (a format string over the seeded ids)."""

    who: str
    path: str
    app: str = "issuer"
    status: int = 200


# every GET route of the issuer that answers with a page: endpoint -> the page visited
ISSUER_PAGES: dict[str, Page] = {
    "public.home": Page("anon", "/"),
    "auth.login": Page("anon", "/login"),
    "learners.login": Page("anon", "/learner/login"),
    "learners.register": Page("anon", "/learner/register"),
    "learners.claim": Page("anon", "/claim/{claim_token}"),
    "learners.confirm": Page("anon", "/learner/confirm/{confirm_token}"),
    "learners.sign_in": Page("anon", "/learner/sign-in/{sign_in_token}"),
    "admin.accept": Page("anon", "/invite/{invite_token}"),
    "shares.guardian": Page("anon", "/guardian/{guardian_token}"),
    "public.achievement": Page("anon", "/achievements/{achievement}"),
    "public.credential": Page("anon", "/credentials/{award}"),
    "public.organisation": Page("anon", "/orgs/{slug}"),
    "shares.shared": Page("anon", "/s/{share}"),
    "endorsements.show": Page("anon", "/endorsements/{endorsement}"),
    # staff
    "staff.dashboard": Page("staff", "/staff/"),
    "staff.org_home": Page("staff", "/staff/{slug}"),
    "achievements.new": Page("staff", "/staff/{slug}/achievements/new"),
    "achievements.edit": Page("staff", "/staff/{slug}/achievements/{achievement}/edit"),
    "achievements.frameworks": Page("staff", "/staff/{slug}/achievements/frameworks"),
    "achievements.languages": Page("staff", "/staff/{slug}/achievements/{achievement}/languages"),
    "jobs.page": Page("staff", "/staff/{slug}/jobs/{job}"),  # a class award waiting for a worker
    "awards.new": Page("staff", "/staff/{slug}/achievements/{achievement}/award"),
    "awards.bulk": Page("staff", "/staff/{slug}/achievements/{achievement}/bulk"),
    "awards.done": Page("staff", "/staff/{slug}/awards/{award}"),  # the revocation form
    "staff.awards": Page("staff", "/staff/{slug}/awards"),
    "staff.outbox": Page("staff", "/staff/{slug}/outbox"),
    "admin.organisations": Page("staff", "/admin/organisations"),
    "admin.people": Page("staff", "/staff/{slug}/people"),
    "network.page": Page("staff", "/staff/lt-aspnet/network"),
    "endorsements.index": Page("staff", "/staff/{slug}/endorsements"),
    "endorsements.new": Page("staff", "/staff/{slug}/endorsements/new"),
    "keys.index": Page("staff", "/staff/{slug}/keys"),
    "keys.rotate": Page("staff", "/staff/{slug}/keys/rotate"),
    "keys.compromise": Page("staff", "/staff/{slug}/keys/{kid}/compromise"),
    "audit.log": Page("staff", "/staff/{slug}/audit"),
    "shares.settings": Page("staff", "/staff/{slug}/settings"),
    "shares.school_shares": Page("staff", "/staff/{slug}/shared"),
    "steering.pathways": Page("staff", "/staff/{slug}/pathways"),
    "steering.pathway": Page("staff", "/staff/{slug}/pathways/{pathway}"),
    "tokens.index": Page("staff", "/staff/{slug}/tokens"),
    # the learner's portfolio
    "portfolio.home": Page("learner", "/portfolio/"),
    "portfolio.badge": Page("learner", "/portfolio/badges/{learner_award}"),
    "steering.reflection": Page("learner", "/portfolio/badges/{learner_award}/reflection"),
    "competences.competence_map": Page("learner", "/portfolio/competences"),
    "competences.timeline": Page("learner", "/portfolio/timeline"),
    "steering.goals": Page("learner", "/portfolio/goals"),
    "shares.manage": Page("learner", "/portfolio/shares"),
    "imports.import_badge": Page("learner", "/portfolio/import"),
    "imports.imported": Page("learner", "/portfolio/imported/{imported}"),
    "steering.edit_evidence": Page("learner", "/portfolio/evidence/{evidence}/edit"),
    "takeout.export_page": Page("learner", "/portfolio/export"),
    # the learner's archive, asked for and waiting for a worker
    "takeout.archive_job": Page("learner", "/portfolio/export/jobs/{archive_job}"),
    "takeout.erase_page": Page("learner", "/learner/account/erase"),
    "learners.account": Page("learner", "/learner/account"),
}

# GET routes of the issuer that answer with no page (data, images, files, redirects)
ISSUER_NOT_PAGES: dict[str, str] = {
    "public.platform_did": "JSON (DID document)",
    "public.did_document": "JSON (DID document)",
    "public.jwks": "JSON (keys)",
    "public.registry": "JSON (registry)",
    "public.org_registry": "JSON (registry)",
    "public.revocation_list": "JSON (revocation list)",
    "public.status_list": "a status list credential",
    "endorsements.status_list": "a status list credential",
    "public.credential_json": "JSON (the credential)",
    "public.credential_jwt": "a JWT",
    "public.credential_png": "a baked image",
    "public.credential_svg": "a baked image",
    "public.credential_qr": "an SVG QR code",
    "endorsements.show_json": "JSON (the endorsement)",
    "endorsements.show_jwt": "a JWT",
    "public.image": "an image",
    "public.evidence_file": "an evidence file download",
    "steering.evidence_file": "an evidence file download",
    "shares.shared_file": "an evidence file download",
    "shares.shared_own_file": "an evidence file download",
    "shares.qr": "an SVG QR code",
    "shares.qr_png": "a PNG QR code",
    "network.export": "CSV",
    "takeout.personal_data": "JSON (the learner's data)",
    "takeout.archive_job_state": "JSON (the archive job's progress, which its page polls)",
    "takeout.archive_file": "a zip download (the finished archive)",
    "imports.received": "a download (an imported badge as it was received)",
    "shares.shared_imported": "a download (a shared imported badge as it was received)",
    "api.list_achievements": "JSON API",
    "api.get_achievement": "JSON API",
    "api.list_awards": "JSON API",
    "api.get_award": "JSON API",
    "api.list_language_versions": "JSON API",
    "api.get_job": "JSON API",
    "api.openapi": "JSON API description",
    "jobs.state": "JSON (a job's progress, which its page polls)",
    "healthz": "health check",
    "readyz": "health check",
    "static": "static files",
}

VERIFIER_PAGES: dict[str, Page] = {
    "views.index": Page("anon", "/", app="verifier"),
    "views.verify_get": Page("anon", "/verify?url={credential_https}", app="verifier"),
}
VERIFIER_NOT_PAGES: dict[str, str] = {
    "views.verify": "POST only (the form's answer: the same result page as views.verify_get)",
    "language.switch": "POST only (sets the language cookie and redirects)",
    "api.verify": "JSON API",
    "api.verify_get": "JSON API",
    "api.openapi": "JSON API description",
    "healthz": "health check",
    "readyz": "health check",
    "static": "static files",
}

# more pages than one per route: other states of a page, and the error pages
EXTRA_PAGES: dict[str, Page] = {
    "issuer 404": Page("anon", "/no-such-page", status=404),
    "issuer 404 (credential)": Page("anon", "/credentials/{unknown}", status=404),
    "issuer 404 (a link no longer valid)": Page("anon", "/learner/confirm/{unknown}", status=404),
    "verifier 404": Page("anon", "/no-such-page", app="verifier", status=404),
    "verifier 400 (not a link)": Page("anon", "/verify?url=not-a-link", app="verifier", status=400),
    "verifier result: not valid": Page("anon", "/verify?url={unknown_https}", app="verifier"),
    "verifier result: revoked": Page("anon", "/verify?url={revoked_https}", app="verifier"),
    "issuer revoked badge": Page("anon", "/credentials/{revoked}"),
    "staff 403 (a teacher on the keys)": Page("teacher", "/staff/{slug}/keys", status=403),
}


def _get_endpoints(app: Any) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def _all_endpoints(app: Any) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def test_every_get_route_is_visited_or_not_a_page(stack: dict[str, Any]) -> None:
    from verifier import create_app as create_verifier

    issuer = _get_endpoints(stack["issuer_app"])
    listed = set(ISSUER_PAGES) | set(ISSUER_NOT_PAGES)
    assert not issuer - listed, f"GET routes of the issuer in no list: {sorted(issuer - listed)}"
    assert not listed - issuer, f"listed, but not routes of the issuer: {sorted(listed - issuer)}"
    assert not set(ISSUER_PAGES) & set(ISSUER_NOT_PAGES)
    verifier = _all_endpoints(create_verifier({}))
    listed = set(VERIFIER_PAGES) | set(VERIFIER_NOT_PAGES)
    assert verifier == listed, (sorted(verifier - listed), sorted(listed - verifier))


def _seeded(stack: dict[str, Any]) -> dict[str, str]:
    """The ids the pages' paths name, from the demo the stack seeded."""
    app = stack["issuer_app"]
    issuer = stack["issuer"]
    https = issuer.replace("http://", "https://", 1)
    with app.extensions["issuer.db"].transaction() as session:
        school = session.scalar(select(Organisation).where(Organisation.slug == SCHOOL))
        assert school is not None
        awards = list(
            session.scalars(select(Award).where(Award.org_id == school.id).order_by(Award.id))
        )
        live = [a for a in awards if a.revoked_at is None and not a.suspended]
        achievement = session.scalar(
            select(Achievement).where(
                Achievement.org_id == school.id, Achievement.id == live[0].achievement_id
            )
        )
        assert achievement is not None
        pathway = next(
            a.public_id
            for a in session.scalars(select(Achievement).where(Achievement.org_id == school.id))
            if a.requirement
        )
        kid = session.scalar(
            select(SigningKey.kid).where(
                SigningKey.org_id == school.id, SigningKey.compromised_at.is_(None)
            )
        )
        mine = [a for a in live if a.learner_email == DEMO_LEARNER]
        bodies = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.award_id.is_not(None))
        )
        claims = [m.group(1) for b in bodies if (m := re.search(r"/claim/([\w-]+)", b))]
        share = demo_share(session)
        revoked = next((a.public_id for a in awards if a.revoked_at is not None), None)
    assert kid and mine and claims and share and pathway
    more = _seed_more(stack, achievement.public_id, mine[0].public_id)
    return {
        **more,
        "slug": SCHOOL,
        "achievement": achievement.public_id,
        "pathway": pathway,
        "award": live[0].public_id,
        "learner_award": mine[0].public_id,
        "kid": kid,
        "claim_token": claims[-1],
        "share": share,
        "revoked": revoked or live[-1].public_id,
        "unknown": UNKNOWN,
        "credential_https": quote(f"{https}/credentials/{live[0].public_id}", safe=""),
        "revoked_https": quote(f"{https}/credentials/{revoked or live[-1].public_id}", safe=""),
        "unknown_https": quote(f"{https}/credentials/{UNKNOWN}", safe=""),
    }


def _seed_more(stack: dict[str, Any], achievement: str, learner_award: str) -> dict[str, str]:
    """What the demo does not make but pages show: an endorsement, an invitation, the
    links a learner's mail holds (sign in, confirm an address, a guardian's consent), a
    learner's own evidence, a badge she imported from another issuer."""
    app = stack["issuer_app"]
    urls = PublicUrls(stack["issuer"])
    with app.test_request_context(), app.extensions["issuer.db"].transaction() as session:
        centre = session.scalar(select(Organisation).where(Organisation.slug == "lt-aspnet"))
        school = session.scalar(select(Organisation).where(Organisation.slug == SCHOOL))
        ona = learners.confirmed_owner(session, DEMO_LEARNER)
        assert centre is not None and school is not None and ona is not None
        endorsement = endorsements.endorse(
            session,
            endorser=centre,
            target=f"achievement:{achievement}",
            comment="A model of how a school shares its river data with its partners.",
            sealer=Sealer.from_config(KEK),
            urls=urls,
        )
        invite = accounts.invite(
            session, org=school, email="new.teacher@demo.example", role=Role.TEACHER
        )
        sign_in_link = learner_accounts.request_sign_in_link(session, email=DEMO_LEARNER, urls=urls)
        confirm_link = learner_accounts.add_address(
            session, learner=ona, email="ona.new@home.example", urls=urls
        )
        guardian = shares.request_consent(session, ona, "guardian@home.example", urls)
        imported = imports.import_badge(
            session,
            ona,
            imports.given_from_form("", json.dumps(_signed_elsewhere()), None),
            tools=imports.import_tools(app.config),
            urls=urls,
        )
        job, _new = jobs.submit_class_award(
            session,
            org=school,
            achievement=session.scalars(
                select(Achievement).where(Achievement.public_id == achievement)
            ).one(),
            rows=[AwardInput(f"Learner {n}", f"class.{n}@pupils.example") for n in range(3)],
            request_key="a11y-class",
            skip_earlier=False,
            first_row=2,
            actor=None,
            created_by=None,
            language="en",
        )
        archive, _new = jobs.submit_archive(
            session, learner=ona, request_key="a11y-archive", language="en"
        )
        evidence = steering.add_evidence_link(
            session, ona, learner_award, url="https://example.org/dane-river", title="Our data"
        )
        assert sign_in_link is not None and confirm_link is not None
        return {
            "endorsement": endorsement.public_id,
            "invite_token": invite,
            "sign_in_token": sign_in_link.url.rstrip("/").rsplit("/", 1)[-1],
            "confirm_token": confirm_link.url.rstrip("/").rsplit("/", 1)[-1],
            "guardian_token": guardian,
            "evidence": evidence.public_id,
            "imported": imported.public_id,
            "job": job.public_id,
            "archive_job": archive.public_id,
        }


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_core()


@pytest.fixture(scope="module")
def seeded(stack: dict[str, Any]) -> dict[str, str]:
    return _seeded(stack)


@pytest.fixture(scope="module")
def signed_in(browser: Any, stack: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each reader's cookies (none for ``anon``), each signed-in reader signed in once for
    the module: each language's context takes on each reader in turn by their cookies."""
    cookies: dict[str, list[dict[str, Any]]] = {"anon": []}
    for who in ORDER[1:]:
        context = language_context(browser, stack, "en")
        try:
            sign_in(context.new_page(), stack, who)
            cookies[who] = [c for c in context.cookies() if c["name"] != "lang"]
        finally:
            context.close()
    return cookies


# the page's language (<html lang>) and axe-core's violations on the page as it stands
AXE_RUN = """async () => [
  document.documentElement.lang,
  (await axe.run(document, {resultTypes: ['violations']})).violations,
]"""


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands (axe injected
    unless already there)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    return serious(page.evaluate(AXE_RUN)[1])


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in SERIOUS]


def describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{where}: {violation['id']} ({violation['impact']}) at "
                f"{' '.join(map(str, node['target']))}: {violation['help']}"
            )
    return lines


def _pages(seeded: dict[str, str]) -> Iterator[tuple[str, Page, str]]:
    everything = {**ISSUER_PAGES, **VERIFIER_PAGES, **EXTRA_PAGES}
    for name, page in everything.items():
        yield name, page, page.path.format(**seeded)


ORDER = ("anon", "learner", "staff", "teacher")


def check_language(
    browser: Any,
    stack: dict[str, Any],
    seeded: dict[str, str],
    axe_source: str,
    signed_in: dict[str, list[dict[str, Any]]],
    lang: str,
    visit: Callable[[str, Page, str], None] | None = None,
) -> list[str]:
    problems: list[str] = []
    context = language_context(browser, stack, lang)
    # every document starts with axe: sent to the browser once, not once per page
    context.add_init_script(axe_source)
    page = context.new_page()
    try:
        for who in ORDER:
            # the reader's cookies (their session) and the language's, and no other
            context.clear_cookies()
            context.add_cookies(
                [*signed_in[who], {"name": "lang", "value": lang, "url": stack["issuer"]}]
            )
            for name, spec, path in _pages(seeded):
                if spec.who != who:
                    continue
                url = f"{stack[spec.app]}{path}"
                response = page.goto(url)
                where = f"[{lang}] {name} {path}"
                if response is None or response.status != spec.status:
                    problems.append(
                        f"{where}: HTTP {response and response.status}, not {spec.status}"
                    )
                    continue
                if page.url != url:  # e.g. to the sign-in page: not the reader meant
                    problems.append(f"{where}: redirected to {page.url}")
                html_lang, violations = page.evaluate(AXE_RUN)
                if html_lang != lang:
                    problems.append(f"{where}: <html lang={html_lang!r}>, not {lang!r}")
                problems += describe(where, serious(violations))
                if visit is not None:
                    visit(name, spec, path)
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_serious_or_critical_axe_violations(
    browser: Any,
    stack: dict[str, Any],
    seeded: dict[str, str],
    axe_source: str,
    signed_in: dict[str, list[dict[str, Any]]],
    lang: str,
) -> None:
    visited: list[str] = []
    problems = check_language(
        browser,
        stack,
        seeded,
        axe_source,
        signed_in,
        lang,
        lambda name, _spec, _path: visited.append(name),
    )
    assert not problems, "\n".join(problems)
    assert set(visited) == set(ISSUER_PAGES) | set(VERIFIER_PAGES) | set(EXTRA_PAGES)


def test_axe_finds_what_it_should(browser: Any, axe_source: str) -> None:
    """The check itself: on a page with an unlabelled field and grey-on-grey text, axe
    reports both (so a run that reports nothing has looked)."""
    assert CHROMIUM is not None
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
            '<p style="color:#aaa;background:#bbb">faint</p><input type="text">'
            "</main></body></html>"
        )
        found = {v["id"] for v in run_axe(page, axe_source)}
    finally:
        context.close()
    assert {"color-contrast", "label"} <= found, found
