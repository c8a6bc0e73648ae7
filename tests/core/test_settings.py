"""badges.settings: declared settings read from the environment by kind, with one-line errors."""

from __future__ import annotations

import pytest

from badges.errors import BadgeError, ConfigError
from badges.settings import Setting, Settings

TABLE = Settings(
    Setting("NAME", "text", None, "a name", env="APP_NAME"),
    Setting("PORT", "int", 587, "a port", env="APP_PORT"),
    Setting("TIMEOUT", "float", 10.0, "seconds", env="APP_TIMEOUT"),
    Setting("TLS", "bool", True, "use TLS", env="APP_TLS"),
    Setting("HOSTS", "list", (), "hosts", env="APP_HOSTS"),
    Setting("MAP", "pairs", (), "prefix map", env="APP_MAP"),
    Setting("SOURCES", "sources", (), "registries", env="APP_SOURCES"),
    Setting("TESTING", "bool", False, "not from the environment"),
)


def test_defaults_then_environment_then_overrides():
    assert TABLE.load({}) == {
        "NAME": None,
        "PORT": 587,
        "TIMEOUT": 10.0,
        "TLS": True,
        "HOSTS": [],
        "MAP": [],
        "SOURCES": [],
        "TESTING": False,
    }
    env = {"APP_PORT": "25", "APP_NAME": "x", "TESTING": "true", "APP_TLS": ""}
    values = TABLE.load(env, {"NAME": "y", "SERVER_NAME": "test.example"})
    assert values["PORT"] == 25 and values["NAME"] == "y"  # the override wins
    assert values["TESTING"] is False  # no environment variable declared for it
    assert values["TLS"] is True  # an empty variable counts as unset
    assert values["SERVER_NAME"] == "test.example"  # Flask's own, passed on


def test_each_kind_is_parsed_from_text():
    env = {
        "APP_PORT": "2_525",
        "APP_TIMEOUT": "7.5",
        "APP_TLS": "off",
        "APP_HOSTS": "127.0.0.1:8000, [::1]:9\nexample.org:443,",
        "APP_MAP": "https://a.example/=http://127.0.0.1:1/, https://b.example/ = http://127.0.0.1:2/",
        "APP_SOURCES": '["registry.json", "https://r.example/registry.json"]',
    }
    values = TABLE.from_environment(env)
    assert values == {
        "PORT": 2525,
        "TIMEOUT": 7.5,
        "TLS": False,
        "HOSTS": ["127.0.0.1:8000", "[::1]:9", "example.org:443"],
        "MAP": [
            ("https://a.example/", "http://127.0.0.1:1/"),
            ("https://b.example/", "http://127.0.0.1:2/"),
        ],
        "SOURCES": ["registry.json", "https://r.example/registry.json"],
    }
    for word, meaning in [
        ("1", True),
        ("Yes", True),
        ("TRUE", True),
        ("on", True),
        ("0", False),
        ("no", False),
    ]:
        assert TABLE.from_environment({"APP_TLS": word}) == {"TLS": meaning}
    assert TABLE.from_environment({"APP_HOSTS": '["a:1", "b:2"]'}) == {"HOSTS": ["a:1", "b:2"]}
    assert TABLE.from_environment({"APP_MAP": '[["https://a/", "http://b/"]]'}) == {
        "MAP": [("https://a/", "http://b/")]
    }


@pytest.mark.parametrize(
    ("name", "raw", "why"),
    [
        ("APP_PORT", "abc", "expected a whole number"),
        ("APP_PORT", "2.5", "expected a whole number"),
        ("APP_TIMEOUT", "abc", "expected a number"),
        ("APP_TLS", "maybe", "expected true or false"),
        ("APP_MAP", "https://a.example/", "use PREFIX=TARGET"),
        ("APP_MAP", "=http://b/", "use PREFIX=TARGET"),
        ("APP_HOSTS", "[1, 2]", "expected a list of text"),
        ("APP_SOURCES", "[3]", "expected a path, URL or document"),
    ],
)
def test_a_bad_value_is_a_one_line_config_error_naming_the_variable(name, raw, why):
    with pytest.raises(ConfigError) as caught:
        TABLE.from_environment({name: raw})
    message = str(caught.value)
    assert message.startswith(f"{name}={raw!r} is not valid") and why in message
    assert "\n" not in message and isinstance(caught.value, BadgeError)


def test_overrides_are_checked_and_text_overrides_parsed():
    values = TABLE.load(
        {},
        {
            "PORT": "25",
            "TIMEOUT": 3,
            "HOSTS": ("a:1",),
            "MAP": ["https://a/=http://b/"],
            "SOURCES": {"issuers": []},
            "NAME": None,
        },
    )
    assert (
        values["PORT"] == 25 and values["TIMEOUT"] == 3.0 and isinstance(values["TIMEOUT"], float)
    )
    assert values["HOSTS"] == ["a:1"] and values["MAP"] == [("https://a/", "http://b/")]
    assert values["SOURCES"] == [{"issuers": []}] and values["NAME"] is None
    for name, bad in [
        ("PORT", 2.5),
        ("PORT", True),
        ("TLS", "maybe"),
        ("TLS", 1),
        ("HOSTS", 5),
        ("PORT", None),
    ]:
        with pytest.raises(ConfigError, match=f"^(setting )?{name}="):
            TABLE.load({}, {name: bad})


def test_a_setting_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        Settings(Setting("A", "int", 1, "a", env="X"), Setting("A", "int", 2, "again"))
    with pytest.raises(ValueError, match="declared twice"):
        Settings(Setting("A", "int", 1, "a", env="X"), Setting("B", "int", 2, "b", env="X"))


def test_the_markdown_table_lists_every_setting_with_its_default():
    lines = TABLE.markdown().splitlines()
    assert lines[0] == "| Setting | Environment variable | Kind | Default | Meaning |"
    assert "| `PORT` | `APP_PORT` | whole number | 587 | a port |" in lines
    assert "| `NAME` | `APP_NAME` | text | (not set) | a name |" in lines
    assert "| `HOSTS` | `APP_HOSTS` | list | (empty) | hosts |" in lines
    assert "| `TESTING` | (none) | true/false | false | not from the environment |" in lines
    assert len(lines) == 2 + len(list(TABLE))


def test_the_settings_helper_has_no_flask_and_the_verifier_settings_no_issuer():
    import subprocess
    import sys

    for module, unwanted in [("badges.settings", "flask"), ("verifier.settings", "issuer")]:
        code = f"import sys, {module}; print({unwanted!r} in sys.modules)"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False", module
