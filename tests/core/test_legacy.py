"""Badges in older shapes: OB 3.0 on VC 1.1, the legacy proof suites, status lists as VC-JWT.

The credentials in tests/fixtures/legacy were made by other people's libraries (DCC's
``vc`` and ``ed25519-signature-2020``, Digital Bazaar's ``vc``, ``data-integrity`` and
``eddsa-2022-cryptosuite``, ``jose``) with tests/generators/legacy; ``manifest.json`` says
what each one is. These tests only read them (no node). VC 1.1 JWTs that need a key we
hold are made here with jwcrypto.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from jwcrypto import jwk, jws

from badges import standards
from badges.dids import did_key, did_key_verification_method
from badges.errors import FormatError, ProofError, SignatureError
from badges.issuing import sign_credential
from badges.keys import KeyPair, PublicKey
from badges.multibase import multibase_decode, multibase_encode_b58
from badges.proofs import verify_embedded_proof
from badges.proofs.vc_jwt import claim_mismatches, credential_from_payload
from badges.schema import schema_errors
from badges.status import bitstring_status_list as bsl
from badges.vc11 import as_vc20_shape, date_fields, is_vc11
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import FIXTURES, KEYS, NOW, SCHOOL, build_credential

LEGACY = FIXTURES / "legacy"
MANIFEST: list[dict[str, Any]] = json.loads((LEGACY / "manifest.json").read_text())
LEGACY_KEYS: dict[str, dict[str, Any]] = json.loads((LEGACY / "keys.json").read_text())
ISSUER = LEGACY_KEYS["did:key issuer"]
OTHER = LEGACY_KEYS["another did:key"]
EVIL_CONTEXT = "https://evil.example/ctx.json"


def load(name: str) -> Any:
    text = (LEGACY / name).read_text()
    return text.strip() if name.endswith(".jwt") else json.loads(text)


def entries(**match: Any) -> list[dict[str, Any]]:
    return [e for e in MANIFEST if all(e.get(k) == v for k, v in match.items())]


PLAIN = [e for e in entries(kind="credential") if "statusList" not in e]
PLAIN_JSON = [e for e in PLAIN if e["file"].endswith(".json")]
DID_KEY_JSON = [e for e in PLAIN_JSON if e["issuer"] == ISSUER["did"]]


def outcomes(report) -> dict[str, str]:
    return {c.name: c.outcome.value for c in report.checks}


def text_of(check) -> str:
    return f"{check.message} {check.detail or ''}"


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return _decode(header), _decode(payload)


def _decode(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def sign_compact(header: dict[str, Any], payload: dict[str, Any], key_file: str = "eddsa") -> str:
    """A compact JWS made by jwcrypto (not by this library)."""
    key = jwk.JWK(**json.loads((KEYS / f"{key_file}.jwk").read_text()))
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return token.serialize(compact=True)


@pytest.fixture
def legacy_verifier(site, school_verifier) -> Verifier:
    """The school verifier, with the legacy fixtures' did:web document and status lists served."""
    site.json("/.well-known/did.json", load("did-web-school.json"))
    for entry in entries(kind="status-list"):
        path = entry["url"][len(SCHOOL) :]
        if entry["file"].endswith(".jwt"):
            site.text(path, load(entry["file"]), "application/vc+jwt")
        else:
            site.json(path, load(entry["file"]))
    return school_verifier


# --- the fixtures themselves ---------------------------------------------------------------


def test_the_committed_keys_are_the_did_keys_the_credentials_name():
    for name in ("did:key issuer", "another did:key"):
        entry = LEGACY_KEYS[name]
        public = PublicKey.from_multibase(entry["publicKeyMultibase"])
        assert did_key(public) == entry["did"]
        assert did_key_verification_method(public) == entry["verificationMethod"]
        assert public.to_jwk() == {**public.to_jwk(), **entry["publicKeyJwk"]}
    web = LEGACY_KEYS["did:web school"]
    document = load("did-web-school.json")
    assert document["verificationMethod"][0]["publicKeyMultibase"] == web["publicKeyMultibase"]
    assert document["verificationMethod"][0]["type"] == "Ed25519VerificationKey2020"


