"""The core stays pure: no web framework, no database, no network at import."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_badges_loads_no_web_framework_or_orm():
    code = (
        "import sys, badges, badges.cli, badges.verification, badges.issuing;"
        "bad = [m for m in ('flask', 'sqlalchemy', 'requests', 'httpx') if m in sys.modules];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_every_bundled_context_and_schema_is_packaged():
    from badges import standards

    for url in standards.bundled_urls():
        assert standards.load_document(url) is not None, url
    assert standards.load_document("https://www.w3.org/ns/credentials/v2")["@context"]


# What `badges verify` loads (issue 15: a whole `badges verify` process within 8x `python -c
# pass`, see benchmarks/bench_core.py): the command line imports per command, and a core
# command loads no plug-in (the issuer's and verifier's commands import Flask, SQLAlchemy).
HEAVY = ("flask", "sqlalchemy", "pyld", "PIL", "qrcode", "jsonschema", "issuer", "verifier")


def _loaded_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    probe = (
        "import sys\n"
        + code
        + f"\nprint('loaded:' + ','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), result.stdout
    return [m for m in last.removeprefix("loaded:").split(",") if m]


def test_importing_the_command_line_loads_nothing_heavy():
    assert _loaded_after("import badges.cli") == []


def test_verify_help_loads_nothing_heavy():
    code = (
        "import contextlib, io\n"
        "from badges.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['verify', '--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    assert _loaded_after(code) == []


def test_verifying_a_badge_loads_no_web_framework_or_orm(tmp_path):
    from badges import dids, keys
    from badges.proofs import sign_jwt
    from badges.verification import Verifier

    key = keys.KeyPair.generate("EdDSA")
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6b9f2c1e-8e0d-4b5a-9c3f-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": dids.did_key(key.public), "type": ["Profile"], "name": "School"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://school.example/a",
                "type": ["Achievement"],
                "name": "Badge",
                "description": "A badge.",
                "criteria": {"narrative": "Did it."},
            },
        },
    }
    token = sign_jwt(credential, key, kid=dids.did_key_verification_method(key.public))
    assert Verifier().verify(token).verified
    badge = tmp_path / "badge.jwt"
    badge.write_text(token)
    code = (
        "import contextlib, io\n"
        "from badges.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['verify', {str(badge)!r}]) == 0"
    )
    loaded = _loaded_after(code)
    assert not {"flask", "sqlalchemy", "PIL", "qrcode", "issuer", "verifier"} & set(loaded)


def test_the_command_line_s_copies_of_defaults_match_their_sources():
    from badges import baking, cli, fetch, issuing

    assert cli.MAX_IMAGE_BYTES == baking.MAX_IMAGE_BYTES
    assert cli.DEFAULT_DEADLINE == fetch.DEFAULT_DEADLINE
    assert cli.DEFAULT_MAX_FETCHES == fetch.DEFAULT_MAX_FETCHES
    assert set(cli.PROOF_FORMATS) == {p.value for p in issuing.ProofFormat}
    assert cli.PROOF_FORMATS[0] == issuing.ProofFormat.DATA_INTEGRITY.value
    parser = cli.build_parser(plugins=False)
    assert set(cli.CORE_COMMANDS) == set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_verifying_a_bundled_context_badge_does_not_import_pyld(tmp_path):
    """`badges verify` of a Data Integrity badge whose contexts are all bundled answers
    from the stored compiled contexts (badges/jsonld/snapshot.py): pyld, the image code,
    the data model and the HTTP client are not imported (issue 15), and the verdict is
    the one a verifier that does import pyld gives."""
    from badges import dids, keys
    from badges.proofs import add_data_integrity_proof
    from badges.verification import Verifier
    from tests.conftest import build_credential

    key = keys.KeyPair.generate("EdDSA")
    credential = add_data_integrity_proof(
        build_credential(dids.did_key(key.public)),
        key,
        verification_method=dids.did_key_verification_method(key.public),
    )
    assert Verifier().verify(credential).verified
    badge = tmp_path / "badge.json"
    badge.write_text(json.dumps(credential))
    code = (
        "import contextlib, io\n"
        "from badges.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['verify', {str(badge)!r}]) == 0"
    )
    assert _loaded_after(code, (*HEAVY, "badges.baking", "badges.model", "lxml")) == []
