"""The network view: a centre's member schools and badge counts per framework area and
term, on the page and in the CSV file, for its own staff only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, select, text

from issuer.models import Achievement, Award, FrameworkItem, Organisation
from issuer.services import network as network_service
from issuer.services.awards import AwardInput, award_badge
from issuer.services.network import Term, network_report, term_of
from issuer.services.status import revoke_award
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, post

AUTUMN_25, SPRING_25, SUMMER_25, AUTUMN_26 = (
    "2025/26 autumn",
    "2025/26 spring",
    "2025/26 summer",
    "2026/27 autumn",
)
P2 = "Four pillars of learning: Learning to do"
P3 = "Four pillars of learning: Learning to be"
T2 = "ASPnet thematic areas: Sustainable development"
NONE = "Not aligned"
SCHOOL_A = "Šiaulių „Saulės“ gimnazija, Šiauliai"  # a comma and quotes: the CSV must quote it
LEARNERS = [f"learner{i}@pupils.example" for i in range(1, 20)]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def item_ids(database):
    with database.transaction() as session:
        return {
            name: item_id
            for item_id, name in session.execute(select(FrameworkItem.id, FrameworkItem.name))
        }


@pytest.fixture
def award_on(database, sealer):
    """Award on a given date (issued_at) through the service; returns the public id."""
    emails = iter(LEARNERS)

    def award(org, achievement, when: datetime, name: str = "Ona Petraitytė") -> str:
        with database.transaction() as session:
            row = award_badge(
                session,
                org=session.get(Organisation, org.id),
                achievement=session.get(Achievement, achievement.id),
                data=AwardInput(learner_name=name, learner_email=next(emails)),
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
                now=when,
            )
            return row.public_id

    return award


def revoke(database, public_id: str) -> None:
    with database.transaction() as session:
        revoke_award(
            session,
            award=session.scalars(select(Award).where(Award.public_id == public_id)).one(),
            reason="A mistake",
        )


@pytest.fixture
def net(make_org, make_user, make_achievement, item_ids, award_on, database):
    """A national centre over two schools and a regional centre with a third school; an
    outside school and another country's centre whose badges must not count."""
    centre = make_org("lt-centre", "Lithuanian ASPnet Centre", kind="centre")
    west = make_org("lt-west", "Western Lithuania ASPnet", kind="centre", parent=centre)
    a = make_org("school-a", SCHOOL_A, parent=centre)
    b = make_org("school-b", "Klaipėda Baltic Gymnasium", parent=centre)
    c = make_org("school-c", "Palanga School", parent=west)
    outside = make_org("outside", "Outside School")
    lv = make_org("lv-centre", "Latvian ASPnet Centre", kind="centre")
    lv_school = make_org("lv-school", "Riga School", parent=lv)

    two_areas = make_achievement(
        a,
        "Baltic Sea Project",
        alignment_ids=[item_ids["Learning to do"], item_ids["Sustainable development"]],
    )
    one_area = make_achievement(
        b, "Volunteer: 40 hours", alignment_ids=[item_ids["Learning to be"]]
    )
    no_area = make_achievement(
        c, "Chess club", external_alignments=[{"name": "Chess", "url": "https://chess.example/"}]
    )
    outside_badge = make_achievement(
        outside, "Outside badge", alignment_ids=[item_ids["Learning to do"]]
    )
    centre_badge = make_achievement(
        centre, "Centre's own badge", alignment_ids=[item_ids["Learning to do"]]
    )
    lv_badge = make_achievement(lv_school, "Riga badge")

    award_on(a, two_areas, at(2025, 9, 15, 10))
    award_on(a, two_areas, at(2026, 1, 20, 10))  # January is still the autumn term
    award_on(a, two_areas, at(2026, 3, 10, 10))
    # a badge re-issued after a key compromise: counted once, in its first term, as active
    original = award_on(a, two_areas, at(2025, 11, 1, 10))
    copy = award_on(a, two_areas, at(2026, 3, 1, 10))
    revoke(database, original)
    with database.transaction() as session:
        original_id = session.scalar(select(Award.id).where(Award.public_id == original))
        session.execute(
            Award.__table__.update()
            .where(Award.public_id == copy)
            .values(reissue_of_id=original_id)
        )

    award_on(b, one_area, at(2026, 2, 1, 0, 30))
    award_on(b, one_area, at(2026, 7, 15, 12))
    award_on(b, one_area, at(2026, 8, 31, 23, 59))  # the last minute of the school year
    award_on(b, one_area, at(2026, 9, 1, 0, 0))  # the first of the next

    award_on(c, no_area, at(2025, 10, 5, 9), name="Rokas Secret")
    revoke(database, award_on(c, no_area, at(2025, 10, 6, 9)))

    award_on(outside, outside_badge, at(2025, 10, 5, 9))
    award_on(centre, centre_badge, at(2025, 10, 5, 9))
    award_on(lv_school, lv_badge, at(2025, 10, 5, 9))

    staff = {
        "centre_admin": make_user("aiste@centre.example", org=centre, role="admin"),
        "centre_teacher": make_user("tomas@centre.example", org=centre, role="teacher"),
        "west_admin": make_user("vakaru@west.example", org=west, role="admin"),
        "school_admin": make_user("adele@school-a.example", org=a, role="admin"),
        "lv_admin": make_user("liga@lv.example", org=lv, role="admin"),
    }
    return {
        "centre": centre,
        "west": west,
        "a": a,
        "b": b,
        "c": c,
        "outside": outside,
        "lv": lv,
        **staff,
    }


