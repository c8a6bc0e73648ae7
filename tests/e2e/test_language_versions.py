"""Badges in several languages, in the browser (issue 12): a Lithuanian teacher creates an
achievement in Lithuanian and Russian and awards it; the learner's message is in Lithuanian;
the badge page and the verifier show the Lithuanian version to a Lithuanian reader and the
Russian one to a Russian reader, on a desktop and at 375 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LT_NAME = "Kuršių nerijos gidas"
LT_DESCRIPTION = "Vedė ekskursiją po Kuršių neriją jaunesniems mokiniams."
RU_NAME = "Гид по Куршской косе"
RU_DESCRIPTION = "Провёл экскурсию по Куршской косе для младших учеников."
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def reader(browser: Any) -> Iterator[Any]:
    """Opens a page for a reader whose browser asks for ``locale`` (desktop or phone)."""
    contexts: list[Any] = []

    def open_page(locale: str, *, phone: bool = False) -> Any:
        context = browser.new_context(locale=locale, **(PHONE if phone else {}))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def fits(page: Any, width: int = 375) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px)"


def test_a_lithuanian_teacher_awards_a_badge_in_two_languages(
    page: Any, reader: Any, stack: dict[str, Any]
) -> None:
    issuer = stack["issuer"]
    # the teacher chooses Lithuanian with the switcher
    login(page, stack)
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()
    page.locator("#language-choice").select_option("lt")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("link", name="Naujas pasiekimas").click()

    # the achievement in Lithuanian
    page.get_by_role("textbox", name="Pavadinimas", exact=True).fill(LT_NAME)
    page.get_by_role("textbox", name="Aprašymas", exact=True).fill(LT_DESCRIPTION)
    page.get_by_role("textbox", name="Kriterijai", exact=True).fill(
        "Paruošti maršrutą ir jį pravesti."
    )
    page.locator("#f-language").fill("lt")
    page.get_by_role("button", name="Išsaugoti").click()
    page.get_by_role("heading", level=1).wait_for()

    # its Russian version, from the school's list
    page.goto(f"{issuer}/staff/klaipeda-gymnasium")
    row = page.get_by_role("row").filter(has_text=LT_NAME)
    row.get_by_role("link", name="Kalbos").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"„{LT_NAME}“ kalbos"
    page.get_by_role("combobox", name="Kalba", exact=True).last.select_option("ru")
    page.get_by_role("textbox", name="Pavadinimas", exact=True).fill(RU_NAME)
    page.get_by_role("textbox", name="Aprašymas", exact=True).fill(RU_DESCRIPTION)
    page.get_by_role("textbox", name="Kriterijai", exact=True).fill(
        "Подготовить маршрут и провести его."
    )
    levels = page.get_by_label("Lygiai (vertinimo skalė)")
    assert levels.input_value() == "Emerging\nDeveloping\nProficient\nMastered"
    levels.fill("Начальный\nРазвивающийся\nУверенный\nМастер")
    page.get_by_role("button", name="Pridėti kalbos versiją").click()
    page.get_by_role("status").filter(has_text="Pridėta versija: Русский.").wait_for()
    assert page.get_by_role("link", name=RU_NAME).is_visible()

    # awarded to a learner of the school (no account: the school's language, Lithuanian)
    page.goto(f"{issuer}/staff/klaipeda-gymnasium")
    row = page.get_by_role("row").filter(has_text=LT_NAME).first
    row.get_by_role("link", name="Įteikti", exact=True).click()
    page.get_by_label("Mokinio vardas ir pavardė").fill("Gabija Šimkutė")
    page.get_by_label("Mokinio el. paštas").fill("gabija.gide@learners.example")
    page.get_by_role("button", name="Pasirašyti ir įteikti").click()
    badge_url = page.locator(".notice a").first.get_attribute("href")
    assert badge_url and badge_url.startswith(issuer)

    # the learner's message is in Lithuanian and names the Lithuanian version
    page.goto(f"{issuer}/staff/klaipeda-gymnasium/outbox")
    message = page.locator("article.message").filter(has_text="gabija.gide@learners.example")
    assert message.get_by_role("heading").inner_text() == f"Jūsų ženklelis: {LT_NAME}"
    assert "Sveiki, Gabija Šimkutė," in message.inner_text()

    for phone in (False, True):
        # a Lithuanian reader: the Lithuanian version, and the page says so
        lithuanian = reader("lt-LT", phone=phone)
        lithuanian.goto(badge_url)
        assert lithuanian.get_by_role("heading", level=1).inner_text() == LT_NAME
        assert (
            "Rodoma: Lietuvių; taip pat yra: Русский"
            in lithuanian.locator(".versions").inner_text()
        )
        assert LT_DESCRIPTION in lithuanian.locator("body").inner_text()
        if phone:
            fits(lithuanian)
        lithuanian.get_by_role("link", name="Patikrinti šį ženklelį").click()
        assert "tikras ir galioja" in lithuanian.get_by_role("heading", level=1).inner_text()
        assert lithuanian.get_by_role("heading", level=2, name=LT_NAME).is_visible()
        assert (
            "Rodoma: Lietuvių; taip pat yra: Русский"
            in lithuanian.locator(".versions").inner_text()
        )
        if phone:
            fits(lithuanian)

        # a Russian reader of the same badge: the Russian version
        russian = reader("ru-RU", phone=phone)
        russian.goto(badge_url)
        assert russian.get_by_role("heading", level=1).inner_text() == RU_NAME
        assert (
            "Показано: Русский; также доступно: Lietuvių"
            in russian.locator(".versions").inner_text()
        )
        body = russian.locator("body").inner_text()
        assert RU_DESCRIPTION in body and LT_DESCRIPTION not in body
        if phone:
            fits(russian)
        russian.get_by_role("link", name="Проверить этот значок").click()
        assert "подлинный и действителен" in russian.get_by_role("heading", level=1).inner_text()
        assert russian.get_by_role("heading", level=2, name=RU_NAME).is_visible()
        if phone:
            fits(russian)
        # the Russian reader asks for the Lithuanian version on the verifier's page
        russian.get_by_role("button", name="Показать: Lietuvių").click()
        assert russian.get_by_role("heading", level=2, name=LT_NAME).is_visible()
        assert "Показано: Lietuvių" in russian.locator(".versions").inner_text()


def test_the_languages_page_fits_a_phone(reader: Any, stack: dict[str, Any]) -> None:
    phone = reader("en-GB", phone=True)
    login(phone, stack)
    phone.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium")
    phone.locator("#language-choice").select_option("en")  # the account may have another
    phone.locator("form.language button").click()
    phone.get_by_role("link", name="Languages").first.click()
    phone.get_by_role("heading", name="Add a language version").wait_for()
    fits(phone)
    # every field of the form is named by its label
    assert phone.get_by_role("combobox", name="Language", exact=True).last.is_visible()
    for field in ("Name", "Description", "Criteria"):
        assert phone.get_by_role("textbox", name=field, exact=True).is_visible()
