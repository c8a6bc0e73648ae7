"""The stored compiled contexts (badges/jsonld/compiled_contexts.pickle): how they are made,
and the one command that rewrites them.

    python -m tests.generators.compiled_contexts

from the repository root, after a change to the bundled contexts, to pyld or to
``badges/jsonld/terms.py`` (``tests/core/test_compiled.py`` fails until then: the file's
fingerprint is not the current one, and it is ignored, which costs speed, not verdicts).

What is stored is what pyld answers for the active contexts that every credential and
vector of the test corpus (``tests.core.test_terms.seeds``: issued badges, endorsements,
status lists, records, VC 1.1, older contexts, W3C and 1EdTech vectors) passes through
when it is checked, canonicalised, signed and verified, and every term those active
contexts define.
"""

from __future__ import annotations

import copy
import sys
from datetime import UTC, datetime
from typing import Any

from badges.jsonld import snapshot, terms
from badges.jsonld.canon import canonicalize, clear_canonical_memo
from badges.jsonld.compiled import to_quads
from badges.jsonld.loader import default_loader
from badges.jsonld.terms import _BY_LOADER, _Compiled, _Unsure, context_certainly_ok

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _warm(document: dict[str, Any]) -> None:
    from badges.proofs import add_data_integrity_proof
    from tests.conftest import load_key

    loader = default_loader()
    context_certainly_ok(document, loader)
    to_quads(document, loader)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    if not isinstance(unsigned.get("@context"), list):
        return
    key = load_key("eddsa")
    try:
        signed = add_data_integrity_proof(
            copy.deepcopy(unsigned),
            key,
            verification_method="did:key:z6Mk#z6Mk",
            created=NOW,
        )
    except Exception:  # not every seed can be signed as it is: its quads are enough
        return
    clear_canonical_memo()
    from badges.proofs.eddsa_rdfc_2022 import _proof_config

    proof = {k: v for k, v in signed["proof"][0].items() if k != "proofValue"}
    try:
        canonicalize(_proof_config(unsigned, proof), loader)
    except Exception:
        return


def _every_term(compiled: _Compiled) -> None:
    """Every term each active context defines, looked up (no new active contexts)."""
    for state in compiled.states():
        for key in list(state.mappings):
            try:
                term = state.term(key)
                if term.scoped is None:
                    state.slot(key)
            except _Unsure:
                continue


def build() -> dict[str | tuple[str, ...], _Compiled]:
    from tests.core.test_terms import seeds

    snapshot._LOADED = {}  # build from pyld, not from the file being replaced
    terms.MAX_COMBINATIONS = 10_000  # keep every combination met
    loader = default_loader()
    _BY_LOADER.pop(loader, None)
    for _, document in seeds():
        _warm(document)
    memo = _BY_LOADER[loader]
    combinations = dict(memo.items())
    for compiled in combinations.values():
        _every_term(compiled)
    return combinations


def main() -> int:
    combinations = build()
    size = snapshot.dump(combinations)
    states = sum(len(c.states()) for c in combinations.values())
    print(
        f"{snapshot.PATH}: {len(combinations)} context combinations, {states} active "
        f"contexts, {size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
