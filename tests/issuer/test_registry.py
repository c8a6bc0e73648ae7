"""The platform publishes registries of trusted issuers (badges/registry.py's format): all its
organisations, or a coordination centre with the schools under it; a verifier given one
names a badge's verified signer as known, and `badges serve` gives its verifier the list."""

from __future__ import annotations

from badges.registry import Registries, parse_registry
from issuer.cli import _verifier_app
from tests.issuer.conftest import BASE_URL


def test_the_platform_and_a_centre_publish_their_organisations(client, make_org):
    centre = make_org("lt-centre", "Lithuanian ASPnet centre", kind="centre")
    make_org("vilnius-lyceum", "Vilnius Lyceum", parent=centre, url="https://licejus.example/")
    make_org("elsewhere", "Elsewhere School")
    platform = client.get("/registry.json")
    assert platform.status_code == 200 and platform.mimetype == "application/json"
    document = platform.get_json()
    registry = parse_registry(document, source="test")  # the format the verifier reads
    assert (
        registry.name == "ASPnet Badges at badges.test"
        and registry.url == f"{BASE_URL}/registry.json"
    )
    assert {e.name for e in registry.entries.values()} == {
        "Lithuanian ASPnet centre",
        "Vilnius Lyceum",
        "Elsewhere School",
    }
    lyceum = registry.lookup("did:web:badges.test:orgs:vilnius-lyceum")
    assert lyceum is not None and lyceum.url == "https://licejus.example/"

    centre_list = parse_registry(
        client.get("/orgs/lt-centre/registry.json").get_json(), source="test"
    )
    assert centre_list.name == "Lithuanian ASPnet centre"
    assert set(centre_list.entries) == {
        "did:web:badges.test:orgs:lt-centre",
        "did:web:badges.test:orgs:vilnius-lyceum",
    }
    assert client.get("/orgs/nobody/registry.json").status_code == 404


def test_a_verifier_trusting_the_platform_knows_its_badges_signer(
    make_org, make_achievement, award_to, badges_fetcher, make_verifier
):
    org = make_org()
    award = award_to(org, make_achievement(org))
    report = make_verifier().verify(f"{BASE_URL}/credentials/{award.public_id}")
    assert (
        report.verdict.value == "valid"
        and report.verified_issuer == "did:web:badges.test:orgs:vilnius-lyceum"
    )
    registries = Registries.from_sources([f"{BASE_URL}/registry.json"], fetcher=badges_fetcher)
    result = registries.lookup(report.verified_issuer)
    assert result.known and result.known[0].name == "Vilnius Lyceum"
    assert result.message == "Issued by a school known to ASPnet Badges at badges.test."


def test_badges_serve_gives_its_verifier_the_local_platforms_registry():
    app = _verifier_app("http://127.0.0.1:5000")
    assert app.config["VERIFIER_REGISTRIES"] == ["http://127.0.0.1:5000/registry.json"]
    assert len(app.extensions["verifier.registries"]) == 1
