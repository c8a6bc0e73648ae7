"""The issuer web app: schools and centres award Open Badges 3.0 to their learners."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The flaskr shape: the declared settings' defaults (``issuer/settings.py``), then their
    environment variables (``ISSUER_*``, ``DATABASE_URL``, ``BADGES_DATA``), then ``test_config``.
    Raises ConfigError (one line) for a value that cannot be parsed, ConfigurationError for
    a configuration that cannot work (no ``ISSUER_SECRET_KEY`` outside demo and tests).

    Creating the app only wires things together: tables, keys and demo data are made by
    explicit commands (``badges serve`` calls them).
    """
    # imported here, not at the top: then `python -m issuer.settings` prints its table cleanly,
    # and the `badges` command (which imports issuer.cli for its subcommands) starts without
    # Flask and SQLAlchemy unless it serves
    from flask import Flask

    from .db import Database
    from .services.keys import Sealer
    from .settings import load as load_settings
    from .urls import PublicUrls

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
        static_folder=str(TEMPLATES / "static"),
    )
    app.config.from_mapping(load_settings(os.environ, test_config, app.instance_path))
    if not app.config["SECRET_KEY"]:
        if not app.config["DEMO"] and not app.config["TESTING"]:
            from .errors import ConfigurationError

            raise ConfigurationError("ISSUER_SECRET_KEY is not set (sessions need it)")
        import secrets

        app.config["SECRET_KEY"] = secrets.token_urlsafe(32)
    app.extensions["issuer.db"] = Database(
        app.config["DATABASE_URL"], journal=app.config["REVOCATION_JOURNAL"]
    )
    app.extensions["issuer.urls"] = PublicUrls(app.config["BASE_URL"])
    if app.config["KEY_ENCRYPTION_KEY"]:
        app.extensions["issuer.sealer"] = Sealer.from_config(app.config["KEY_ENCRYPTION_KEY"])

    from . import web
    from .views import achievements, admin, auth, awards, public, staff

    web.install(app)
    for module in (auth, public, staff, achievements, awards, admin):
        app.register_blueprint(module.bp)
    from .views import keys as key_views  # signing keys: rotation, compromise, re-issue

    app.register_blueprint(key_views.bp)
    from .views import audit as audit_views  # the audit log page
    from .views import network as network_views  # a centre's network view and CSV

    app.register_blueprint(network_views.bp)
    app.register_blueprint(audit_views.bp)
    from . import api  # the JSON API under /api/v1, and its OpenAPI document
    from .views import tokens as token_views  # staff page for API tokens

    api.register(app)
    app.register_blueprint(token_views.bp)
    from .views import endorsements as endorsement_views  # endorsements: pages, status list, staff

    app.register_blueprint(endorsement_views.bp)
    from .views import learners as learner_views  # learner accounts and claim links
    from .views import portfolio as portfolio_views  # a learner's badges

    app.register_blueprint(learner_views.bp)
    app.register_blueprint(portfolio_views.bp)

    from .views import competences as competence_views  # a learner's map and timeline

    app.register_blueprint(competence_views.bp)
    from .views import shares as share_views  # share links, consent, shared with a school

    app.register_blueprint(share_views.bp)
    from .views import steering as steering_views  # reflections, own evidence, goals, pathways

    app.register_blueprint(steering_views.bp)
    from .views import takeout as takeout_views  # archive, personal data, erasing the account

    app.register_blueprint(takeout_views.bp)
    from .views import imports as import_views  # badges from other issuers in a portfolio

    app.register_blueprint(import_views.bp)
    from .views import progress as job_views  # the pages of jobs (large class awards, re-issues)

    app.register_blueprint(job_views.bp)
    from . import i18n
    from .views import language as language_views  # the language switcher

    i18n.install(app)
    app.register_blueprint(language_views.bp)
    return app
