"""Teachers and learners: second awards, the note to the learner, activity dates, revoked
badges, the PNG download, and the staff pages that list and show badges."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import png
import pytest
from sqlalchemy import func, select

from issuer.models import Achievement, Award, AwardBatch, Organisation, OutboxMessage
from issuer.models.base import now_utc
from issuer.services.awards import AwardInput, award_badge
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, post, post_multipart


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def teacher(client, make_user, school):
    user = make_user("ruta@vilnius.example", org=school, role="teacher")
    assert login(client, user.email).status_code == 302
    return user


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


def award_url(school, achievement) -> str:
    return f"/staff/{school.slug}/achievements/{achievement.public_id}/award"


def form_key(client, school, achievement) -> str:
    form = client.get(award_url(school, achievement))
    return re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)


def count(database, model) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def messages(database) -> list[OutboxMessage]:
    with database.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def award_on(database, sealer, org, achievement, email, name, when, **kwargs):
    with database.transaction() as session:
        return award_badge(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput(learner_name=name, learner_email=email, **kwargs),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            now=when,
        )


# -- a second award of the same badge to the same learner -------------------------------------


def test_a_second_award_from_the_form_is_asked_about_and_made_only_when_confirmed(
    client, school, teacher, achievement, database
):
    first_key = form_key(client, school, achievement)
    first = {
        "learner_name": "Ona Petraitytė",
        "learner_email": "ona@pupils.example",
        "request_key": first_key,
    }
    done = post(client, award_url(school, achievement), first)
    assert done.status_code == 302
    # a retried POST of the same form is still the same award, with no question asked
    retried = post(client, award_url(school, achievement), first)
    assert retried.status_code == 302 and retried.location == done.location
    assert count(database, Award) == 1

    # the form filled in again later (a new form, the address typed differently)
    again = {
        "learner_name": "Ona P.",
        "learner_email": "  ONA@Pupils.Example ",
        "request_key": form_key(client, school, achievement),
    }
    warned = post(client, award_url(school, achievement), again)
    assert warned.status_code == 409
    today = now_utc().strftime("%Y-%m-%d")
    assert f"Ona Petraitytė was already awarded this badge on {today}." in warned.text
    assert 'name="award_again"' in warned.text and "Sign and award again" in warned.text
    assert f'value="{again["request_key"]}"' in warned.text  # the same request, confirmed below
    assert count(database, Award) == 1 and len(messages(database)) == 1

    confirmed = post(client, award_url(school, achievement), again | {"award_again": "1"})
    assert confirmed.status_code == 302
    assert count(database, Award) == 2
    # the confirmation submitted twice is still one award
    assert (
        post(client, award_url(school, achievement), again | {"award_again": "1"}).location
        == confirmed.location
    )
    assert count(database, Award) == 2


def test_a_revoked_badge_or_another_badge_is_no_earlier_award(
    client, school, teacher, achievement, make_achievement, database, award_to
):
    revoked = award_to(school, achievement)
    assert (
        post(
            client,
            f"/staff/{school.slug}/awards/{revoked.public_id}/revoke",
            {"reason": "Wrong class"},
        ).status_code
        == 302
    )
    other = make_achievement(school, name="Chess club")
    award_to(school, other)
    data = {
        "learner_name": "Ona",
        "learner_email": "ona@pupils.example",
        "request_key": form_key(client, school, achievement),
    }
    assert post(client, award_url(school, achievement), data).status_code == 302


def preview(client, school, achievement, content: bytes):
    return post_multipart(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk",
        {"csv": (io.BytesIO(content), "class.csv")},
    )


def confirm(client, school, achievement, page: str, **extra):
    csv_b64 = re.search(r'name="csv_b64" value="([^"]+)"', page).group(1)
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    return post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm",
        {"csv_b64": csv_b64, "request_key": key, **extra},
    )


CLASS = b"name,email\nOna Petraitytte,ona@pupils.example\nJonas,jonas@pupils.example\nEgle,Egle@Pupils.example\n"


def test_the_class_preview_marks_learners_who_have_the_badge_and_skips_them_unless_asked(
    client, school, teacher, achievement, database, sealer
):
    earlier = now_utc() - timedelta(days=40)
    award_on(database, sealer, school, achievement, "ona@pupils.example", "Ona", earlier)
    award_on(database, sealer, school, achievement, "egle@pupils.example", "Eglė", earlier)
    page = preview(client, school, achievement, CLASS)
    assert page.status_code == 200
    rows = re.findall(r'<tr class="(\w*)"><td>(\d+)</td>.*?</tr>', page.text, re.S)
    assert rows == [("earlier", "2"), ("", "3"), ("earlier", "4")]
    marked = re.search(r'<tr class="earlier"><td>2</td>.*?</tr>', page.text, re.S).group(0)
    assert f"Already awarded on {earlier:%Y-%m-%d}" in re.sub(r"<[^>]+>", "", marked)
    assert "2 of these learners already have this badge" in page.text
    assert re.search(r'name="earlier" value="skip" checked', page.text)  # left out unless chosen
    assert count(database, Award) == 2

    done = confirm(client, school, achievement, page.text).get_data(as_text=True)
    assert "1 badge was awarded (2 learners who already had this badge left out)" in done
    with database.transaction() as session:
        assert sorted(a.learner_email for a in session.scalars(select(Award))) == [
            "egle@pupils.example",
            "jonas@pupils.example",
            "ona@pupils.example",
        ]
        assert session.scalars(select(AwardBatch)).one().count == 1

    # the same file again, and the teacher chooses to award those who have it again
    page = preview(client, school, achievement, CLASS)
    assert len(re.findall(r'<tr class="earlier">', page.text)) == 3
    done = confirm(client, school, achievement, page.text, earlier="include").get_data(as_text=True)
    assert "All 3 badges were awarded" in done
    assert count(database, Award) == 6

    # everyone has it, and nothing is chosen: nothing is awarded, and the page says why
    page = preview(client, school, achievement, CLASS)
    done = confirm(client, school, achievement, page.text).get_data(as_text=True)
    assert "Nothing was awarded: Every learner in the list already has this badge" in done
    assert count(database, Award) == 6


# -- the note to the learner and the activity dates ----------------------------------------


def test_the_note_reaches_the_learner_and_is_signed_only_if_the_teacher_publishes_it(
    client, school, teacher, achievement, database
):
    note = "Thank you for leading the river team, Ona!"
    data = {
        "learner_name": "Ona",
        "learner_email": "ona@pupils.example",
        "narrative": note,
        "request_key": form_key(client, school, achievement),
    }
    assert post(client, award_url(school, achievement), data).status_code == 302
    data2 = data | {
        "learner_email": "jonas@pupils.example",
        "learner_name": "Jonas",
        "publish_narrative": "1",
        "request_key": form_key(client, school, achievement),
    }
    assert post(client, award_url(school, achievement), data2).status_code == 302
    with database.transaction() as session:
        private, public = session.scalars(select(Award).order_by(Award.id)).all()
        private_json, public_json = private.credential_json, public.credential_json
    assert "narrative" not in json.loads(private_json)["credentialSubject"]
    assert note not in private_json
    assert json.loads(public_json)["credentialSubject"]["narrative"] == note
    sent = messages(database)
    assert len(sent) == 2 and all(note in m.body for m in sent)
    shown = client.get(f"/credentials/{private.public_id}")
    assert shown.status_code == 200 and note not in shown.text


def test_a_class_csv_note_goes_to_each_learner_and_is_signed_only_if_chosen(
    client, school, teacher, achievement, database
):
    content = b"name,email,narrative\nOna,ona@pupils.example,Great sampling work\nJonas,jonas@pupils.example,\n"
    page = preview(client, school, achievement, content)
    assert 'name="publish_notes"' in page.text
    confirm(client, school, achievement, page.text).get_data()
    with database.transaction() as session:
        awards = session.scalars(select(Award).order_by(Award.id)).all()
        assert all(
            "narrative" not in json.loads(a.credential_json)["credentialSubject"] for a in awards
        )
    ona = [m for m in messages(database) if m.to_email == "ona@pupils.example"]
    assert len(ona) == 1 and "Great sampling work" in ona[0].body
    content = b"name,email,note\nRuta,ruta@pupils.example,Published note\n"
    page = preview(client, school, achievement, content)
    confirm(client, school, achievement, page.text, publish_notes="1").get_data()
    with database.transaction() as session:
        ruta = session.scalars(
            select(Award).where(Award.learner_email == "ruta@pupils.example")
        ).one()
        assert (
            json.loads(ruta.credential_json)["credentialSubject"]["narrative"] == "Published note"
        )


def test_activity_dates_show_on_the_badge_page_and_in_the_verifier(
    client, school, achievement, award_to
):
    award = award_to(
        school, achievement, activity_start=date(2026, 4, 1), activity_end=date(2026, 6, 15)
    )
    page = client.get(f"/credentials/{award.public_id}").text
    assert re.search(r"<dt>Activity</dt><dd[^>]*>2026-04-01 to 2026-06-15</dd>", page)
    from verifier.service import badge_view

    view = badge_view(SimpleNamespace(credential=json.loads(award.credential_json)))
    assert view is not None and (view["activity_start"], view["activity_end"]) == (
        "2026-04-01",
        "2026-06-15",
    )
    # the verifier's page, given the signed JSON (its proof cannot be checked here, offline:
    # the page still shows what the badge says)
    from verifier import create_app

    verifier = create_app(
        {  # the issuer's address led to a closed loopback port: no traffic out
            "TESTING": True,
            "VERIFIER_ALLOWED_HOSTS": ["127.0.0.1:9"],
            "VERIFIER_URL_MAP": [(f"{BASE_URL}/", "http://127.0.0.1:9/")],
            "VERIFIER_FETCH_TIMEOUT": 2.0,
        }
    ).test_client()
    html = verifier.post("/verify", data={"input": award.credential_json}).get_data(as_text=True)
    assert re.search(r"<dt>Activity</dt><dd[^>]*>2026-04-01 to 2026-06-15</dd>", html)


# -- revoked badges --------------------------------------------------------------------------


def test_a_revoked_badge_says_so_offers_nothing_to_share_and_the_learner_is_told(
    client, school, teacher, achievement, award_to, database
):
    award = award_to(school, achievement)
    page = client.get(f"/credentials/{award.public_id}").text
    assert "Add to LinkedIn" in page and f"/credentials/{award.public_id}.png" in page  # (before)
    reason = "Awarded to the wrong class by mistake"
    assert (
        post(
            client, f"/staff/{school.slug}/awards/{award.public_id}/revoke", {"reason": reason}
        ).status_code
        == 302
    )
    page = client.get(f"/credentials/{award.public_id}").text
    assert "This badge was revoked" in page and reason in page
    assert "Add to LinkedIn" not in page and "linkedin.com" not in page
    assert (
        f"/credentials/{award.public_id}.png" not in page
        and f"/credentials/{award.public_id}.svg" not in page
    )
    assert "JSON (revoked)" in page
    for kind in ("png", "svg"):
        gone = client.get(f"/credentials/{award.public_id}.{kind}")
        assert gone.status_code == 410 and "revoked" in gone.text
    # the signed record itself stays, for verifiers to see the revocation
    assert client.get(f"/credentials/{award.public_id}.json").status_code == 200
    sent = messages(database)
    assert len(sent) == 2
    told = sent[1]
    assert told.to_email == "ona@pupils.example" and "revoked" in told.subject
    assert reason in told.body and f"{BASE_URL}/credentials/{award.public_id}" in told.body


# -- the PNG download ------------------------------------------------------------------------


def rgba(data: bytes) -> tuple[int, int, list[bytes]]:
    width, height, rows, _info = png.Reader(bytes=data).asRGBA8()
    return width, height, [bytes(row) for row in rows]


def qr_texts(data: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    width, height, rows = rgba(data)
    gray = bytes(
        (row[x] * 299 + row[x + 1] * 587 + row[x + 2] * 114) // 1000 if row[x + 3] else 255
        for row in rows
        for x in range(0, width * 4, 4)
    )
    found = zxingcpp.read_barcodes(memoryview(gray).cast("B", (height, width)))
    return [r.text for r in found]


def test_the_png_download_is_the_badges_generated_picture_with_the_badge_baked_in(
    client, school, achievement, award_to
):
    from badges import baking, qr

    award = award_to(school, achievement)
    response = client.get(f"/credentials/{award.public_id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert baking.unbake(response.data).payload == award.credential_json
    assert qr_texts(
        qr.cached_qr(f"{BASE_URL}/credentials/{award.public_id}", "png")
    )  # (the check can see a QR)
    assert qr_texts(response.data) == []  # not a QR code
    width, height, rows = rgba(response.data)
    assert (width, height) == (512, 512)
    # the generated round badge: transparent corners, its colour near the rim
    from issuer.services.images import _PALETTE

    assert rows[2][3] == 0
    colour = "#{:02x}{:02x}{:02x}".format(*rows[256][4 * 20 : 4 * 20 + 3])
    assert colour in _PALETTE


SVG_ART = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    b'<rect width="100" height="100" fill="#00a000"/><rect x="100" width="100" height="100" fill="#0000c8"/></svg>'
)


def test_the_png_download_draws_the_schools_svg_artwork(client, school, make_achievement, award_to):
    from badges import baking

    art = make_achievement(school, name="River art", image=SVG_ART)
    award = award_to(school, art)
    response = client.get(f"/credentials/{award.public_id}.png")
    assert response.status_code == 200
    assert baking.unbake(response.data).payload == award.credential_json
    width, height, rows = rgba(response.data)
    assert (width, height) == (512, 256)  # its shape kept, within 512 x 512
    assert rows[128][4 * 100 : 4 * 100 + 4] == bytes((0, 0xA0, 0, 255))
    assert rows[128][4 * 400 : 4 * 400 + 4] == bytes((0, 0, 0xC8, 255))


# -- the staff pages -----------------------------------------------------------------------


def test_the_awards_list_is_newest_first(client, school, teacher, achievement, database, sealer):
    today = now_utc().replace(microsecond=0)
    award_on(database, sealer, school, achievement, "a@pupils.example", "Today Learner", today)
    award_on(
        database,
        sealer,
        school,
        achievement,
        "b@pupils.example",
        "Last Year Learner",
        today - timedelta(days=365),
    )
    award_on(
        database,
        sealer,
        school,
        achievement,
        "c@pupils.example",
        "Last Week Learner",
        today - timedelta(days=7),
    )
    award_on(database, sealer, school, achievement, "d@pupils.example", "Also Today Learner", today)
    page = client.get(f"/staff/{school.slug}/awards").text
    names = re.findall(r">(\w[\w ]* Learner)</a>", page)
    assert names == [
        "Also Today Learner",
        "Today Learner",
        "Last Week Learner",
        "Last Year Learner",
    ]


def test_the_organisation_page_counts_revoked_badges_apart(
    client, school, teacher, achievement, award_to
):
    award_to(school, achievement, email="a@pupils.example")
    award_to(school, achievement, email="b@pupils.example")
    gone = award_to(school, achievement, email="c@pupils.example")
    post(client, f"/staff/{school.slug}/awards/{gone.public_id}/revoke", {"reason": "Mistake"})
    page = client.get(f"/staff/{school.slug}").text
    row = re.search(r"<tr>\s*<td><a[^>]*>Baltic Sea Project</a></td>.*?</tr>", page, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[2].startswith("2 ") and "1 revoked" in cells[2]


def test_the_type_list_offers_a_schools_few_types_in_plain_words(
    client, school, teacher, make_achievement
):
    page = client.get(f"/staff/{school.slug}/achievements/new").text
    types = re.search(r'<select id="f-achievement_type".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', types)
    assert 5 <= len(options) <= 10
    assert ("Competency", "Competence (a skill shown)") in options and ("Badge", "Badge") in options
    assert "ApprenticeshipCertificate" not in page and "ProfessionalDoctorate" not in page
    # a badge made (e.g. by the API) with another type keeps it, shown in words
    diploma = make_achievement(school, name="Graduation", achievement_type="SecondarySchoolDiploma")
    page = client.get(f"/staff/{school.slug}/achievements/{diploma.public_id}/edit").text
    assert re.search(
        r'<option value="SecondarySchoolDiploma" selected>Secondary school diploma</option>', page
    )
    assert "Secondary school diploma" in client.get(f"/staff/{school.slug}").text


def test_the_staff_page_of_a_badge_shows_its_link_qr_level_and_evidence(
    client, school, teacher, achievement, award_to
):
    award = award_to(
        school, achievement, level="Proficient", evidence_url="https://blog.example/ona/river"
    )
    page = client.get(f"/staff/{school.slug}/awards/{award.public_id}").text
    assert f'href="{BASE_URL}/credentials/{award.public_id}"' in page
    assert f'src="/credentials/{award.public_id}/qr.svg"' in page
    assert re.search(r"<dt>Level</dt><dd>Proficient</dd>", page)
    assert 'href="https://blog.example/ona/river"' in page


def test_the_class_progress_page_has_the_sites_frame(client, school, teacher, achievement):
    page = preview(
        client,
        school,
        achievement,
        b"name,email\nOna,ona@pupils.example\nJonas,jonas@pupils.example\n",
    )
    done = confirm(client, school, achievement, page.text).get_data(as_text=True)
    assert (
        done.index('<header class="site">')
        < done.index("Signed 2 of 2")
        < done.index("All 2 badges were awarded")
    )
    assert (
        done.index("All 2 badges were awarded")
        < done.index('<footer class="site">')
        < done.rindex("</html>")
    )
    assert (
        f'href="/staff/{school.slug}/awards"' in done.split("Signed", 1)[0]
    )  # the site's navigation
    assert done.count("<main") == 1 and done.count("</main>") == 1


def test_the_learner_is_told_when_a_badge_is_suspended_and_when_it_is_valid_again(
    client, make_org, make_user, make_achievement, award_to, database
):
    org = make_org("riga-school", "Riga School", status_method="bitstring-suspension")
    award = award_to(org, make_achievement(org), email="ona@pupils.example", name="Ona")
    make_user("teacher@riga.example", org=org, role="teacher")
    assert login(client, "teacher@riga.example").status_code == 302
    page = f"/staff/{org.slug}/awards/{award.public_id}"
    note = "A complaint is being looked into"
    assert post(client, f"{page}/suspend", {"reason": note}).status_code == 302
    assert (
        post(client, f"{page}/suspend").status_code == 409
    )  # not suspended twice: no second message
    assert post(client, f"{page}/unsuspend").status_code == 302
    sent = messages(database)[1:]
    assert [m.subject for m in sent] == [
        "Your badge is suspended for now: Baltic Sea Project",
        "Your badge is valid again: Baltic Sea Project",
    ]
    assert all(
        m.to_email == "ona@pupils.example" and f"{BASE_URL}/credentials/{award.public_id}" in m.body
        for m in sent
    )
    assert note not in sent[0].body  # the note is for the audit log