# (area, term) -> (issued, revoked), counted by hand from the fixture above
EXPECTED = {
    (P2, AUTUMN_25): (3, 0),
    (P2, SPRING_25): (1, 0),
    (T2, AUTUMN_25): (3, 0),
    (T2, SPRING_25): (1, 0),
    (P3, SPRING_25): (1, 0),
    (P3, SUMMER_25): (2, 0),
    (P3, AUTUMN_26): (1, 0),
    (NONE, AUTUMN_25): (2, 1),
}
EXPECTED_TOTALS = {
    AUTUMN_25: (5, 1),
    SPRING_25: (2, 0),
    SUMMER_25: (2, 0),
    AUTUMN_26: (1, 0),
    "all": (10, 1),
}


def page_cells(html: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(area, term) -> (issued, revoked) from the area table's cells; zero cells left out."""
    cells = {}
    for area, term, issued, revoked in re.findall(
        r'<td data-area="([^"]+)" data-term="([^"]+)" data-issued="(\d+)" data-revoked="(\d+)">',
        html,
    ):
        if int(issued):
            cells[(area.replace("&#39;", "'"), term)] = (int(issued), int(revoked))
    return cells


def get_page(client, user, url):
    assert login(client, user.email).status_code == 302
    return client.get(url)


@pytest.mark.parametrize(
    ("when", "label"),
    [
        (at(2025, 9, 1), "2025/26 autumn"),
        (at(2025, 12, 31, 23, 59), "2025/26 autumn"),
        (at(2026, 1, 31, 23, 59), "2025/26 autumn"),
        (at(2026, 2, 1), "2025/26 spring"),
        (at(2026, 6, 30, 23, 59), "2025/26 spring"),
        (at(2026, 7, 1), "2025/26 summer"),
        (at(2026, 8, 31, 23, 59), "2025/26 summer"),
        (at(2026, 9, 1), "2026/27 autumn"),
        (
            datetime.fromisoformat("2026-09-01T01:30:00+03:00"),
            "2025/26 summer",
        ),  # 22:30 UTC on 31 August
        (at(2099, 10, 1), "2099/00 autumn"),
    ],
)
def test_terms_follow_the_european_school_year(when, label):
    assert term_of(when).label == label


def test_term_months_are_spelled_out():
    assert Term(2025, 1).months == "Sep 2025 – Jan 2026"
    assert Term(2025, 2).months == "Feb 2026 – Jun 2026"
    assert Term(2025, 3).months == "Jul 2026 – Aug 2026"


def test_the_report_counts_areas_terms_and_revocations(net, database):
    with database.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            # the terms are read in UTC whatever the database session's time zone (UTC+14 here)
            session.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))
        report = network_report(session, session.get(Organisation, net["centre"].id))
    got = {
        (area.label, term.label): (c.issued, c.revoked)
        for (key, term), c in report.by_area_term.items()
        for area in report.areas
        if area.key == key
    }
    assert got == EXPECTED
    assert {t.label: (c.issued, c.revoked) for t, c in report.by_term.items()} == {
        k: v for k, v in EXPECTED_TOTALS.items() if k != "all"
    }
    assert (report.total.issued, report.total.revoked, report.total.active) == (10, 1, 9)
    assert [t.label for t in report.terms] == [AUTUMN_25, SPRING_25, SUMMER_25, AUTUMN_26]
    assert report.school_years == [2026, 2025]
    # members: both schools, the regional centre and its school; not the outsider, not Latvia
    assert sorted(m.slug for m in report.members) == ["lt-west", "school-a", "school-b", "school-c"]
    counts = {
        m.slug: (report.by_member[m.id].issued, report.by_member[m.id].revoked)
        for m in report.members
    }
    assert counts == {"school-a": (4, 0), "school-b": (4, 0), "school-c": (2, 1), "lt-west": (0, 0)}
    c_member = next(m for m in report.members if m.slug == "school-c")
    assert c_member.parent_name == "Western Lithuania ASPnet" and c_member.depth == 2
    names = {
        row.name: (n.issued, n.revoked) for rows in report.achievements.values() for row, n in rows
    }
    assert names == {
        "Baltic Sea Project": (4, 0),
        "Volunteer: 40 hours": (4, 0),
        "Chess club": (2, 1),
    }


