"""The ``issuer`` check: the signing key is one the credential's issuer published.

The key is found from the JWT's ``kid`` or the embedded proof's ``verificationMethod``
(a did:key, a did:web document, or the issuer's profile), through the verifier's key
resolver; a token carrying its key in its header (``jwk``, no ``kid``) is the issuer's
only when the issuer's DID document lists that very key. The key found is left on the
run for the proof step.
"""

from __future__ import annotations

from typing import Any

from ...errors import BadgeError, FetchError, KeyResolutionError
from ...keys import PublicKey
from ...resolve import PRIVATE_JWK_MEMBERS, ResolvedKey
from ..context import Engine, Run
from ..messages import M
from ..parsing import Parsed
from ..report import CheckId, Checks, Outcome, as_list, issuer_id_of, noun_of, short


def check(run: Run) -> None:
    run.key = check_issuer(run.engine, run.parsed, run.checks)


def _method_id(parsed: Parsed) -> str | None:
    if parsed.jwt is not None:
        kid = parsed.jwt.header.get("kid")
        issuer_id = issuer_id_of(parsed.credential) or ""
        if isinstance(kid, str) and kid:
            return kid
        if issuer_id.startswith("did:key:"):
            return issuer_id  # a did:key names its one key
        return None
    proofs = as_list(parsed.credential.get("proof"))
    if proofs and isinstance(proofs[0], dict):
        method = proofs[0].get("verificationMethod")
        return method if isinstance(method, str) else None
    return None


def check_issuer(engine: Engine, parsed: Parsed, checks: Checks) -> ResolvedKey | None:
    issuer_id = issuer_id_of(parsed.credential)
    if issuer_id is None:
        checks.add(CheckId.ISSUER, Outcome.FAILED, M("issuer.none"))
        return None
    if parsed.jwt is None and not as_list(parsed.credential.get("proof")):
        checks.add(CheckId.PROOF, Outcome.FAILED, M("proof.unsigned"))
        return None
    header_jwk = parsed.jwt.header.get("jwk") if parsed.jwt is not None else None
    kid = parsed.jwt.header.get("kid") if parsed.jwt is not None else None
    if header_jwk is not None and not (isinstance(kid, str) and kid):
        return _check_header_key(engine, header_jwk, issuer_id, checks, noun_of(parsed.credential))
    method_id = _method_id(parsed)
    if method_id is None:
        checks.add(CheckId.ISSUER, Outcome.FAILED, M("issuer.which_key"))
        return None
    assert engine.key_resolver is not None
    try:
        key = engine.key_resolver.resolve(method_id, issuer_id=issuer_id, budget=checks.budget)
    except FetchError as exc:
        checks.unfetched(
            CheckId.ISSUER,
            M("issuer.unfetched"),
            exc,
            noun_of(parsed.credential),
        )
        return None
    except KeyResolutionError as exc:
        checks.add(
            CheckId.ISSUER,
            Outcome.FAILED,
            M("issuer.not_published"),
            short(exc),
        )
        return None
    if parsed.jwt is not None:
        header_jwk = parsed.jwt.header.get("jwk")
        if header_jwk is not None:
            try:
                same = (
                    isinstance(header_jwk, dict)
                    and not PRIVATE_JWK_MEMBERS & set(header_jwk)
                    and PublicKey.from_jwk(header_jwk).to_jwk() == key.public.to_jwk()
                )
            except BadgeError:
                same = False
            if not same:
                checks.add(
                    CheckId.ISSUER,
                    Outcome.FAILED,
                    M("issuer.header_key_not_published"),
                )
                return None
    checks.add(
        CheckId.ISSUER,
        Outcome.PASSED,
        M("issuer.ok", source=key.source),
        key.method_id,
    )
    return key


def _check_header_key(
    engine: Engine, header_jwk: Any, issuer_id: str, checks: Checks, noun: str
) -> ResolvedKey | None:
    """A token that names no ``kid`` but carries its key (``jwk``) in its header.

    That key is the issuer's only when the issuer is a DID whose document lists the
    very same key for assertion; the verification method listing it is the signer.
    """
    if not issuer_id.startswith(("did:key:", "did:web:")):
        checks.add(
            CheckId.ISSUER,
            Outcome.FAILED,
            M("issuer.which_key"),
            "the token carries a key in its header, which proves nothing by itself; "
            "only an issuer's DID document can vouch for such a key",
        )
        return None
    assert engine.key_resolver is not None
    try:
        key = engine.key_resolver.resolve_header_key(
            header_jwk, issuer_id=issuer_id, budget=checks.budget
        )
    except FetchError as exc:
        checks.unfetched(CheckId.ISSUER, M("issuer.unfetched"), exc, noun)
        return None
    except KeyResolutionError as exc:
        checks.add(
            CheckId.ISSUER,
            Outcome.FAILED,
            M("issuer.header_key_not_published"),
            short(exc),
        )
        return None
    checks.add(
        CheckId.ISSUER,
        Outcome.PASSED,
        M("issuer.ok_header_key", source=key.source),
        key.method_id,
    )
    return key
