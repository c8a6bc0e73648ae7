"""The translations are complete and current (issue 12).

Fails when a catalogue has an untranslated or fuzzy entry, a placeholder or an HTML tag its
English message does not have, a compiled ``.mo`` that differs from its ``.po``, a message
in the code or templates that is missing from the catalogues (run
``python -m tests.i18n.catalogues all`` and translate what it adds), or a template with text
outside the translation functions (each named ``file:line``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.i18n import catalogues as translations
from tests.i18n.template_text import all_problems

ROOT = Path(__file__).resolve().parents[2]
APPS = ("issuer", "verifier")
CATALOGUES = [(app, lang) for app in APPS for lang in translations.languages(app)]
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def catalogue(app: str, lang: str) -> Catalog:
    path = ROOT / app / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        return read_po(file, locale=lang)


def key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def forms(string: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if string is None:
        return ("",)
    return (string,) if isinstance(string, str) else tuple(s or "" for s in string)


def test_every_language_has_both_apps() -> None:
    assert translations.languages("issuer") == translations.languages("verifier")
    assert {"lt", "ru", "kk"} <= set(translations.languages("issuer"))


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_every_message_is_translated(app: str, lang: str) -> None:
    cat = catalogue(app, lang)
    untranslated = [key(m.id) for m in cat if m.id and not all(forms(m.string))]
    fuzzy = [key(m.id) for m in cat if m.id and m.fuzzy]
    assert not untranslated, f"{app}/{lang}: untranslated: {untranslated}"
    assert not fuzzy, f"{app}/{lang}: fuzzy: {fuzzy}"


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_translations_keep_placeholders_tags_and_plural_forms(app: str, lang: str) -> None:
    cat = catalogue(app, lang)
    problems = [f"{key(m.id)!r}: {errors}" for m, errors in cat.check()]
    for m in cat:
        if not m.id:
            continue
        ids = (m.id,) if isinstance(m.id, str) else m.id
        expected = sorted(TAG.findall(ids[-1]))
        if m.pluralizable and len(forms(m.string)) != cat.num_plurals:
            problems.append(f"{key(m.id)!r}: {len(forms(m.string))} forms, not {cat.num_plurals}")
        for text in forms(m.string):
            if sorted(TAG.findall(text)) != expected:
                problems.append(f"{key(m.id)!r}: tags {TAG.findall(text)} != {expected}")
    assert not problems, f"{app}/{lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_the_compiled_catalogue_is_the_current_one(app: str, lang: str) -> None:
    """The committed .mo (what the app reads) holds what the .po says."""
    mo_path = ROOT / app / "translations" / lang / "LC_MESSAGES" / "messages.mo"
    with mo_path.open("rb") as file:
        compiled = {key(m.id): forms(m.string) for m in read_mo(file) if m.id}
    written = {key(m.id): forms(m.string) for m in catalogue(app, lang) if m.id}
    assert compiled == written, (
        f"{mo_path.relative_to(ROOT)} is stale: python -m tests.i18n.catalogues compile"
    )


@pytest.mark.parametrize("app", APPS)
def test_every_message_of_the_code_and_templates_is_in_the_catalogues(
    app: str, tmp_path: Path
) -> None:
    fresh = tmp_path / "messages.pot"
    translations.extract(app, fresh)
    with fresh.open("rb") as file:
        wanted = {key(m.id): m.locations for m in read_po(file) if m.id}
    for lang in translations.languages(app):
        have = {key(m.id) for m in catalogue(app, lang) if m.id}
        missing = {
            message: [f"{path}:{line}" for path, line in where]
            for message, where in wanted.items()
            if message not in have
        }
        assert not missing, (
            f"{app}/{lang} lacks messages (python -m tests.i18n.catalogues all, then translate): "
            f"{missing}"
        )


def test_templates_hold_no_text_outside_the_translation_functions() -> None:
    problems = all_problems(ROOT / "templates")
    assert not problems, "text outside _() in the templates:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize(
    "source",
    [
        "<p>Hello there</p>",
        '<img alt="A badge" src="x.png">',
        "{{ 'Yes' if done else 'No' }}",
        "{% with title='Endorsed by' %}{{ title }}{% endwith %}",
        "{{ {'confirm': 'Confirm your address'}.get(kind, _('Sign in')) }}",
        "{{ {1: 'Aut', 2: 'Spr'}[part] }}",
        "{{ _('%(n)s of %(m)s', n=1, m='all') }}",
    ],
)
def test_the_template_check_finds_text_outside_the_translation_functions(
    tmp_path: Path, source: str
) -> None:
    (tmp_path / "page.html").write_text(source, encoding="utf-8")
    assert all_problems(tmp_path), source


def test_the_template_check_passes_translated_text(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<p>{{ _('Hello there') }}</p><img alt=\"{{ _('A badge') }}\" src=\"x.png\">"
        "{% with title=_('Endorsed by') %}{{ title }}{% endwith %}"
        "{{ {'confirm': _('Confirm your address')}.get(kind, _('Sign in')) }}"
        "{{ _('Yes') if done else _('No') }} <code>badges serve</code> JSON-LD",
        encoding="utf-8",
    )
    assert all_problems(tmp_path) == []


def test_adding_a_language_is_adding_a_catalogue(tmp_path: Path) -> None:
    """A compiled catalogue in a new folder is a new language: offered (English first, then
    by code) and written in, with nothing else to change."""
    import shutil

    from badges.i18n import Catalogues

    root = tmp_path / "translations"
    shutil.copytree(ROOT / "issuer" / "translations", root)
    assert Catalogues(root).languages() == ("en", "kk", "lt", "ru")
    (root / "lv" / "LC_MESSAGES").mkdir(parents=True)  # say, Latvian: its compiled catalogue
    shutil.copy(root / "lt" / "LC_MESSAGES" / "messages.mo", root / "lv" / "LC_MESSAGES")
    catalogues = Catalogues(root)
    assert catalogues.languages() == ("en", "kk", "lt", "lv", "ru")
    with catalogues.in_language("lv"):
        assert catalogues.gettext("Log in", {}, lambda m, **v: m) == "Prisijungti"
