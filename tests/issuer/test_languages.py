"""The reader's language (issue 12): chosen with the switcher (a cookie, and the account's
setting), else the browser's Accept-Language, else the organisation's default, else English;
``<html lang>`` follows it, and messages to a learner are in their language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from issuer.db import Database
from issuer.models import Learner, Organisation, OutboxMessage, User
from tests.issuer.conftest import csrf_of, login, post, sign_in_learner


def html_lang(response: Any) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:200]
    return match.group(1)


def test_english_without_any_choice(client: FlaskClient) -> None:
    page = client.get("/login")
    assert html_lang(page) == "en"
    assert "Staff login" in page.get_data(as_text=True)
    assert {"Accept-Language", "Cookie"} <= set(page.vary)


def test_the_browser_language_is_used(client: FlaskClient) -> None:
    lt = client.get("/login", headers={"Accept-Language": "lt-LT,lt;q=0.9,en;q=0.5"})
    assert html_lang(lt) == "lt"
    assert "Darbuotojų prisijungimas" in lt.get_data(as_text=True)
    ru = client.get("/login", headers={"Accept-Language": "ru"})
    assert html_lang(ru) == "ru" and "Вход для сотрудников" in ru.get_data(as_text=True)
    kk = client.get("/login", headers={"Accept-Language": "kk-KZ"})
    assert html_lang(kk) == "kk" and "Қызметкерлердің кіруі" in kk.get_data(as_text=True)
    # a language we have no catalogue for: English
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr"})) == "en"


def test_every_page_offers_the_switcher(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    form = page[page.index('<form class="language"') :]
    form = form[: form.index("</form>")]
    assert 'action="/language"' in form and '<label for="language-choice">' in form
    for code, name in (("en", "English"), ("lt", "Lietuvių"), ("ru", "Русский"), ("kk", "Қазақ")):
        assert f'value="{code}" lang="{code}"' in form and name in form
    assert 'name="next" value="/login?"' in form


def test_the_switcher_remembers_the_choice_in_a_cookie(client: FlaskClient) -> None:
    answer = client.post("/language", data={"lang": "ru", "next": "/login"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "ru" and cookie.http_only
    # the choice wins over the browser's language
    page = client.get("/login", headers={"Accept-Language": "lt"})
    assert html_lang(page) == "ru" and "Войти" in page.get_data(as_text=True)


def test_the_switcher_refuses_what_it_does_not_offer(client: FlaskClient) -> None:
    for value in ("xx", "", "en-US", "../etc"):
        assert client.post("/language", data={"lang": value}).status_code == 400
    # and never redirects away from the site
    answer = client.post("/language", data={"lang": "lt", "next": "https://evil.example/"})
    assert answer.headers["Location"] == "/"


def test_a_staff_member_s_choice_follows_them(
    app: Any, client: FlaskClient, database: Database, make_org: Any, make_user: Any
) -> None:
    org = make_org()
    user = make_user("teacher@school.example", org=org)
    login(client, "teacher@school.example")
    post(client, "/language", {"lang": "lt", "next": "/staff/"})
    with database.transaction() as session:
        assert session.get(User, user.id).language == "lt"
    # another browser, no cookie, an English browser: the account's choice
    other = app.test_client()
    login(other, "teacher@school.example")
    page = other.get(f"/orgs/{org.slug}", headers={"Accept-Language": "en"})
    assert html_lang(page) == "lt"


def test_a_choice_without_the_form_token_changes_only_the_cookie(
    client: FlaskClient, database: Database, make_org: Any, make_user: Any
) -> None:
    """A page of another site can post the form, but only the browser's cookie changes."""
    org = make_org()
    user = make_user("teacher@school.example", org=org)
    login(client, "teacher@school.example")
    client.post("/language", data={"lang": "kk"})
    with database.transaction() as session:
        assert session.get(User, user.id).language is None


