"""The competence map and timeline as pure functions: badges in, view model and SVG out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from defusedxml import ElementTree
from jinja2 import Environment, FileSystemLoader

from badges import localdates
from issuer.services.competences import (
    OTHER_KEY,
    AreaRef,
    Badge,
    LevelReached,
    build_map,
    build_timeline,
    catalogue_of,
    highest,
    levels_reached,
    signed_areas,
    terms_between,
)
from issuer.services.network import Term

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).parents[2] / "templates"
LEVELS = ["Emerging", "Developing", "Proficient", "Mastered"]
CATALOGUE = catalogue_of(
    [
        (1, 1, "Four pillars of learning", "P1", "Learning to know"),
        (2, 1, "Four pillars of learning", "P2", "Learning to do"),
        (6, 2, "ASPnet thematic areas", "T2", "Sustainable development"),
    ]
)
KNOW, DO, SUSTAIN = (CATALOGUE.by_id[i] for i in (1, 2, 6))


def level(rank: int, of: int = 4, description: str = "") -> LevelReached:
    names = LEVELS if of == 4 else [f"L{i}" for i in range(1, of + 1)]
    return LevelReached(f"urn:level:{of}:{rank}", names[rank - 1], description, rank, of)


def badge(
    name: str,
    when: datetime,
    *areas: AreaRef,
    lv: LevelReached | None = None,
    status: str = "active",
    school: str = "Vilnius school",
) -> Badge:
    return Badge(
        public_id=re.sub(r"\W", "", name.lower()) + when.strftime("%Y%m%d%H%M%S"),
        name=name,
        school=school,
        awarded=when,
        level=lv,
        areas=areas,
        status=status,
        href=f"/portfolio/badges/{name}",
    )


def day(y: int, m: int, d: int, hour: int = 12) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def rubric_credential(achieved: str | None, *, descriptions: bool = True) -> dict:
    rubric = {
        "id": "https://badges.test/achievements/a#levels",
        "type": ["ResultDescription"],
        "name": "Level reached",
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": [
            {
                "id": f"https://badges.test/achievements/a#level-{n}",
                "type": ["RubricCriterionLevel"],
                "name": name,
                "level": str(n),
                **({"description": f"What {name} means"} if descriptions else {}),
            }
            for n, name in enumerate(LEVELS, start=1)
        ],
    }
    subject = {
        "achievement": {
            "name": "Baltic Sea Project",
            "resultDescription": [rubric],
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Learning to do",
                    "targetCode": "P2",
                    "targetFramework": "Four pillars of learning",
                    "targetUrl": "https://example.org/p",
                },
                {"type": ["Alignment"], "targetName": "ESCO skill", "targetUrl": "https://esco"},
                {
                    "type": ["Alignment"],
                    "targetName": "Renamed since",
                    "targetCode": "X9",
                    "targetFramework": "School's own",
                    "targetUrl": "https://example.org/x",
                },
            ],
        },
        "result": [{"resultDescription": rubric["id"], "achievedLevel": achieved}]
        if achieved
        else [],
    }
    return {"credentialSubject": subject}


# -- levels ------------------------------------------------------------------------------------


def test_the_level_reached_is_read_from_the_signed_rubric_in_its_order():
    reached = levels_reached(rubric_credential("https://badges.test/achievements/a#level-3"))
    assert reached == [
        LevelReached(
            "https://badges.test/achievements/a#level-3",
            "Proficient",
            "What Proficient means",
            3,
            4,
        )
    ]
    assert levels_reached(rubric_credential(None)) == []
    assert levels_reached(rubric_credential("https://elsewhere/#level-3")) == []
    plain = levels_reached(
        rubric_credential("https://badges.test/achievements/a#level-1", descriptions=False)
    )
    assert plain[0].description == "" and plain[0].rank == 1
    # a credential of the wrong shape gives no level rather than an error
    for broken in ({}, {"credentialSubject": []}, {"credentialSubject": {"result": "x"}}):
        assert levels_reached(broken) == []


def test_levels_of_different_rubrics_compare_by_their_place_in_their_own():
    assert highest([level(2, 3), level(3, 4)]) == level(3, 4)  # 3 of 4 beats 2 of 3
    assert highest([level(3, 3), level(3, 4)]) == level(3, 3)  # the top of a 3-level rubric
    assert highest([None, level(1)]) == level(1)
    assert highest([None, None]) is None
    same = LevelReached("urn:other", "Proficient", "", 3, 4)
    assert highest([level(3), same]) is same  # of equals, the later one


def test_areas_come_from_the_credential_matched_to_framework_items():
    areas = signed_areas(rubric_credential(None), CATALOGUE)
    assert areas[0] is DO  # matched by framework, code and name: ordered and keyed by the item
    assert len(areas) == 2  # an external link without a framework is no area
    unmatched = areas[1]
    assert (unmatched.framework, unmatched.code, unmatched.name) == (
        "School's own",
        "X9",
        "Renamed since",
    )
    assert unmatched.key.startswith("signed-") and unmatched.order > SUSTAIN.order


# -- the competence map ------------------------------------------------------------------------


def test_the_map_groups_by_framework_and_area_with_other_last():
    badges = [
        badge("River", day(2025, 10, 1), DO, SUSTAIN, lv=level(2)),
        badge("Choir", day(2025, 11, 1)),
        badge("Debate", day(2026, 3, 1), KNOW, lv=level(1)),
    ]
    chart = build_map(badges)
    assert [f.name for f in chart.frameworks] == [
        "Four pillars of learning",
        "ASPnet thematic areas",
        "Other",
    ]
    assert [[a.area.name for a in f.areas] for f in chart.frameworks] == [
        ["Learning to know", "Learning to do"],
        ["Sustainable development"],
        ["Badges not aligned to a framework"],
    ]
    by_key = {a.area.key: a for a in chart.areas}
    assert [b.name for b in by_key["item-2"].badges] == ["River"]
    assert [b.name for b in by_key["item-6"].badges] == ["River"]  # under each of its areas
    assert [b.name for b in by_key[OTHER_KEY].badges] == ["Choir"]
    assert by_key[OTHER_KEY].highest is None and by_key[OTHER_KEY].summary == "1 badge · no levels"
    assert chart.badge_count == 3 and len(chart.terms) == 2  # autumn and spring of 2025/26
    # every area's anchor is unique: the drawing's links and the table rows meet there
    anchors = [a.anchor for a in chart.areas]
    assert len(set(anchors)) == len(anchors) and all(a.startswith("map-area-") for a in anchors)


def test_the_highest_level_skips_revoked_and_suspended_badges_but_counts_expired_ones():
    badges = [
        badge("One", day(2024, 10, 1), DO, lv=level(2)),
        badge("Two", day(2025, 3, 1), DO, lv=level(4), status="revoked"),
        badge("Three", day(2025, 4, 1), DO, lv=level(4), status="suspended"),
        badge("Four", day(2025, 5, 1), DO, lv=level(3), status="expired"),
    ]
    area = build_map(badges).areas[0]
    assert area.highest == level(3)
    assert area.counted == 2 and area.not_counted == 2
    assert [b.name for b in area.badges] == ["Four", "Three", "Two", "One"]  # newest first
    assert area.summary == "2 badges · 2 revoked or suspended · highest: Proficient (3 of 4)"
    only_revoked = build_map([badges[1]]).areas[0]
    assert only_revoked.highest is None and only_revoked.cells[0].state == "revoked"


def test_growth_over_terms_steps_only_when_the_level_goes_up():
    badges = [
        badge("A", day(2024, 10, 1), DO, lv=level(2)),  # 2024/25 autumn: Developing
        badge("B", day(2025, 3, 1), DO, lv=level(1)),  # spring: lower, no step
        badge("C", day(2025, 3, 2), KNOW, lv=level(1)),  # another area: a column for all
        badge("D", day(2025, 9, 15), KNOW),  # 2025/26 autumn, no level
        badge("E", day(2026, 2, 1), DO, lv=level(4)),  # 2025/26 spring: Mastered
        badge("F", day(2026, 7, 1), DO, lv=level(4), status="revoked"),  # summer, not counted
    ]
    chart = build_map(badges)
    assert [t.label for t in chart.terms] == [
        "2024/25 autumn",
        "2024/25 spring",
        "2025/26 autumn",
        "2025/26 spring",
        "2025/26 summer",
    ]
    do = next(a for a in chart.areas if a.area is DO)
    assert [(s.term.label, s.level.name) for s in do.growth] == [
        ("2024/25 autumn", "Developing"),
        ("2025/26 spring", "Mastered"),
    ]
    assert [c.state for c in do.cells] == ["new", "new", "carried", "new", "revoked"]
    assert [c.text for c in do.cells] == ["2", "2", "", "4", "×"]  # the highest so far
    know = next(a for a in chart.areas if a.area is KNOW)
    assert [c.state for c in know.cells] == ["empty", "new", "new", "carried", "carried"]
    assert know.highest == level(1) and know.cells[2].text == "1"
    # cells sit in the same columns for every area, one per term
    assert [c.x for c in do.cells] == [c.x for c in know.cells]
    assert [h.text for h in chart.term_heads] == ["Aut", "Spr", "Aut", "Spr", "Sum"]
    assert [h.text for h in chart.year_heads] == ["2024/25", "2025/26"]


# -- the timeline ------------------------------------------------------------------------------


def test_timeline_terms_turn_at_midnight_utc_on_1_september():
    last_of_year = datetime(2025, 8, 31, 23, 59, 59, tzinfo=UTC)
    first_of_next = datetime(2025, 9, 1, 0, 0, 0, tzinfo=UTC)
    # 1 September at 01:30 in Vilnius is still 31 August in UTC, as in the network view
    vilnius_early = datetime(2025, 9, 1, 1, 30, tzinfo=timezone(timedelta(hours=3)))
    badges = [
        badge("Summer", last_of_year),
        badge("Autumn", first_of_next),
        badge("Vilnius", vilnius_early),
        badge("Spring", day(2026, 2, 1, 0)),
        badge("January", datetime(2026, 1, 31, 23, 59, tzinfo=UTC)),
    ]
    tl = build_timeline(badges)
    by_term = {c.term: [b.name for b in c.badges] for c in tl.columns}
    assert by_term == {
        Term(2024, 3): ["Summer", "Vilnius"],  # newest first: 23:59:59 after 22:30
        Term(2025, 1): ["January", "Autumn"],
        Term(2025, 2): ["Spring"],
    }
    assert [c.anchor for c in tl.columns] == ["tl-term-2024-3", "tl-term-2025-1", "tl-term-2025-2"]
    assert [y.text for y in tl.year_heads] == ["2024/25", "2025/26"]


def test_the_timeline_spans_every_term_and_stacks_schools():
    badges = [
        badge("A", day(2023, 10, 1), school="Kaunas school"),
        badge("B", day(2023, 10, 2), school="Vilnius school"),
        badge("C", day(2023, 10, 3), school="Kaunas school", status="revoked"),
        badge("D", day(2025, 4, 1), school="Vilnius school"),
    ]
    tl = build_timeline(badges)
    assert tl.columns[0].term == Term(2023, 1) and tl.columns[-1].term == Term(2024, 2)
    assert len(tl.columns) == 5 and [c.count for c in tl.columns] == [3, 0, 0, 0, 1]
    assert tl.schools == ("Kaunas school", "Vilnius school")
    first = tl.columns[0]
    assert [(s.school, s.count, s.counted) for s in first.segments] == [
        ("Kaunas school", 1, True),
        ("Vilnius school", 1, True),
        ("Kaunas school", 1, False),  # revoked: outlined, on top
    ]
    # the pieces stack without gaps from the baseline up to the bar's top
    bottom = tl.baseline
    for segment in first.segments:
        assert segment.y + segment.height == bottom
        bottom = segment.y
    assert first.top == bottom < tl.baseline
    assert tl.columns[-1].top > first.top  # one badge is a lower bar than three
    assert tl.legend[-1].revoked and tl.legend[-1].y > tl.legend[0].y
    assert "1 revoked or suspended" in first.text
    assert terms_between(Term(2024, 3), Term(2025, 2)) == [
        Term(2024, 3),
        Term(2025, 1),
        Term(2025, 2),
    ]


def test_no_badges_draw_no_chart():
    assert build_map([]).frameworks == () and build_map([]).description == "No badges yet."
    assert build_timeline([]).columns == () and build_timeline([]).badge_count == 0


# -- the SVG -----------------------------------------------------------------------------------

HOSTILE = 'Ona\'s <script>alert("x")</script> & co'


@pytest.fixture
def macros():
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    env.install_null_translations(newstyle=True)  # English, as the app without a choice
    env.filters["day"] = lambda value: localdates.day(value, "en")
    env.filters["moment"] = lambda value: localdates.moment(value, "en")
    return env.get_template("issuer/portfolio/_charts.html").module


def svg_of(html: str):
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found, html
    return ElementTree.fromstring(found.group(0))


def rows_of(html: str) -> dict[str, list[str]]:
    """Each table row's id and the badge links it lists."""
    rows = {}
    for row_id, body in re.findall(r'<tr id="([^"]+)">(.*?)</tr>', html, re.S):
        rows[row_id] = [unescape(h) for h in re.findall(r'<a href="([^"]+)"', body)]
    return rows


