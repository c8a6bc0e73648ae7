"""Each app's settings are declared in one place: the code reads no other setting and no
other environment variable, reads them without defaults of its own, and the README's
tables are the declarations."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from badges.settings import Settings
from issuer.settings import SETTINGS as ISSUER
from verifier.settings import SETTINGS as VERIFIER

ROOT = Path(__file__).parent.parent
APPS: dict[str, Settings] = {"issuer": ISSUER, "verifier": VERIFIER}


def _is_config(node: ast.expr) -> bool:
    """``config``, ``app.config``, ``current_app.config`` (Flask's) and the like."""
    return (isinstance(node, ast.Name) and node.id == "config") or (
        isinstance(node, ast.Attribute) and node.attr == "config"
    )


def _is_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and (isinstance(node.value, ast.Name) and node.value.id == "os")
    )


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _reads(tree: ast.AST) -> Iterator[tuple[str, str, int, ast.AST]]:
    """(what, key, line, node): what is "config" (a read), "config-set" (a write, e.g. into
    the overrides handed to create_app), "config-get" (``config.get``) or "environ"."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and (key := _text(node.slice)) is not None:
            if _is_config(node.value):
                yield (
                    ("config" if isinstance(node.ctx, ast.Load) else "config-set"),
                    key,
                    node.lineno,
                    node,
                )
            elif _is_environ(node.value):
                yield "environ", key, node.lineno, node
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            key = _text(node.args[0])
            if key is None:
                continue
            owner, method = node.func.value, node.func.attr
            if method in ("get", "setdefault", "pop") and _is_config(owner):
                yield "config-get", key, node.lineno, node
            elif method in ("get", "pop") and _is_environ(owner):
                yield "environ", key, node.lineno, node
            elif method == "getenv" and isinstance(owner, ast.Name) and owner.id == "os":
                yield "environ", key, node.lineno, node
        elif (
            isinstance(node, ast.Compare)
            and len(node.comparators) == 1
            and _is_environ(node.comparators[0])
        ):
            if (key := _text(node.left)) is not None:
                yield "environ", key, node.lineno, node


def _scan(app: str) -> list[tuple[str, str, str]]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue  # Alembic's own config object (get_main_option, ...), not the app's
        for what, key, line, _node in _reads(ast.parse(path.read_text("utf-8"), str(path))):
            found.append((what, key, f"{path.relative_to(ROOT)}:{line}"))
    return found


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_setting_and_environment_variable_the_code_reads_is_declared(app):
    settings = APPS[app]
    found = _scan(app)
    undeclared = [
        (what, key, where)
        for what, key, where in found
        if (what in ("config", "config-get") and key not in settings)
        # overrides the issuer's CLI builds for the verifier it starts are the verifier's
        or (what == "config-set" and not any(key in s for s in APPS.values()))
        or (what == "environ" and key not in settings.environment_variables)
    ]
    assert undeclared == []
    # the scan sees the reads it must (it is not looking at nothing)
    keys = {key for _what, key, _where in found}
    expected = {
        "issuer": {
            "SMTP_STARTTLS",
            "VERIFIER_URL",
            "KEY_ENCRYPTION_KEY",
            "DATABASE_URL",
            "BADGES_DATA",
        },
        "verifier": {
            "VERIFIER_DEADLINE",
            "VERIFIER_REGISTRIES",
            "MAX_TEXT_BYTES",
            "MAX_CONTENT_LENGTH",
        },
    }
    assert expected[app] <= keys


@pytest.mark.parametrize("app", sorted(APPS))
def test_the_code_reads_settings_without_defaults_of_its_own(app):
    """``config.get("X", default)`` would hide the declared default behind another one."""
    assert [where for what, _key, where in _scan(app) if what == "config-get"] == []


def test_the_scan_finds_undeclared_reads_and_inline_defaults():
    source = (
        "import os\nfrom flask import current_app\n"
        'a = current_app.config.get("SMTP_STARTTLS", True)\n'
        'b = app.config["NOT_DECLARED"]\n'
        'c = os.environ.get("SOME_VAR")\nd = os.environ["OTHER"]\ne = "THIRD" in os.environ\n'
        'config["SET_HERE"] = 1\n'
    )
    assert sorted((what, key) for what, key, _line, _node in _reads(ast.parse(source))) == sorted(
        [
            ("config-get", "SMTP_STARTTLS"),
            ("config", "NOT_DECLARED"),
            ("environ", "SOME_VAR"),
            ("environ", "OTHER"),
            ("environ", "THIRD"),
            ("config-set", "SET_HERE"),
        ]
    )


@pytest.mark.parametrize("app", sorted(APPS))
def test_the_readme_table_is_the_declaration(app):
    readme = (ROOT / "README.md").read_text("utf-8")
    table = re.search(rf"<!-- settings: {app} -->\n(.*?)\n<!-- /settings: {app} -->", readme, re.S)
    assert table, f"no settings table for the {app} in the README"
    assert table.group(1) == APPS[app].markdown(), f"regenerate it: python -m {app}.settings"


def test_the_app_configs_hold_every_declared_setting_with_its_default(monkeypatch, tmp_path):
    for name in ISSUER.environment_variables | VERIFIER.environment_variables:
        monkeypatch.delenv(name, raising=False)
    from issuer import create_app as create_issuer
    from verifier import create_app as create_verifier

    issuer = create_issuer({"TESTING": True, "DATA_DIR": str(tmp_path)}).config
    for setting in ISSUER:
        if setting.name not in (
            "SECRET_KEY",
            "DATA_DIR",
            "DATABASE_URL",
            "REVOCATION_JOURNAL",
            "TESTING",
        ):
            expected = (
                list(setting.default) if isinstance(setting.default, tuple) else setting.default
            )
            assert issuer[setting.name] == expected, setting.name
    assert issuer["DATABASE_URL"] == f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    assert issuer["REVOCATION_JOURNAL"] == str(tmp_path / "revocation-journal.jsonl")
    verifier = create_verifier().config
    for setting in VERIFIER:
        if setting.name != "MAX_FORM_MEMORY_SIZE":
            expected = (
                list(setting.default) if isinstance(setting.default, tuple) else setting.default
            )
            assert verifier[setting.name] == expected, setting.name
    assert verifier["MAX_FORM_MEMORY_SIZE"] == verifier["MAX_CONTENT_LENGTH"]
