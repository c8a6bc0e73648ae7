"""Who may see and do what: staff work only inside their own organisations."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from issuer.models import Invitation, Membership, User

from .conftest import PASSWORD, login, post


@pytest.fixture
def school_a(make_org):
    return make_org("school-a", "School A")


@pytest.fixture
def school_b(make_org):
    return make_org("school-b", "School B")


@pytest.fixture
def world(school_a, school_b, make_user, make_achievement, award_to):
    """Two schools, a teacher in each, and one achievement and award of school B."""
    teacher_a = make_user("asta@school-a.example", org=school_a, role="teacher")
    admin_a = make_user("adele@school-a.example", org=school_a, role="admin")
    teacher_b = make_user("bruno@school-b.example", org=school_b, role="teacher")
    admin_b = make_user("berta@school-b.example", org=school_b, role="admin")
    achievement_a = make_achievement(school_a, "Kindness at school A")
    achievement_b = make_achievement(school_b, "River watch at school B")
    award_b = award_to(
        school_b, achievement_b, email="learner@pupils-b.example", name="Bronė Secret"
    )
    return {
        "a": school_a,
        "b": school_b,
        "teacher_a": teacher_a,
        "admin_a": admin_a,
        "teacher_b": teacher_b,
        "admin_b": admin_b,
        "achievement_a": achievement_a,
        "achievement_b": achievement_b,
        "award_b": award_b,
    }


def staff_get_urls(w):
    b, ach, award = w["b"].slug, w["achievement_b"].public_id, w["award_b"].public_id
    return [
        f"/staff/{b}",
        f"/staff/{b}/awards",
        f"/staff/{b}/outbox",
        f"/staff/{b}/achievements/new",
        f"/staff/{b}/achievements/{ach}/edit",
        f"/staff/{b}/achievements/{ach}/award",
        f"/staff/{b}/achievements/{ach}/bulk",
        f"/staff/{b}/awards/{award}",
    ]


def staff_posts(w):
    b, ach, award = w["b"].slug, w["achievement_b"].public_id, w["award_b"].public_id
    a = w["a"].slug
    learner = {"learner_name": "Intruder", "learner_email": "x@pupils.example", "request_key": "k1"}
    achievement = {"name": "Hijacked", "description": "Should never exist.", "language": "en"}
    csv_b64 = "bmFtZSxlbWFpbApPbmEsb25hQHB1cGlscy5leGFtcGxl"  # name,email / Ona,ona@pupils.example
    return [
        (f"/staff/{b}/achievements/new", achievement),
        (f"/staff/{b}/achievements/{ach}/edit", achievement),
        (f"/staff/{b}/achievements/{ach}/award", learner),
        (f"/staff/{b}/achievements/{ach}/bulk", {"csv_b64": csv_b64}),
        (f"/staff/{b}/achievements/{ach}/bulk/confirm", {"csv_b64": csv_b64, "request_key": "k2"}),
        (f"/staff/{b}/awards/{award}/revoke", {"reason": "Sabotage"}),
        (f"/staff/{b}/people", {"email": "mole@school-a.example", "role": "admin"}),
        # B's records through A's own organisation
        (f"/staff/{a}/achievements/{ach}/award", learner),
        (f"/staff/{a}/achievements/{ach}/edit", achievement),
        (f"/staff/{a}/achievements/{ach}/bulk/confirm", {"csv_b64": csv_b64, "request_key": "k3"}),
        (f"/staff/{a}/awards/{award}/revoke", {"reason": "Sabotage"}),
    ]


def test_the_staff_urls_of_b_work_for_b(client, world):
    """The URLs below are real: B's own teacher and admin reach them."""
    assert login(client, world["teacher_b"].email).status_code == 302
    for url in staff_get_urls(world):
        assert client.get(url).status_code == 200, url
    fresh = client.application.test_client()
    assert login(fresh, world["admin_b"].email).status_code == 302
    assert fresh.get(f"/staff/{world['b'].slug}/people").status_code == 200


