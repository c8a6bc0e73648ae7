"""Who signed a badge (the verified issuer identifier), registries of trusted issuers, and the
core report's ``verified_issuer`` and ``revocation_reason``; ``badges verify --registry``."""

from __future__ import annotations

import copy
import json

import pytest

from badges.cli import main
from badges.dids import did_key, did_key_verification_method
from badges.errors import RegistryError
from badges.fetch import Fetcher, FetchPolicy
from badges.issuing import sign_credential
from badges.registry import Registries, link_matches, parse_registry, signer
from badges.status import revocation_list_1edtech as rl
from badges.verification import Verifier
from tests.conftest import ISSUED, SCHOOL, SCHOOL_DID, build_credential


@pytest.mark.parametrize(
    ("issuer_id", "kind", "domain", "description"),
    [
        ("did:web:school.example", "did:web", "school.example", "school.example"),
        (
            "did:web:School.Example%3A8443:orgs:lyceum",
            "did:web",
            "school.example:8443",
            "school.example:8443",
        ),
        (
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:key",
            None,
            "a key of its own, not tied to any web address",
        ),
        ("https://school.example/issuer", "url", "school.example", "school.example"),
        ("https://school.example:443/issuer", "url", "school.example", "school.example"),
        ("urn:uuid:1234", "other", None, "an identifier not tied to any web address"),
    ],
)
def test_the_signer_is_described_by_its_identifier(issuer_id, kind, domain, description):
    who = signer(issuer_id)
    assert (who.kind, who.domain, who.description) == (kind, domain, description)


def test_a_link_matches_only_the_signers_own_host():
    school = signer("did:web:school.example")
    assert link_matches("https://school.example/about", school)
    assert not link_matches("https://www.school.example/", school)
    assert not link_matches("https://school.example.evil.example/", school)
    assert not link_matches("javascript:alert(1)", school)
    assert not link_matches("https://school.example/", signer("did:key:z6Mkabc"))
    assert not link_matches("https://school.example/", None)


def test_a_registry_maps_identifiers_to_names_and_never_matches_a_name():
    registry = parse_registry(
        {
            "name": "LT",
            "issuers": {
                SCHOOL_DID: "Vilniaus licėjus",
                "https://gimnazija.example/issuer": {
                    "name": "Kauno gimnazija",
                    "domain": "Gimnazija.example",
                },
            },
        },
        source="test",
    )
    assert registry.lookup(SCHOOL_DID).name == "Vilniaus licėjus"
    assert registry.lookup("https://gimnazija.example/issuer").domain == "gimnazija.example"
    assert registry.lookup("Vilniaus licėjus") is None
    registries = Registries([registry])
    assert registries.lookup(SCHOOL_DID).message == "Issued by a school known to LT."
    assert registries.lookup("did:web:other.example").message == "Not in any registry you trust."
    assert registries.lookup(None).known == ()
    assert (
        Registries()
        .lookup(SCHOOL_DID)
        .message.startswith("Not in any registry you trust: this verifier has no")
    )


def test_a_url_without_a_fetcher_is_refused():
    with pytest.raises(RegistryError, match="no fetcher"):
        Registries.from_sources(["https://aspnet.example/registry.json"])


def test_a_url_registry_is_cached_and_its_last_good_copy_kept(site):
    site.json("/registry.json", {"name": "LT", "issuers": {SCHOOL_DID: "Vilniaus licėjus"}})
    clock = [0.0]
    fetcher = Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{site.base}/"),)))
    registries = Registries.from_sources([f"{SCHOOL}/registry.json"], fetcher=fetcher, ttl=60)
    registries.clock = lambda: clock[0]
    assert registries.lookup(SCHOOL_DID).known
    assert registries.lookup(SCHOOL_DID).known
    assert site.requests.count("/registry.json") == 1
    site.json("/registry.json", {"broken": True})
    clock[0] = 61.0
    assert registries.lookup(SCHOOL_DID).known  # a bad refresh keeps the last good copy
    assert site.requests.count("/registry.json") == 2


def test_the_report_names_the_verified_issuer_only_when_the_signature_holds(
    school_verifier, publish_did_web, ed_key
):
    method = publish_did_web(ed_key)
    signed = sign_credential(
        build_credential(SCHOOL_DID),
        ed_key,
        verification_method=method,
        proof="data-integrity",
        created=ISSUED,
    )
    report = school_verifier.verify(signed.json)
    assert report.verified and report.verified_issuer == SCHOOL_DID
    changed = copy.deepcopy(signed.json)
    changed["issuer"]["name"] = "Someone else"
    forged = school_verifier.verify(changed)
    assert forged.check("proof").outcome.value == "failed" and forged.verified_issuer is None
    # a did:key badge naming the school is verified as the key's, not the school's
    key_badge = sign_credential(
        build_credential(did_key(ed_key.public)),
        ed_key,
        proof="jwt",
        created=ISSUED,
        verification_method=did_key_verification_method(ed_key.public),
    )
    assert Verifier().verify(key_badge.jwt).verified_issuer == did_key(ed_key.public)


def test_the_report_carries_the_1edtech_revocation_reason(
    site, school_fetcher, publish_did_web, ed_key
):
    publish_did_web(ed_key)
    unsigned = build_credential(SCHOOL_DID, status=[rl.status_entry(f"{SCHOOL}/revocations")])
    site.json(
        "/revocations",
        rl.revocation_list(
            list_url=f"{SCHOOL}/revocations",
            issuer_id=SCHOOL_DID,
            revoked=[(unsigned["id"], "Wrong learner.")],
        ),
    )
    signed = sign_credential(
        unsigned, ed_key, verification_method=f"{SCHOOL_DID}#key-1", proof="jwt", created=ISSUED
    )
    report = Verifier(fetcher=school_fetcher).verify(signed.jwt)
    assert report.revoked and report.revocation_reason == "Wrong learner."


def test_badges_verify_registry_says_who_signed_and_whether_it_is_known(
    capsys, tmp_path, sign_did_key, ed_key
):
    signed = sign_did_key(proof="jwt")
    badge = tmp_path / "badge.jwt"
    badge.write_text(signed.jwt)
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"name": "LT", "issuers": {SCHOOL_DID: "Vilniaus licėjus"}}))
    code = main(["verify", str(badge), "--registry", str(registry)])
    out = capsys.readouterr().out
    assert code == 0
    assert (
        f"Signed by: a key of its own, not tied to any web address <{did_key(ed_key.public)}>"
        in out
    )
    assert "Registry:  Not in any registry you trust." in out
    code = main(["verify", str(badge), "--registry", str(registry), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["signer"]["kind"] == "did:key" and data["registry"]["known"] is False
    registry.write_text("{")
    assert main(["verify", str(badge), "--registry", str(registry)]) == 2
    assert "not acceptable JSON" in capsys.readouterr().err
