"""The network view probed with what real networks contain: loops in the hierarchy (an
organisation that is its own ancestor), very deep chains, centres without members, filters
with garbage, and school names that break spreadsheets (commas, quotes, line breaks,
leading = + - @, Lithuanian, Russian and Kazakh letters)."""

from __future__ import annotations

import csv
import io
import re
import threading

from sqlalchemy import select, update

from issuer.models import Organisation
from issuer.services.network import CSV_HEADER, network_report

from .conftest import login


def set_parent(database, org, parent) -> None:
    """What a hand-edited database or a bad import may leave behind."""
    with database.transaction() as session:
        session.execute(
            update(Organisation).where(Organisation.id == org.id).values(parent_id=parent.id)
        )


def report_within(database, centre, seconds: float = 60.0, **filters):
    """The report, computed in a thread that must finish: a loop must not hang the page."""
    found = []

    def run() -> None:
        with database.transaction() as session:
            found.append(network_report(session, session.get(Organisation, centre.id), **filters))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the network report did not finish"
    return found[0]


def csv_rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == CSV_HEADER
    return [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]


def test_an_organisation_that_is_its_own_ancestor_does_not_hang_the_view(
    client, make_org, make_user, make_achievement, award_to, database
):
    centre = make_org("loop-centre", "Loop Centre", kind="centre")
    region = make_org("loop-region", "Loop Region", kind="centre", parent=centre)
    school = make_org("loop-school", "Loop School", parent=region)
    award_to(school, make_achievement(school))
    award_to(region, make_achievement(region, "Regional badge"))
    set_parent(
        database, centre, school
    )  # the centre below its own school: centre > region > school > centre
    selfish = make_org("self-centre", "Self Centre", kind="centre")
    self_school = make_org("self-school", "Self School", parent=selfish)
    award_to(self_school, make_achievement(self_school, "Self badge"))
    set_parent(database, selfish, selfish)  # a centre that is its own parent
    make_user("admin@loop.example", org=centre, role="admin")
    make_user("admin@region.example", org=region, role="admin")
    make_user("admin@self.example", org=selfish, role="admin")

    expected = {  # members (each once, never the centre itself) and the badges they awarded
        "loop-centre": (["loop-region", "loop-school"], 2),
        "loop-region": (["loop-centre", "loop-school"], 1),
        "self-centre": (["self-school"], 1),
    }
    for (slug, (members, issued)), user in zip(
        expected.items(), ("loop", "region", "self"), strict=True
    ):
        with database.transaction() as session:
            org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        report = report_within(database, org)
        assert (sorted(m.slug for m in report.members), report.total.issued) == (members, issued), (
            slug
        )
        login(client, f"admin@{user}.example")
        assert client.get(f"/staff/{slug}/network").status_code == 200
        response = client.get(f"/staff/{slug}/network.csv")
        assert response.status_code == 200
        assert sum(int(row["issued"]) for row in csv_rows(response)) == issued, slug
    # the public pages that name the parents are bounded too
    for path in (
        "/orgs/loop-centre",
        "/orgs/loop-region",
        "/orgs/loop-school",
        "/orgs/self-centre",
        "/orgs/self-centre/did.json",
    ):
        assert client.get(path).status_code == 200, path


def test_a_very_deep_chain_is_counted_to_the_bottom(
    client, make_org, make_user, make_achievement, award_to, database
):
    network = make_org("deep-network", "Deep Network", kind="network")
    parent = network
    for level in range(40):
        parent = make_org(f"deep-{level}", f"Level {level}", kind="centre", parent=parent)
    bottom = make_org("deep-school", "Deepest School", parent=parent)
    award_to(bottom, make_achievement(bottom))
    report = report_within(database, network)
    assert len(report.members) == 41 and report.total.issued == 1
    assert max(m.depth for m in report.members) == 41
    make_user("admin@deep.example", org=network, role="admin")
    login(client, "admin@deep.example")
    [row] = csv_rows(client.get("/staff/deep-network/network.csv"))
    assert (row["school"], row["sub_centre"], row["issued"]) == ("Deepest School", "Level 39", "1")


def test_a_centre_without_members_answers_with_the_header_only(client, make_org, make_user):
    centre = make_org("empty-centre", "Empty Centre", kind="centre")
    make_user("admin@empty.example", org=centre, role="admin")
    login(client, "admin@empty.example")
    assert csv_rows(client.get("/staff/empty-centre/network.csv")) == []
    assert client.get("/staff/empty-centre/network?year=2025&format=csv").status_code == 200


FILTERS = [
    # (query string, status, what the page says)
    ("year=abc", 400, "Choose a school year from the list."),
    ("year=99999999999999999999999", 400, "Choose a school year from the list."),
    ("year=-2025", 400, "Choose a school year from the list."),
    ("year=1e3", 400, "Choose a school year from the list."),
    ("year=2025%00", 400, "NUL character"),
    ("school=%00", 400, "NUL character"),
    ("school=no-such-school", 400, "That organisation is not a member of this network."),
    ("school=" + "x" * 3000, 400, "That organisation is not a member of this network."),
    (
        "school=net-centre",
        400,
        "That organisation is not a member of this network.",
    ),  # the centre itself
    ("year=2025/26", 200, "2025/26"),
    ("year=+2025+", 200, "2025/26"),
    ("year=&school=", 200, "all years"),
    ("format=xml", 200, "Network"),
]