def test_the_map_svg_is_accessible_well_formed_and_escapes_text(macros):
    hostile_area = AreaRef(
        order=(9, 9, ""), key="signed-abc", framework=HOSTILE, code="", name=HOSTILE
    )
    badges = [
        badge(HOSTILE, day(2025, 10, 1), DO, hostile_area, lv=level(3, description=HOSTILE)),
        badge("Plain", day(2026, 3, 1), KNOW, lv=level(1)),
        badge("Loose", day(2026, 3, 2)),
    ]
    chart = build_map(badges)
    html = str(macros.competence_map(chart))
    assert "<script>" not in html
    svg = svg_of(html)
    # a group, not an image: an image's content is presentational, and it holds links
    assert svg.get("role") == "group"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id == "map-title"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == desc_id and "3 badges in 4 areas" in desc.text
    assert HOSTILE in desc.text  # escaped on the page, the same text once parsed
    names = [t.text for t in svg.iter(f"{SVG}text")]
    assert HOSTILE in names  # the framework heading
    # each area's link leads to the table row listing exactly that area's badges
    rows = rows_of(html)
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert sorted(links) == sorted(f"#{a.anchor}" for a in chart.areas)
    assert all(a.get("tabindex") == "-1" for a in svg.iter(f"{SVG}a"))
    for area in chart.areas:
        assert rows[area.anchor] == [b.href for b in area.badges]
    assert rows[f"map-area-{DO.key}"] == [f"/portfolio/badges/{HOSTILE}"]
    assert rows["map-area-other"] == ["/portfolio/badges/Loose"]
    # the table view says what the drawing shows
    assert 'Proficient</strong> <span class="muted">(3 of 4)</span>' in html
    assert "&lt;script&gt;" in html  # the level description, escaped in the table