def test_filters_by_school_year_and_member(net, database):
    with database.transaction() as session:
        centre = session.get(Organisation, net["centre"].id)
        year = network_report(session, centre, school_year=2025)
        region = network_report(
            session, centre, school="lt-west"
        )  # the regional centre and its school
        school = network_report(session, centre, school="school-b", school_year=2026)
    assert (year.total.issued, year.total.revoked) == (9, 1)
    assert [t.label for t in year.terms] == [AUTUMN_25, SPRING_25, SUMMER_25]
    assert year.school_years == [2026, 2025]  # the filter's choices stay
    assert (region.total.issued, region.total.revoked) == (2, 1)
    assert [a.label for a in region.areas] == [NONE]
    assert {m.slug for m in region.counted} == {"lt-west", "school-c"}
    assert (school.total.issued, [t.label for t in school.terms]) == (1, [AUTUMN_26])


def test_the_page_shows_the_counts_and_says_how_they_are_counted(client, net):
    response = get_page(
        client, net["centre_teacher"], "/staff/lt-centre/network"
    )  # teachers see it too
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert page_cells(html) == EXPECTED | {("total", t): v for t, v in EXPECTED_TOTALS.items()} | {
        (P2, "all"): (4, 0),
        (T2, "all"): (4, 0),
        (P3, "all"): (4, 0),
        (NONE, "all"): (2, 1),
    }
    for text_ in (
        "counts under <em>each</em>",
        "each counted once",
        "September to January",
        "February to June",
        "July and August",
        "revoked",
        "Not aligned",
        "Palanga School",
        "Western Lithuania ASPnet",
        "Šiaulių „Saulės“ gimnazija, Šiauliai",
        "Chess club",
    ):
        assert text_ in html, text_
    for hidden in (
        "Outside",
        "Riga",
        "Centre&#39;s own badge",
        "Ona Petraitytė",
        "Rokas Secret",
        "pupils.example",
    ):
        assert hidden not in html, hidden
    assert re.search(r'data-school="school-c" data-issued="2" data-revoked="1"', html)


