"""Every setting of the verifier app, declared once: key in ``app.config``, kind, default,
environment variable and meaning. The README's table is made from this list
(``python -m verifier.settings``), and a test checks that the code reads nothing else.

Order of precedence: these defaults, then the environment variables (as gunicorn runs
``verifier:create_app()``), then the overrides given to ``create_app``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badges.settings import Setting, Settings

SETTINGS = Settings(
    Setting(
        "VERIFIER_ALLOWED_HOSTS",
        "list",
        (),
        "Exact `host:port` entries that may be loopback or private.",
        env="VERIFIER_ALLOWED_HOSTS",
    ),
    Setting(
        "VERIFIER_URL_MAP",
        "pairs",
        (),
        "Answer URLs under PREFIX from TARGET instead.",
        env="VERIFIER_URL_MAP",
    ),
    Setting(
        "VERIFIER_REGISTRIES",
        "sources",
        (),
        "Registries of trusted issuers: JSON file paths or https URLs (see below).",
        env="VERIFIER_REGISTRIES",
    ),
    Setting(
        "VERIFIER_REGISTRY_TTL",
        "float",
        300.0,
        "A registry fetched from a URL is kept this many seconds.",
        env="VERIFIER_REGISTRY_TTL",
    ),
    Setting(
        "VERIFIER_FETCH_TIMEOUT",
        "float",
        10.0,
        "Seconds for one fetch.",
        env="VERIFIER_FETCH_TIMEOUT",
    ),
    Setting(
        "VERIFIER_DEADLINE",
        "float",
        20.0,
        "One verification spends at most this many seconds fetching, in all.",
        env="VERIFIER_DEADLINE",
    ),
    Setting(
        "VERIFIER_FETCHES_PER_BADGE",
        "int",
        20,
        "One verification makes at most this many fetches.",
        env="VERIFIER_FETCHES_PER_BADGE",
    ),
    Setting(
        "VERIFIER_MAX_FETCHES",
        "int",
        16,
        "Fetches at once, over all requests.",
        env="VERIFIER_MAX_FETCHES",
    ),
    Setting(
        "VERIFIER_MAX_FETCHES_PER_HOST",
        "int",
        4,
        "Fetches at once to one host.",
        env="VERIFIER_MAX_FETCHES_PER_HOST",
    ),
    Setting(
        "VERIFIER_RATE_PER_MINUTE",
        "float",
        120.0,
        "Verifications a client may ask for per minute, on average: its allowance is "
        "`VERIFIER_BURST` per `60 * VERIFIER_BURST / VERIFIER_RATE_PER_MINUTE` seconds and "
        "`60 * VERIFIER_RATE_PER_MINUTE` per hour (fixed windows; a CLR record's credentials "
        "count one each).",
        env="VERIFIER_RATE_PER_MINUTE",
    ),
    Setting(
        "VERIFIER_BURST",
        "int",
        30,
        "Verifications a client may ask for at once (in one window, see "
        "`VERIFIER_RATE_PER_MINUTE`).",
        env="VERIFIER_BURST",
    ),
    Setting(
        "VERIFIER_REDIS_URL",
        "text",
        None,
        "Redis keeping the clients' allowances (`VERIFIER_RATE_PER_MINUTE`, `VERIFIER_BURST`) and "
        "the fetched documents and status lists for every worker and machine, e.g. "
        "`redis://127.0.0.1:6379/0`; not set, or while it does not answer: each process keeps "
        "its own.",
        env="VERIFIER_REDIS_URL",
    ),
    Setting(
        "VERIFIER_DOCUMENT_TTL",
        "float",
        300.0,
        "DID documents, keys and badge images are kept this many seconds.",
        env="VERIFIER_DOCUMENT_TTL",
    ),
    Setting(
        "VERIFIER_STATUS_TTL",
        "float",
        300.0,
        "Status lists are kept at most this many seconds (and their own ttl).",
        env="VERIFIER_STATUS_TTL",
    ),
    Setting(
        "VERIFIER_IMAGE_MAX_BYTES",
        "int",
        1_000_000,
        "Largest badge image fetched to be shown inline, in bytes.",
        env="VERIFIER_IMAGE_MAX_BYTES",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        "int",
        12 * 1024 * 1024,
        "Largest request body (a dropped image), in bytes.",
        env="VERIFIER_MAX_CONTENT_LENGTH",
    ),
    Setting(
        "MAX_TEXT_BYTES",
        "int",
        2 * 1024 * 1024,
        "Largest pasted badge (JSON or JWT), in bytes.",
        env="VERIFIER_MAX_TEXT_BYTES",
    ),
    Setting(
        "MAX_RECORD_BYTES",
        "int",
        8 * 1024 * 1024,
        "Largest pasted CLR 2.0 record (JSON or JWT), in bytes: only a record may be larger "
        "than `MAX_TEXT_BYTES`; each badge inside counts as a verification.",
        env="VERIFIER_MAX_RECORD_BYTES",
    ),
    Setting(
        "MAX_FORM_MEMORY_SIZE",
        "int",
        None,
        "Largest form field, in bytes; not set: `MAX_CONTENT_LENGTH`.",
        env="VERIFIER_MAX_FORM_MEMORY_SIZE",
    ),
    Setting("TESTING", "bool", False, "Flask's test mode (the tests set it)."),
)


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The verifier's configuration; raises ConfigError (one line) for a value that cannot
    be parsed or a malformed entry (``VERIFIER_URL_MAP`` without ``=``)."""
    values = SETTINGS.load(environ, overrides)
    if values["MAX_FORM_MEMORY_SIZE"] is None:
        # Werkzeug's default (500 kB per multipart field) would refuse a pasted badge well
        # under MAX_TEXT_BYTES, and the recipient form that carries a dropped image back.
        values["MAX_FORM_MEMORY_SIZE"] = values["MAX_CONTENT_LENGTH"]
    return values


if __name__ == "__main__":  # print the README's table
    print(SETTINGS.markdown())