def test_the_timeline_svg_links_each_term_to_its_badges(macros):
    badges = [
        badge("A", day(2024, 10, 1), school=HOSTILE),
        badge("B", day(2025, 3, 1)),
        badge("C", day(2025, 3, 5), status="revoked"),
    ]
    tl = build_timeline(badges)
    html = str(macros.timeline(tl))
    svg = svg_of(html)
    assert svg.get("role") == "group" and svg.get("aria-labelledby") == "tl-title tl-desc"
    assert int(svg.get("width")) == tl.width and svg.get("viewBox") == f"0 0 {tl.width} {tl.height}"
    desc = svg.find(f"{SVG}desc").text
    assert "3 badges from 2 schools over 1 school year" in desc
    assert "2024/25 spring (Feb 2025 – Jun 2025): 2 badges" in desc
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links == ["#tl-term-2024-1", "#tl-term-2024-2"]  # empty terms link nowhere
    rows = rows_of(html)
    assert rows == {
        "tl-term-2024-2": ["/portfolio/badges/C", "/portfolio/badges/B"],
        "tl-term-2024-1": ["/portfolio/badges/A"],
    }
    assert "<script>" not in html and HOSTILE in [t.text for t in svg.iter(f"{SVG}text")]
    assert "Revoked" in html  # marked in the table, never hidden


