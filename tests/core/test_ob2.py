"""Open Badges 2.0 assertions: hosted and signed verification through Verifier.verify.

The school's OB 2.0 documents (issuer profile, badge class, CryptographicKey, revocation
list, hosted assertions) are served by the loopback site at https://school.example/
(through the school_fetcher's URL map). Signed assertions are made here with jwcrypto,
an independent JOSE implementation, never with this library's own signing code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from jwcrypto import jwk, jws

from badges.cli import main
from badges.fetch import Fetcher, FetchPolicy
from badges.multibase import b64url_encode
from badges.verification import Outcome, Verdict, VerificationReport, Verifier
from tests.conftest import ISSUED, KEYS, NOW, SCHOOL, Site

OB2 = "https://w3id.org/openbadges/v2"
ISSUER = f"{SCHOOL}/ob2/issuer"
BADGE = f"{SCHOOL}/ob2/badges/water"
KEY_1 = f"{SCHOOL}/ob2/keys/1"
KEY_2 = f"{SCHOOL}/ob2/keys/2"
REVOCATIONS = f"{SCHOOL}/ob2/revocations"
HOSTED = f"{SCHOOL}/ob2/assertions/1"
SIGNED_ID = "urn:uuid:5b0e4f2a-8c1d-4e6f-9a3b-2c4d6e8f0a1b"
EMAIL = "ona@example.org"
SALT = "baltic-sea-2026"
BADGE_NAME = "Baltic Sea Project: water monitor"


def jose_key(name: str) -> jwk.JWK:
    """A test key read straight from its JWK file by jwcrypto."""
    return jwk.JWK(**json.loads((KEYS / f"{name}.jwk").read_text()))


RSA = jose_key("rs256")
EC = jose_key("es256")


def pem(key: jwk.JWK) -> str:
    return key.export_to_pem().decode("ascii")


def sha256_identity(email: str, salt: str = SALT) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def md5_identity(email: str, salt: str = SALT) -> str:
    return "md5$" + hashlib.md5((email + salt).encode(), usedforsecurity=False).hexdigest()


def make_profile(**extra: Any) -> dict[str, Any]:
    profile = {
        "@context": OB2,
        "type": "Issuer",
        "id": ISSUER,
        "name": "Vilniaus licėjus",
        "url": f"{SCHOOL}/",
        "email": "info@school.example",
        "publicKey": [KEY_1],
        "revocationList": REVOCATIONS,
    }
    profile.update(extra)
    return profile


def make_badge_class(**extra: Any) -> dict[str, Any]:
    badge = {
        "@context": OB2,
        "type": "BadgeClass",
        "id": BADGE,
        "name": BADGE_NAME,
        "description": "Monitored water quality on the Baltic coast.",
        "image": f"{SCHOOL}/ob2/badges/water.png",
        "criteria": {"narrative": "Take ten samples over a season and report them."},
        "issuer": ISSUER,
    }
    badge.update(extra)
    return badge


def make_assertion(kind: str = "hosted", **extra: Any) -> dict[str, Any]:
    assertion: dict[str, Any] = {
        "@context": OB2,
        "type": "Assertion",
        "id": HOSTED if kind == "hosted" else SIGNED_ID,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": sha256_identity(EMAIL),
        },
        "badge": BADGE,
        "issuedOn": "2026-09-01T08:00:00+00:00",
        "verification": {"type": "HostedBadge"}
        if kind == "hosted"
        else {"type": "SignedBadge", "creator": KEY_1},
    }
    assertion.update(extra)
    return assertion


def sign(payload: Any, key: jwk.JWK = RSA, alg: str = "RS256", header: Any = None) -> str:
    """A compact JWS made by jwcrypto."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    token = jws.JWS(raw)
    token.add_signature(key, alg=alg, protected=json.dumps(header or {"alg": alg}))
    return str(token.serialize(compact=True))


