"""The verifier web app: anyone checks a badge, from any issuer. It has no database."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from badges.errors import FetchError
from badges.fetch import FetchPolicy
from badges.registry import Registries
from badges.resolve import KeyResolver
from badges.verification import Verifier

from .images import ImageInliner
from .limits import LimitedFetcher, RateLimiter

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]
    return [str(item) for item in value]


def _registries(value: Any) -> list[Any]:
    """Registry sources: a list (paths, URLs, documents) or text separated by commas or newlines."""
    if isinstance(value, (list, tuple)):
        return [item.strip() if isinstance(item, str) else item for item in value]
    if isinstance(value, dict):
        return [value]
    return _list(value)


def _map(value: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for entry in value if isinstance(value, (list, tuple)) else _list(value):
        if isinstance(entry, (list, tuple)):
            pairs.append((str(entry[0]), str(entry[1])))
        else:
            prefix, sep, target = str(entry).partition("=")
            if not sep:
                raise FetchError(f"bad VERIFIER_URL_MAP entry {entry!r}: use PREFIX=TARGET")
            pairs.append((prefix.strip(), target.strip()))
    return pairs


DEFAULTS: dict[str, Any] = {
    "VERIFIER_ALLOWED_HOSTS": [],
    "VERIFIER_URL_MAP": [],
    "VERIFIER_FETCH_TIMEOUT": 10.0,  # seconds for one fetch
    # one verification (a page or API request) spends at most this long fetching in all,
    # and makes at most this many fetches: a badge full of slow links cannot hold a worker
    "VERIFIER_DEADLINE": 20.0,
    "VERIFIER_FETCHES_PER_BADGE": 20,
    "VERIFIER_MAX_FETCHES": 16,  # fetches at once, over all requests
    "VERIFIER_MAX_FETCHES_PER_HOST": 4,
    "VERIFIER_RATE_PER_MINUTE": 120,
    "VERIFIER_BURST": 30,
    "VERIFIER_DOCUMENT_TTL": 300.0,
    "VERIFIER_STATUS_TTL": 300.0,  # status lists are kept at most this long (and their own ttl)
    # Registries of trusted issuers: JSON file paths, https URLs (fetched through the guarded
    # fetcher, kept VERIFIER_REGISTRY_TTL seconds) or registry documents; see badges/registry.py.
    "VERIFIER_REGISTRIES": [],
    "VERIFIER_REGISTRY_TTL": 300.0,
    "VERIFIER_IMAGE_MAX_BYTES": 1_000_000,  # a badge image fetched to be shown inline
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    "MAX_TEXT_BYTES": 2 * 1024 * 1024,
}


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """``VERIFIER_*`` variables naming a setting: JSON values (numbers, lists) or plain text."""
    settings: dict[str, Any] = {}
    for name in DEFAULTS:
        if not name.startswith("VERIFIER_") or name not in environ:
            continue
        raw = environ[name]
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        settings[name] = value
    return settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then ``FLASK_*`` and ``VERIFIER_*`` environment variables, then ``test_config``.

    ``VERIFIER_ALLOWED_HOSTS``: host:port entries that may be loopback or private;
    ``VERIFIER_URL_MAP``: PREFIX=TARGET entries; both empty by default.
    ``VERIFIER_REGISTRIES``: registries of trusted issuers (JSON file paths or https URLs,
    a JSON list or separated by commas). Every other ``VERIFIER_*`` setting in DEFAULTS
    (limits, timeouts) may be set the same way, its value read as JSON when it parses
    (``VERIFIER_BURST=5``). Raises FetchError or RegistryError (BadgeErrors) for malformed
    entries or a registry file that cannot be read.
    """
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(TEMPLATES / "static"))
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_MAX_CONTENT_LENGTH, ...
    app.config.from_mapping(_from_environment(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    if "MAX_FORM_MEMORY_SIZE" not in (test_config or {}):
        # Werkzeug's default (500 kB per multipart field) would refuse a pasted badge well
        # under MAX_TEXT_BYTES, and the recipient form that carries a dropped image back.
        app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]
    policy = FetchPolicy(
        allowed_hosts=frozenset(_list(app.config["VERIFIER_ALLOWED_HOSTS"])),
        url_map=tuple(_map(app.config["VERIFIER_URL_MAP"])),
        timeout=float(app.config["VERIFIER_FETCH_TIMEOUT"]),
    )
    fetcher = LimitedFetcher(
        policy,
        max_total=int(app.config["VERIFIER_MAX_FETCHES"]),
        max_per_host=int(app.config["VERIFIER_MAX_FETCHES_PER_HOST"]),
    )
    resolver = KeyResolver(fetcher, ttl=float(app.config["VERIFIER_DOCUMENT_TTL"]))
    app.extensions["verifier.verifier"] = Verifier(
        fetcher=fetcher,
        key_resolver=resolver,
        status_ttl=float(app.config["VERIFIER_STATUS_TTL"]),
        deadline=float(app.config["VERIFIER_DEADLINE"]),
        max_fetches=int(app.config["VERIFIER_FETCHES_PER_BADGE"]),
    )
    app.extensions["verifier.registries"] = Registries.from_sources(
        _registries(app.config["VERIFIER_REGISTRIES"]),
        fetcher=fetcher,
        ttl=float(app.config["VERIFIER_REGISTRY_TTL"]),
    )
    # Badge images are fetched by the verifier and shown inline (never hot-linked): the
    # reader's browser then contacts nobody the badge names. Their own, smaller size cap.
    app.extensions["verifier.images"] = ImageInliner(
        LimitedFetcher(
            dataclasses.replace(policy, max_bytes=int(app.config["VERIFIER_IMAGE_MAX_BYTES"])),
            max_total=int(app.config["VERIFIER_MAX_FETCHES"]),
            max_per_host=int(app.config["VERIFIER_MAX_FETCHES_PER_HOST"]),
        ),
        ttl=float(app.config["VERIFIER_DOCUMENT_TTL"]),
    )
    app.extensions["verifier.limiter"] = RateLimiter(
        float(app.config["VERIFIER_RATE_PER_MINUTE"]), int(app.config["VERIFIER_BURST"])
    )

    from . import api, views, web

    web.install(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    return app
