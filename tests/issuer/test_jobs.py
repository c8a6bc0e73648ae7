"""Long signing jobs as service functions with a progress callback (issuer/services/jobs.py),
and their staff pages streamed from Jinja templates (issuer/views/progress.py)."""

from __future__ import annotations

import base64
import re
import threading

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from issuer.errors import InvalidInput
from issuer.models import Achievement, AuditEvent, Award, Organisation
from issuer.services import jobs
from issuer.services.awards import AwardInput
from issuer.services.reissue import awaiting_reissue, get_key, mark_compromised
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, post

URLS = PublicUrls(BASE_URL)


def rows(size: int) -> list[AwardInput]:
    return [
        AwardInput(learner_name=f"Learner {i}", learner_email=f"learner{i}@pupils.example")
        for i in range(1, size + 1)
    ]


def run_class(database, sealer, org, achievement, class_rows, recorded, **kwargs):
    with database.transaction() as session:
        org_, badge = (
            session.get_one(Organisation, org.id),
            session.get_one(Achievement, achievement.id),
        )
        return jobs.run_class_award(
            session,
            org=org_,
            achievement=badge,
            rows=class_rows,
            sealer=sealer,
            urls=URLS,
            awarded_by=None,
            actor=None,
            request_key=kwargs.get("request_key"),
            skip_earlier=kwargs.get("skip_earlier", False),
            first_row=2,
            progress=lambda done, total: recorded.append((done, total)),
        )


def test_the_class_award_runs_as_a_service_and_reports_every_step(
    make_org, make_achievement, database, sealer
):
    org = make_org()
    achievement = make_achievement(org)
    recorded: list[tuple[int, int]] = []
    outcome = run_class(
        database, sealer, org, achievement, rows(7), recorded, request_key="class-7"
    )
    assert recorded == [(done, 7) for done in range(1, 8)]  # monotone, up to the class size
    assert (outcome.count, outcome.skipped) == (7, 0)
    with database.transaction() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Award).where(Award.batch_id == outcome.batch_id)
            )
            == 7
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "award.batch")
            )
            == 1
        )
    # the same request key again: the first result, nothing signed, no progress
    again: list[tuple[int, int]] = []
    assert (
        run_class(database, sealer, org, achievement, rows(7), again, request_key="class-7")
        == outcome
    )
    assert again == []


def test_the_class_award_counts_only_the_learners_it_signs_for(
    make_org, make_achievement, database, sealer, award_to
):
    org = make_org()
    achievement = make_achievement(org)
    award_to(org, achievement, email="learner2@pupils.example", name="Learner 2")
    with database.transaction() as session:
        size = jobs.class_award_size(
            session,
            org=session.get_one(Organisation, org.id),
            achievement=session.get_one(Achievement, achievement.id),
            rows=rows(5),
            skip_earlier=True,
        )
    assert size == 4
    recorded: list[tuple[int, int]] = []
    outcome = run_class(database, sealer, org, achievement, rows(5), recorded, skip_earlier=True)
    assert recorded == [(done, 4) for done in range(1, 5)]
    assert (outcome.count, outcome.skipped) == (4, 1)


def test_an_invalid_class_is_refused_by_the_service_and_nothing_is_stored(
    make_org, make_achievement, database, sealer, table_counts
):
    org = make_org()
    achievement = make_achievement(org)
    before = table_counts()
    bad = [*rows(2), AwardInput(learner_name="", learner_email="not an address")]
    recorded: list[tuple[int, int]] = []
    with pytest.raises(InvalidInput):
        run_class(database, sealer, org, achievement, bad, recorded)
    assert recorded == [] and table_counts() == before


def test_the_reissue_runs_as_a_service_and_reports_every_step(
    make_org, make_achievement, database, sealer, award_to
):
    org = make_org()
    achievement = make_achievement(org)
    for i in range(3):
        award_to(org, achievement, email=f"learner{i}@pupils.example")
    with database.transaction() as session:
        org_ = session.get_one(Organisation, org.id)
        mark_compromised(
            session,
            org=org_,
            key_row=get_key(session, org_, "key-1"),
            sealer=sealer,
            actor=None,
            reason="Stolen",
        )
    with database.transaction() as session:
        org_ = session.get_one(Organisation, org.id)
        assert jobs.reissue_size(session, org=org_) == 3
        recorded: list[tuple[int, int]] = []
        count = jobs.run_reissue(
            session,
            org=org_,
            sealer=sealer,
            urls=URLS,
            actor=None,
            reissued_by=None,
            progress=lambda done, total: recorded.append((done, total)),
        )
    assert count == 3 and recorded == [(1, 3), (2, 3), (3, 3)]
    with database.transaction() as session:
        org_ = session.get_one(Organisation, org.id)
        assert awaiting_reissue(session, org_) == [] and jobs.reissue_size(session, org=org_) == 0