class School:
    """The OB 2.0 issuer published on the loopback site."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.publish(make_profile())
        self.publish(make_badge_class())
        self.publish(self.key_document(KEY_1, RSA))
        self.publish(
            {
                "@context": OB2,
                "type": "RevocationList",
                "id": REVOCATIONS,
                "issuer": ISSUER,
                "revokedAssertions": [],
            }
        )

    @staticmethod
    def key_document(key_id: str, key: jwk.JWK, owner: str = ISSUER) -> dict[str, Any]:
        return {
            "@context": OB2,
            "type": "CryptographicKey",
            "id": key_id,
            "owner": owner,
            "publicKeyPem": pem(key),
        }

    def publish(self, document: Any, url: str | None = None, status: int = 200) -> None:
        url = url or document["id"]
        assert url.startswith(SCHOOL)
        self.site.json(url[len(SCHOOL) :], document, status)

    def host(self, **extra: Any) -> dict[str, Any]:
        assertion = make_assertion("hosted", **extra)
        self.publish(assertion, HOSTED)
        return assertion


@pytest.fixture
def school(site: Site) -> School:
    return School(site)


@pytest.fixture
def verifier(school_fetcher: Fetcher) -> Verifier:
    return Verifier(fetcher=school_fetcher)


def check(report: VerificationReport, name: str) -> tuple[Outcome, str]:
    found = report.check(name)
    return found.outcome, found.message


def assert_valid(report: VerificationReport) -> None:
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]


# --- hosted -------------------------------------------------------------------------------


def test_hosted_assertion_by_url_is_valid_and_fetched_once(school, site, verifier):
    school.host()
    report = verifier.verify(HOSTED, now=NOW, recipient=EMAIL)
    assert_valid(report)
    assert report.format == "ob2"
    assert check(report, "proof") == (
        Outcome.PASSED,
        "The assertion is hosted by its issuer (school.example), and that copy was checked.",
    )
    assert check(report, "status")[0] is Outcome.PASSED
    assert check(report, "recipient")[0] is Outcome.PASSED
    assert check(report, "endorsements")[0] is Outcome.SKIPPED
    assert BADGE_NAME in check(report, "format")[1]
    assert "Vilniaus licėjus" in check(report, "format")[1]
    assert site.requests.count("/ob2/assertions/1") == 1
    json.dumps(report.to_dict())  # the report is plain JSON


def test_hosted_assertion_given_as_json_is_checked_at_its_address(school, site, verifier):
    given = school.host()
    report = verifier.verify(json.dumps(given), now=NOW, recipient=EMAIL)
    assert_valid(report)
    assert "/ob2/assertions/1" in site.requests
    assert check(report, "proof")[0] is Outcome.PASSED


def test_the_hosted_copy_counts_not_the_copy_given(school, verifier):
    school.host()
    forged = make_assertion(
        recipient={"type": "email", "hashed": False, "identity": "mallory@example.org"}
    )
    report = verifier.verify(forged, now=NOW, recipient="mallory@example.org")
    assert check(report, "proof")[0] is Outcome.WARNING
    assert "differs" in report.check("proof").detail
    assert check(report, "recipient")[0] is Outcome.FAILED
    assert report.verdict is Verdict.INVALID


def test_hosted_with_embedded_badge_class_and_issuer_link(school, verifier):
    school.host(badge=make_badge_class())
    assert_valid(verifier.verify(HOSTED, now=NOW))


@pytest.mark.parametrize("source", ["json", "url"])
def test_hosted_revoked_flag(school, verifier, source):
    school.publish(
        {
            "@context": OB2,
            "type": "Assertion",
            "id": HOSTED,
            "revoked": True,
            "revocationReason": "Awarded in error",
        },
        HOSTED,
    )
    given = make_assertion() if source == "json" else HOSTED
    report = verifier.verify(given, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, "status") == (Outcome.FAILED, "The issuer has revoked this badge.")
    assert report.check("status").detail == "Reason: Awarded in error"


@pytest.mark.parametrize("source", ["json", "url"])
def test_hosted_410_gone_is_revoked(school, verifier, source):
    school.publish({"id": HOSTED, "revoked": True}, HOSTED, status=410)
    given = make_assertion() if source == "json" else HOSTED
    report = verifier.verify(given, now=NOW)
    assert report.verdict is Verdict.INVALID
    outcome, message = check(report, "status")
    assert outcome is Outcome.FAILED and "revoked" in message and "410" in message
    assert not report.check("status").undecided


@pytest.mark.parametrize("source", ["json", "url"])
@pytest.mark.parametrize(
    ("entry", "reason"),
    [(HOSTED, None), ({"id": HOSTED, "revocationReason": "Awarded in error"}, "Awarded in error")],
)
def test_hosted_assertion_on_the_revocation_list_is_revoked(
    school, site, verifier, source, entry, reason
):
    # OB 2.0: revoked defaults to false only when the assertion is not in the issuer's list
    school.host()
    school.publish(
        {
            "@context": OB2,
            "type": "RevocationList",
            "id": REVOCATIONS,
            "issuer": ISSUER,
            "revokedAssertions": [f"{SCHOOL}/ob2/assertions/2", entry],
        }
    )
    report = verifier.verify(make_assertion() if source == "json" else HOSTED, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, "status") == (Outcome.FAILED, "The issuer has revoked this badge.")
    assert report.check("status").detail == (f"Reason: {reason}" if reason else None)
    assert report.revoked
    assert check(report, "proof")[0] is Outcome.PASSED  # still hosted, and genuine
    assert "/ob2/revocations" in site.requests


def test_hosted_assertion_not_on_the_revocation_list_is_valid(school, verifier):
    school.host()
    school.publish(
        {
            "@context": OB2,
            "type": "RevocationList",
            "id": REVOCATIONS,
            "issuer": ISSUER,
            "revokedAssertions": [
                f"{SCHOOL}/ob2/assertions/2",
                {"id": f"{SCHOOL}/ob2/assertions/3", "revocationReason": "x"},
            ],
        }
    )
    report = verifier.verify(HOSTED, now=NOW)
    assert_valid(report)
    assert check(report, "status") == (
        Outcome.PASSED,
        "The issuer still hosts this badge, and its revocation list does not list it.",
    )
    assert not report.revoked


def test_hosted_assertion_with_an_untrustworthy_or_unreachable_list(school, site, verifier):
    school.host()
    school.publish(
        {
            "type": "RevocationList",
            "id": REVOCATIONS,
            "issuer": "https://other.example/issuer",
            "revokedAssertions": [],
        }
    )
    report = verifier.verify(HOSTED, now=NOW)
    assert check(report, "status") == (
        Outcome.FAILED,
        "The badge's revocation list is not trustworthy.",
    )
    site.routes["/ob2/revocations"] = (503, "text/plain", b"busy")
    report = Verifier(fetcher=verifier.fetcher).verify(HOSTED, now=NOW)
    assert report.verdict is Verdict.UNDECIDED
    assert report.check("status").undecided


def test_hosted_assertion_of_an_issuer_without_a_list_is_checked_by_hosting_alone(
    school, site, verifier
):
    school.host()
    school.publish({k: v for k, v in make_profile().items() if k != "revocationList"})
    report = verifier.verify(HOSTED, now=NOW)
    assert_valid(report)
    assert check(report, "status") == (
        Outcome.PASSED,
        "The issuer still hosts this badge and has not revoked it.",
    )
    assert "/ob2/revocations" not in site.requests


def test_a_failed_ob2_badge_does_not_fetch_its_revocation_list(school, site, verifier):
    school.host(expires="2026-10-01T00:00:00+00:00")  # expired before NOW
    report = verifier.verify(HOSTED, now=NOW)
    assert check(report, "dates")[0] is Outcome.FAILED
    assert check(report, "status")[0] is Outcome.SKIPPED
    assert report.check("status").reason == "verdict_settled"
    assert "/ob2/revocations" not in site.requests
    token = sign(make_assertion("signed"))
    report = verifier.verify(token, now=NOW, recipient="mallory@example.org")
    assert check(report, "recipient")[0] is Outcome.FAILED
    assert report.check("status").reason == "verdict_settled"
    assert "/ob2/revocations" not in site.requests


@pytest.mark.parametrize(("cap", "undecided_check"), [(2, "issuer"), (3, "status")])
def test_ob2_fetches_draw_on_the_verifications_budget(
    school, site, school_fetcher, cap, undecided_check
):
    # hosted assertion, badge class, issuer profile, revocation list: four fetches
    school.host()
    report = Verifier(fetcher=school_fetcher, max_fetches=cap).verify(HOSTED, now=NOW)
    assert len(site.requests) == cap
    assert report.verdict is Verdict.UNDECIDED
    found = report.check(undecided_check)
    assert found.undecided and found.reason == "fetch_limit_reached"
    assert_valid(Verifier(fetcher=school_fetcher, max_fetches=4).verify(HOSTED, now=NOW))


def test_hosted_missing_is_not_valid(school, verifier):
    report = verifier.verify(make_assertion(), now=NOW)  # never published: 404
    assert report.verdict is Verdict.INVALID
    assert check(report, "proof") == (
        Outcome.FAILED,
        "The hosted assertion is not at its address (HTTP 404).",
    )


def test_hosted_on_another_origin_is_refused(school, site):
    other = "https://other.example"
    fetcher = Fetcher(
        FetchPolicy(
            url_map=((f"{SCHOOL}/", f"{site.base}/"), (f"{other}/", f"{site.base}/elsewhere/")),
            timeout=5.0,
        )
    )
    assertion = make_assertion(id=f"{other}/ob2/assertions/1")
    site.json("/elsewhere/ob2/assertions/1", assertion)
    report = Verifier(fetcher=fetcher).verify(assertion, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, "proof") == (
        Outcome.FAILED,
        "The assertion is not hosted at the issuer's own web address.",
    )
    # the issuer may allow that origin in its profile's verification policy
    school.publish(
        make_profile(
            verification={
                "type": "VerificationObject",
                "allowedOrigins": ["school.example", "other.example"],
            }
        )
    )
    assert_valid(Verifier(fetcher=fetcher).verify(assertion, now=NOW))


def test_hosted_outside_the_issuers_starts_with_is_refused(school, verifier):
    school.publish(make_profile(verification={"startsWith": f"{SCHOOL}/ob2/assertions/"}))
    school.host()
    assert_valid(verifier.verify(HOSTED, now=NOW))
    school.publish(make_profile(verification={"startsWith": f"{SCHOOL}/badges-only/"}))
    report = Verifier(fetcher=verifier.fetcher).verify(HOSTED, now=NOW)
    assert check(report, "proof") == (
        Outcome.FAILED,
        "The assertion is not hosted where the issuer says its badges are.",
    )


def test_an_embedded_issuer_profile_cannot_widen_the_hosting_rules(school, site):
    # the forger hosts the assertion on their own site and embeds a copy of the school's
    # profile that allows it; the profile at its own address is the one that counts
    other = "https://other.example"
    fetcher = Fetcher(
        FetchPolicy(
            url_map=((f"{SCHOOL}/", f"{site.base}/"), (f"{other}/", f"{site.base}/elsewhere/")),
            timeout=5.0,
        )
    )
    embedded = make_badge_class(
        id=f"{other}/ob2/badges/water",
        issuer=make_profile(verification={"allowedOrigins": "other.example"}),
    )
    assertion = make_assertion(id=f"{other}/ob2/assertions/1", badge=embedded)
    site.json("/elsewhere/ob2/assertions/1", assertion)
    report = Verifier(fetcher=fetcher).verify(assertion, now=NOW)
    assert check(report, "proof") == (
        Outcome.FAILED,
        "The assertion is not hosted at the issuer's own web address.",
    )
    assert "/ob2/issuer" in site.requests


def test_an_issuer_profile_without_a_name_fails_the_structure_check(school, verifier):
    school.host()
    school.publish({k: v for k, v in make_profile().items() if k != "name"})
    report = verifier.verify(HOSTED, now=NOW)
    assert check(report, "schema")[0] is Outcome.FAILED
    assert report.check("schema").detail == "the issuer profile has no name"
    assert check(report, "proof")[0] is Outcome.PASSED
    assert report.verdict is Verdict.INVALID


# --- signed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "alg"), [(RSA, "RS256"), (EC, "ES256")])
def test_signed_assertion_is_valid(school, verifier, key, alg):
    school.publish(School.key_document(KEY_1, key))
    token = sign(make_assertion("signed"), key, alg)
    report = verifier.verify(token, now=NOW, recipient=EMAIL)
    assert_valid(report)
    assert check(report, "proof") == (Outcome.PASSED, f"The {alg} signature (JWS) verifies.")
    assert check(report, "issuer")[0] is Outcome.PASSED
    assert check(report, "status") == (
        Outcome.PASSED,
        "The issuer's revocation list does not list this badge.",
    )
    assert "(signed, a JWS)" in check(report, "format")[1]


def test_signed_assertion_without_creator_uses_the_profiles_keys(school, verifier):
    school.publish(make_profile(publicKey=[KEY_2, KEY_1]))
    school.publish(School.key_document(KEY_2, EC))
    token = sign(make_assertion("signed", verification={"type": "signed"}))
    assert_valid(verifier.verify(token, now=NOW))


def test_signed_assertion_fetched_from_a_link(school, site, verifier):
    site.text("/ob2/signed/1", sign(make_assertion("signed")), "text/plain")
    assert_valid(verifier.verify(f"{SCHOOL}/ob2/signed/1", now=NOW))


def test_tampered_signed_assertion_fails(school, verifier):
    token = sign(make_assertion("signed"))
    header, _, signature = token.split(".")
    changed = make_assertion(
        "signed", recipient={"type": "email", "hashed": False, "identity": "mallory@example.org"}
    )
    forged = f"{header}.{b64url_encode(json.dumps(changed).encode())}.{signature}"
    report = verifier.verify(forged, now=NOW, recipient="mallory@example.org")
    assert report.verdict is Verdict.INVALID
    assert check(report, "proof") == (
        Outcome.FAILED,
        "The signature does not match: the badge was changed or forged.",
    )
    flipped = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    assert verifier.verify(flipped, now=NOW).check("proof").outcome is Outcome.FAILED


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (SIGNED_ID, None),
        ({"id": SIGNED_ID, "revocationReason": "Awarded in error"}, "Awarded in error"),
    ],
)
def test_signed_assertion_on_the_revocation_list(school, verifier, entry, reason):
    school.publish(
        {
            "@context": OB2,
            "type": "RevocationList",
            "id": REVOCATIONS,
            "issuer": ISSUER,
            "revokedAssertions": ["urn:uuid:someone-else", entry],
        }
    )
    report = verifier.verify(sign(make_assertion("signed")), now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, "status") == (Outcome.FAILED, "The issuer has revoked this badge.")
    assert report.check("status").detail == (f"Reason: {reason}" if reason else None)


def test_signed_revocation_list_of_another_issuer_is_not_trusted(school, verifier):
    school.publish(
        {
            "type": "RevocationList",
            "id": REVOCATIONS,
            "issuer": "https://other.example/issuer",
            "revokedAssertions": [],
        }
    )
    report = verifier.verify(sign(make_assertion("signed")), now=NOW)
    assert check(report, "status") == (
        Outcome.FAILED,
        "The badge's revocation list is not trustworthy.",
    )


def test_signed_revocation_list_unreachable_is_undecided(school, site, verifier):
    del site.routes["/ob2/revocations"]
    school.publish(make_profile(revocationList=f"{SCHOOL}/ob2/slow-list"))
    site.routes["/ob2/slow-list"] = (503, "text/plain", b"busy")
    report = verifier.verify(sign(make_assertion("signed")), now=NOW)
    assert report.verdict is Verdict.UNDECIDED
    assert report.check("status").undecided


def test_signed_key_not_listed_by_the_issuer_is_refused(school, verifier):
    school.publish(School.key_document(KEY_2, EC))  # owned by the issuer, but not listed
    token = sign(
        make_assertion("signed", verification={"type": "SignedBadge", "creator": KEY_2}),
        EC,
        "ES256",
    )
    report = verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, "issuer") == (
        Outcome.FAILED,
        "The signing key is not one the issuer lists in its profile.",
    )


def test_signed_key_owned_by_someone_else_is_refused(school, verifier):
    school.publish(School.key_document(KEY_1, RSA, owner="https://other.example/issuer"))
    report = verifier.verify(sign(make_assertion("signed")), now=NOW)
    assert check(report, "issuer") == (
        Outcome.FAILED,
        "The signing key belongs to someone else, not the issuer.",
    )


def test_signed_by_another_key_than_the_published_one(school, verifier):
    token = sign(make_assertion("signed"), jwk.JWK.generate(kty="RSA", size=2048))
    report = verifier.verify(token, now=NOW)
    assert check(report, "proof")[0] is Outcome.FAILED
    assert report.verdict is Verdict.INVALID


def _unsigned_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [
            b64url_encode(json.dumps(header).encode()),
            b64url_encode(json.dumps(payload).encode()),
            b64url_encode(signature),
        ]
    )


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", "PS256"])
def test_refused_jws_algorithms(school, verifier, alg):
    payload = make_assertion("signed")
    if alg == "none":
        token = _unsigned_token({"alg": "none"}, payload)
    elif alg == "HS256":
        # the classic confusion attack: HMAC keyed with the issuer's public key text
        secret = jwk.JWK(kty="oct", k=b64url_encode(pem(RSA).encode()))
        token = sign(payload, secret, "HS256")
    else:
        token = sign(payload, RSA, alg)
    report = verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.format == "ob2"
    assert check(report, "proof") == (Outcome.FAILED, "The signature is of a kind that is refused.")
    assert repr(alg) in report.check("proof").detail


def test_jws_alg_must_match_the_issuers_key(school, verifier):
    # ES256 in the header, RSA key published: never "valid"
    token = _unsigned_token({"alg": "ES256"}, make_assertion("signed"), b"\0" * 64)
    report = verifier.verify(token, now=NOW)
    assert check(report, "proof")[0] is Outcome.FAILED
    assert "RS256 key" in report.check("proof").detail


# --- dates and recipient -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hosted", "signed"])
@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"expires": "2026-10-01T00:00:00Z"}, "The badge expired on 2026-10-01T00:00:00Z."),
        (
            {"issuedOn": "2027-01-01T00:00:00Z"},
            "The badge says it was issued in the future (2027-01-01T00:00:00Z).",
        ),
        ({"issuedOn": "1 September 2026"}, "The badge's dates are unreadable."),
    ],
)
def test_dates(school, verifier, kind, dates, message):
    if kind == "hosted":
        source: Any = school.host(**dates)
    else:
        source = sign(make_assertion("signed", **dates))
    report = verifier.verify(source, now=NOW)
    assert check(report, "dates") == (Outcome.FAILED, message)
    assert report.verdict is Verdict.INVALID


def test_expiry_in_the_future_is_fine(school, verifier):
    report = verifier.verify(school.host(expires="2027-09-01T00:00:00Z"), now=NOW)
    assert_valid(report)
    assert "valid until 2027-09-01" in report.check("dates").message


@pytest.mark.parametrize(
    "recipient",
    [
        {"type": "email", "hashed": True, "salt": SALT, "identity": sha256_identity(EMAIL)},
        {"type": "email", "hashed": True, "salt": SALT, "identity": md5_identity(EMAIL)},
        {
            "type": "email",
            "hashed": True,
            "identity": "sha256$" + hashlib.sha256(EMAIL.encode()).hexdigest(),
        },
        {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": sha256_identity(EMAIL).upper().replace("SHA256$", "sha256$"),
        },
        {"type": "email", "hashed": False, "identity": "Ona@Example.org"},
    ],
    ids=["sha256-salted", "md5-salted", "sha256-unsalted", "sha256-uppercase-hex", "plain"],
)
@pytest.mark.parametrize("kind", ["hosted", "signed"])
def test_recipient(school, verifier, recipient, kind):
    source: Any = (
        school.host(recipient=recipient)
        if kind == "hosted"
        else sign(make_assertion("signed", recipient=recipient))
    )
    yes = verifier.verify(source, now=NOW, recipient="ona@example.org")
    assert check(yes, "recipient") == (Outcome.PASSED, "The badge was awarded to this recipient.")
    assert_valid(yes)
    no = verifier.verify(source, now=NOW, recipient="mallory@example.org")
    assert check(no, "recipient") == (
        Outcome.FAILED,
        "The badge was not awarded to this recipient.",
    )
    assert no.verdict is Verdict.INVALID
    assert check(verifier.verify(source, now=NOW), "recipient")[0] is Outcome.SKIPPED


def test_recipient_with_an_unknown_hash(school, verifier):
    source = school.host(
        recipient={
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": "sha1$" + hashlib.sha1(b"x").hexdigest(),
        }
    )
    report = verifier.verify(source, now=NOW, recipient=EMAIL)
    assert check(report, "recipient")[0] is Outcome.FAILED
    assert "cannot check" in report.check("recipient").message


# --- the guarded fetcher ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_loopback_hosted_assertion_is_refused_by_a_default_verifier(site, scheme):
    target = f"{scheme}://127.0.0.1:{site.port}/ob2/assertions/1"
    assertion = make_assertion(
        id=target, badge=f"{scheme}://127.0.0.1:{site.port}/ob2/badges/water"
    )
    site.json("/ob2/assertions/1", assertion)
    verifier = Verifier(fetcher=Fetcher())
    report = verifier.verify(assertion, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, "proof") == (
        Outcome.FAILED,
        "The hosted assertion is at an address this verifier refuses to visit.",
    )
    assert verifier.verify(target, now=NOW).verdict is not Verdict.VALID
    assert site.requests == []


def test_private_address_key_is_refused(school, site):
    # a profile listing a key on a private address: the default-policy fetcher never goes there
    school.publish(make_profile(publicKey=["https://10.0.0.7/key"]))
    token = sign(
        make_assertion(
            "signed", verification={"type": "SignedBadge", "creator": "https://10.0.0.7/key"}
        )
    )
    fetcher = Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{site.base}/"),), timeout=5.0))
    report = Verifier(fetcher=fetcher).verify(token, now=NOW)
    assert check(report, "issuer") == (
        Outcome.FAILED,
        "The issuer's public key is at an address this verifier refuses to visit.",
    )


def test_without_a_fetcher_a_hosted_badge_is_undecided():
    report = Verifier().verify(make_assertion(), now=NOW)
    assert report.verdict is Verdict.UNDECIDED
    assert report.check("proof").undecided


# --- bad input ---------------------------------------------------------------------------------


def _bad(name: str) -> Any:
    if name == "truncated-json":
        return '{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": '
    if name == "badge-class-not-assertion":
        return make_badge_class()
    if name == "no-verification":
        return {k: v for k, v in make_assertion().items() if k != "verification"}
    if name == "unknown-verification":
        return make_assertion(verification={"type": "BlockchainBadge"})
    if name == "json-claims-signed":
        return make_assertion("signed")
    if name == "jws-claims-hosted":
        return sign(make_assertion("hosted"))
    if name == "no-recipient":
        return sign({k: v for k, v in make_assertion("signed").items() if k != "recipient"})
    if name == "hosted-id-not-a-url":
        return make_assertion(id="urn:uuid:1")
    if name == "ob1-context":
        return make_assertion(**{"@context": "https://w3id.org/openbadges/v1"})
    if name == "jws-bad-signature-encoding":
        token = sign(make_assertion("signed"))
        return token[: token.rindex(".") + 1] + "A"
    if name == "jws-header-not-json":
        token = sign(make_assertion("signed"))
        return b64url_encode(b"[1]") + token[token.index(".") :]
    if name == "jws-crit":
        return _unsigned_token(
            {"alg": "RS256", "crit": ["exp"], "exp": 1}, make_assertion("signed"), b"x" * 256
        )
    raise AssertionError(name)


BAD = {
    "truncated-json": "format",
    "badge-class-not-assertion": "format",
    "no-verification": "format",
    "unknown-verification": "format",
    "json-claims-signed": "proof",
    "jws-claims-hosted": "format",
    "no-recipient": "schema",
    "hosted-id-not-a-url": "proof",
    "ob1-context": "context",
    "jws-bad-signature-encoding": "proof",
    "jws-header-not-json": "proof",
    "jws-crit": "proof",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_failed_check(school, verifier, name):
    report = verifier.verify(_bad(name), now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check(BAD[name]).outcome is Outcome.FAILED, report.to_dict()["checks"]
    assert "could not be verified" not in report.message  # a named check, not the catch-all


@pytest.mark.parametrize(
    ("route", "document", "check_name", "message"),
    [
        (
            "/ob2/assertions/1",
            make_assertion(id=f"{SCHOOL}/ob2/assertions/2"),
            "proof",
            "The document at the assertion's address is not this assertion.",
        ),
        ("/ob2/badges/water", None, "issuer", "The badge class is not at its address (HTTP 404)."),
        (
            "/ob2/issuer",
            b"<html>not json</html>",
            "issuer",
            "The issuer's profile is not valid JSON.",
        ),
        (
            "/ob2/issuer",
            make_profile(id=f"{SCHOOL}/ob2/someone-else"),
            "issuer",
            f"The issuer's profile fetched from {ISSUER} says it is something else.",
        ),
    ],
)
def test_broken_hosted_documents(school, site, verifier, route, document, check_name, message):
    school.host()
    if document is None:
        del site.routes[route]
    elif isinstance(document, bytes):
        site.raw(route, document)
    else:
        site.json(route, document)
    report = verifier.verify(make_assertion(), now=NOW)
    assert report.verdict is Verdict.INVALID
    assert check(report, check_name) == (Outcome.FAILED, message)


@pytest.mark.parametrize(
    "key_pem", ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_unreadable_issuer_key(school, verifier, key_pem):
    school.publish({**School.key_document(KEY_1, RSA), "publicKeyPem": key_pem})
    report = verifier.verify(sign(make_assertion("signed")), now=NOW)
    assert check(report, "issuer") == (Outcome.FAILED, "The issuer's key cannot be read.")


def test_ob3_credentials_are_not_taken_for_ob2(sign_did_key, school_verifier):
    signed = sign_did_key(proof="both")
    for source in (signed.json, signed.jwt):
        report = school_verifier.verify(source, now=NOW)
        assert report.format != "ob2"
        assert_valid(report)


# --- the command line ---------------------------------------------------------------------------


def test_cli_verifies_an_ob2_url_with_map(school, site, capsys):
    school.host()
    mapping = f"{SCHOOL}/={site.base}/"
    now = ISSUED.replace(month=11).isoformat()
    code = main(["verify", HOSTED, "--map", mapping, "--now", now, "--recipient", EMAIL])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("VALID")
    assert BADGE_NAME in out
    school.publish({"id": HOSTED, "revoked": True}, HOSTED, status=410)
    code = main(["verify", HOSTED, "--map", mapping, "--now", now])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "410" in out


# --- baked images ---------------------------------------------------------------------------------


def _png_with_itxt(keyword: bytes, text: str) -> bytes:
    """A 1x1 grey PNG with one uncompressed iTXt chunk, written here by hand."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    itxt = keyword + b"\0\0\0\0\0" + text.encode("utf-8")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"iTXt", itxt)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("payload", ["jws", "url", "json"])
def test_a_baked_ob2_png_is_verified(school, verifier, payload):
    if payload == "jws":
        text = sign(make_assertion("signed"))
    elif payload == "url":
        school.host()
        text = HOSTED
    else:
        text = json.dumps(school.host())
    report = verifier.verify(_png_with_itxt(b"openbadges", text), now=NOW, recipient=EMAIL)
    assert_valid(report)
    assert report.format == "ob2"
    assert "baked PNG image" in report.check("format").message