def test_empty_charts_say_so(macros):
    assert "No badges yet" in str(macros.competence_map(build_map([])))
    assert "<svg" not in str(macros.timeline(build_timeline([])))


def test_the_charts_in_the_readers_language(macros):
    """Issue 12: the charts' titles, descriptions, terms, months and counts in the reader's
    language (Lithuanian and Russian plurals with their three forms; months as Babel writes
    them), never in English."""
    from issuer.translate import _, in_language, ngettext

    # the templates' own text through the issuer's catalogues too (the app's way)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)
    env.filters["day"] = lambda value: localdates.day(value, "en")
    translated = env.get_template("issuer/portfolio/_charts.html").module
    badges = [
        badge("A", day(2024, 10, 1), DO, lv=level(2)),
        badge("B", day(2025, 3, 1), DO, lv=level(3)),
        badge("C", day(2025, 3, 5), KNOW, status="revoked"),
        badge("D", day(2025, 3, 9), KNOW),
        badge("E", day(2025, 3, 12), KNOW),
        badge("F", day(2025, 3, 14), KNOW),
        badge("G", day(2025, 3, 15), KNOW),
    ]
    english = str(macros.timeline(build_timeline(badges))) + str(
        macros.competence_map(build_map(badges))
    )
    assert "2024/25 autumn" in english and "Feb 2025 – Jun 2025" in english
    assert "Timeline of badges by school year and term" in english
    for language, wanted in (
        (
            "lt",
            (
                "2024/25 ruduo",
                "2024/25 pavasaris",
                "7 ženkleliai: 1 mokykla, 1 mokslo metai.",
                "Ženklelių laiko juosta pagal mokslo metus ir laikotarpius",
                "Kompetencijų žemėlapis",
                "7 ženkleliai, 2 sritys ir 2 laikotarpiai, pagal sistemas.",
                "aukščiausias: Proficient (3 iš 4)",
                ">Rud<",
                "2025-02 – 2025-06",  # Babel's "yMMM" for Lithuanian
            ),
        ),
        (
            "ru",
            (
                "2024/25, осень",
                "7 значков: 1 школа, 1 учебный год.",
                "Карта компетенций",
                "7 значков, 2 области и 2 периода, по рамкам.",
                "4 значка",  # Learning to know: four counted, one revoked
                "1 отозван или приостановлен",
                "февр. 2025\u202fг. – июнь 2025\u202fг.",  # Babel's "yMMM" for Russian
            ),
        ),
    ):
        with in_language(language):
            html = str(translated.timeline(build_timeline(badges))) + str(
                translated.competence_map(build_map(badges))
            )
        for text in wanted:
            assert text in unescape(html), (language, text)
        for text in ("autumn", "spring", "Timeline of", "Competence map", "Highest", " of 4"):
            assert text not in unescape(html), (language, text)
