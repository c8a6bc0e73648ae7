"""The ``proof`` check: the JWT signature and every embedded Data Integrity proof verify.

It runs with the key the issuer step found; without one it is skipped (or, when the
issuer's key was not fetched because the verdict is settled, skipped for that reason).
A proof that verifies proves the issuer: the report's ``verified_issuer``.
"""

from __future__ import annotations

from ...errors import BadgeError, FetchError, KeyResolutionError, SignatureError
from ...proofs import vc_jwt
from ...proofs.embedded import verify_embedded_proof
from ...resolve import ResolvedKey
from ..context import Engine, Run
from ..messages import M, Message
from ..parsing import Parsed
from ..report import REASON_SETTLED, CheckId, Checks, Outcome, as_list, issuer_id_of, noun_of, short


def check(run: Run) -> None:
    checks = run.checks
    if run.key is not None:
        check_proof(run.engine, run.parsed, run.key, checks)
        proof = checks.get(CheckId.PROOF)
        if proof is not None and proof.outcome is Outcome.PASSED:
            checks.verified_issuer = issuer_id_of(run.credential)
    elif not checks.has(CheckId.PROOF):
        issuer = checks.get(CheckId.ISSUER)
        if issuer is not None and issuer.reason == REASON_SETTLED:
            checks.skip_settled(CheckId.PROOF, run.noun)
        else:
            checks.add(CheckId.PROOF, Outcome.SKIPPED, M("proof.no_key"))


# the suites with a sentence of their own (``proof.<suite>`` in ``messages.MESSAGES``)
_NAMED_SUITES = frozenset({"eddsa-rdfc-2022", "eddsa-2022", "Ed25519Signature2020"})


def _proofs_message(suites: list[str]) -> Message:
    if len(suites) == 1:
        if suites[0] in _NAMED_SUITES:
            return M(f"proof.{suites[0]}")
        return M("proof.suite", suite=suites[0])
    return M("proof.suites", suites=", ".join(suites))


def check_proof(
    engine: Engine, parsed: Parsed, key: ResolvedKey, checks: Checks, *, require_claims: bool = True
) -> None:
    credential = parsed.credential
    issuer_id = issuer_id_of(credential) or ""
    try:
        if parsed.jwt is not None:
            vc_jwt.verify_jwt_signature(parsed.jwt, key.public)
            mismatches = vc_jwt.claim_mismatches(parsed.jwt.payload, required=require_claims)
            if mismatches:
                checks.add(
                    CheckId.PROOF,
                    Outcome.FAILED,
                    M("proof.jwt_claims"),
                    "; ".join(mismatches),
                )
                return
        embedded = as_list(credential.get("proof"))
        suites: list[str] = []
        for proof in embedded:
            method = proof.get("verificationMethod") if isinstance(proof, dict) else None
            proof_key = key
            if parsed.jwt is not None or method != key.method_id:
                assert engine.key_resolver is not None
                proof_key = engine.key_resolver.resolve(
                    str(method), issuer_id=issuer_id, budget=checks.budget
                )
            suite = verify_embedded_proof(credential, proof, proof_key.public, loader=engine.loader)
            if suite not in suites:
                suites.append(suite)
    except FetchError as exc:
        checks.unfetched(
            CheckId.PROOF,
            M("proof.key_unfetched"),
            exc,
            noun_of(credential),
        )
        return
    except (SignatureError, KeyResolutionError) as exc:
        checks.add(
            CheckId.PROOF,
            Outcome.FAILED,
            M("proof.mismatch"),
            short(exc),
        )
        return
    except BadgeError as exc:
        checks.add(CheckId.PROOF, Outcome.FAILED, M("proof.uncheckable"), short(exc))
        return
    if parsed.jwt is not None and embedded:
        message = M("proof.jwt_and_embedded")
    elif parsed.jwt is not None:
        message = M("proof.jwt", alg=str(parsed.jwt.header["alg"]))
    else:
        message = _proofs_message(suites)
    checks.add(CheckId.PROOF, Outcome.PASSED, message)
