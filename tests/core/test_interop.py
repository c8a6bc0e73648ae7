"""Our credentials in verifiers other people wrote (the harness in tests/peers).

verify_ob3 runs DCC verifier-core and Digital Bazaar vc (eddsa-rdfc-2022) and jose
(VC-JWT); openbadgeslib runs the openbadgeslib package. Both stay offline: remote
documents come from the loopback site through --map. Passing them is necessary, not
sufficient: they are more lenient than ours in places.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from badges.issuing import sign_credential
from badges.status import bitstring_status_list as bsl
from tests.conftest import ISSUED, SCHOOL, SCHOOL_DID, build_credential
from tests.peers import openbadgeslib, verify_batch, verify_many, verify_ob3, verify_ob3_alone

pytestmark = [pytest.mark.interop, pytest.mark.slow]


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize("proof", ["data-integrity", "jwt", "both"])
def test_did_key_eddsa_verifies_in_verify_ob3(tmp_path, sign_did_key, proof):
    signed = sign_did_key(proof=proof)
    if signed.json is not None:
        report = verify_ob3(write(tmp_path, "c.json", signed.json))
        assert report["verified"], report["errors"]
        assert report["engines"]["dcc"]["verified"] and report["engines"]["dbz"]["verified"]
    if signed.jwt is not None:
        report = verify_ob3(write(tmp_path, "c.jwt", signed.jwt))
        assert report["verified"], report["errors"]


def test_es256_did_web_jwt_verifies_in_verify_ob3(tmp_path, site, publish_did_web, es_key):
    # verify-ob3's did:key resolver knows only Ed25519, so P-256 goes through did:web
    method = publish_did_web(es_key)
    signed = sign_credential(
        build_credential(SCHOOL_DID), es_key, verification_method=method, proof="jwt"
    )
    report = verify_ob3(write(tmp_path, "c.jwt", signed.jwt), "--map", f"{SCHOOL}/={site.base}/")
    assert report["verified"], report["errors"]


def test_tampered_credential_fails_in_verify_ob3(tmp_path, sign_did_key):
    signed = sign_did_key(proof="data-integrity")
    signed.json["credentialSubject"]["achievement"]["name"] = "Forged"
    report = verify_ob3(write(tmp_path, "c.json", signed.json))
    assert not report["verified"] and report["exit"] == 1


@pytest.mark.parametrize("alg", ["EdDSA", "RS256"])
def test_did_web_issuer_with_status_list_in_verify_ob3(
    tmp_path, site, publish_did_web, ed_key, rsa_key, alg
):
    """A did:web school, its DID document and status list served on loopback."""
    key = ed_key if alg == "EdDSA" else rsa_key
    # the school signs badges with `key`; its status lists always with its Ed25519 key,
    # since the JSON status list is what every verifier reads
    method = publish_did_web(key, ed_key) if alg != "EdDSA" else publish_did_web(ed_key)
    list_method = f"{SCHOOL_DID}#key-2" if alg != "EdDSA" else method
    ok_entry = bsl.status_entry(f"{SCHOOL}/status/1", 100)
    revoked_entry = bsl.status_entry(f"{SCHOOL}/status/1", 200)
    bits = bsl.BitstringStatusList()
    bits.set(200)
    status_list = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/1",
        issuer=SCHOOL_DID,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    list_signed = sign_credential(
        status_list, ed_key, verification_method=list_method, proof="data-integrity"
    )
    site.json("/status/1", list_signed.json)
    mapping = f"{SCHOOL}/={site.base}/"
    proof = "both" if alg == "EdDSA" else "jwt"
    jobs = []
    for entry, expected in ((ok_entry, True), (revoked_entry, False)):
        signed = sign_credential(
            build_credential(SCHOOL_DID, status=[entry]),
            key,
            verification_method=method,
            proof=proof,
        )
        for name, content in (("c.json", signed.json), ("c.jwt", signed.jwt)):
            if content is None:
                continue
            jobs.append((name, expected, write(tmp_path, f"{expected}-{name}", content)))
    reports = verify_many([path for _, _, path in jobs], "--map", mapping)
    for (name, expected, _), report in zip(jobs, reports, strict=True):
        assert report["verified"] is expected, (name, report["errors"], report.get("warnings"))


def test_batch_and_single_runs_of_verify_ob3_agree(tmp_path, site, publish_did_web, ed_key):
    """verify.mjs --batch gives each credential the report a single run gives: a valid, a
    tampered and a revoked badge (sharing one status list), as JSON and as VC-JWT."""
    method = publish_did_web(ed_key)
    bits = bsl.BitstringStatusList()
    bits.set(200)
    status_list = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/1",
        issuer=SCHOOL_DID,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    site.json(
        "/status/1",
        sign_credential(
            status_list, ed_key, verification_method=method, proof="data-integrity"
        ).json,
    )
    signed = {
        index: sign_credential(
            build_credential(SCHOOL_DID, status=[bsl.status_entry(f"{SCHOOL}/status/1", index)]),
            ed_key,
            verification_method=method,
            proof="both",
        )
        for index in (100, 200)
    }
    forged = json.loads(json.dumps(signed[100].json))
    forged["credentialSubject"]["achievement"]["name"] = "Forged"
    head, body, signature = signed[100].jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = (
        "Forged"  # VC-JWT 2.0: the claims are the credential
    )
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    cases = {
        "valid.json": (signed[100].json, True),
        "valid.jwt": (signed[100].jwt, True),
        "tampered.json": (forged, False),
        "tampered.jwt": (f"{head}.{forged_body}.{signature}", False),
        "revoked.json": (signed[200].json, False),
        "revoked.jwt": (signed[200].jwt, False),
    }
    paths = [write(tmp_path, name, content) for name, (content, _) in cases.items()]
    for options in (
        ("--map", f"{SCHOOL}/={site.base}/"),
        ("--map", f"{SCHOOL}/={site.base}/", "--no-status"),
    ):
        singles = [verify_ob3_alone(path, *options) for path in paths]
        # twice over, so that each credential also follows every other one in the process
        batch = verify_many(paths + paths, *options)
        for (name, (_, valid)), single, first, second in zip(
            cases.items(), singles, batch[: len(paths)], batch[len(paths) :], strict=True
        ):
            assert first == single and second == single, name
            expected = valid or ("--no-status" in options and name.startswith("revoked"))
            assert single["verified"] is expected and single["exit"] == (0 if expected else 1), (
                name,
                single["errors"],
            )
            if name.startswith("revoked") and "--no-status" not in options:
                assert any("revoked" in error for error in single["errors"]), single["errors"]
            if name.startswith("tampered"):
                assert not any("revoked" in error for error in single["errors"]), single["errors"]


def test_verify_ob3_batch_answers_each_request_and_refuses_bad_ones_alone(tmp_path, sign_did_key):
    signed = sign_did_key(proof="both")
    answers = verify_batch(
        [
            "not json",
            json.dumps({"id": "both", "jwt": signed.jwt, "credential": signed.json}),
            json.dumps({"id": "missing", "file": str(tmp_path / "nowhere.json")}),
            json.dumps({"id": "bad option", "jwt": signed.jwt, "args": ["--schema", "loose"]}),
            json.dumps({"id": "a second file", "jwt": signed.jwt, "args": [str(tmp_path)]}),
            json.dumps({"id": "json", "credential": signed.json}),
            json.dumps({"id": 7, "jwt": signed.jwt, "args": ["--schema", "off"]}),
        ]
    )
    assert [(a["id"], a["exit"]) for a in answers] == [
        (None, 2),
        ("both", 2),
        ("missing", 2),
        ("bad option", 2),
        ("a second file", 2),
        ("json", 0),
        (7, 0),
    ]
    assert "not JSON" in answers[0]["error"] and "one of" in answers[1]["error"]
    assert "nowhere.json" in answers[2]["error"] and "--schema takes" in answers[3]["error"]
    assert answers[5]["report"]["verified"] and answers[5]["report"]["format"] == "ldp"
    assert answers[6]["report"]["verified"] and answers[6]["report"]["schema"] == "off"


@pytest.mark.parametrize("proof", ["jwt", "data-integrity"])
def test_openbadgeslib_verifies_our_did_key_credentials(tmp_path, sign_did_key, proof):
    signed = sign_did_key(proof=proof)
    path = write(tmp_path, "c.jwt" if proof == "jwt" else "c.json", signed.jwt or signed.json)
    report = openbadgeslib(path)
    assert report["verified"], report


def test_openbadgeslib_verifies_our_did_web_jwt(tmp_path, site, publish_did_web, es_key):
    method = publish_did_web(es_key)
    signed = sign_credential(
        build_credential(SCHOOL_DID), es_key, verification_method=method, proof="jwt"
    )
    map_file = write(tmp_path, "map.json", {f"{SCHOOL}/": f"{site.base}/"})
    report = openbadgeslib(write(tmp_path, "c.jwt", signed.jwt), "--map-file", str(map_file))
    assert report["verified"], report
