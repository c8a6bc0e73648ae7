"""Time openbadgeslib's OB 3.0 JWT-VC sign and verify (OB3Signer / OB3Verifier).

Run by bench_core.py in an interpreter that has openbadgeslib (the current one, or the
peer venv that the interop tests create, see tests/peers). Does not import
``badges``. Reads one JSON object on stdin:

    {"credential": {...OB 3.0 credential...}, "repeats": 7, "target": 0.15, "warmup": 0.3}

and prints one JSON line: {"version", "algorithm", "sign_us", "verify_us", "notes", ...}.
Only offline work: no status check, no DID resolution, no network.

Written against the installed openbadgeslib 4.6.3 (``OB3Signer(pem, algorithm="EdDSA")``,
``OB3Verifier(pubkey_pem=...)``, ``OpenBadgeCredential.from_vc_document``), with
fallbacks for older releases (no EdDSA, constructor-only credential model). Its
``sign`` re-serialises the credential through its own model (``to_jwt_payload``), so
that cost is part of its sign time, as ``to_json``-free dict signing is part of ours.
"""

from __future__ import annotations

import gc
import inspect
import itertools
import json
import statistics
import sys
import time
from datetime import datetime, timezone


def _parse(value):
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)  # noqa: UP017 - any peer Python


def _call(cls, **kwargs):
    """Call ``cls`` with the keyword arguments it accepts."""
    params = inspect.signature(cls).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return cls(**kwargs)
    return cls(**{k: v for k, v in kwargs.items() if k in params and v is not None})


