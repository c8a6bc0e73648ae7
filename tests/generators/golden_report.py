"""The golden verification report (tests/fixtures/report-valid.golden.json): how it is made,
and the one command that rewrites it.

``tests/core/test_verification.py::test_report_golden_file`` compares a fresh report with
the committed file and never writes it. When the report's shape changes on purpose, run

    python -m tests.generators.golden_report

from the repository root, and commit the new file with the change that explains it
(``git diff tests/fixtures`` shows what moved).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from badges.dids import did_key, did_key_verification_method
from badges.identity import hashed_email
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.verification import Verifier
from tests.conftest import FIXTURES, ISSUED, NOW, TESTS, build_credential, load_key

GOLDEN = FIXTURES / "report-valid.golden.json"


def golden_report() -> dict[str, Any]:
    """The report of a valid did:key badge with a hashed recipient, checked for its
    recipient: the same every run (fixed key, salt, dates and clock)."""
    key: KeyPair = load_key("eddsa")
    unsigned = build_credential(
        did_key(key.public), email=None, valid_until=datetime(2031, 1, 1, tzinfo=UTC)
    )
    unsigned["credentialSubject"]["identifier"] = [
        hashed_email("ona@example.org", salt="aspnet-2026").to_json()
    ]
    signed = sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    )
    return Verifier().verify(signed.json, now=NOW, recipient="ona@example.org").to_dict()


def render(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    GOLDEN.write_text(render(golden_report()), encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(TESTS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
