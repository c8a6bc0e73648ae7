"""``badges keys``: an organisation's signing keys from the command line.

For the administrator who cannot (or should not) use the web pages when a key leaks:
list the keys, rotate, mark one compromised, re-issue what it signed. The commands use
the same database and key-encryption key as ``badges serve`` (DATABASE_URL or the SQLite
file in --data; ISSUER_KEY_ENCRYPTION_KEY, or the demo secrets in --data) and write the
same audit entries, by "command line (<user>)".
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from badges.errors import BadgeError

EXIT_OK = 0
EXIT_USAGE = 2


def register(sub: Any) -> None:
    """Add ``badges keys list|rotate|compromise|reissue``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--org", required=True, help="the organisation's short name (slug)")
    common.add_argument(
        "--data",
        default=os.environ.get("BADGES_DATA", "data"),
        help="data folder of `badges serve` (default ./data)",
    )
    parser = sub.add_parser(
        "keys",
        help="an issuer organisation's signing keys: list, rotate, compromise, reissue",
        description="Manage an issuer organisation's signing keys (the ones in its DID document).",
    )
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    actions.add_parser(
        "list",
        parents=[common],
        help="the keys, whether published, and what each still vouches for",
    )
    actions.add_parser(
        "rotate",
        parents=[common],
        help="a new active key; the old one stays published while its badges are valid",
    )
    compromise = actions.add_parser(
        "compromise",
        parents=[common],
        help="unpublish a key and revoke everything it signed (then re-issue)",
    )
    compromise.add_argument("--kid", required=True, help="the key, e.g. key-1")
    compromise.add_argument(
        "--reason", required=True, help="what happened to it (for the audit log)"
    )
    compromise.add_argument(
        "--yes", action="store_true", help="really do it (without it, only say what would happen)"
    )
    reissue = actions.add_parser(
        "reissue",
        parents=[common],
        help="re-issue the badges revoked because their key was compromised",
    )
    reissue.add_argument(
        "--base-url",
        default=os.environ.get("ISSUER_BASE_URL"),
        help="the issuer's public base URL, as `badges serve` uses it (default $ISSUER_BASE_URL)",
    )
    parser.set_defaults(func=cmd_keys)


def _key_encryption_key(data: Path) -> str | None:
    value = os.environ.get("ISSUER_KEY_ENCRYPTION_KEY")
    if value:
        return value
    demo = data / "demo-secrets.json"
    if demo.exists():
        secrets: dict[str, str] = json.loads(demo.read_text("utf-8"))
        return secrets.get("KEY_ENCRYPTION_KEY")
    return None


def cmd_keys(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return _run(args)
    except BadgeError as exc:
        print(f"badges keys: {exc.description}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        print(
            f"badges keys: the database cannot be used ({type(exc).__name__}); "
            "has `badges serve` created it?",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from .backup import locations
    from .db import Database
    from .services.audit import Actor
    from .services.keys import Sealer, key_overview, rotate_key
    from .services.orgs import get_organisation
    from .services.reissue import awaiting_reissue, get_key, mark_compromised, reissue
    from .urls import PublicUrls

    data = Path(args.data).resolve()
    url, journal = locations(data)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        print(
            f"badges keys: no database at {url[len('sqlite:///') :]} (set DATABASE_URL or --data)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    actor = Actor(label=f"command line ({user})", via="cli")
    database = Database(url, journal=journal)
    try:
        with database.transaction() as session:
            org = get_organisation(session, args.org)
            action = args.keys_action
            if action == "list":
                for info in key_overview(session, org):
                    state = (
                        "compromised"
                        if info.row.compromised_at
                        else "active"
                        if info.active
                        else "retired"
                    )
                    print(
                        f"{info.row.kid}\t{info.row.alg}\t{state}\t"
                        f"{'published' if info.published else 'not published'}\t"
                        f"{info.valid_awards} valid badge(s)\t{info.live_endorsements} endorsement(s)"
                    )
                waiting = len(awaiting_reissue(session, org))
                if waiting:
                    print(
                        f"{waiting} badge(s) wait for re-issue: badges keys reissue --org {org.slug}"
                    )
                return EXIT_OK
            sealer = Sealer.from_config(_key_encryption_key(data))
            if action == "rotate":
                row = rotate_key(session, org=org, sealer=sealer, actor=actor)
                print(f"{org.slug}: new active key {row.kid}")
                return EXIT_OK
            if action == "compromise":
                key = get_key(session, org, args.kid)
                if not args.yes:
                    info = next(k for k in key_overview(session, org) if k.row.id == key.id)
                    print(
                        f"Marking {key.kid} compromised unpublishes it and revokes every badge it signed "
                        f"({info.valid_awards} still valid) and withdraws its {info.live_endorsements} "
                        "endorsement(s). Run again with --yes to do it."
                    )
                    session.rollback()
                    return EXIT_USAGE
                result = mark_compromised(
                    session, org=org, key_row=key, sealer=sealer, actor=actor, reason=args.reason
                )
                print(
                    f"{org.slug}: {key.kid} compromised; {result.revoked} badge(s) revoked, "
                    f"{result.withdrawn} endorsement(s) withdrawn"
                    + (f"; new active key {result.new_key.kid}" if result.new_key else "")
                )
                return EXIT_OK
            # reissue
            if not args.base_url:
                print(
                    "badges keys: give --base-url (or ISSUER_BASE_URL): the public address of the issuer",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            waiting_awards = awaiting_reissue(session, org)
            public = PublicUrls(args.base_url)
            if waiting_awards:
                # a copy made under another address would name keys no one can fetch
                signed_as = json.loads(waiting_awards[0].credential_json).get("id")
                if signed_as != public.credential(waiting_awards[0].public_id):
                    print(
                        f"badges keys: --base-url {args.base_url} is not the address the badges were "
                        f"issued under ({signed_as}); give the one `badges serve` uses",
                        file=sys.stderr,
                    )
                    return EXIT_USAGE
            pairs = reissue(
                session, org=org, awards=waiting_awards, sealer=sealer, urls=public, actor=actor
            )
            print(
                f"{org.slug}: {len(pairs)} badge(s) re-issued; the learners' messages are in the outbox"
            )
            return EXIT_OK
    finally:
        database.dispose()