def _time(fn, n):
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in itertools.repeat(None, n):
            fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def _bench(fn, repeats, target, warmup):
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < warmup:
        fn()
        calls += 1
    per_call = _time(fn, max(1, calls // 2)) / max(1, calls // 2)
    n = max(1, round(target / per_call)) if per_call > 0 else 1
    samples = [_time(fn, n) / n for _ in range(repeats)]
    med = statistics.median(samples)
    return med * 1e6, (max(samples) - min(samples)) / med, n


def _bench_pair(fn, base, repeats, target, warmup):
    """``fn`` and ``base`` timed in interleaved rounds: (fn's median µs, the median of the
    per-round ratios fn / base). The ratio holds up on a noisy machine; the µs do not."""
    ns = []
    for f in (fn, base):
        calls, start = 0, time.perf_counter()
        while calls < 3 or time.perf_counter() - start < warmup:
            f()
            calls += 1
        per_call = _time(f, max(1, calls // 2)) / max(1, calls // 2)
        ns.append(max(1, round(target / per_call)) if per_call > 0 else 1)
    samples, ratios = [], []
    for _ in range(repeats):
        a = _time(fn, ns[0]) / ns[0]
        b = _time(base, ns[1]) / ns[1]
        samples.append(a)
        ratios.append(a / b)
    return statistics.median(samples) * 1e6, statistics.median(ratios)


def build_credential(module, vc, notes):
    """openbadgeslib's OpenBadgeCredential with our credential's content.

    openbadgeslib 4.6 reads a whole VC document (``from_vc_document``); older releases
    only have the constructor, which takes a much smaller model.
    """
    cred_cls = module.OpenBadgeCredential
    for name in ("from_vc_document", "from_jwt_payload"):
        factory = getattr(cred_cls, name, None)
        if callable(factory):
            try:
                credential = factory(vc)
            except Exception as exc:
                notes.append(f"OpenBadgeCredential.{name} refused our credential: {exc}")
                continue
            notes.append(f"credential read from our credential with OpenBadgeCredential.{name}")
            return credential
    issuer = vc["issuer"]
    ach = vc["credentialSubject"]["achievement"]
    issuer_obj = _call(
        module.Issuer,
        id=issuer["id"],
        name=issuer.get("name"),
        url=issuer.get("url"),
        email=issuer.get("email"),
    )
    achievement_obj = _call(
        module.Achievement,
        id=ach["id"],
        name=ach["name"],
        description=ach["description"],
        criteria_narrative=(ach.get("criteria") or {}).get("narrative"),
        image_url=(ach.get("image") or {}).get("id"),
        tags=ach.get("tag"),
    )
    notes.append("credential built with the constructor: no alignment/rubric/identifier")
    return _call(
        cred_cls,
        issuer=issuer_obj,
        recipient_id="mailto:ruta.petraityte@student.example",
        achievement=achievement_obj,
        id=vc.get("id"),
        name=vc.get("name"),
        issuance_date=_parse(vc.get("validFrom")),
        expiration_date=_parse(vc.get("validUntil")),
        evidence_url=(vc.get("evidence") or [{}])[0].get("id"),
    )


def main():
    request = json.loads(sys.stdin.read())
    vc = request["credential"]
    repeats, target, warmup = request["repeats"], request["target"], request["warmup"]

    import openbadgeslib
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        from openbadgeslib.ob3 import OB3Signer, OB3Verifier
    except ImportError:
        from openbadgeslib.ob3.signer import OB3Signer
        from openbadgeslib.ob3.verifier import OB3Verifier
    try:
        from openbadgeslib.ob3 import credential as module
    except ImportError:
        import openbadgeslib.ob3 as module

    notes = []
    credential = build_credential(module, vc, notes)

    def pems(private):
        priv = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pub = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return priv, pub

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    message = json.dumps(vc, separators=(",", ":"), ensure_ascii=False).encode()

    def raw_verifier(alg, private):
        """The bare signature check of ``message``, as bench_core.py's raw baselines."""
        public = private.public_key()
        if alg == "EdDSA":
            signature = private.sign(message)
            return lambda: public.verify(signature, message)
        if alg == "ES256":
            ecdsa = ec.ECDSA(hashes.SHA256())
            signature = private.sign(message, ecdsa)
            return lambda: public.verify(signature, message, ecdsa)
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        signature = private.sign(message, pkcs1, sha256)
        return lambda: public.verify(signature, message, pkcs1, sha256)

    per_alg = {}
    for alg, make in (
        ("EdDSA", ed25519.Ed25519PrivateKey.generate),
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
        ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ):
        private = make()
        priv_pem, pub_pem = pems(private)
        try:
            signer = OB3Signer(priv_pem, algorithm=alg)
            token = signer.sign(credential)
            verifier = OB3Verifier(pubkey_pem=pub_pem)
            verify_params = inspect.signature(verifier.verify).parameters
            verify_kwargs = {"check_status": False} if "check_status" in verify_params else {}
            verifier.verify(token, **verify_kwargs)  # raises when it does not verify
        except Exception as exc:  # this release cannot do it: say so, go on
            notes.append(f"{alg} not usable: {type(exc).__name__}: {exc}")
            continue
        sign_us, sign_spread, sign_n = _bench(
            lambda signer=signer: signer.sign(credential), repeats, target, warmup
        )
        verify_us, verify_spread, verify_n = _bench(
            lambda verifier=verifier, token=token, kw=verify_kwargs: verifier.verify(token, **kw),
            repeats,
            target,
            warmup,
        )
        # its verify against the raw signature check, interleaved in this process: the
        # ratio to compare with ours (the µs of two processes are not comparable here)
        _, verify_vs_raw = _bench_pair(
            lambda verifier=verifier, token=token, kw=verify_kwargs: verifier.verify(token, **kw),
            raw_verifier(alg, private),
            repeats,
            target,
            warmup,
        )
        per_alg[alg] = {
            "verify_vs_raw": verify_vs_raw,
            "sign_us": sign_us,
            "verify_us": verify_us,
            "sign_spread": sign_spread,
            "verify_spread": verify_spread,
            "n": {"sign": sign_n, "verify": verify_n},
            "token_chars": len(token),
        }
    if not per_alg:
        raise SystemExit("no algorithm worked: " + "; ".join(notes))
    notes.append(
        "verify = PyJWT decode (its header carries a jwk), model parse, claim and date "
        "checks; no JSON-LD or JSON schema"
    )
    first = next(iter(per_alg))
    print(
        json.dumps(
            {
                "version": getattr(openbadgeslib, "__version__", "?"),
                # the first algorithm's numbers at the top level, as before; all in "algorithms"
                "algorithm": first,
                **{k: v for k, v in per_alg[first].items()},
                "algorithms": per_alg,
                "notes": notes,
            }
        )
    )


if __name__ == "__main__":
    main()