def test_the_fixtures_cover_every_older_shape_and_suite():
    suites = {(e["shape"], e["suite"]) for e in entries(kind="credential")}
    assert {
        ("vc11", "Ed25519Signature2020"),
        ("vc11", "eddsa-2022"),
        ("vc11", "VC-JWT (vc claim)"),
    } <= suites
    assert {e["ob"] for e in entries(kind="credential", shape="vc11")} == {
        "3.0.0",
        "3.0.1",
        "3.0.2",
        "3.0.3",
    }
    lists = {(e["shape"], e["suite"]) for e in entries(kind="status-list")}
    assert {
        ("vc11", "VC-JWT (vc claim)"),
        ("vc20", "VC-JWT"),
        ("vc11", "Ed25519Signature2020"),
    } <= lists
    for entry in entries(kind="credential", shape="vc11"):
        credential = load(entry["file"])
        if isinstance(credential, str):
            credential = jwt_parts(credential)[1]["vc"]
        assert credential["@context"][:2] == [
            standards.VC_V1,
            {"3.0.0": "https://purl.imsglobal.org/spec/ob/v3p0/context.json"}.get(
                entry["ob"], f"https://purl.imsglobal.org/spec/ob/v3p0/context-{entry['ob']}.json"
            ),
        ]
        assert "issuanceDate" in credential and "validFrom" not in credential


# --- they verify ---------------------------------------------------------------------------

SUITE_WORDS = {
    "Ed25519Signature2020": "Ed25519Signature2020",
    "eddsa-2022": "eddsa-2022",
    "VC-JWT (vc claim)": "EdDSA JWT",
}


