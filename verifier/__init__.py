"""The verifier web app: anyone checks a badge, from any issuer. It has no database."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Its declared settings (``verifier/settings.py``): defaults, then environment
    variables (``VERIFIER_*``, as gunicorn runs ``verifier:create_app()``), then ``test_config``.

    Raises ConfigError (a BadgeError, one line) for a value that cannot be parsed, e.g.
    ``VERIFIER_DEADLINE=abc`` or a ``VERIFIER_URL_MAP`` entry without ``=``, and
    RegistryError for a registry file that cannot be read.
    """
    # imported here, not at the top: then `python -m verifier.settings` prints its table
    # cleanly, and the `badges` command (which imports verifier.cli for its subcommand) starts
    # without Flask unless it serves
    from flask import Flask

    from badges.fetch import FetchPolicy
    from badges.registry import Registries
    from badges.resolve import KeyResolver
    from badges.verification import Verifier

    from .images import ImageInliner
    from .limits import LimitedFetcher, RequestLimits
    from .settings import load as load_settings

    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(TEMPLATES / "static"))
    app.config.from_mapping(load_settings(os.environ, test_config))
    policy = FetchPolicy(
        allowed_hosts=frozenset(app.config["VERIFIER_ALLOWED_HOSTS"]),
        url_map=tuple(app.config["VERIFIER_URL_MAP"]),
        timeout=float(app.config["VERIFIER_FETCH_TIMEOUT"]),
    )
    fetcher = LimitedFetcher(
        policy,
        max_total=int(app.config["VERIFIER_MAX_FETCHES"]),
        max_per_host=int(app.config["VERIFIER_MAX_FETCHES_PER_HOST"]),
    )
    shared = None
    if app.config["VERIFIER_REDIS_URL"]:  # the caches shared by every worker and machine
        from .shared_cache import RedisDocuments

        shared = RedisDocuments(app.config["VERIFIER_REDIS_URL"])
    resolver = KeyResolver(fetcher, ttl=float(app.config["VERIFIER_DOCUMENT_TTL"]), shared=shared)
    app.extensions["verifier.verifier"] = Verifier(
        fetcher=fetcher,
        key_resolver=resolver,
        shared=shared,
        status_ttl=float(app.config["VERIFIER_STATUS_TTL"]),
        deadline=float(app.config["VERIFIER_DEADLINE"]),
        max_fetches=int(app.config["VERIFIER_FETCHES_PER_BADGE"]),
    )
    app.extensions["verifier.registries"] = Registries.from_sources(
        app.config["VERIFIER_REGISTRIES"],
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
    # one allowance per client, over all workers when Redis is configured
    app.extensions["verifier.limits"] = RequestLimits(
        app,
        float(app.config["VERIFIER_RATE_PER_MINUTE"]),
        int(app.config["VERIFIER_BURST"]),
        redis_url=app.config["VERIFIER_REDIS_URL"],
    )

    from . import api, i18n, views, web

    web.install(app)
    i18n.install(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    web.limit_views(app)
    return app
