"""The catalogues of both apps: extract, update, compile, check (Babel's own commands).

    python -m tests.i18n.catalogues extract   # templates and code -> <app>/translations/messages.pot
    python -m tests.i18n.catalogues update    # each language's messages.po follows the .pot
    python -m tests.i18n.catalogues compile   # messages.po -> messages.mo (committed with it)
    python -m tests.i18n.catalogues init xx   # a new language: a catalogue to translate
    python -m tests.i18n.catalogues all       # extract, update, compile

Which extractor reads which files is ``[tool.babel]`` in pyproject.toml (Babel reads its
mappings from there; no babel.cfg). It lives beside the catalogue tests, which use it: a
developer's tool, not part of any installed package.

Run ``all`` after changing any text; translate what ``update`` added (the tests list every
untranslated or fuzzy entry: tests/i18n/test_catalogues.py), then ``compile``. The compiled
``.mo`` files are committed, so a fresh clone (``pip install -e .``) and an installed wheel
find them without a build step; a test fails if one differs from its ``.po``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("lt", "ru", "kk")
# Each app's catalogue holds its own code and templates, the shared layout, and the core's
# verification messages (its English table; each app renders reports in its reader's language).
SHARED = [
    "templates/base.html",
    "templates/macros.html",
    "templates/errors",
    "badges/verification/messages.py",
]
SOURCES = {
    "issuer": ["issuer", "templates/issuer", *SHARED],
    "verifier": ["verifier", "templates/verifier", *SHARED],
}
KEYWORDS = [
    "_",
    "gettext",
    "ngettext:1,2",
    "lazy_gettext",
    "lazy_ngettext:1,2",
    "pgettext:1c,2",
    "N_",
    "N_plural:1,2",
]


def pot(app: str) -> Path:
    return ROOT / app / "translations" / "messages.pot"


def babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(app: str, output: Path | None = None) -> None:
    """The app's messages from its code and templates into ``output`` (its .pot by default)."""
    output = output or pot(app)
    keywords = [f"--keyword={k}" for k in KEYWORDS]
    babel(
        "extract",
        f"--mapping-file={ROOT / 'pyproject.toml'}",  # its [tool.babel] mappings
        "--no-default-keywords",
        *keywords,
        "--sort-by-file",
        "--omit-header",
        "--no-wrap",
        "--project=aspnet-badges",
        f"--output-file={output}",
        *[str(ROOT / source) for source in SOURCES[app]],
    )
    # paths relative to the repository, whichever directory this ran in
    text = output.read_text(encoding="utf-8").replace(f"{ROOT}/", "")
    output.write_text(text, encoding="utf-8")


def update(app: str) -> None:
    for lang in languages(app):
        babel(
            "update",
            f"--input-file={pot(app)}",
            f"--output-dir={pot(app).parent}",
            f"--locale={lang}",
            "--no-wrap",
            "--ignore-obsolete",
            "--no-fuzzy-matching",
        )


def compile_(app: str) -> None:
    babel("compile", f"--directory={pot(app).parent}", "--statistics")


def init(app: str, lang: str) -> None:
    babel(
        "init",
        f"--input-file={pot(app)}",
        f"--output-dir={pot(app).parent}",
        f"--locale={lang}",
        "--no-wrap",
    )


def languages(app: str) -> list[str]:
    return sorted(p.name for p in pot(app).parent.iterdir() if (p / "LC_MESSAGES").is_dir())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    for app in SOURCES:
        if command in ("extract", "all"):
            extract(app)
        if command == "init":
            init(app, argv[1])
        if command in ("update", "all"):
            update(app)
        if command in ("compile", "all"):
            compile_(app)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