# -- the streamed pages come from their templates -------------------------------------------------

PROGRESS_TEMPLATE = (
    "{% for done, of in job.steps() %}[step {{ done }}/{{ of }}]{% endfor %}"
    "{% if job.failed %}[failed: {{ job.error }}]{% else %}[awarded {{ job.result.count }}, left out {{ job.result.skipped }}]{% endif %}"
)


def confirm_class(client, make_user, org, achievement, content: bytes):
    user = make_user("ruta@vilnius.example", org=org, role="teacher")
    assert login(client, user.email).status_code == 302
    base = f"/staff/{org.slug}/achievements/{achievement.public_id}/bulk"
    page = post(client, base, {"csv_b64": base64.b64encode(content).decode()}).get_data(
        as_text=True
    )
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    return post(
        client,
        f"{base}/confirm",
        {"csv_b64": base64.b64encode(content).decode(), "request_key": key},
    )


def test_the_class_progress_page_is_rendered_from_its_template(
    app, client, make_org, make_user, make_achievement
):
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"issuer/bulk_progress.html": PROGRESS_TEMPLATE}), app.jinja_env.loader]
    )
    org = make_org()
    achievement = make_achievement(org)
    response = confirm_class(
        client,
        make_user,
        org,
        achievement,
        b"name,email\nOna,ona@pupils.example\nJonas,jonas@pupils.example\n",
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "[step 1/2][step 2/2][awarded 2, left out 0]"


def test_a_failed_class_shows_its_error_through_the_template(
    app, client, make_org, make_user, make_achievement, crash_on_fifth_signature
):
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"issuer/bulk_progress.html": PROGRESS_TEMPLATE}), app.jinja_env.loader]
    )
    org = make_org()
    achievement = make_achievement(org)
    content = (
        "name,email\n" + "".join(f"Learner {i},learner{i}@pupils.example\n" for i in range(6))
    ).encode()
    page = confirm_class(client, make_user, org, achievement, content).get_data(as_text=True)
    assert (
        page
        == "[step 1/6][step 2/6][step 3/6][step 4/6][failed: the signing stopped with an error. Please try again.]"
    )


def test_the_reissue_progress_page_is_rendered_from_its_template(
    app, client, make_org, make_user, make_achievement, award_to, database, sealer
):
    template = "{% for done, of in job.steps() %}({{ done }}/{{ of }}){% endfor %}{{ job.result }} re-issued"
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"issuer/reissue_progress.html": template}), app.jinja_env.loader]
    )
    org = make_org()
    achievement = make_achievement(org)
    award_to(org, achievement, email="a@pupils.example")
    award_to(org, achievement, email="b@pupils.example")
    with database.transaction() as session:
        org_ = session.get_one(Organisation, org.id)
        mark_compromised(
            session,
            org=org_,
            key_row=get_key(session, org_, "key-1"),
            sealer=sealer,
            actor=None,
            reason="Stolen",
        )
    admin = make_user("admin@vilnius.example", org=org, role="admin")
    assert login(client, admin.email).status_code == 302
    response = post(client, f"/staff/{org.slug}/keys/reissue")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "(1/2)(2/2)2 re-issued"


def test_the_page_head_is_sent_while_the_class_is_still_being_signed(
    client, make_org, make_user, make_achievement, monkeypatch
):
    from issuer.services import awards as award_service

    release = threading.Event()
    real = award_service.sign_credential

    def waiting(*args, **kwargs):
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(award_service, "sign_credential", waiting)
    org = make_org()
    achievement = make_achievement(org)
    response = confirm_class(
        client, make_user, org, achievement, b"name,email\nOna,ona@pupils.example\n"
    )
    chunks = iter(response.response)
    head = ""
    while '<ol class="progress"' not in head:  # the page up to its progress list
        head += next(chunks).decode()
    assert "Signing 1 badge for" in head and not release.is_set()  # nothing signed yet
    release.set()
    rest = "".join(chunk.decode() for chunk in chunks)
    assert "Signed 1 of 1" in rest and "1 badge was awarded" in rest  # not "All 1 badges"
