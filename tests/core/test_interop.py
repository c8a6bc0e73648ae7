"""Our credentials in verifiers other people wrote (the harness in tests/peers).

verify_ob3 runs DCC verifier-core and Digital Bazaar vc (eddsa-rdfc-2022) and jose
(VC-JWT); openbadgeslib runs the openbadgeslib package. Both stay offline: remote
documents come from the loopback site through --map. Passing them is necessary, not
sufficient: they are more lenient than ours in places.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badges.issuing import sign_credential
from badges.status import bitstring_status_list as bsl
from tests.conftest import ISSUED, SCHOOL, SCHOOL_DID, build_credential
from tests.peers import openbadgeslib, verify_ob3

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
    signed = sign_credential(build_credential(SCHOOL_DID), es_key, verification_method=method, proof="jwt")
    report = verify_ob3(write(tmp_path, "c.jwt", signed.jwt), "--map", f"{SCHOOL}/={site.base}/")
    assert report["verified"], report["errors"]


def test_tampered_credential_fails_in_verify_ob3(tmp_path, sign_did_key):
    signed = sign_did_key(proof="data-integrity")
    signed.json["credentialSubject"]["achievement"]["name"] = "Forged"
    report = verify_ob3(write(tmp_path, "c.json", signed.json))
    assert not report["verified"] and report["exit"] == 1


@pytest.mark.parametrize("alg", ["EdDSA", "RS256"])
def test_did_web_issuer_with_status_list_in_verify_ob3(tmp_path, site, publish_did_web, ed_key, rsa_key, alg):
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
        list_url=f"{SCHOOL}/status/1", issuer=SCHOOL_DID, status_list=bits, purpose="revocation", valid_from=ISSUED
    )
    list_signed = sign_credential(status_list, ed_key, verification_method=list_method, proof="data-integrity")
    site.json("/status/1", list_signed.json)
    mapping = f"{SCHOOL}/={site.base}/"
    proof = "both" if alg == "EdDSA" else "jwt"
    for entry, expected in ((ok_entry, True), (revoked_entry, False)):
        signed = sign_credential(build_credential(SCHOOL_DID, status=[entry]), key, verification_method=method, proof=proof)
        for name, content in (("c.json", signed.json), ("c.jwt", signed.jwt)):
            if content is None:
                continue
            report = verify_ob3(write(tmp_path, name, content), "--map", mapping)
            assert report["verified"] is expected, (name, report["errors"], report.get("warnings"))


@pytest.mark.parametrize("proof", ["jwt", "data-integrity"])
def test_openbadgeslib_verifies_our_did_key_credentials(tmp_path, sign_did_key, proof):
    signed = sign_did_key(proof=proof)
    path = write(tmp_path, "c.jwt" if proof == "jwt" else "c.json", signed.jwt or signed.json)
    report = openbadgeslib(path)
    assert report["verified"], report


def test_openbadgeslib_verifies_our_did_web_jwt(tmp_path, site, publish_did_web, es_key):
    method = publish_did_web(es_key)
    signed = sign_credential(build_credential(SCHOOL_DID), es_key, verification_method=method, proof="jwt")
    map_file = write(tmp_path, "map.json", {f"{SCHOOL}/": f"{site.base}/"})
    report = openbadgeslib(write(tmp_path, "c.jwt", signed.jwt), "--map-file", str(map_file))
    assert report["verified"], report
