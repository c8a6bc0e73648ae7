"""The core stays pure: no web framework, no database, no network at import."""

from __future__ import annotations

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
