"""Revocation shows in the published status at once, checked by the core Verifier over HTTP.

The app is served on a loopback port; the verifier's guarded fetcher answers
https://badges.test/ (the app's public base URL) from it, so the did:web documents, status
lists and revocation lists are fetched exactly as a verifier elsewhere would fetch them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from badges import standards
from badges.errors import SignatureError
from badges.keys import PublicKey
from badges.proofs import vc_jwt, verify_data_integrity_proof
from badges.schema import schema_errors
from badges.timeutil import parse_datetime
from badges.verification import Outcome, Verdict

from .conftest import BASE_URL, login, post

REASON = "Awarded to the wrong learner by mistake"


@pytest.fixture
def setup(make_org, make_user, make_achievement, award_to, client):
    def make(slug: str, **org_options):
        org = make_org(slug, f"School {slug}", **org_options)
        make_user(f"teacher@{slug}.example", org=org, role="teacher")
        achievement = make_achievement(org)
        award = award_to(org, achievement, email="ona@pupils.example", level="Proficient")
        keep = award_to(org, achievement, email="jonas@pupils.example", name="Jonas")
        return org, award, keep

    return make


def revoke_through_the_staff_form(client, org, award) -> None:
    assert login(client, f"teacher@{org.slug}.example").status_code == 302
    response = post(
        client, f"/staff/{org.slug}/awards/{award.public_id}/revoke", {"reason": REASON}
    )
    assert response.status_code == 302, response.text
    page = client.get(response.location)
    assert "Revoked on" in page.text and REASON in page.text
    again = post(client, f"/staff/{org.slug}/awards/{award.public_id}/revoke", {"reason": "twice"})
    assert again.status_code == 409 and "already revoked" in again.text


def check(report, name):
    return report.check(name)


METHODS = [
    ("eddsa-bitstring", {}, "json"),
    ("eddsa-1edtech", {"status_method": "1edtech"}, "json"),
    ("es256-bitstring", {"key_alg": "ES256"}, "jwt"),
    ("rs256-1edtech", {"key_alg": "RS256", "status_method": "1edtech"}, "jwt"),
]


@pytest.mark.parametrize(("slug", "options", "served_as"), METHODS, ids=[m[0] for m in METHODS])
def test_revocation_shows_in_the_status_the_verifier_reads(
    client, setup, make_verifier, slug, options, served_as
):
    org, award, keep = setup(slug, **options)
    url = f"{BASE_URL}/credentials/{award.public_id}"

    report = make_verifier().verify(url, recipient="ona@pupils.example")
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert report.format == served_as
    assert check(report, "status").outcome is Outcome.PASSED
    assert check(report, "issuer").outcome is Outcome.PASSED
    assert check(report, "recipient").outcome is Outcome.PASSED
    if served_as == "jwt":  # the JWT form is the only signed one: that is what the link serves
        assert award.credential_jwt and '"proof"' not in award.credential_json
    else:  # both proofs, both verified
        assert make_verifier().verify(award.credential_jwt).verdict is Verdict.VALID

    revoke_through_the_staff_form(client, org, award)

    for source in (
        url,
        award.credential_jwt,
        award.credential_json if served_as == "json" else award.credential_jwt,
    ):
        after = make_verifier().verify(source)
        assert after.verdict is Verdict.INVALID, after.to_dict()
        status = check(after, "status")
        assert status.outcome is Outcome.FAILED
        assert "revoked" in status.message
        if options.get("status_method") == "1edtech":
            assert REASON in status.message  # the 1EdTech list carries the reason
    # the other learner's badge of the same list is untouched
    other = make_verifier().verify(f"{BASE_URL}/credentials/{keep.public_id}")
    assert other.verdict is Verdict.VALID, other.to_dict()
    # and the public page says so too
    page = client.get(f"/credentials/{award.public_id}")
    assert "Revoked" in page.text and REASON in page.text


def test_a_cached_status_list_is_refetched_after_its_ttl(client, setup, make_verifier):
    """One Verifier with a status cache: with ttl 0 it sees the revocation on the next check."""
    org, award, _ = setup("cached")
    verifier = make_verifier()
    url = f"{BASE_URL}/credentials/{award.public_id}"
    assert verifier.verify(url).verdict is Verdict.VALID
    revoke_through_the_staff_form(client, org, award)
    assert verifier.verify(url).verdict is Verdict.INVALID


def test_the_status_list_is_signed_and_never_cached_by_browsers(client, setup):
    org, _award, _ = setup("lists")
    response = client.get(f"/orgs/{org.slug}/status/revocation")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Type"].startswith("application/vc+ld+json")
    status_list = json.loads(response.data)
    assert status_list["id"] == f"{BASE_URL}/orgs/{org.slug}/status/revocation"
    assert status_list["issuer"] == f"did:web:badges.test:orgs:{org.slug}"
    assert status_list["credentialSubject"]["statusPurpose"] == "revocation"
    # made just now, yet already valid for a verifier whose clock read a moment earlier (a
    # list stamped with this very second failed "not valid yet" for such verifiers)
    assert parse_datetime(status_list["validFrom"]) <= datetime.now(UTC) - timedelta(minutes=1)
    assert parse_datetime(status_list["validUntil"]) > datetime.now(UTC) + timedelta(hours=12)
    # the list is signed by the organisation's published key (the one its did.json lists)
    did = client.get(f"/orgs/{org.slug}/did.json").get_json(force=True)
    [proof] = (
        status_list["proof"] if isinstance(status_list["proof"], list) else [status_list["proof"]]
    )
    [method] = [m for m in did["verificationMethod"] if m["id"] == proof["verificationMethod"]]
    verify_data_integrity_proof(
        status_list, proof, PublicKey.from_multibase(method["publicKeyMultibase"])
    )
    tampered = json.loads(response.data)
    tampered["credentialSubject"]["encodedList"] = (
        tampered["credentialSubject"]["encodedList"][:-4] + "AAAA"
    )
    with pytest.raises(SignatureError):
        verify_data_integrity_proof(
            tampered, proof, PublicKey.from_multibase(method["publicKeyMultibase"])
        )
    assert client.get(f"/orgs/{org.slug}/status/nonsense").status_code == 404
    assert client.get("/orgs/no-such-school/status/revocation").status_code == 404


def test_the_1edtech_revocation_list_names_the_badge_and_reason(client, setup):
    org, award, keep = setup("rl-school", status_method="1edtech")
    assert (
        client.get(f"/orgs/{org.slug}/status/revocation").status_code == 404
    )  # that method is not used
    before = client.get(f"/orgs/{org.slug}/revocations")
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-cache"
    assert f"credentials/{award.public_id}" not in before.text
    revoke_through_the_staff_form(client, org, award)
    after = client.get(f"/orgs/{org.slug}/revocations")
    assert f"{BASE_URL}/credentials/{award.public_id}" in after.text and REASON in after.text
    assert keep.public_id not in after.text


@pytest.mark.parametrize(
    ("slug", "options"),
    [("ed-keys", {}), ("es-keys", {"key_alg": "ES256"}), ("rs-keys", {"key_alg": "RS256"})],
)
def test_did_document_and_jwks_list_the_signing_key(client, setup, database, slug, options):
    org, award, _ = setup(slug, **options)
    did = f"did:web:badges.test:orgs:{slug}"
    with database.transaction() as session:
        from sqlalchemy import select

        from issuer.models import SigningKey

        key = session.scalars(select(SigningKey).where(SigningKey.org_id == org.id)).one()
    method = f"{did}#{key.kid}"
    public = PublicKey.from_jwk(key.public_jwk)

    document = client.get(f"/orgs/{slug}/did.json")
    assert document.status_code == 200 and document.headers["Content-Type"].startswith(
        "application/did+json"
    )
    doc = document.get_json(force=True)
    assert doc["id"] == did and method in doc["assertionMethod"]
    [entry] = [m for m in doc["verificationMethod"] if m["id"] == method]
    if "publicKeyMultibase" in entry:
        assert PublicKey.from_multibase(entry["publicKeyMultibase"]).to_jwk() == public.to_jwk()
    else:
        assert PublicKey.from_jwk(entry["publicKeyJwk"]).to_jwk() == public.to_jwk()
        assert "d" not in entry["publicKeyJwk"]

    jwks = client.get(f"/orgs/{slug}/jwks.json").get_json(force=True)
    [jwk] = [k for k in jwks["keys"] if k.get("kid") == method]
    assert "d" not in jwk and PublicKey.from_jwk(jwk).to_jwk() == public.to_jwk()

    # the credential names exactly that key
    if award.credential_jwt:
        assert vc_jwt.decode_jwt(award.credential_jwt).header["kid"] == method
    signed = json.loads(award.credential_json)
    if "proof" in signed:
        assert [p["verificationMethod"] for p in signed["proof"]] == [method]


@pytest.mark.parametrize(
    ("slug", "options"),
    [("ed-json", {}), ("rl-json", {"status_method": "1edtech"}), ("es-json", {"key_alg": "ES256"})],
)
def test_the_served_json_is_the_signed_text_and_follows_the_schema(client, setup, slug, options):
    _org, award, _ = setup(slug, **options)
    for accept in ("application/vc+ld+json", "application/ld+json", "application/json"):
        served = client.get(f"/credentials/{award.public_id}", headers={"Accept": accept})
        assert served.status_code == 200
        if (
            award.credential_jwt
            and '"proof"' not in award.credential_json
            and accept != "application/json"
        ):
            continue  # JWT-only badges: see test_a_jwt_only_badge_is_served_as_its_jwt
        assert served.data == award.credential_json.encode(), accept
    for path in (f"/credentials/{award.public_id}.json",):
        assert client.get(path).data == award.credential_json.encode()
    assert client.get(f"/credentials/{award.public_id}.jwt").data == award.credential_jwt.encode()
    jwt = client.get(f"/credentials/{award.public_id}", headers={"Accept": "application/vc+jwt"})
    assert jwt.data == award.credential_jwt.encode() and jwt.headers["Content-Type"].startswith(
        "application/vc+jwt"
    )

    credential = json.loads(award.credential_json)
    assert schema_errors(credential, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    payload = vc_jwt.decode_jwt(award.credential_jwt).payload
    inner = payload.get("vc", payload)
    assert schema_errors(inner, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []


def test_a_jwt_only_badge_is_served_as_its_jwt(client, setup):
    """An ES256 organisation signs VC-JWTs only; a verifier asking for JSON-LD or a JWT
    gets the signed JWT, never an unsigned JSON copy that could not be checked."""
    _org, award, _ = setup("es-only", key_alg="ES256")
    from badges.verification import JSON_ACCEPT

    for accept in (
        JSON_ACCEPT,
        "application/vc+ld+json, application/vc+jwt;q=0.5",
        "application/vc+jwt",
    ):
        served = client.get(f"/credentials/{award.public_id}", headers={"Accept": accept})
        assert served.data == award.credential_jwt.encode(), accept
        assert served.headers["Content-Type"].startswith("application/vc+jwt")
