"""Every message of a verification report has a stable code, an English sentence in the core's
one table (badges/verification/messages.py), and a translation in every catalogue of both apps:
adding a code without translating it fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from badges.i18n import Catalogues, best_language, number
from badges.verification import CheckId, RecordCheckId
from badges.verification.messages import MESSAGES, M, Message
from tests.i18n.catalogues import LANGUAGES, ROOT

APPS = ("issuer", "verifier")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Codes whose English is only placeholders (a list of messages): nothing to translate.
STRUCTURAL = {
    code
    for code, text in MESSAGES.items()
    if isinstance(text, str) and not PLACEHOLDER.sub("", text).strip(" ;,")
}


def _catalogue(app: str, lang: str) -> Catalog:
    with (ROOT / app / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def _forms(text: str | tuple[str, str]) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else text


def test_the_structural_codes_are_only_the_lists() -> None:
    assert sorted(STRUCTURAL) == ["join.1", "join.2", "join.3"]


def test_every_code_has_an_english_sentence() -> None:
    for code, english in MESSAGES.items():
        forms = _forms(english)
        assert all(form.strip() for form in forms), code
        if isinstance(english, tuple):
            assert len(english) == 2 and "num" in PLACEHOLDER.findall(" ".join(english)), code


def test_every_check_title_is_in_the_table() -> None:
    for check in [*CheckId, *RecordCheckId]:
        assert MESSAGES[f"check.{check.value}"] == check.label


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_is_translated_in_every_catalogue(app: str, lang: str) -> None:
    catalogue = _catalogue(app, lang)
    missing = []
    for code, english in MESSAGES.items():
        if code in STRUCTURAL:
            continue
        forms = _forms(english)
        entry = catalogue.get(forms[0])
        if entry is None or entry.fuzzy:
            missing.append(code)
            continue
        translated = _forms(entry.string)
        if isinstance(english, tuple):
            assert entry.id == english, code
            assert len(translated) == catalogue.num_plurals, code
        if not all(t.strip() for t in translated):
            missing.append(code)
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(forms)))
        for form in translated:
            # a plural form may leave out the number (lt "Vienintelė..."), never another value
            assert set(PLACEHOLDER.findall(form)) | {"num"} >= wanted - {"num"}, (code, form)
            assert set(PLACEHOLDER.findall(form)) <= wanted, (code, form)
    assert not missing, f"{app}/{lang}: untranslated report messages {missing}"


def test_every_literal_code_in_the_core_is_in_the_table() -> None:
    """The codes the steps write as literals (``M("proof.mismatch")``); those they compose
    (``f"settled.{noun}"``) are checked where they are made (``Message`` refuses an unknown
    code) and by the reports of the tests."""
    used = set()
    for path in (ROOT / "badges" / "verification").rglob("*.py"):
        used |= set(re.findall(r'\bM\(\s*"([\w.-]+)"', path.read_text(encoding="utf-8")))
    assert used and not used - set(MESSAGES), sorted(used - set(MESSAGES))


def test_a_message_renders_in_each_language_with_its_parameters() -> None:
    catalogues = Catalogues(ROOT / "verifier" / "translations")
    inner = M("proof.mismatch")
    verdict = M("verdict.invalid.badge", reason=inner)
    assert str(verdict) == (
        "This badge is not valid: The signature does not match: the badge was changed or forged."
    )
    assert verdict.to_dict() == {
        "code": "verdict.invalid.badge",
        "params": {"reason": {"code": "proof.mismatch", "params": {}}},
    }
    lithuanian = verdict.render(catalogues.catalogue("lt"), "lt")
    assert lithuanian.startswith("Šis ženklelis negalioja: Parašas nesutampa")
    # plural forms and numbers as each language writes them
    assert str(M("endorsements.ok", num=1)) == "1 endorsement verified."
    assert str(M("endorsements.ok", num=3)) == "3 endorsements verified."
    for count, text in (
        (1, "Patikrinta 1 rekomendacija."),
        (3, "Patikrintos 3 rekomendacijos."),
        (10, "Patikrinta 10 rekomendacijų."),
    ):
        assert M("endorsements.ok", num=count).render(catalogues.catalogue("lt"), "lt") == text
    for count, text in (
        (1, "Проверена 1 рекомендация."),
        (3, "Проверены 3 рекомендации."),
        (5, "Проверено 5 рекомендаций."),
    ):
        assert M("endorsements.ok", num=count).render(catalogues.catalogue("ru"), "ru") == text
    note = M("status.short_list", size=1000, minimum=131072)
    assert "131,072" in str(note) and "1,000" in str(note)
    assert number(131072, "lt") == "131\xa0072"
    # a sentence opened by a parameter starts with a capital letter in every language
    fetched = M("ob2.unfetched", what=M("ob2.what.profile"))
    assert str(fetched) == "The issuer's profile could not be fetched right now."
    assert fetched.render(catalogues.catalogue("ru"), "ru")[0].isupper()


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(KeyError):
        Message("proof.no_such_code")


def test_in_language_and_the_language_list() -> None:
    catalogues = Catalogues(ROOT / "verifier" / "translations")
    assert catalogues.languages() == ("en", "kk", "lt", "ru")
    assert catalogues.written_in() is None
    with catalogues.in_language("kk"):
        written = catalogues.written_in()
        assert written is not None and written[0] == "kk"
        assert catalogues.gettext("Signature", {}, lambda m: m) == "Қолтаңба"
    assert catalogues.written_in() is None
    assert catalogues.gettext("Signature", {}, lambda m: f"<{m}>") == "<Signature>"
    assert catalogues.catalogue("de").gettext("Signature") == "Signature"  # no catalogue


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, None),
        ("", None),
        ("lt", "lt"),
        ("lt-LT,lt;q=0.9,en;q=0.8", "lt"),
        ("de, ru;q=0.5, en;q=0.4", "ru"),
        ("en;q=0.2, kk", "kk"),
        ("de-DE", None),
        ("*", "en"),
        ("ru;q=0, lt;q=0.1", "lt"),
        ("EN-gb", "en"),
        ("lt;q=nonsense, ru", "ru"),
    ],
)
def test_the_accept_language_choice(header: str | None, chosen: str | None) -> None:
    assert best_language(header, ("en", "kk", "lt", "ru")) == chosen


def test_the_apps_read_the_cores_catalogues() -> None:
    from issuer import translate as issuer_translate
    from verifier import translate as verifier_translate

    for module in (issuer_translate, verifier_translate):
        assert isinstance(module.CATALOGUES, Catalogues)
        assert Path(module.TRANSLATIONS).is_dir()
        assert module.catalogue_languages() == ("en", "kk", "lt", "ru")