def test_a_teacher_of_a_sees_nothing_of_b(client, world):
    assert login(client, world["teacher_a"].email).status_code == 302
    secrets = ("River watch", "Bronė Secret", "learner@pupils-b.example")
    for url in [
        *staff_get_urls(world),
        f"/staff/{world['b'].slug}/people",
        f"/staff/{world['a'].slug}/achievements/{world['achievement_b'].public_id}/award",
        f"/staff/{world['a'].slug}/achievements/{world['achievement_b'].public_id}/edit",
        f"/staff/{world['a'].slug}/awards/{world['award_b'].public_id}",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert not any(s in response.text for s in secrets), url
    # A's dashboard lists A only
    home = client.get(f"/staff/{world['a'].slug}")
    assert (
        home.status_code == 200 and "School B" not in home.text and "River watch" not in home.text
    )
    chooser = client.get("/staff/", follow_redirects=True)
    assert chooser.status_code == 200 and "School B" not in chooser.text


def test_a_teacher_of_a_changes_nothing_of_b(client, world, table_counts, database):
    before = table_counts()
    assert login(client, world["teacher_a"].email).status_code == 302
    before = table_counts()  # the login itself may record a session
    for url, data in staff_posts(world):
        response = post(client, url, data)
        assert response.status_code == 404, (url, response.status_code)
    assert table_counts() == before
    with database.transaction() as session:
        from issuer.models import Achievement, Award

        award = session.get(Award, world["award_b"].id)
        assert award.revoked_at is None
        assert session.get(Achievement, world["achievement_b"].id).name == "River watch at school B"


def test_an_admin_of_a_is_no_admin_of_b(client, world, table_counts):
    assert login(client, world["admin_a"].email).status_code == 302
    before = table_counts()
    assert client.get(f"/staff/{world['b'].slug}/people").status_code == 404
    assert (
        post(
            client, f"/staff/{world['b'].slug}/people", {"email": "mole@x.example", "role": "admin"}
        ).status_code
        == 404
    )
    assert client.get("/admin/organisations").status_code == 404  # not a platform admin
    assert (
        post(
            client,
            "/admin/organisations",
            {"name": "Evil", "slug": "evil", "admin_email": "e@x.example"},
        ).status_code
        == 404
    )
    assert table_counts() == before


def test_logged_out_visitors_are_sent_to_the_login(client, world, table_counts):
    before = table_counts()
    urls = [
        *staff_get_urls(world),
        "/staff/",
        f"/staff/{world['b'].slug}/people",
        "/admin/organisations",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/login?next="), (url, response.location)
    for url, data in staff_posts(world):
        response = post(client, url, data)
        assert response.status_code == 302 and response.location.startswith("/login"), url
    assert table_counts() == before
    # after logging in, the "next" target is where one lands
    response = client.get(f"/staff/{world['b'].slug}/awards")
    target = response.location
    landed = client.post(
        target,
        data={"email": world["teacher_b"].email, "password": PASSWORD, "csrf_token": _csrf(client)},
    )
    assert (
        landed.status_code == 302
        and landed.location.rstrip("?") == f"/staff/{world['b'].slug}/awards"
    )


def test_login_never_redirects_off_site(client, world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            f"/login?next={target}",
            data={
                "email": world["teacher_a"].email,
                "password": PASSWORD,
                "csrf_token": _csrf(client),
            },
        )
        assert response.status_code == 302
        assert response.location.startswith("/staff"), response.location
        assert client.post("/logout", data={"csrf_token": _csrf(client)}).status_code == 302


def _csrf(client):
    from .conftest import csrf_of

    return csrf_of(client)


def _invite_link(page: str) -> str:
    match = re.search(r"<code>(https?://[^<]+/invite/([^<]+))</code>", page)
    assert match, "no invitation link on the page"
    return "/invite/" + match.group(2)


def test_a_platform_admin_creates_an_organisation_and_its_invite_works_once(
    app, client, make_user, database
):
    make_user("root@platform.example", admin=True)
    assert login(client, "root@platform.example").status_code == 302
    page = post(
        client,
        "/admin/organisations",
        {
            "name": "Kaunas Gymnasium",
            "slug": "kaunas-gymnasium",
            "kind": "school",
            "status_method": "bitstring",
            "key_alg": "EdDSA",
            "country": "lt",
            "admin_email": "head@kaunas.example",
        },
    )
    assert page.status_code == 200, page.text
    link = _invite_link(page.text)
    assert "Kaunas Gymnasium" in page.text

    newcomer = app.test_client()
    form = newcomer.get(link)
    assert form.status_code == 200 and "head@kaunas.example" in form.text
    joined = post(newcomer, link, {"name": "Head Teacher", "password": "a long enough password"})
    assert joined.status_code == 302 and joined.location == "/staff/kaunas-gymnasium"
    assert newcomer.get("/staff/kaunas-gymnasium/people").status_code == 200  # an admin of it

    # the link works once, for anybody
    again = app.test_client()
    assert again.get(link).status_code == 404
    reused = post(again, link, {"name": "Impostor", "password": "another long password"})
    assert reused.status_code == 404
    with database.transaction() as session:
        users = session.scalars(select(User).where(User.email == "head@kaunas.example")).all()
        assert len(users) == 1 and users[0].name == "Head Teacher"
        memberships = session.scalars(
            select(Membership).where(Membership.user_id == users[0].id)
        ).all()
        assert [m.role for m in memberships] == ["admin"]
        assert session.scalars(select(Invitation)).one().used_at is not None


def test_bad_organisation_input_creates_nothing(client, make_user, table_counts):
    make_user("root@platform.example", admin=True)
    assert login(client, "root@platform.example").status_code == 302
    before = table_counts()
    page = post(
        client,
        "/admin/organisations",
        {
            "name": "",
            "slug": "Bad Slug!",
            "kind": "school",
            "status_method": "bitstring",
            "key_alg": "EdDSA",
            "admin_email": "not-an-email",
        },
    )
    assert page.status_code == 400
    assert "Use 1-64 lowercase letters, digits and dashes." in page.text
    assert "Give a name of at most 200 characters." in page.text
    assert table_counts() == before
    # a good organisation with a bad admin email: neither is created
    page = post(
        client,
        "/admin/organisations",
        {
            "name": "Good School",
            "slug": "good-school",
            "kind": "school",
            "status_method": "bitstring",
            "key_alg": "EdDSA",
            "admin_email": "not-an-email",
        },
    )
    assert page.status_code == 400 and "Give a valid email address." in page.text
    assert table_counts() == before


def test_an_org_admin_invites_a_teacher_who_cannot_manage_people(
    app, client, make_org, make_user, table_counts
):
    school = make_org("riga-school", "Riga School")
    make_user("admin@riga.example", org=school, role="admin")
    assert login(client, "admin@riga.example").status_code == 302
    page = post(
        client, "/staff/riga-school/people", {"email": "Teacher@Riga.example", "role": "teacher"}
    )
    assert page.status_code == 200
    link = _invite_link(page.text)

    teacher = app.test_client()
    joined = post(teacher, link, {"name": "Teacher T", "password": "teacher password 1"})
    assert joined.status_code == 302
    assert teacher.get("/staff/riga-school").status_code == 200
    assert teacher.get("/staff/riga-school/people").status_code == 404
    before = table_counts()
    denied = post(
        teacher, "/staff/riga-school/people", {"email": "friend@riga.example", "role": "admin"}
    )
    assert denied.status_code == 404
    assert table_counts() == before
    # the teacher sees no People link either
    home = teacher.get("/staff/riga-school")
    assert home.status_code == 200 and "/staff/riga-school/people" not in home.text


def test_an_invitation_for_an_existing_account_needs_that_account_logged_in(
    app, client, make_org, make_user, table_counts
):
    school = make_org("tallinn-school", "Tallinn School")
    make_user("admin@tallinn.example", org=school, role="admin")
    make_user("known@teachers.example")  # an account in no organisation yet
    assert login(client, "admin@tallinn.example").status_code == 302
    link = _invite_link(
        post(
            client,
            "/staff/tallinn-school/people",
            {"email": "known@teachers.example", "role": "teacher"},
        ).text
    )

    stranger = app.test_client()
    before = table_counts()
    response = post(stranger, link, {"name": "Taken Over", "password": "attacker password"})
    assert response.status_code == 400 and "Log in as known@teachers.example first" in response.text
    assert table_counts() == before

    owner = app.test_client()
    assert login(owner, "known@teachers.example").status_code == 302
    joined = post(owner, link, {})
    assert joined.status_code == 302 and joined.location == "/staff/tallinn-school"
    assert owner.get("/staff/tallinn-school").status_code == 200