def test_garbage_in_the_filters_gets_a_clear_message(client, make_org, make_user):
    centre = make_org("net-centre", "Net Centre", kind="centre")
    make_org("net-school", "Net School", parent=centre)
    make_user("admin@net.example", org=centre, role="admin")
    login(client, "admin@net.example")
    for query, status, message in FILTERS:
        for path in ("/staff/net-centre/network", "/staff/net-centre/network.csv"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == status, (path, query)
            if status == 400 or path.endswith("network"):
                assert message in response.get_data(as_text=True), (path, query)


NAMES = [
    # (the school's name, the CSV cell: a leading = + - @ would run as a formula)
    ('Gymnasium "Saulė", Vilnius', 'Gymnasium "Saulė", Vilnius'),
    ("Two\nlines =1+1", "Two\nlines =1+1"),
    ('=HYPERLINK("https://evil.test","click")', '\'=HYPERLINK("https://evil.test","click")'),
    ("+7 Lyceum", "'+7 Lyceum"),
    ("-1 Gymnasium", "'-1 Gymnasium"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("Šiaulių Didždvario gimnazija – ąčęėįšųūž", "Šiaulių Didždvario gimnazija – ąčęėįšųūž"),
    ("Школа № 57, Москва", "Школа № 57, Москва"),
    ("Алматы қаласы №12 мектеп-гимназиясы (ҚҰҮӘҒ)", "Алматы қаласы №12 мектеп-гимназиясы (ҚҰҮӘҒ)"),
]


SEMICOLON_NAMES = [
    # (the school's name, the CSV cell): a separator other than the file's own comma
    # (";" in Lithuanian Excel, a tab, a line break) or a quote must not start a formula
    ("Vilnius;=1+1", "Vilnius;'=1+1"),
    ("Kaunas;=cmd|' /C calc'!A0", "Kaunas;'=cmd|' /C calc'!A0"),
    ("Klaipėda; @SUM(A1:A2)", "Klaipėda; '@SUM(A1:A2)"),
    ("Alytus,-2+3", "Alytus,'-2+3"),
    ('Utena";=1+1', "Utena\";'=1+1"),
    ("Tab\t+1", "Tab\t'+1"),
    ("Line\r\n=1", "Line\r\n'=1"),
    ("Molėtai \n  =1+1", "Molėtai \n  '=1+1"),
    ("Panevėžys 5-oji gimnazija; Nr. 1", "Panevėžys 5-oji gimnazija; Nr. 1"),
]


def _cells_in_any_reading(raw: str) -> list[str]:
    """Every cell a spreadsheet could make of the file, whichever of comma, semicolon or
    tab it splits on and however it reads quotes: split the raw text at each."""
    pieces = re.split(r"[,;\t\r\n]", raw)
    return [piece.strip(' "') for piece in pieces]


def test_a_semicolon_inside_a_name_lets_no_formula_through(
    client, make_org, make_user, make_achievement, award_to
):
    centre = make_org("semi-centre", "Semi;=Centre", kind="centre")
    for number, (name, _cell) in enumerate(SEMICOLON_NAMES):
        school = make_org(f"semi-school-{number}", name, parent=centre)
        award_to(
            school,
            make_achievement(school, f"Badge {number};=2+2"),
            email=f"l{number}@pupils.example",
        )
    make_user("admin@semi.example", org=centre, role="admin")
    login(client, "admin@semi.example")
    response = client.get("/staff/semi-centre/network.csv")
    assert response.status_code == 200
    rows = {row["school_slug"]: row for row in csv_rows(response)}
    for number, (_name, cell) in enumerate(SEMICOLON_NAMES):
        assert rows[f"semi-school-{number}"]["school"] == cell
        assert rows[f"semi-school-{number}"]["issued"] == "1"
    raw = response.get_data(as_text=True)[1:]
    for cell in _cells_in_any_reading(raw):
        assert not cell.startswith(("=", "+", "-", "@")), cell
    # every text field is quoted and the counts are bare numbers (this reader turns an
    # unquoted field into a float, and fails on one that is not a number)
    for row in list(csv.reader(io.StringIO(raw), quoting=csv.QUOTE_NONNUMERIC))[1:]:
        assert all(isinstance(v, str) for v in row[:9]) and row[9:] == [1.0, 0.0, 1.0], row


def test_the_csv_keeps_every_name_intact_and_defuses_formulas(
    client, make_org, make_user, make_achievement, award_to
):
    centre = make_org("csv-centre", '=Centre, "quoted"', kind="centre")
    region = make_org("csv-region", "@Region", kind="centre", parent=centre)
    for number, (name, _cell) in enumerate(NAMES):
        school = make_org(f"csv-school-{number}", name, parent=region if number % 2 else centre)
        award_to(
            school,
            make_achievement(school, f"Badge of {name}"),
            email=f"learner{number}@pupils.example",
        )
    make_user("admin@csv.example", org=centre, role="admin")
    login(client, "admin@csv.example")
    response = client.get("/staff/csv-centre/network.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="network-csv-centre-all-years.csv"'
    )
    rows = {row["school_slug"]: row for row in csv_rows(response)}
    for number, (_name, cell) in enumerate(NAMES):
        row = rows[f"csv-school-{number}"]
        assert row["school"] == cell
        assert row["sub_centre"] == ("'@Region" if number % 2 else "")
        assert row["issued"] == "1"
    # aggregates only: no learner's address
    assert "pupils.example" not in response.get_data(as_text=True)
    page = client.get("/staff/csv-centre/network").get_data(as_text=True)
    assert "Алматы қаласы №12 мектеп-гимназиясы (ҚҰҮӘҒ)" in page
    assert (
        "Gymnasium &#34;Saulė&#34;, Vilnius" in page
        or "Gymnasium &quot;Saulė&quot;, Vilnius" in page
    )
