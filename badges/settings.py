"""Declared settings: each app lists every setting once, with its kind, default, environment
variable and meaning; this module reads them from the environment and checks overrides.

Both web apps use it (``issuer/settings.py``, ``verifier/settings.py``); it has no Flask in it.
The values land in the app's ``app.config``, which stays the one place code reads them from.

Written here rather than with pydantic-settings: the need is a table of about twenty plain
values read into Flask's config, parsed by five rules (text, whole numbers, numbers,
true/false, lists and PREFIX=TARGET pairs given as comma-separated text as well as JSON).
pydantic-settings would add pydantic and its compiled core, python-dotenv and a mypy plugin,
decodes list values from the environment only as JSON (comma lists need a NoDecode
annotation and a validator per field), needs an alias and ``populate_by_name`` for every
setting whose environment variable differs from its config key (ISSUER_BASE_URL ->
BASE_URL, DATABASE_URL, BADGES_DATA), and reports a bad value in a multi-line
ValidationError that would still have to be turned into our one-line ConfigError.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .errors import ConfigError

Kind = Literal["text", "int", "float", "bool", "list", "pairs", "sources"]

#: How each kind is named in the README's tables.
KIND_NAMES: dict[str, str] = {
    "text": "text",
    "int": "whole number",
    "float": "number",
    "bool": "true/false",
    "list": "list",
    "pairs": "list of PREFIX=TARGET",
    "sources": "list of paths or URLs",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Setting:
    """One setting: its key in ``app.config``, kind, default (None: not set), environment
    variable (None: not read from the environment) and a one-line meaning."""

    name: str
    kind: Kind
    default: Any
    help: str
    env: str | None = None

    def parse(self, raw: str, where: str | None = None) -> Any:
        """The value of an environment variable (or of text given as an override)."""
        try:
            return _PARSERS[self.kind](raw.strip())
        except (ValueError, TypeError) as exc:
            where = where or self.env or self.name
            shown = raw if len(raw) <= 60 else raw[:57] + "..."
            raise ConfigError(f"{where}={shown!r} is not valid: {exc}") from None

    def coerce(self, value: Any) -> Any:
        """An override (``create_app(test_config)``): text is parsed, other values checked."""
        if value is None and self.default is None:
            return None
        if isinstance(value, str) and self.kind != "text":
            return self.parse(value, where=f"setting {self.name}")
        try:
            return _CHECKS[self.kind](value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"setting {self.name}={value!r} is not valid: {exc}") from None

    @property
    def shown_default(self) -> str:
        """The default as the README shows it."""
        if self.default is None:
            return "(not set)"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, (tuple, list)):
            return "(empty)" if not self.default else ", ".join(map(str, self.default))
        return str(self.default)


def _int(raw: str) -> int:
    try:
        return int(raw.replace("_", ""))
    except ValueError:
        raise ValueError("expected a whole number") from None


def _float(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError("expected a number") from None


def _bool(raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValueError("expected true or false")


def _items(raw: str) -> list[Any]:
    """A JSON list, or entries separated by commas or newlines."""
    if raw.startswith("["):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None  # not JSON: text such as "[::1]:9, 127.0.0.1:8000"
        if isinstance(value, list):
            return value
    return [item.strip() for item in raw.replace("\n", ",").split(",") if item.strip()]


def _strings(raw: str) -> list[str]:
    return _check_strings(_items(raw))


def _pairs(raw: str) -> list[tuple[str, str]]:
    return _check_pairs(_items(raw))


def _sources(raw: str) -> list[Any]:
    return _check_sources(_items(raw))


def _check_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected a whole number")
    return value


def _check_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("expected a number")
    return float(value)


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


def _check_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _check_strings(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of text")
    return [v.strip() for v in value if v.strip()]


def _check_pairs(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected a list of PREFIX=TARGET entries")
    pairs: list[tuple[str, str]] = []
    for entry in value:
        if isinstance(entry, (list, tuple)) and len(entry) == 2:
            pairs.append((str(entry[0]), str(entry[1])))
            continue
        prefix, sep, target = str(entry).partition("=")
        if not sep or not prefix.strip() or not target.strip():
            raise ValueError(f"entry {entry!r}: use PREFIX=TARGET")
        pairs.append((prefix.strip(), target.strip()))
    return pairs


def _check_sources(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value]  # one registry document given as it is
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected a list of paths, URLs or documents")
    sources: list[Any] = []
    for item in value:
        if isinstance(item, str):
            if item.strip():
                sources.append(item.strip())
        elif isinstance(item, dict):
            sources.append(item)
        else:
            raise TypeError(f"entry {item!r}: expected a path, URL or document")
    return sources


_PARSERS: dict[str, Any] = {
    "text": str,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "list": _strings,
    "pairs": _pairs,
    "sources": _sources,
}
_CHECKS: dict[str, Any] = {
    "text": _check_text,
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "list": _check_strings,
    "pairs": _check_pairs,
    "sources": _check_sources,
}


class Settings:
    """One app's declared settings, in the order the README lists them."""

    def __init__(self, *settings: Setting) -> None:
        self._by_name: dict[str, Setting] = {}
        envs: set[str] = set()
        for setting in settings:
            if setting.name in self._by_name or (setting.env and setting.env in envs):
                raise ValueError(f"setting {setting.name} is declared twice")
            self._by_name[setting.name] = setting
            if setting.env:
                envs.add(setting.env)

    def __iter__(self) -> Iterator[Setting]:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Setting:
        return self._by_name[name]

    @property
    def environment_variables(self) -> frozenset[str]:
        return frozenset(s.env for s in self if s.env)

    def defaults(self) -> dict[str, Any]:
        return {
            s.name: list(s.default) if isinstance(s.default, tuple) else s.default for s in self
        }

    def from_environment(self, environ: Mapping[str, str]) -> dict[str, Any]:
        """The settings whose environment variable is set (an empty one counts as unset).
        Raises ConfigError naming the variable when a value cannot be parsed."""
        values: dict[str, Any] = {}
        for setting in self:
            raw = environ.get(setting.env) if setting.env else None
            if raw is not None and raw.strip():
                values[setting.name] = setting.parse(raw)
        return values

    def load(
        self, environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Defaults, then the environment, then ``overrides`` (declared ones checked; others,
        such as Flask's own ``SERVER_NAME`` in tests, passed on as they are)."""
        values = self.defaults()
        values.update(self.from_environment(environ))
        for name, value in (overrides or {}).items():
            values[name] = self[name].coerce(value) if name in self else value
        return values

    def markdown(self) -> str:
        """The README's table of these settings."""
        return "\n".join(_rows(self))


def _rows(settings: Iterable[Setting]) -> Iterator[str]:
    yield "| Setting | Environment variable | Kind | Default | Meaning |"
    yield "| --- | --- | --- | --- | --- |"
    for s in settings:
        env = f"`{s.env}`" if s.env else "(none)"
        yield f"| `{s.name}` | {env} | {KIND_NAMES[s.kind]} | {s.shown_default} | {s.help} |"
