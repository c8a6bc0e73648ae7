"""Verification: a credential in, a report of named checks out (``Verifier.verify``).

The package, by module (each imports only those above it):

- ``report``: ``CheckId`` (every check's name and title, in the report's order),
  ``Outcome``, ``Verdict``, ``Check``, ``EndorsementResult``, ``VerificationReport`` and its
  ``to_dict``, and ``Checks``, the collector the steps add to;
- ``parsing``: JSON, a VC-JWT, a link or a baked image read into a ``Parsed`` credential
  (the ``format`` check), and Open Badges 2.0 assertions recognised;
- ``cache``: the documents a verifier keeps for their time to live (status lists...);
- ``context``: the ``Run`` the steps share, and the ``Engine`` they may use;
- ``steps``: one module per step (``structure``, ``issuer``, ``proof``, ``dates``,
  ``status``, ``recipient``, ``endorsements``) and ``ob2``, Open Badges 2.0's steps;
- ``pipeline``: the step lists, declared once, and ``Verifier``.

Adding a check: a module in ``steps/`` with ``check(run)``, a member of ``CheckId`` (its
name in the JSON, its title, its place in the report), and one line in ``STEPS``.
"""

from .parsing import JSON_ACCEPT, OB_TYPES, Parsed
from .pipeline import OB2_STEPS, STATUS_TTL, STEPS, Verifier, verify
from .report import (
    CHECK_NAMES,
    CHECK_TITLES,
    REASON_DEADLINE,
    REASON_FETCH_LIMIT,
    REASON_NOT_A_BADGE,
    REASON_SETTLED,
    SETTLED_MESSAGE,
    Check,
    CheckId,
    Checks,
    EndorsementResult,
    Outcome,
    Verdict,
    VerificationReport,
)
from .steps.endorsements import MAX_ENDORSEMENTS
from .steps.structure import OB_CONTEXTS

__all__ = [
    "CHECK_NAMES",
    "CHECK_TITLES",
    "JSON_ACCEPT",
    "MAX_ENDORSEMENTS",
    "OB2_STEPS",
    "OB_CONTEXTS",
    "OB_TYPES",
    "REASON_DEADLINE",
    "REASON_FETCH_LIMIT",
    "REASON_NOT_A_BADGE",
    "REASON_SETTLED",
    "SETTLED_MESSAGE",
    "STATUS_TTL",
    "STEPS",
    "Check",
    "CheckId",
    "Checks",
    "EndorsementResult",
    "Outcome",
    "Parsed",
    "Verdict",
    "VerificationReport",
    "Verifier",
    "verify",
]