def test_a_learner_s_choice_is_kept_on_their_account(
    client: FlaskClient, database: Database, make_learner: Any
) -> None:
    learner = make_learner()
    sign_in_learner(client, database, learner)
    client.post("/language", data={"lang": "ru", "csrf_token": csrf_of(client)})
    with database.transaction() as session:
        assert session.get(Learner, learner.id).language == "ru"


def test_the_organisation_s_default_language_comes_last(
    client: FlaskClient, database: Database, make_org: Any
) -> None:
    org = make_org(default_language="lt")
    page = client.get(f"/orgs/{org.slug}")
    assert html_lang(page) == "lt"
    # the browser's language comes first
    assert html_lang(client.get(f"/orgs/{org.slug}", headers={"Accept-Language": "ru"})) == "ru"


def test_an_admin_sets_the_default_language(
    client: FlaskClient, database: Database, make_org: Any, make_user: Any
) -> None:
    org = make_org()
    make_user("admin@school.example", org=org, role="admin")
    login(client, "admin@school.example")
    page = client.get(f"/staff/{org.slug}/settings").get_data(as_text=True)
    assert '<select id="f-default_language" name="default_language"' in page
    answer = post(
        client, f"/staff/{org.slug}/settings", {"consent_age": "", "default_language": "kk"}
    )
    assert answer.status_code == 302
    with database.transaction() as session:
        assert session.get(Organisation, org.id).default_language == "kk"
    bad = post(client, f"/staff/{org.slug}/settings", {"consent_age": "", "default_language": "xx"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_dates_and_plurals_follow_the_language(
    client: FlaskClient, make_org: Any, make_achievement: Any, award_to: Any
) -> None:
    org = make_org()
    award = award_to(org, make_achievement(org))
    url = f"/credentials/{award.public_id}"
    english = client.get(url).get_data(as_text=True)
    assert award.issued_at.strftime("%Y-%m-%d") in english
    russian = client.get(url, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "г." in russian  # "7 дек. 2026 г.": Babel's Russian date


def test_a_learner_s_message_is_in_their_school_s_language(
    database: Database, make_org: Any, make_achievement: Any, award_to: Any
) -> None:
    org = make_org(default_language="lt")
    award_to(org, make_achievement(org))
    with database.transaction() as session:
        message = session.query(OutboxMessage).one()
        assert message.subject.startswith("Jūsų ženklelis: ")
        assert "įteikė ženklelį" in message.body


def test_a_learner_s_own_choice_wins_for_their_messages(
    database: Database, make_org: Any, make_achievement: Any, award_to: Any, make_learner: Any
) -> None:
    learner = make_learner("ona@pupils.example")
    with database.transaction() as session:
        session.get(Learner, learner.id).language = "ru"
    org = make_org(default_language="lt")
    award_to(org, make_achievement(org), email="ona@pupils.example")
    with database.transaction() as session:
        message = session.query(OutboxMessage).one()
        assert message.subject.startswith("Ваш значок: ")


def test_a_class_gives_each_learner_with_an_account_their_own_choice(
    database: Database,
    sealer: Any,
    make_org: Any,
    make_achievement: Any,
    make_learner: Any,
) -> None:
    """award_many reads the learners' languages for the whole class at once (not a query per
    learner): an account's choice, an unconfirmed address, a row's own language, the rest."""
    from issuer.models import Achievement
    from issuer.services.awards import AwardInput, award_many
    from issuer.urls import PublicUrls

    ona = make_learner("ona@pupils.example")
    ivan = make_learner("ivan@pupils.example", name="Ivan", confirmed=False)
    with database.transaction() as session:
        session.get(Learner, ona.id).language = "ru"
        session.get(Learner, ivan.id).language = "kk"
    org = make_org(default_language="lt")
    achievement = make_achievement(org)
    rows = [
        AwardInput(learner_name="Ona", learner_email=" Ona@Pupils.example "),
        AwardInput(learner_name="Ivan", learner_email="ivan@pupils.example"),
        AwardInput(learner_name="Amy", learner_email="amy@pupils.example", language="en"),
        AwardInput(learner_name="Jonas", learner_email="jonas@pupils.example"),
    ]
    with database.transaction() as session:
        result = award_many(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, achievement.id),
            rows=rows,
            sealer=sealer,
            urls=PublicUrls("https://badges.example"),
        )
        assert not result.errors and len(result.awards) == 4
    with database.transaction() as session:
        subjects = {m.to_name: m.subject for m in session.query(OutboxMessage)}
    assert subjects["Ona"].startswith("Ваш значок: ")  # her account's choice
    assert subjects["Ivan"].startswith("Jūsų ženklelis: ")  # not confirmed: the school's
    assert subjects["Amy"].startswith("Your badge: ")  # the row's own language
    assert subjects["Jonas"].startswith("Jūsų ženklelis: ")  # no account: the school's


def test_the_award_form_chooses_the_message_s_language(
    client: FlaskClient, database: Database, make_org: Any, make_user: Any, make_achievement: Any
) -> None:
    org = make_org(default_language="lt")
    make_user("teacher@school.example", org=org)
    achievement = make_achievement(org)
    login(client, "teacher@school.example")
    url = f"/staff/{org.slug}/achievements/{achievement.public_id}/award"
    form = client.get(url).get_data(as_text=True)
    assert '<select id="f-language" name="language"' in form and "(Lietuvių)" in form
    bad = post(
        client, url, {"learner_name": "Ona", "learner_email": "ona@x.example", "language": "xx"}
    )
    assert bad.status_code == 400 and 'id="e-language"' in bad.get_data(as_text=True)
    good = post(
        client, url, {"learner_name": "Ona", "learner_email": "ona@x.example", "language": "kk"}
    )
    assert good.status_code in (200, 302, 303), good.get_data(as_text=True)[:500]
    with database.transaction() as session:
        message = session.query(OutboxMessage).one()
        assert message.subject.startswith("Сіздің бейджіңіз: ")


def test_a_class_file_gives_each_learner_s_language(
    client: FlaskClient, database: Database, make_org: Any, make_user: Any, make_achievement: Any
) -> None:
    from tests.issuer.conftest import confirm, preview

    org = make_org()
    make_user("teacher@school.example", org=org)
    achievement = make_achievement(org)
    login(client, "teacher@school.example")
    csv = "name,email,language\nOna,ona@x.example,lt\nIvan,ivan@x.example,RU\nAmy,amy@x.example,\n"
    csv_b64, key = preview(client, org, achievement, csv.encode())
    confirm(client, org, achievement, csv_b64, key).get_data()  # the streamed page, to its end
    with database.transaction() as session:
        subjects = {m.to_email: m.subject for m in session.query(OutboxMessage)}
    assert subjects["ona@x.example"].startswith("Jūsų ženklelis: ")
    assert subjects["ivan@x.example"].startswith("Ваш значок: ")
    assert subjects["amy@x.example"].startswith("Your badge: ")  # the school's default


def test_a_public_badge_page_follows_its_school_s_language(
    client: FlaskClient, make_org: Any, make_achievement: Any, award_to: Any
) -> None:
    org = make_org(default_language="lt")
    award = award_to(org, make_achievement(org))
    page = client.get(f"/credentials/{award.public_id}")
    assert html_lang(page) == "lt" and "Patikrinti šį ženklelį" in page.get_data(as_text=True)
    assert html_lang(client.get(f"/achievements/{award.achievement.public_id}")) == "lt"
    english = client.get(f"/credentials/{award.public_id}", headers={"Accept-Language": "en"})
    assert html_lang(english) == "en"


def test_the_api_keeps_its_codes_and_gives_its_messages_in_the_language_asked(
    client: FlaskClient,
) -> None:
    """Issue 12: the JSON API answers in English unless Accept-Language asks for another of
    ours; its error codes never change."""
    english = client.get("/api/v1/achievements")
    assert english.status_code == 401
    assert english.get_json()["error"] == {
        "code": "unauthorized",
        "message": "Send an API token: 'Authorization: Bearer <token>'.",
    }
    for language, message in (
        ("lt", "Atsiųskite API prieigos raktą: 'Authorization: Bearer <token>'."),
        ("ru", "Отправьте токен API: 'Authorization: Bearer <token>'."),
        ("kk", "API токенін жіберіңіз: 'Authorization: Bearer <token>'."),
    ):
        answer = client.get("/api/v1/achievements", headers={"Accept-Language": language})
        assert answer.status_code == 401
        assert answer.get_json()["error"] == {"code": "unauthorized", "message": message}
    # a cookie chosen on the pages does not change the API's language
    client.set_cookie("lang", "lt")
    assert client.get("/api/v1/achievements").get_json()["error"] == english.get_json()["error"]


def test_an_api_refusal_in_the_language_asked(api: Any) -> None:
    """A body that is no JSON object, and a batch of no learners: the same code and fields,
    the message in the language Accept-Language asks for."""
    english = api.call("POST", "/achievements", raw=b"[1, 2]")
    russian = api.call("POST", "/achievements", raw=b"[1, 2]", headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 400
    assert english.json["error"]["code"] == russian.json["error"]["code"] == "invalid_json"
    assert english.json["error"]["message"] == "The request body must be a JSON object."
    assert russian.json["error"]["message"] == "Тело запроса должно быть объектом JSON."
    with_nul = {"name": "x\u0000"}
    lithuanian = api.post("/achievements", with_nul, headers={"Accept-Language": "lt"})
    assert lithuanian.status_code == 400
    error = lithuanian.json["error"]
    assert error["message"] == "Tekste negali būti NUL simbolio (\\u0000)."
    assert error["fields"] == {"name": "Pašalinkite NUL simbolį (\\u0000)."}


def test_the_apis_field_messages_in_the_language_asked(api: Any, achievement_id: str) -> None:
    """The schemas' field-level messages (types, unknown fields, a learner that is no
    object, query parameters, marshmallow's own): English by default, in the language
    Accept-Language asks for otherwise; the code and the field names never change."""
    body = {
        "name": 5,
        "description": "Described.",
        "levels": "one",
        "validity_days": "ten",
        "colour": "red",
    }
    english = api.post("/achievements", body)
    assert english.status_code == 400
    assert english.json["error"]["fields"] == {
        "name": "Give a string.",
        "levels": "Give a list of strings.",
        "validity_days": "Give a whole number of days, or null for no expiry.",
        "colour": "Unknown field.",
    }
    query = {"limit": "0", "status": "lost", "colour": "red"}
    english_query = api.get("/awards", query=query).json["error"]["fields"]
    assert english_query["limit"] == "Give a whole number from 1 to 200."
    for language, name, unknown, limit in (
        (
            "lt",
            "Įrašykite tekstą.",
            "Nežinomas laukas.",
            "Įrašykite sveikąjį skaičių nuo 1 iki 200.",
        ),
        ("ru", "Укажите строку.", "Неизвестное поле.", "Укажите целое число от 1 до 200."),
        ("kk", "Мәтін беріңіз.", "Белгісіз өріс.", "1-ден 200-ге дейінгі бүтін санды беріңіз."),
    ):
        headers = {"Accept-Language": language}
        answer = api.post("/achievements", body, headers=headers)
        assert answer.status_code == 400
        error = answer.json["error"]
        assert error["code"] == "invalid_input"
        fields = error["fields"]
        assert set(fields) == set(english.json["error"]["fields"])
        assert (fields["name"], fields["colour"]) == (name, unknown), language
        for field, message in fields.items():
            assert message != english.json["error"]["fields"][field], (language, field)
        refused = api.get("/awards", query=query, headers=headers)
        assert refused.status_code == 400 and refused.json["error"]["code"] == "invalid_input"
        translated = refused.json["error"]["fields"]
        assert translated["limit"] == limit, language
        for field, message in translated.items():
            assert message != english_query[field], (language, field)
        assert "active, suspended, revoked, expired" in translated["status"]
        for learners, where in (
            (["Ona"], "learners[0]"),  # a learner that is no object
            ([], "learners"),  # none (marshmallow's length message)
            ([{"name": "Ona", "email": "ona@pupils.example", "age": 9}], "learners[0].age"),
        ):
            sent = {"learners": learners}
            path = "/achievements/{achievement_id}/awards"
            in_english = api.post(path, sent, achievement_id=achievement_id)
            asked = api.post(path, sent, achievement_id=achievement_id, headers=headers)
            assert in_english.status_code == asked.status_code == 400, asked.json
            assert asked.json["error"]["code"] == in_english.json["error"]["code"]
            message = asked.json["error"]["fields"][where]
            assert message != in_english.json["error"]["fields"][where], (language, where)


@pytest.mark.parametrize("language", ["lt", "ru", "kk"])
def test_every_schema_message_is_in_every_catalogue(language: str) -> None:
    """Every message the API's schemas (and marshmallow, for them) can give a client has its
    translation: read from the schemas themselves, as ``field_errors`` translates them."""
    from marshmallow import Schema, fields

    from issuer.api import schemas
    from issuer.translate import in_language

    found: set[str] = set(schemas.MARSHMALLOW_MESSAGES)
    seen: set[type] = set()

    def field(item: Any) -> None:
        found.update(str(m) for m in item.error_messages.values() if "{" not in str(m))
        found.update(str(v.error) for v in item.validators if getattr(v, "error", None))
        if isinstance(getattr(item, "message", None), str):
            found.add(item.message)
        if getattr(item, "inner", None) is not None:
            field(item.inner)
        if isinstance(item, fields.Nested):
            schema(item.schema)

    def schema(instance: Schema) -> None:
        if type(instance) in seen:
            return
        seen.add(type(instance))
        found.update(str(m) for m in instance.error_messages.values())
        for item in instance.load_fields.values():
            field(item)

    for value in vars(schemas).values():
        if isinstance(value, type) and issubclass(value, Schema) and value is not Schema:
            schema(value())
    found.add(schemas.LIMIT_MESSAGE)
    assert len(found) > 25
    with in_language(language):
        untranslated = sorted(m for m in found if schemas.translated(m) == m)
    assert not untranslated


def test_a_class_award_gives_each_learner_their_own_language(
    database: Database, make_org: Any, make_achievement: Any, make_learner: Any, sealer: Any
) -> None:
    """award_many reads the learners' languages in one go (message_languages): each
    learner's own choice, for the address as the file writes it, else the school's."""
    from issuer.services.awards import AwardInput, award_many
    from issuer.services.languages import message_language, message_languages
    from issuer.urls import PublicUrls

    ona = make_learner("ona@pupils.example")
    make_learner("unconfirmed@pupils.example", confirmed=False)
    with database.transaction() as session:
        session.get(Learner, ona.id).language = "ru"
    org = make_org(default_language="lt")
    achievement = make_achievement(org)
    rows = [
        AwardInput(learner_name="Ona", learner_email=" Ona@Pupils.example "),
        AwardInput(learner_name="Un", learner_email="unconfirmed@pupils.example"),
        AwardInput(learner_name="Amy", learner_email="amy@pupils.example"),
        AwardInput(learner_name="Ivan", learner_email="ivan@pupils.example", language="kk"),
    ]
    with database.transaction() as session:
        org_row = session.get(Organisation, org.id)
        emails = [row.learner_email for row in rows]
        assert message_languages(session, org_row, emails) == {
            e: message_language(session, org_row, e) for e in emails
        }
        award_many(
            session,
            org=org_row,
            achievement=session.merge(achievement),
            rows=rows,
            sealer=sealer,
            urls=PublicUrls("https://badges.test.example"),
        )
    with database.transaction() as session:
        subjects = {m.to_email: m.subject for m in session.query(OutboxMessage)}
    assert subjects["Ona@Pupils.example"].startswith("Ваш значок: ")
    assert subjects["unconfirmed@pupils.example"].startswith("Jūsų ženklelis: ")
    assert subjects["amy@pupils.example"].startswith("Jūsų ženklelis: ")
    assert subjects["ivan@pupils.example"].startswith("Сіздің бейджіңіз: ")


def test_plural_forms_and_counts_follow_the_language(app: Any) -> None:
    """Three plural forms in Lithuanian and Russian, and a count written as the reader
    writes numbers (Babel), in the templates and in the code alike."""
    from flask import render_template_string

    from issuer.translate import in_language, ngettext

    page = "{{ ngettext('%(num)s badge', '%(num)s badges', n) }}"
    wanted = {
        "en": ["1 badge", "3 badges", "10 badges", "131,072 badges"],
        "lt": ["1 ženklelis", "3 ženkleliai", "10 ženklelių", "131\xa0072 ženkleliai"],
        "ru": ["1 значок", "3 значка", "10 значков", "131\xa0072 значка"],
    }
    for language, texts in wanted.items():
        with app.test_request_context("/", headers={"Accept-Language": language}):
            shown = [render_template_string(page, n=n) for n in (1, 3, 10, 131072)]
            written = [ngettext("%(num)s badge", "%(num)s badges", n) for n in (1, 3, 10, 131072)]
        assert shown == texts, language
        assert written == texts, language
        with in_language(language):  # a message to someone else, outside the request
            assert ngettext("%(num)s badge", "%(num)s badges", 131072) == texts[-1]


def test_the_shared_frameworks_are_shown_in_the_readers_language(
    client: FlaskClient, make_org: Any, make_user: Any
) -> None:
    """The UNESCO frameworks every school shares are stored (and signed, as an alignment's
    targetName) in English; their names are shown in the reader's language. A school's own
    framework is shown as the school wrote it."""
    from issuer.seed import shared_text
    from issuer.translate import in_language

    org = make_org(default_language="lt")
    teacher = make_user("mokytoja@school.example", org=org)
    assert login(client, teacher.email).status_code == 302
    url = f"/staff/{org.slug}/achievements/frameworks"
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Four pillars of learning" in english and "Learning to live together" in english
    client.set_cookie("lang", "lt")
    page = client.get(url).get_data(as_text=True)
    assert "Keturi mokymosi ramsčiai" in page and "Mokytis gyventi kartu" in page
    assert "ASPnet teminės sritys" in page and "Taika ir žmogaus teisės" in page
    for text in ("Four pillars", "Learning to", "Peace and human rights"):
        assert text not in page, text
    with in_language("ru"):
        assert shared_text("Learning to know") == "Учиться познавать"
        assert shared_text("Our own robotics framework") == "Our own robotics framework"


def test_the_services_refusals_are_in_the_readers_language() -> None:
    """The services' own refusals (a learner's evidence link, a pathway's rule) were English
    literals: each is a message of the catalogue now."""
    from issuer.errors import InvalidInput
    from issuer.services.pathways import check_rule
    from issuer.services.steering import check_link
    from issuer.translate import in_language

    with pytest.raises(InvalidInput) as english:
        check_link("ftp://example.org/work")
    assert english.value.fields == {
        "url": "Only web links are accepted: start with https:// (or http://)."
    }
    with in_language("lt"), pytest.raises(InvalidInput) as lithuanian:
        check_link("ftp://example.org/work")
    assert lithuanian.value.fields == {
        "url": "Priimamos tik interneto nuorodos: pradėkite https:// (arba http://)."
    }
    assert check_rule({"op": "all", "items": []})[1] == (
        "Each group needs at least one required achievement."
    )
    with in_language("ru"):
        assert check_rule({"op": "all", "items": []})[1] == (
            "В каждой группе должно быть хотя бы одно требуемое достижение."
        )
