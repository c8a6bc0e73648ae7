"""Levels as teachers use them (described, signed, shown) and a learner's competence map and
timeline pages (the drawing's functions themselves: test_competence_charts.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from defusedxml import ElementTree
from sqlalchemy import event, select

from badges.schema import schema_errors, schema_urls
from badges.verification import Verdict
from issuer.models import Achievement, Award, FrameworkItem, Organisation
from issuer.services.awards import AwardInput, award_badge
from issuer.services.status import revoke_award
from issuer.urls import PublicUrls

from .api_helpers import ACHIEVEMENT
from .conftest import BASE_URL, GOOD_ACHIEVEMENT, login, post, sign_in_learner

pytestmark = pytest.mark.db

SVG = "{http://www.w3.org/2000/svg}"
LEVELS = ["Emerging", "Developing", "Proficient", "Mastered"]
MEANS = [
    "Takes part in sampling with help.",
    "Takes samples alone and records them.",
    "Plans a season of sampling and explains the results.",
    "Leads a team and reports to the town council.",
]


def item_ids(database, *names: str) -> list[int]:
    with database.transaction() as session:
        ids = {i.name: i.id for i in session.scalars(select(FrameworkItem))}
    return [ids[name] for name in names]


@pytest.fixture
def award_at(database, sealer):
    """Award at a given moment (the credential's awardedDate and the award's issue time)."""

    def award(org, achievement, when: datetime, email="ona@pupils.example", **kwargs):
        with database.transaction() as session:
            return award_badge(
                session,
                org=session.get(Organisation, org.id),
                achievement=session.get(Achievement, achievement.id),
                data=AwardInput(learner_name="Ona Petraitytė", learner_email=email, **kwargs),
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
                now=when,
            )

    return award


def described(make_achievement, school, name="Baltic Sea Project", **kwargs):
    return make_achievement(school, name, level_descriptions=list(MEANS), **kwargs)


# -- levels as teachers use them ----------------------------------------------------------------


def test_the_form_has_one_labelled_description_per_level_and_keeps_them_by_name(
    client, school, make_user, database
):
    make_user("ruta@vilnius.example", org=school, role="teacher")
    assert login(client, "ruta@vilnius.example").status_code == 302
    new = client.get(f"/staff/{school.slug}/achievements/new").text
    for number, level in enumerate(LEVELS):
        assert f'<label for="f-level_description-{number}">What “{level}” means</label>' in new
        assert f'id="f-level_description-{number}" name="level_description-{number}"' in new
    form = dict(GOOD_ACHIEVEMENT) | {
        "levels": "Emerging\nProficient",
        "level_description_for-0": "Emerging",
        "level_description-0": "Helps at the site.",
        "level_description_for-1": "Proficient",
        "level_description-1": "Guides <visitors> round the site.",
    }
    response = post(
        client,
        f"/staff/{school.slug}/achievements/new",
        form,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        row = session.scalars(select(Achievement)).one()
        assert row.levels == ["Emerging", "Proficient"]
        assert row.level_descriptions == ["Helps at the site.", "Guides <visitors> round the site."]
        public_id = row.public_id
    edit_url = f"/staff/{school.slug}/achievements/{public_id}/edit"
    page = client.get(edit_url).text
    assert "Guides &lt;visitors&gt; round the site.</textarea>" in page
    # a level added and the two reordered: each description stays with its level
    response = post(
        client,
        edit_url,
        form | {"levels": "Novice\nProficient\nEmerging"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        row = session.scalars(select(Achievement)).one()
        assert row.levels == ["Novice", "Proficient", "Emerging"]
        assert row.level_descriptions == [
            "",
            "Guides <visitors> round the site.",
            "Helps at the site.",
        ]
    # too long a description is refused, tied to the fields, and nothing changes
    response = post(
        client,
        edit_url,
        form | {"level_description-1": "x" * 1001},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert 'id="e-level_descriptions"' in response.text
    assert 'aria-describedby="e-level_descriptions h-level_descriptions"' in response.text
    with database.transaction() as session:
        assert session.scalars(select(Achievement)).one().levels[0] == "Novice"


def test_the_signed_credential_describes_each_level_and_stays_valid(
    database, school, make_achievement, award_to, make_verifier
):
    achievement = described(make_achievement, school)
    award = award_to(school, achievement, level="Proficient")
    credential = json.loads(award.credential_json)
    rubric = credential["credentialSubject"]["achievement"]["resultDescription"][0]
    levels = rubric["rubricCriterionLevel"]
    assert [(lv["name"], lv["level"], lv["description"]) for lv in levels] == [
        (name, str(n), text)
        for n, (name, text) in enumerate(zip(LEVELS, MEANS, strict=True), start=1)
    ]
    assert all(lv["type"] == ["RubricCriterionLevel"] and lv["id"] for lv in levels)
    assert credential["credentialSubject"]["result"][0]["achievedLevel"] == levels[2]["id"]
    for url in schema_urls(credential):
        assert schema_errors(credential, url) == [], url
    report = make_verifier().verify(award.credential_json, recipient="ona@pupils.example")
    assert report.verdict is Verdict.VALID, report.to_dict()
    # a level without a description is signed without one (never an empty string)
    plain = make_achievement(school, "Choir", level_descriptions=["Sings along."])
    signed = json.loads(award_to(school, plain, level="Developing").credential_json)
    rubric = signed["credentialSubject"]["achievement"]["resultDescription"][0]
    assert rubric["rubricCriterionLevel"][0]["description"] == "Sings along."
    assert "description" not in rubric["rubricCriterionLevel"][1]


@pytest.mark.interop
@pytest.mark.slow
def test_a_credential_with_level_descriptions_verifies_in_verify_ob3(
    tmp_path, school, make_achievement, award_to, live_server
):
    from tests.core.test_interop import write
    from tests.peers import verify_ob3

    achievement = described(make_achievement, school)
    award = award_to(school, achievement, level="Mastered")
    mapping = ("--map", f"{BASE_URL}/={live_server.base}/")
    report = verify_ob3(write(tmp_path, "c.json", award.credential_json), *mapping)
    assert report["verified"], report["errors"]
    if award.credential_jwt:
        report = verify_ob3(write(tmp_path, "c.jwt", award.credential_jwt), *mapping)
        assert report["verified"], report["errors"]


def test_the_badge_page_shows_the_level_and_what_it_means(
    client, school, make_achievement, award_to
):
    achievement = described(make_achievement, school)
    award = award_to(school, achievement, level="Developing")
    page = client.get(f"/credentials/{award.public_id}").text
    assert "<strong>Developing</strong>" in page and "(level 2 of 4)" in page
    assert MEANS[1] in page and MEANS[2] not in page
    # the achievement's page lists every level with its meaning
    listing = client.get(f"/achievements/{achievement.public_id}").text
    assert all(text in listing for text in MEANS)


def test_the_api_reads_and_writes_level_descriptions(api):
    created = api.post("/achievements", ACHIEVEMENT | {"level_descriptions": MEANS[:2]})
    assert created.status_code == 201, created.json
    assert created.json["level_descriptions"] == [*MEANS[:2], "", ""]
    achievement_id = created.json["id"]
    # new levels without descriptions: each kept level keeps its own
    changed = api.patch(
        "/achievements/{achievement_id}",
        {"levels": ["Developing", "Expert"]},
        achievement_id=achievement_id,
    )
    assert changed.status_code == 200
    assert changed.json["level_descriptions"] == [MEANS[1], ""]
    refused = api.patch(
        "/achievements/{achievement_id}",
        {"level_descriptions": ["a", "b", "c"]},
        achievement_id=achievement_id,
    )
    assert refused.status_code == 400
    assert "level_descriptions" in refused.json["error"]["fields"]
    untouched = api.get("/achievements/{achievement_id}", achievement_id=achievement_id)
    assert untouched.json["level_descriptions"] == [MEANS[1], ""]


# -- the pages ---------------------------------------------------------------------------------


def svg_of(html: str):
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found
    return ElementTree.fromstring(found.group(0))


def rows_of(html: str) -> dict[str, list[str]]:
    rows = {}
    for row_id, body in re.findall(r'<tr id="([^"]+)">(.*?)</tr>', html, re.S):
        rows[row_id] = [unescape(h) for h in re.findall(r'<a href="([^"]+)"', body)]
    return rows


@pytest.fixture
def portfolio(database, school, make_org, make_achievement, award_at, make_learner, sealer):
    """Ona's badges from two schools over two school years, and one of Jonas's."""
    do, know, sustain = item_ids(
        database, "Learning to do", "Learning to know", "Sustainable development"
    )
    kaunas = make_org("kaunas-school", "Kaunas School")
    river = described(make_achievement, school, alignment_ids=[do, sustain])
    debate = make_achievement(kaunas, "Debate club", alignment_ids=[know])
    choir = make_achievement(school, "Choir", levels=[])
    learner = make_learner("ona@pupils.example")
    make_learner("jonas@pupils.example", name="Jonas")
    awards = {
        "river1": award_at(school, river, datetime(2024, 10, 1, tzinfo=UTC), level="Developing"),
        "debate": award_at(
            kaunas, debate, datetime(2025, 8, 31, 23, 0, tzinfo=UTC), level="Emerging"
        ),
        "choir": award_at(school, choir, datetime(2025, 9, 1, 0, 0, tzinfo=UTC)),
        "river2": award_at(school, river, datetime(2026, 3, 1, tzinfo=UTC), level="Mastered"),
        "jonas": award_at(
            school,
            river,
            datetime(2026, 3, 2, tzinfo=UTC),
            email="jonas@pupils.example",
            level="Proficient",
        ),
    }
    # the Mastered one is revoked: shown, marked, not counted
    with database.transaction() as session:
        revoke_award(
            session,
            award=session.get(Award, awards["river2"].id),
            reason="Given by mistake",
        )
    return learner, awards, {"do": do, "know": know, "sustain": sustain}


def test_the_competence_map_page(client, database, portfolio):
    learner, awards, items = portfolio
    sign_in_learner(client, database, learner)
    response = client.get("/portfolio/competences")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.text
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert 'href="/portfolio/competences" aria-current="page"' in page
    svg = svg_of(page)
    assert svg.get("role") == "group" and svg.find(f"{SVG}title").text == "Competence map"
    rows = rows_of(page)
    href = "/portfolio/badges/{}".format
    assert rows == {
        f"map-area-item-{items['know']}": [href(awards["debate"].public_id)],
        f"map-area-item-{items['do']}": [
            href(awards["river2"].public_id),
            href(awards["river1"].public_id),
        ],
        f"map-area-item-{items['sustain']}": [
            href(awards["river2"].public_id),
            href(awards["river1"].public_id),
        ],
        "map-area-other": [href(awards["choir"].public_id)],
    }
    # the drawing links each area to its row
    assert sorted(a.get("href") for a in svg.iter(f"{SVG}a")) == sorted(f"#{r}" for r in rows)
    # the revoked Mastered does not count: the highest is Developing, with what it means
    do_row = re.search(rf'<tr id="map-area-item-{items["do"]}">(.*?)</tr>', page, re.S).group(1)
    assert "<strong>Developing</strong>" in do_row and MEANS[1] in do_row
    assert "Mastered" in do_row and "Revoked" in do_row
    assert "2024/25 autumn: Developing" in do_row
    assert "Jonas" not in page and awards["jonas"].public_id not in page


def test_the_timeline_page(client, database, portfolio):
    learner, awards, _items = portfolio
    sign_in_learner(client, database, learner)
    response = client.get("/portfolio/timeline")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.text
    svg = svg_of(page)
    desc = svg.find(f"{SVG}desc").text
    assert "4 badges from 2 schools over 2 school years" in desc
    href = "/portfolio/badges/{}".format
    # 31 August 23:00 UTC is the summer of 2024/25; midnight on 1 September a new year
    assert rows_of(page) == {
        "tl-term-2025-2": [href(awards["river2"].public_id)],
        "tl-term-2025-1": [href(awards["choir"].public_id)],
        "tl-term-2024-3": [href(awards["debate"].public_id)],
        "tl-term-2024-1": [href(awards["river1"].public_id)],
    }
    assert [a.get("href") for a in svg.iter(f"{SVG}a")] == [
        "#tl-term-2024-1",
        "#tl-term-2024-3",
        "#tl-term-2025-1",
        "#tl-term-2025-2",
    ]
    legend = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Vilnius Lyceum" in legend and "Kaunas School" in legend
    assert awards["jonas"].public_id not in page


def test_the_pages_belong_to_the_signed_in_learner_only(
    client, database, school, make_achievement, award_to, make_learner, make_user
):
    achievement = make_achievement(school)
    award_to(school, achievement, email="jonas@pupils.example", name="Jonas", level="Mastered")
    ona = make_learner("ona@pupils.example")
    pending = make_learner("jonas@pupils.example", name="Jonas", confirmed=False)
    for learner in (ona, pending):  # an unconfirmed address joins nothing
        sign_in_learner(client, database, learner)
        for path in ("/portfolio/competences", "/portfolio/timeline"):
            page = client.get(path).text
            assert "No badges yet" in page and "Mastered" not in page
    # a staff login is no learner session
    with client.session_transaction() as sess:
        sess.clear()
    make_user("ruta@vilnius.example", org=school, role="teacher")
    assert login(client, "ruta@vilnius.example").status_code == 302
    for path in ("/portfolio/competences", "/portfolio/timeline"):
        response = client.get(path)
        assert response.status_code != 200 and "Mastered" not in response.text


def test_a_big_portfolio_costs_the_same_number_of_statements(
    app, client, database, school, make_achievement, award_to, make_learner
):
    do, know = item_ids(database, "Learning to do", "Learning to know")
    achievements = [
        make_achievement(school, f"Badge {n}", alignment_ids=[[do], [know], []][n % 3])
        for n in range(5)
    ]
    learner = make_learner()
    for n, achievement in enumerate(achievements):
        award_to(school, achievement, level=LEVELS[n % 4])
    sign_in_learner(client, database, learner)

    def statements(path: str) -> int:
        engine = database.engine
        seen: list[str] = []

        def count(*args) -> None:
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = {path: statements(path) for path in ("/portfolio/competences", "/portfolio/timeline")}
    # 195 more: copies of the signed rows (signing each anew would only slow the test)
    with database.transaction() as session:
        originals = list(session.scalars(select(Award)))
        top = max(a.status_index for a in originals)
        for n in range(195):
            source = originals[n % len(originals)]
            session.add(
                Award(
                    org_id=source.org_id,
                    achievement_id=source.achievement_id,
                    key_id=source.key_id,
                    learner_name=source.learner_name,
                    learner_name_search=source.learner_name_search,
                    learner_email=source.learner_email,
                    credential_json=source.credential_json,
                    status_index=top + 1 + n,
                    issued_at=source.issued_at,
                )
            )
    many = {path: statements(path) for path in few}
    assert many == few, (few, many)
    assert all(count <= 6 for count in few.values()), few  # session, learner, badges, areas
    page = client.get("/portfolio/competences").text
    assert "200 badges in 3 areas" in page


def test_a_collection_and_its_own_links_for_a_share_page(database, portfolio):
    """What the share page reuses: some of the badges, linking where it says."""
    from issuer.models import Learner
    from issuer.services.competences import build_map, learner_badges

    learner, awards, _items = portfolio
    chosen = {awards["river1"].id, awards["choir"].id, awards["jonas"].id}
    with database.transaction() as session:
        badges = learner_badges(
            session,
            session.get(Learner, learner.id),
            only=chosen,
            href=lambda award: f"/s/share/{award.public_id}",
        )
    assert [b.public_id for b in badges] == [awards["choir"].public_id, awards["river1"].public_id]
    assert badges[1].href == f"/s/share/{awards['river1'].public_id}"  # never Jonas's badge
    chart = build_map(badges, id_prefix="share-map")
    assert {a.anchor for a in chart.areas} >= {"share-map-area-other"}