def test_the_page_filters_and_rejects_bad_filters(client, net):
    assert login(client, net["centre_admin"].email).status_code == 302
    html = client.get("/staff/lt-centre/network?year=2026&school=school-b").get_data(as_text=True)
    assert page_cells(html) == {
        (P3, AUTUMN_26): (1, 0),
        (P3, "all"): (1, 0),
        ("total", AUTUMN_26): (1, 0),
        ("total", "all"): (1, 0),
    }
    assert '<option value="2026" selected>2026/27</option>' in html
    assert 'href="/staff/lt-centre/network.csv?year=2026&amp;school=school-b"' in html
    assert "2025/26" in client.get("/staff/lt-centre/network?year=2025/26").get_data(as_text=True)
    for bad in (
        "year=last",
        "year=99999",
        "school=outside",
        "school=lt-centre",
        "school=lv-school",
    ):
        response = client.get(f"/staff/lt-centre/network?{bad}")
        assert response.status_code == 400, bad
        assert "Traceback" not in response.get_data(as_text=True)
    empty = client.get("/staff/lt-centre/network?year=2019").get_data(as_text=True)
    assert "No badges were awarded in 2019/20" in empty


def test_the_csv_has_the_page_numbers_per_school_area_and_term(client, net):
    assert login(client, net["centre_admin"].email).status_code == 302
    response = client.get("/staff/lt-centre/network.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="network-lt-centre-all-years.csv"'
    )
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    body = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == network_service.CSV_HEADER
    summed: dict[tuple[str, str], list[int]] = {}
    per_school: dict[str, set[str]] = {}
    for row in rows:
        area = f"{row['framework']}: {row['area']}" if row["framework"] else row["area"]
        term = f"{row['school_year']} {row['term']}"
        counts = summed.setdefault((area, term), [0, 0])
        counts[0] += int(row["issued"])
        counts[1] += int(row["revoked"])
        assert int(row["active"]) == int(row["issued"]) - int(row["revoked"])
        per_school.setdefault(row["school"], set()).add(row["school_slug"])
    page = page_cells(client.get("/staff/lt-centre/network").get_data(as_text=True))
    assert {k: tuple(v) for k, v in summed.items()} == EXPECTED
    assert all(page[k] == tuple(v) for k, v in summed.items())
    assert per_school == {
        SCHOOL_A: {"school-a"},
        "Klaipėda Baltic Gymnasium": {"school-b"},
        "Palanga School": {"school-c"},
    }
    assert f'"{SCHOOL_A}"' in body  # quoted: the name has a comma
    assert {r["sub_centre"] for r in rows if r["school_slug"] == "school-c"} == {
        "Western Lithuania ASPnet"
    }
    # aggregates only: no learner's name or address
    for secret in ("Ona Petraitytė", "Rokas Secret", "@pupils.example", "Outside", "Riga"):
        assert secret not in body
    # ?format=csv is the same file; filters apply and name the file
    assert client.get("/staff/lt-centre/network?format=csv").get_data() == raw
    filtered = client.get("/staff/lt-centre/network.csv?year=2025&school=school-c")
    assert (
        filtered.headers["Content-Disposition"]
        == 'attachment; filename="network-lt-centre-school-c-2025-26.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(filtered.get_data().decode("utf-8-sig"))))
    assert [(r["school_slug"], r["area"], r["term"], r["issued"], r["revoked"]) for r in rows] == [
        ("school-c", "Not aligned", "autumn", "2", "1")
    ]


def test_a_spreadsheet_formula_in_a_name_is_defused(
    client, make_org, make_user, make_achievement, award_on
):
    centre = make_org("centre", "Centre", kind="centre")
    school = make_org("formula", '=HYPERLINK("https://evil.example") School', parent=centre)
    award_on(school, make_achievement(school, "@SUM(1)"), at(2026, 3, 1))
    admin = make_user("admin@centre.example", org=centre, role="admin")
    body = get_page(client, admin, "/staff/centre/network.csv").get_data().decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["school"] == '\'=HYPERLINK("https://evil.example") School'


def test_only_the_centres_own_staff_see_it(client, net):
    # a school has no network view: 404 that says why
    response = get_page(client, net["school_admin"], "/staff/school-a/network")
    assert response.status_code == 404 and "coordination centres" in response.get_data(as_text=True)
    assert client.get("/staff/school-a/network.csv").status_code == 404
    # a member school's staff, another country's centre: not theirs (404, no hints)
    for url in ("/staff/lt-centre/network", "/staff/lt-centre/network.csv"):
        assert client.get(url).status_code == 404
    assert post(client, "/logout").status_code == 302
    assert get_page(client, net["lv_admin"], "/staff/lt-centre/network").status_code == 404
    lv = client.get("/staff/lv-centre/network").get_data(as_text=True)
    assert "Riga School" in lv and "Klaipėda" not in lv
    # a regional centre sees its own part of the network only
    assert post(client, "/logout").status_code == 302
    west = get_page(client, net["west_admin"], "/staff/lt-west/network").get_data(as_text=True)
    assert "Palanga School" in west and "Klaipėda" not in west
    assert client.get("/staff/lt-centre/network").status_code == 404
    # not logged in: to the login page
    assert post(client, "/logout").status_code == 302
    assert client.get("/staff/lt-centre/network").status_code == 302


def test_the_centre_home_links_to_the_network(client, net):
    home = get_page(client, net["centre_admin"], "/staff/lt-centre").get_data(as_text=True)
    assert 'href="/staff/lt-centre/network"' in home
    school_home = get_page(client, net["school_admin"], "/staff/school-a").get_data(as_text=True)
    assert "/network" not in school_home


def test_a_centre_without_members_says_so(client, make_org, make_user):
    centre = make_org("empty-centre", "Empty Centre", kind="network")
    user = make_user("boss@empty.example", org=centre, role="teacher")
    html = get_page(client, user, "/staff/empty-centre/network").get_data(as_text=True)
    assert "No schools belong to this centre yet" in html


def test_the_counting_is_done_by_the_database(net, database, make_achievement, item_ids):
    """Thousands of awards: a handful of queries, and the rows that reach Python are one per
    achievement and term, not one per award."""
    achievement = make_achievement(
        net["b"], "Reading marathon", alignment_ids=[item_ids["Learning to know"]]
    )
    with database.transaction() as session:
        key_id = session.scalar(select(Award.key_id).where(Award.org_id == net["b"].id).limit(1))
        taken = set(session.scalars(select(Award.status_index).where(Award.org_id == net["b"].id)))
        free = [i for i in range(10_000) if i not in taken]  # the service picks indexes at random
        session.execute(
            insert(Award),
            [
                {
                    "public_id": f"bulk-{i}",
                    "org_id": net["b"].id,
                    "achievement_id": achievement.id,
                    "key_id": key_id,
                    "learner_name": f"Learner {i}",
                    "learner_name_search": f"learner {i}",
                    "learner_email": f"l{i}@pupils.example",
                    "credential_json": "{}",
                    "status_index": free[i],
                    "issued_at": at(2025, 10 + i % 3, 1 + i % 28, 8),  # Oct-Dec 2025
                    "revoked_at": at(2026, 1, 5) if i % 10 == 0 else None,
                }
                for i in range(3000)
            ],
        )
    statements: list[str] = []
    fetched: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with database.transaction() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            report = network_report(
                session, session.get(Organisation, net["centre"].id), school_year=2025
            )
            grouped, _years = network_service._grouped(session, [net["b"].id], 2025)
            fetched.append(len(grouped))
        finally:
            event.remove(engine, "before_cursor_execute", count)
    area = next(a for a in report.areas if a.name == "Learning to know")
    c = report.area_term(area, Term(2025, 1))
    assert (c.issued, c.revoked) == (3000, 300)
    assert (report.total.issued, report.total.revoked) == (9 + 3000, 1 + 300)
    assert len(statements) <= 12, statements
    assert fetched == [
        3
    ]  # (achievement, term) of school B in 2025/26: volunteer x spring, summer; marathon x autumn
