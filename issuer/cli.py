"""``badges serve`` and friends: the issuer's (and verifier's) commands for the ``badges`` CLI."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from badges.errors import BadgeError, ConfigError


def register(sub: Any) -> None:
    """Add the issuer's subcommands (called through the ``badges.commands`` entry point)."""
    serve = sub.add_parser(
        "serve",
        help="run the issuer and the verifier on this machine",
        description=(
            "Start the issuer app and the verifier app. The database (SQLite in --data unless "
            "DATABASE_URL is set) is created or migrated first. Outside --demo, "
            "ISSUER_KEY_ENCRYPTION_KEY and ISSUER_SECRET_KEY must be set."
        ),
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="create secrets on first start and a demo network, school, staff and badges",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=5000, help="issuer port (default 5000)")
    serve.add_argument(
        "--verifier-port",
        type=int,
        default=5001,
        help="verifier port (default 5001; 0: do not start it)",
    )
    serve.add_argument(
        "--data", default=os.environ.get("BADGES_DATA", "data"), help="data folder (default ./data)"
    )
    serve.add_argument(
        "--base-url", default=None, help="public base URL of the issuer (default http://HOST:PORT)"
    )
    serve.add_argument(
        "--check",
        action="store_true",
        help="prepare everything, print the URLs, and exit without serving",
    )
    serve.set_defaults(func=cmd_serve)

    secret = sub.add_parser(
        "secret", help="print a new key-encryption key for ISSUER_KEY_ENCRYPTION_KEY"
    )
    secret.set_defaults(func=cmd_secret)

    from .keys_cli import register as register_keys  # badges keys list|rotate|compromise|reissue

    register_keys(sub)
    from .worker_cli import register as register_worker  # badges worker

    register_worker(sub)

    data_option = argparse.ArgumentParser(add_help=False)
    data_option.add_argument(
        "--data",
        default=os.environ.get("BADGES_DATA", "data"),
        help="data folder of `badges serve` (default ./data); DATABASE_URL wins over its SQLite file",
    )
    backup = sub.add_parser(
        "backup",
        parents=[data_option],
        help="write the issuer's database to a file (SQLite online backup, or pg_dump)",
        description=(
            "Copy the issuer's database to FILE while it runs: SQLite through its online "
            "backup, PostgreSQL with pg_dump -Fc. The revocation journal is not in it: keep "
            "that file (ISSUER_REVOCATION_JOURNAL) where it survives the database."
        ),
    )
    backup.add_argument("file", help="the backup file to write")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore",
        parents=[data_option],
        help="put a backup back, then re-apply the revocation journal",
        description=(
            "Replace the issuer's database with FILE (stop the app first), migrate it to the "
            "current schema and re-apply the revocation journal: badges revoked, suspended or "
            "signed with a key compromised after the backup stay so. Prints what it re-applied."
        ),
    )
    restore.add_argument("file", help="a file written by `badges backup`")
    restore.add_argument(
        "--yes", action="store_true", help="really replace the database (without it, only say so)"
    )
    restore.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import backup, locations

    url, _journal = locations(Path(args.data).resolve())
    target = Path(args.file).resolve()
    try:
        backup(url, target)
    except BadgeError as exc:
        print(f"badges backup: {exc.description}", file=sys.stderr)
        return 1
    print(f"badges backup: {target} ({target.stat().st_size} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from .backup import locations, restore
    from .db import Database
    from .journal import Journal
    from .keys_cli import _key_encryption_key
    from .migrate import upgrade
    from .services.keys import Sealer, create_signing_key
    from .services.restore import replay

    data = Path(args.data).resolve()
    url, journal_path = locations(data)
    source = Path(args.file).resolve()
    if not args.yes:
        print(
            f"badges restore: this replaces the database ({url.split('@')[-1]}) with {source}, "
            f"then re-applies {journal_path}. Stop the app, then run again with --yes.",
            file=sys.stderr,
        )
        return 2
    kek = _key_encryption_key(data)
    try:
        restore(url, source)
        upgrade(url)
        database = Database(url, journal=journal_path)
        sealer = Sealer.from_config(kek) if kek else None
        try:
            with database.transaction() as session:
                done = replay(
                    session,
                    Journal(journal_path),
                    new_key=(
                        None
                        if sealer is None
                        else lambda s, org: create_signing_key(s, org=org, sealer=sealer)
                    ),
                )
        finally:
            database.dispose()
    except BadgeError as exc:
        print(f"badges restore: {exc.description}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"badges restore: the restored database cannot be used ({exc})", file=sys.stderr)
        return 1
    print(f"badges restore: {source} restored")
    print(
        f"revocation journal {journal_path}: {done.read} entr{'y' if done.read == 1 else 'ies'}, "
        f"{len(done.changes)} re-applied"
    )
    for line in done.changes:
        print(f"  {line}")
    return 0


def cmd_secret(args: argparse.Namespace) -> int:
    from .services.keys import Sealer

    print(Sealer.new_secret())
    return 0


def _demo_secrets(data: Path) -> dict[str, str]:
    """Secrets kept in the data folder for demo mode only (created on first start)."""
    from .services.keys import Sealer

    path = data / "demo-secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text("utf-8"))
        return loaded
    values = {"KEY_ENCRYPTION_KEY": Sealer.new_secret(), "SECRET_KEY": secrets.token_urlsafe(32)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return values


def cmd_serve(args: argparse.Namespace) -> int:
    from . import create_app
    from .db import Database
    from .demo import demo_badges, demo_share, seed_demo
    from .migrate import upgrade
    from .seed import seed_frameworks
    from .services.keys import Sealer
    from .services.platform import ensure_platform_issuer
    from .settings import SETTINGS
    from .urls import PublicUrls

    data = Path(args.data).resolve()
    data.mkdir(parents=True, exist_ok=True)
    base_url = args.base_url or f"http://{args.host}:{args.port}"
    verifier_url = f"http://{args.host}:{args.verifier_port}" if args.verifier_port else None
    config: dict[str, Any] = {"BASE_URL": base_url, "DATA_DIR": str(data), "DEMO": args.demo}
    if verifier_url:
        config["VERIFIER_URL"] = verifier_url
    try:
        if args.demo:  # the environment's secrets win over the ones kept for the demo
            environment = SETTINGS.from_environment(os.environ)
            demo_values = _demo_secrets(data)
            for name in ("KEY_ENCRYPTION_KEY", "SECRET_KEY"):
                if name not in environment:
                    config[name] = demo_values[name]
        app = create_app(config)
        sealer = Sealer.from_config(app.config["KEY_ENCRYPTION_KEY"])
    except ConfigError as exc:
        print(f"badges serve: {exc}", file=sys.stderr)
        return 2
    database: Database = app.extensions["issuer.db"]
    upgrade(app.config["DATABASE_URL"])
    badges: list[str] = []
    share: str | None = None
    with database.transaction() as session:
        seed_frameworks(session)
        # the platform's own did:web and key (it signs learners' CLR exports)
        ensure_platform_issuer(session, sealer=sealer, urls=PublicUrls(base_url))
        if args.demo:
            seed_demo(session, sealer=sealer, urls=PublicUrls(base_url))
            badges = demo_badges(session)
            share = demo_share(session)
    print(f"Issuer:   {base_url}/")
    if args.demo:
        from .demo import DEMO_PASSWORD

        print(
            f"  demo logins (password {DEMO_PASSWORD!r}): admin@demo.example (platform admin), "
            "coordinator@demo.example (centre admin), teacher@demo.example (teacher)"
        )
        from .demo import DEMO_LEARNER

        print(f"  demo learner (same password): {DEMO_LEARNER}, portfolio at {base_url}/portfolio/")
        if share:
            print(f"  the demo learner's shared portfolio: {base_url}/s/{share}")
        urls = PublicUrls(base_url)
        for public_id in badges:
            print(f"  a demo badge: {urls.credential(public_id)}")
        if badges:
            print("  check one from the command line:")
            print(f"    {verify_command(urls.credential(badges[0]), base_url)}")
    verifier_app = None
    if verifier_url:
        verifier_app = _verifier_app(base_url)
        if verifier_app is not None:
            print(f"Verifier: {verifier_url}/  (trusts the issuer at {base_url})")
    sys.stdout.flush()
    if args.check:
        return 0
    from werkzeug.serving import make_server

    servers = [make_server(args.host, args.port, app, threaded=True)]
    if verifier_app is not None:
        servers.append(make_server(args.host, args.verifier_port, verifier_app, threaded=True))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    print("Press Ctrl+C to stop.")
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        for server in servers:
            server.shutdown()
    return 0


def _local_trust(issuer_base: str) -> tuple[str, tuple[str, str] | None]:
    """How a verifier reaches the issuer served here: the host:port to allow (it may be
    loopback or private), and for plain http the map answering its https identifiers
    (did:web documents derive https URLs) from its http address."""
    parts = urlsplit(issuer_base)
    host = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    if parts.scheme != "http":
        return host, None
    return host, (f"https://{parts.netloc}/", f"{issuer_base.rstrip('/')}/")


def verify_command(credential_url: str, issuer_base: str) -> str:
    """A ``badges verify`` command line that checks a badge of the issuer served here."""
    host, url_map = _local_trust(issuer_base)
    words = ["badges", "verify", credential_url, "--allow-host", host]
    if url_map is not None:
        words += ["--map", "=".join(url_map)]
    return shlex.join(words)


def _verifier_app(issuer_base: str) -> Any:
    """The verifier app, told to trust the local issuer (its allowlist and URL map)."""
    try:
        from verifier import create_app as create_verifier
    except ImportError:
        return None
    host, url_map = _local_trust(issuer_base)
    # The local issuer's organisations are known issuers: the verifier reads the platform's
    # registry (/registry.json), so organisations added while it runs are known within 30 s.
    config: dict[str, Any] = {
        "VERIFIER_ALLOWED_HOSTS": [host],
        "VERIFIER_REGISTRIES": [f"{issuer_base.rstrip('/')}/registry.json"],
        "VERIFIER_REGISTRY_TTL": 30.0,
    }
    if url_map is not None:
        config["VERIFIER_URL_MAP"] = [url_map]
    try:
        return create_verifier(config)
    except BadgeError as exc:
        print(f"badges serve: the verifier cannot start: {exc}", file=sys.stderr)
        return None
