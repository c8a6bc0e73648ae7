"""``badges verifier``: run the verifier app on its own."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from badges.errors import BadgeError


def register(sub: Any) -> None:
    """Add ``verifier`` to the ``badges`` command (through the ``badges.commands`` entry point)."""
    parser = sub.add_parser(
        "verifier",
        help="run the verifier app on its own",
        description=(
            "Serve the verifier (no database). VERIFIER_ALLOWED_HOSTS, VERIFIER_URL_MAP and "
            "VERIFIER_REGISTRIES come from the environment or the options below; all are empty "
            "by default. For "
            "production, run `gunicorn -w 2 'verifier:create_app()'` instead."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=5001, help="port (default 5001)")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="a host:port that may be loopback or private (repeatable)",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="PREFIX=TARGET",
        help="answer URLs under PREFIX from TARGET (repeatable)",
    )
    parser.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="FILE|URL",
        help="a registry of trusted issuers, JSON (repeatable; see README)",
    )
    parser.set_defaults(func=cmd_verifier)


def cmd_verifier(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from . import create_app

    config: dict[str, Any] = {}
    if args.allow_host:
        config["VERIFIER_ALLOWED_HOSTS"] = args.allow_host
    if args.map:
        config["VERIFIER_URL_MAP"] = args.map
    if args.registry:
        config["VERIFIER_REGISTRIES"] = args.registry
    try:
        app = create_app(config)
    except BadgeError as exc:
        print(f"badges verifier: {exc}", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"Verifier: http://{args.host}:{server.server_port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()
    return 0