@pytest.mark.parametrize("entry", PLAIN, ids=lambda e: e["file"])
def test_each_older_credential_verifies(legacy_verifier, entry):
    report = legacy_verifier.verify(load(entry["file"]), now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert outcomes(report) == {
        "format": "passed",
        "context": "passed",
        "schema": "passed",
        "proof": "passed",
        "issuer": "passed",
        "dates": "passed",
        "status": "skipped",
        "recipient": "skipped",
        "endorsements": "skipped",
    }
    assert "VC 1.1" in report.check("context").message
    assert "VC 1.1" in report.check("schema").message
    assert SUITE_WORDS[entry["suite"]] in report.check("proof").message
    assert report.credential["issuanceDate"] == "2023-05-02T08:00:00Z"
    dates = report.check("dates").message
    assert "2023-05-02T08:00:00Z" in dates
    if "expires" in entry:
        assert entry["expires"] in dates
    else:
        assert "no expiry" in dates
    expected_source = "did:key" if entry["issuer"].startswith("did:key") else "did.json"
    assert expected_source in report.check("issuer").message


def test_the_did_web_issuer_key_is_fetched_from_its_did_document(legacy_verifier, site):
    report = legacy_verifier.verify(load("ob303-vc11-ed25519signature2020-did-web.json"), now=NOW)
    assert report.verified
    assert "/.well-known/did.json" in site.requests
    # once the school withdraws the key, the badge no longer verifies
    document = load("did-web-school.json")
    document["assertionMethod"] = []
    site.json("/.well-known/did.json", document)
    report = Verifier(fetcher=legacy_verifier.fetcher).verify(
        load("ob303-vc11-ed25519signature2020-did-web.json"), now=NOW
    )
    assert report.check("issuer").outcome is Outcome.FAILED
    assert "assertionMethod" in text_of(report.check("issuer"))


def test_recipient_and_json_text_forms(legacy_verifier):
    text = (LEGACY / "ob302-vc11-ed25519signature2020.json").read_text()
    report = legacy_verifier.verify(text.encode(), now=NOW, recipient="did:example:learner-ona")
    assert report.verified and report.check("recipient").outcome is Outcome.PASSED
    report = legacy_verifier.verify(text, now=NOW, recipient="did:example:someone-else")
    assert report.check("recipient").outcome is Outcome.FAILED


@pytest.mark.parametrize("entry", DID_KEY_JSON, ids=lambda e: e["file"])
def test_the_proof_modules_verify_them_directly(entry):
    credential = load(entry["file"])
    public = PublicKey.from_multibase(ISSUER["publicKeyMultibase"])
    assert verify_embedded_proof(credential, credential["proof"], public) == entry["suite"]
    other = PublicKey.from_multibase(OTHER["publicKeyMultibase"])
    with pytest.raises(SignatureError, match="does not verify"):
        verify_embedded_proof(credential, credential["proof"], other)


# --- tampered copies fail ------------------------------------------------------------------


def _flip_base58(value: str) -> str:
    signature = bytearray(multibase_decode(value))
    signature[10] ^= 0x01
    return multibase_encode_b58(bytes(signature))


def _rename(c: dict[str, Any]) -> None:
    c["credentialSubject"]["achievement"]["name"] = "Forged: Head of the Heritage Council"


def _redate(c: dict[str, Any]) -> None:
    c["issuanceDate"] = "2021-05-02T08:00:00Z"


def _other_proof_value(c: dict[str, Any]) -> None:
    c["proof"]["proofValue"] = _flip_base58(c["proof"]["proofValue"])


def _other_method(c: dict[str, Any]) -> None:
    c["proof"]["verificationMethod"] = OTHER["verificationMethod"]


def _other_issuer_and_method(c: dict[str, Any]) -> None:
    c["issuer"]["id"] = OTHER["did"]
    c["proof"]["verificationMethod"] = OTHER["verificationMethod"]


JSON_TAMPERING = [
    pytest.param(_rename, "proof", "changed or forged", id="changed-name"),
    pytest.param(_redate, "proof", "changed or forged", id="changed-date"),
    pytest.param(_other_proof_value, "proof", "does not verify", id="altered-proof-value"),
    pytest.param(_other_method, "issuer", "not the issuer's", id="key-of-someone-else"),
    pytest.param(_other_issuer_and_method, "proof", "does not verify", id="swapped-issuer-and-key"),
]


@pytest.mark.parametrize(("edit", "check", "pattern"), JSON_TAMPERING)
@pytest.mark.parametrize("entry", DID_KEY_JSON, ids=lambda e: e["file"])
def test_tampered_copies_fail(entry, edit, check, pattern):
    credential = copy.deepcopy(load(entry["file"]))
    edit(credential)
    report = Verifier().verify(credential, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check(check).outcome is Outcome.FAILED, report.to_dict()["checks"]
    assert re.search(pattern, text_of(report.check(check))), report.check(check)
    assert report.check("context").outcome is Outcome.PASSED  # the JSON-LD itself is fine


def _jwt_edit(token: str, edit) -> str:
    header, payload = jwt_parts(token)
    edit(header, payload)
    return f"{b64(header)}.{b64(payload)}.{token.split('.')[2]}"


JWT_TAMPERING = [
    pytest.param(
        lambda h, p: p["vc"]["credentialSubject"]["achievement"].update(name="Forged"),
        "proof",
        "does not verify",
        id="changed-name",
    ),
    pytest.param(
        lambda h, p: (
            p.update(nbf=p["nbf"] - 86400 * 700),
            p["vc"].update(issuanceDate="2021-06-01T08:00:00Z"),
        ),
        "proof",
        "does not verify",
        id="changed-date",
    ),
    pytest.param(
        lambda h, p: h.update(kid=OTHER["verificationMethod"]),
        "issuer",
        "not the issuer's",
        id="key-of-someone-else",
    ),
    pytest.param(
        lambda h, p: (
            h.update(kid=OTHER["verificationMethod"]),
            p.update(iss=OTHER["did"]),
            p["vc"]["issuer"].update(id=OTHER["did"]),
        ),
        "proof",
        "does not verify",
        id="swapped-issuer-and-key",
    ),
]


@pytest.mark.parametrize(("edit", "check", "pattern"), JWT_TAMPERING)
def test_tampered_vc_claim_jwts_fail(edit, check, pattern):
    token = _jwt_edit(load("ob302-vc11.jwt"), edit)
    report = Verifier().verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check(check).outcome is Outcome.FAILED, report.to_dict()["checks"]
    assert re.search(pattern, text_of(report.check(check))), report.check(check)


def test_an_altered_jwt_signature_fails():
    token = load("ob302-vc11.jwt")
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[5] ^= 0x01
    forged = f"{head}.{body}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
    report = Verifier().verify(forged, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert "does not verify" in text_of(report.check("proof"))


# --- contexts: older ones accepted, nothing else ------------------------------------------


def _without(url: str):
    return lambda c: c["@context"].remove(url)


CONTEXT_PROBLEMS = [
    pytest.param(
        lambda c: c["@context"].append(EVIL_CONTEXT),
        "context",
        "does not know",
        id="injected-context",
    ),
    pytest.param(
        lambda c: c["@context"].insert(1, {"name": "https://evil.example/#name"}),
        "context",
        "inline",
        id="inline-context",
    ),
    pytest.param(
        lambda c: c["credentialSubject"]["achievement"].update(grade="A+"),
        "context",
        "'grade' is not defined",
        id="dropped-term",
    ),
    pytest.param(
        lambda c: c.update(validFrom=c["issuanceDate"]),
        "context",
        "VC 2.0 dates.*VC 1.1",
        id="validFrom-on-vc11",
    ),
    pytest.param(
        lambda c: c["@context"].insert(1, standards.VC_V2),
        "context",
        "mixes.*1.1 and 2.0",
        id="vc11-and-vc20",
    ),
    pytest.param(
        lambda c: c["@context"].__setitem__(
            1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.9.json"
        ),
        "context",
        "does not know",
        id="unknown-ob-version",
    ),
    pytest.param(
        lambda c: c["@context"].pop(1),
        "context",
        "Open Badges 3.0 context is missing",
        id="no-ob-context",
    ),
    pytest.param(lambda c: c.pop("issuanceDate"), "dates", "no issuanceDate", id="no-issuanceDate"),
]


@pytest.mark.parametrize(("edit", "check", "pattern"), CONTEXT_PROBLEMS)
@pytest.mark.parametrize(
    "name", ["ob300-vc11-ed25519signature2020.json", "ob301-vc11-eddsa-2022.json"]
)
def test_context_and_shape_problems(name, edit, check, pattern):
    credential = copy.deepcopy(load(name))
    edit(credential)
    report = Verifier().verify(credential, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check(check).outcome is Outcome.FAILED, report.to_dict()["checks"]
    assert re.search(pattern, text_of(report.check(check))), report.check(check)


@pytest.mark.parametrize(
    ("name", "context", "pattern"),
    [
        (
            "ob302-vc11-ed25519signature2020.json",
            "https://w3id.org/security/suites/ed25519-2020/v1",
            "needs the context",
        ),
        (
            "ob302-vc11-eddsa-2022.json",
            "https://w3id.org/security/data-integrity/v1",
            "needs the data-integrity context",
        ),
    ],
)
def test_a_legacy_proof_needs_its_suite_context(name, context, pattern):
    credential = copy.deepcopy(load(name))
    credential["@context"].remove(context)
    report = Verifier().verify(credential, now=NOW)
    assert report.check("context").outcome is Outcome.PASSED  # the credential alone is fine
    assert report.check("proof").outcome is Outcome.FAILED
    assert pattern in text_of(report.check("proof"))


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda p: p.update(cryptosuite="eddsa-rdfc-2022"), "takes no cryptosuite"),
        (lambda p: p.update(proofPurpose="authentication"), "purpose"),
        (
            lambda p: p.update(
                proofValue="u"
                + base64.urlsafe_b64encode(multibase_decode(p["proofValue"])).decode()
            ),
            "base58btc",
        ),
        (lambda p: p.update(type="Ed25519Signature2018"), "unsupported proof type"),
    ],
)
def test_ed25519_signature_2020_shape_problems(edit, pattern):
    credential = copy.deepcopy(load("ob302-vc11-ed25519signature2020.json"))
    edit(credential["proof"])
    report = Verifier().verify(credential, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert pattern in text_of(report.check("proof")), report.check("proof")


def test_legacy_suites_refuse_other_key_types():
    credential = load("ob302-vc11-ed25519signature2020.json")
    es = KeyPair.from_jwk(json.loads((KEYS / "es256.jwk").read_text())).public
    with pytest.raises(SignatureError, match="only with Ed25519"):
        verify_embedded_proof(credential, credential["proof"], es)
    credential = load("ob302-vc11-eddsa-2022.json")
    with pytest.raises(SignatureError, match="only with Ed25519"):
        verify_embedded_proof(credential, credential["proof"], es)
    with pytest.raises(ProofError, match="unsupported cryptosuite"):
        verify_embedded_proof(credential, {**credential["proof"], "cryptosuite": "eddsa-2023"}, es)


# --- dates: issuanceDate and expirationDate ------------------------------------------------


def test_vc11_dates_are_read_from_issuance_and_expiration():
    credential = load("ob300-vc11-ed25519signature2020.json")
    assert is_vc11(credential) and date_fields(credential) == ("issuanceDate", "expirationDate")
    late = Verifier().verify(credential, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert late.verdict is Verdict.INVALID
    assert late.check("dates").message == "The badge expired on 2030-05-02T08:00:00Z."
    early = Verifier().verify(credential, now=datetime(2023, 1, 1, tzinfo=UTC))
    assert early.check("dates").outcome is Outcome.FAILED
    assert "not valid yet" in early.check("dates").message
    for name in ("ob302-vc11.jwt", "ob301-vc11-eddsa-2022.json"):
        report = Verifier().verify(load(name), now=datetime(2031, 1, 1, tzinfo=UTC))
        assert "expired on 2030-05-02" in report.check("dates").message


# --- schema: the VC 2.0 schema read onto the 1.1 shape -------------------------------------


def test_the_vc11_shape_is_mapped_for_the_schema():
    credential = load("ob300-vc11-ed25519signature2020.json")
    url = standards.ACHIEVEMENT_CREDENTIAL_SCHEMA
    assert schema_errors(credential, url)  # as it is, the 2.0 schema refuses it
    mapped = as_vc20_shape(credential, url)
    assert schema_errors(mapped, url) == []
    assert mapped["@context"][0] == standards.VC_V2
    assert mapped["validFrom"] == credential["issuanceDate"]
    assert mapped["validUntil"] == credential["expirationDate"]
    assert "issuanceDate" not in mapped and "expirationDate" not in mapped
    assert mapped["proof"] == [credential["proof"]]
    assert mapped["issuer"]["type"] == ["Profile"]
    assert mapped["credentialSubject"]["type"] == ["AchievementSubject"]
    assert mapped["credentialSubject"]["achievement"]["type"] == ["Achievement"]
    assert mapped["credentialSubject"]["achievement"]["image"]["type"] == "Image"  # a string there
    assert credential["issuer"]["type"] == "Profile", "the credential itself is not changed"


def test_a_vc11_credential_off_the_schema_gets_a_warning_not_a_failure():
    credential = copy.deepcopy(load("ob302-vc11-ed25519signature2020.json"))
    del credential["credentialSubject"]["achievement"]["criteria"]
    report = Verifier().verify(credential, now=NOW)
    schema = report.check("schema")
    assert schema.outcome is Outcome.WARNING
    assert "criteria" in schema.detail and "VC 1.1" in schema.message
    # the removal is still caught: it changed what was signed
    assert report.check("proof").outcome is Outcome.FAILED


# --- VC 1.1 JWTs made here with jwcrypto ---------------------------------------------------


@pytest.fixture
def vc11_token(ed_key):
    """Make a VC 1.1 JWT signed with the test key (did:key), with a `vc` claim."""
    did = did_key(ed_key.public)

    def make(
        *, drop: tuple[str, ...] = (), claims: dict[str, Any] | None = None, vc_edit=None
    ) -> str:
        vc = copy.deepcopy(jwt_parts(load("ob302-vc11.jwt"))[1]["vc"])
        vc["issuer"]["id"] = did
        if vc_edit:
            vc_edit(vc)
        payload = {
            "iss": did,
            "jti": vc["id"],
            "sub": vc["credentialSubject"]["id"],
            "nbf": int(datetime(2023, 5, 2, 8, tzinfo=UTC).timestamp()),
            "exp": int(datetime(2030, 5, 2, 8, tzinfo=UTC).timestamp()),
            "vc": vc,
        }
        for name in drop:
            if name == "subject id":
                del vc["credentialSubject"]["id"]
            else:
                vc.pop(name)
        payload.update(claims or {})
        header = {"alg": "EdDSA", "typ": "JWT", "kid": did_key_verification_method(ed_key.public)}
        return sign_compact(header, payload)

    return make


def test_a_vc_claim_jwt_made_by_jwcrypto_verifies(vc11_token):
    report = Verifier().verify(vc11_token(), now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert report.format == "jwt"


def test_properties_the_vc_claim_leaves_out_come_from_the_registered_claims(vc11_token, ed_key):
    token = vc11_token(drop=("issuer", "id", "issuanceDate", "expirationDate", "subject id"))
    assert "issuer" not in jwt_parts(token)[1]["vc"]
    report = Verifier().verify(token, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    credential = report.credential
    assert credential["issuer"] == did_key(ed_key.public)
    assert credential["issuanceDate"] == "2023-05-02T08:00:00Z"
    assert credential["expirationDate"] == "2030-05-02T08:00:00Z"
    assert credential["credentialSubject"]["id"] == "did:example:learner-ona"
    assert credential["id"].startswith("urn:uuid:")


@pytest.mark.parametrize(
    ("claims", "pattern"),
    [
        ({"nbf": 1600000000}, "'nbf'"),
        ({"exp": 1900000000}, "'exp'"),
        ({"sub": "did:example:mallory"}, "'sub'"),
        ({"jti": "urn:uuid:00000000-0000-4000-8000-000000000000"}, "'jti'"),
    ],
)
def test_registered_claims_that_disagree_with_the_vc_claim(vc11_token, claims, pattern):
    report = Verifier().verify(vc11_token(claims=claims), now=NOW)
    proof = report.check("proof")
    assert proof.outcome is Outcome.FAILED and "claims disagree" in proof.message
    assert re.search(pattern, proof.detail or ""), proof
    assert report.check("issuer").outcome is Outcome.PASSED  # the signature itself is right


def test_a_missing_nbf_is_refused(vc11_token):
    token = vc11_token(claims={"nbf": None})
    report = Verifier().verify(token, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert "'nbf'" in (report.check("proof").detail or "")


@pytest.mark.parametrize(
    ("claims", "pattern"),
    [
        ({"vc": "a string"}, "vc claim is not a JSON object"),
        ({"vc": [1, 2]}, "vc claim is not a JSON object"),
        ({"@context": [standards.VC_V2]}, "'@context' beside it"),
        ({"credentialSubject": {"id": "did:example:mallory"}}, "'credentialSubject' beside it"),
    ],
)
def test_malformed_vc_claims_fail_the_format_check(vc11_token, claims, pattern):
    report = Verifier().verify(vc11_token(claims=claims), now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("format").outcome is Outcome.FAILED
    assert pattern in text_of(report.check("format"))


def test_vc_claim_helpers():
    payload = jwt_parts(load("ob302-vc11.jwt"))[1]
    assert credential_from_payload(payload) == payload["vc"]
    assert claim_mismatches(payload) == []
    with pytest.raises(FormatError):
        credential_from_payload({**payload, "vc": 7})
    assert claim_mismatches({**payload, "vc": 7}) == ["the JWT's vc claim is not a JSON object"]
    # nonsense timestamps are never turned into dates
    broken = {
        **payload,
        "nbf": 10**18,
        "vc": {k: v for k, v in payload["vc"].items() if k != "issuanceDate"},
    }
    assert "issuanceDate" not in credential_from_payload(broken)


# --- status lists secured as VC-JWT (and StatusList2021) -----------------------------------

STATUS_CASES = [
    ("ob302-vc11-ed25519signature2020-bitstring", "VC 1.1 Bitstring list as a vc-claim JWT"),
    ("ob303-vc20-eddsa-rdfc-2022-bitstring", "VC 2.0 Bitstring list as a VC-JWT"),
    (
        "ob302-vc11-eddsa-2022-statuslist2021",
        "StatusList2021 list with an Ed25519Signature2020 proof",
    ),
]


@pytest.mark.parametrize(("stem", "what"), STATUS_CASES, ids=[c[0] for c in STATUS_CASES])
def test_status_lists_from_other_implementations(legacy_verifier, site, stem, what):
    active = legacy_verifier.verify(load(f"{stem}-active.json"), now=NOW)
    assert active.verdict is Verdict.VALID, (what, active.to_dict()["checks"])
    assert active.check("status").message == "The issuer has not revoked or suspended this badge."
    revoked = legacy_verifier.verify(load(f"{stem}-revoked.json"), now=NOW)
    assert revoked.verdict is Verdict.INVALID
    assert revoked.check("status").outcome is Outcome.FAILED
    assert revoked.check("status").message == "The issuer has revoked this badge."
    assert revoked.check("proof").outcome is Outcome.PASSED  # only the status says no
    assert sum(1 for p in site.requests if p.startswith("/legacy/status/")) == 1, (
        "the list is cached"
    )


@pytest.mark.parametrize("ctype", ["application/vc+jwt", "application/jwt", "text/plain"])
def test_a_jwt_status_list_is_read_whatever_its_content_type(legacy_verifier, site, ctype):
    entry = entries(kind="status-list", shape="vc11", suite="VC-JWT (vc claim)")[0]
    site.text(entry["url"][len(SCHOOL) :], load(entry["file"]) + "\n", ctype)
    report = legacy_verifier.verify(
        load("ob302-vc11-ed25519signature2020-bitstring-revoked.json"), now=NOW
    )
    assert report.check("status").message == "The issuer has revoked this badge."


def _serve_list(site, token: str) -> None:
    site.text("/legacy/status/bitstring-vc11", token)


def test_a_tampered_jwt_status_list_is_not_trusted(legacy_verifier, site):
    token = load("status-bitstring-vc11.jwt")
    bits = bsl.BitstringStatusList()  # an empty list: would say "not revoked"
    forged = _jwt_edit(
        token, lambda h, p: p["vc"]["credentialSubject"].update(encodedList=bits.encode())
    )
    _serve_list(site, forged)
    report = legacy_verifier.verify(
        load("ob302-vc11-ed25519signature2020-bitstring-revoked.json"), now=NOW
    )
    status = report.check("status")
    assert status.outcome is Outcome.FAILED and "not trustworthy" in status.message
    assert "does not verify" in status.detail


def test_a_status_list_signed_by_its_own_issuer_is_read(legacy_verifier, site, ed_key):
    # issue 18: a list signed by another issuer than the badge's, with a key that issuer
    # publishes (here its did:key), is read: the badge's issuer chose it by signing its URL
    _, payload = jwt_parts(load("status-bitstring-vc11.jwt"))
    did = did_key(ed_key.public)
    payload["iss"] = did
    payload["vc"]["issuer"] = did
    header = {"alg": "EdDSA", "typ": "JWT", "kid": did_key_verification_method(ed_key.public)}
    _serve_list(site, sign_compact(header, payload))
    report = legacy_verifier.verify(
        load("ob302-vc11-ed25519signature2020-bitstring-active.json"), now=NOW
    )
    assert report.check("status").outcome is Outcome.PASSED, report.to_dict()["checks"]
    report = legacy_verifier.verify(
        load("ob302-vc11-ed25519signature2020-bitstring-revoked.json"), now=NOW
    )
    status = report.check("status")
    assert status.outcome is Outcome.FAILED and "revoked" in status.message


def test_a_status_list_claiming_an_issuer_whose_key_did_not_sign_it_is_not_trusted(
    legacy_verifier, site, ed_key
):
    _, payload = jwt_parts(load("status-bitstring-vc11.jwt"))
    header = {"alg": "EdDSA", "typ": "JWT", "kid": did_key_verification_method(ed_key.public)}
    _serve_list(site, sign_compact(header, payload))  # the school's list, signed by another key
    report = legacy_verifier.verify(
        load("ob302-vc11-ed25519signature2020-bitstring-active.json"), now=NOW
    )
    status = report.check("status")
    assert status.outcome is Outcome.FAILED and "not trustworthy" in status.message


def test_a_status_list_not_valid_yet_is_not_trusted(legacy_verifier):
    # the list (issued 2024-01-10, its nbf and issuanceDate) is checked for its dates too
    report = legacy_verifier.verify(
        load("ob302-vc11-ed25519signature2020-bitstring-active.json"),
        now=datetime(2024, 1, 1, tzinfo=UTC),
    )
    status = report.check("status")
    assert status.outcome is Outcome.FAILED and "out of date" in status.detail
    assert "not valid yet" in status.detail


def test_a_status_entry_must_point_to_a_list_of_its_own_kind(legacy_verifier, site):
    # the credential stays as signed (an edited one fails its proof, and then its status is
    # not fetched at all); its StatusList2021 URL answers with a BitstringStatusList instead
    credential = load("ob302-vc11-eddsa-2022-statuslist2021-active.json")
    named = credential["credentialStatus"]["statusListCredential"][len(SCHOOL) :]
    site.routes[named] = site.routes["/legacy/status/bitstring-vc11"]
    report = legacy_verifier.verify(credential, now=NOW)
    status = report.check("status")
    assert status.outcome is Outcome.FAILED
    assert "not a StatusList2021Credential" in status.detail


def test_a_vc20_status_list_jwt_needs_no_registered_claims(ed_key, site, school_verifier):
    """VC-JOSE-COSE makes iss/nbf/jti optional for a status list; those present must agree."""
    url = f"{SCHOOL}/status/claimless"
    bits = bsl.BitstringStatusList()
    bits.set(77)
    status_list = bsl.status_list_credential(
        list_url=url,
        issuer=did_key(ed_key.public),
        status_list=bits,
        purpose="revocation",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": did_key_verification_method(ed_key.public)}
    method = did_key_verification_method(ed_key.public)
    badges = {
        index: sign_credential(
            build_credential(did_key(ed_key.public), status=[bsl.status_entry(url, index)]),
            ed_key,
            verification_method=method,
            proof="data-integrity",
        ).json
        for index in (76, 77)
    }
    site.text("/status/claimless", sign_compact(header, status_list))
    assert school_verifier.verify(badges[76], now=NOW).verified
    report = school_verifier.verify(badges[77], now=NOW)
    assert report.check("status").message == "The issuer has revoked this badge."
    # a claim that is there must agree with the list
    site.text("/status/claimless", sign_compact(header, {**status_list, "jti": f"{url}/other"}))
    report = Verifier(fetcher=school_verifier.fetcher).verify(badges[76], now=NOW)
    assert report.check("status").outcome is Outcome.FAILED
    assert "'jti'" in report.check("status").detail


# --- VC 2.0 credentials written with single values -----------------------------------------


def test_a_single_proof_object_is_a_schema_warning_not_a_failure(sign_did_key):
    signed = sign_did_key(proof="data-integrity").json
    compact = {**signed, "proof": signed["proof"][0]}  # as Data Integrity libraries write it
    report = Verifier().verify(compact, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    schema = report.check("schema")
    assert schema.outcome is Outcome.WARNING and "one-element lists" in schema.message
    assert "/proof" in schema.detail
    # anything else the schema refuses is still a failure
    del compact["credentialSubject"]["achievement"]["criteria"]
    report = Verifier().verify(compact, now=NOW)
    assert report.check("schema").outcome is Outcome.FAILED
    assert "criteria" in report.check("schema").detail


def test_the_digital_bazaar_vc20_credential_gets_that_warning(legacy_verifier):
    report = legacy_verifier.verify(
        load("ob303-vc20-eddsa-rdfc-2022-bitstring-active.json"), now=NOW
    )
    assert report.verdict is Verdict.VALID
    assert report.check("schema").outcome is Outcome.WARNING
