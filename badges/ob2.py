"""Open Badges 2.0 assertions: hosted and signed (JWS) verification.

The checks live in ``badges.verification.steps.ob2`` (run by ``Verifier.verify`` as the
pipeline's ``OB2_STEPS``), the recognition of an OB 2.0 document in
``badges.verification.parsing``. This module keeps today's import path for both.
"""

from __future__ import annotations

from datetime import datetime

from .verification.context import Run
from .verification.parsing import OB2_CONTEXT as CONTEXT
from .verification.parsing import OB2_CONTEXTS as CONTEXTS
from .verification.parsing import OB2_FORMAT as FORMAT
from .verification.parsing import Parsed, is_assertion, jws_assertion, report_gone
from .verification.pipeline import OB2_STEPS, Verifier
from .verification.report import Checks
from .verification.steps import ob2 as _steps
from .verification.steps.ob2 import load_pem_public_key


def verify_assertion(
    verifier: Verifier,
    parsed: Parsed,
    checks: Checks,
    now: datetime,
    recipient: str | None,
    check_status: bool,
) -> None:
    """Run the OB 2.0 checks on a parsed assertion, adding them to ``checks``."""
    _steps.verify_assertion(Run(verifier, parsed, checks, now, recipient, check_status), OB2_STEPS)


__all__ = [
    "CONTEXT",
    "CONTEXTS",
    "FORMAT",
    "is_assertion",
    "jws_assertion",
    "load_pem_public_key",
    "report_gone",
    "verify_assertion",
]
