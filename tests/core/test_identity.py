"""The recipient check fails closed: only a full digest of a known algorithm matches.

A signed badge's ``identifier`` says whom it was awarded to. If an unknown hash algorithm
were taken as a match, or the digest compared as a prefix (so that ``sha256$`` with an
empty digest matched anyone), the verifier would confirm any address as the recipient.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.identity import (
    hash_identity,
    hashed_email,
    identity_matches,
    normalize_email,
    recipient_address,
    recipient_description,
)
from badges.issuing import sign_credential
from badges.verification import Verifier
from badges.verification.report import CheckId, Checks, Outcome
from badges.verification.steps.recipient import check_recipient

from ..conftest import ISSUED, NOW, build_credential

SALT = "aspnet-2026"
ONA = "ona@example.org"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


# -- hashing -----------------------------------------------------------------------------------


def test_hash_identity_is_sha256_of_identity_then_salt():
    assert hash_identity(ONA, SALT) == "sha256$" + sha256(ONA + SALT)
    assert hash_identity(ONA, "") == "sha256$" + sha256(ONA)


def test_normalize_email_trims_and_lowercases_only():
    assert normalize_email("  Ona.P@Example.ORG \n") == "ona.p@example.org"
    assert normalize_email("ona+x@example.org") == "ona+x@example.org"


def test_hashed_email_hashes_the_normalised_address_with_the_salt():
    identity = hashed_email(" Ona@Example.org ", salt=SALT)
    assert identity.identity_hash == "sha256$" + sha256(ONA + SALT)
    assert identity.identity_type == "emailAddress"
    assert identity.hashed is True
    assert identity.salt == SALT
    assert identity.to_json() == {
        "type": "IdentityObject",
        "identityHash": "sha256$" + sha256(ONA + SALT),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": SALT,
    }


def test_hashed_email_draws_a_fresh_salt_each_time():
    first, second = hashed_email(ONA), hashed_email(ONA)
    assert first.salt is not None and re.fullmatch(r"[0-9a-f]{32}", first.salt)
    assert first.salt != second.salt
    assert first.identity_hash != second.identity_hash
    assert first.identity_hash == hash_identity(ONA, first.salt)


def test_an_empty_salt_is_kept_not_replaced():
    identity = hashed_email(ONA, salt="")
    assert identity.salt == ""
    assert identity.identity_hash == "sha256$" + sha256(ONA)


# -- matching ----------------------------------------------------------------------------------


def test_a_sha256_hash_matches_its_address_only():
    value = "sha256$" + sha256(ONA + SALT)
    assert identity_matches(value, SALT, ONA)
    assert not identity_matches(value, SALT, "jonas@example.org")
    assert not identity_matches(value, "another-salt", ONA)
    assert not identity_matches(value, None, ONA)  # the salt is part of the hash


def test_the_candidate_matches_as_given_or_normalised_as_an_email():
    value = "sha256$" + sha256(ONA + SALT)
    assert identity_matches(value, SALT, " ONA@Example.org ")
    # an identity that is not an email is hashed as it is: its case counts
    url = "https://school.example/Pupils/Ona"
    exact = "sha256$" + sha256(url + SALT)
    assert identity_matches(exact, SALT, url)
    assert not identity_matches("sha256$" + sha256(url.lower() + SALT), SALT, url + "x")


def test_no_salt_means_the_identity_alone():
    assert identity_matches("sha256$" + sha256(ONA), None, ONA)
    assert identity_matches("sha256$" + sha256(ONA), "", ONA)


def test_algorithm_name_and_digest_are_case_insensitive():
    digest = sha256(ONA + SALT)
    assert identity_matches("SHA256$" + digest, SALT, ONA)
    assert identity_matches("sha256$" + digest.upper(), SALT, ONA)
    assert identity_matches("MD5$" + md5(ONA + SALT).upper(), SALT, ONA)


def test_an_md5_hash_of_open_badges_2_matches():
    value = "md5$" + md5(ONA + SALT)
    assert identity_matches(value, SALT, ONA)
    assert not identity_matches(value, SALT, "jonas@example.org")
    # the algorithm named decides: an md5 digest under sha256 (or the reverse) is no match
    assert not identity_matches("sha256$" + md5(ONA + SALT), SALT, ONA)
    assert not identity_matches("md5$" + sha256(ONA + SALT), SALT, ONA)


@pytest.mark.parametrize(
    "value",
    [
        "sha256$",
        "md5$",
        "$",
        "sha256$" + sha256(ONA + SALT)[:-1],
        "sha256$" + sha256(ONA + SALT)[:8],
        "md5$" + md5(ONA + SALT)[:-1],
        "sha256$" + sha256(ONA + SALT) + "0",
        "sha256$" + sha256(ONA + SALT)[1:],
    ],
    ids=["empty-sha256", "empty-md5", "empty", "short", "prefix", "short-md5", "long", "suffix"],
)
def test_only_the_whole_digest_matches(value):
    assert not identity_matches(value, SALT, ONA)
    assert not identity_matches(value, SALT, "anyone@example.org")


@pytest.mark.parametrize(
    "value",
    [
        "sha512$" + hashlib.sha512((ONA + SALT).encode()).hexdigest(),
        "sha1$" + hashlib.sha1((ONA + SALT).encode()).hexdigest(),
        "sha384$",
        "bcrypt$" + sha256(ONA + SALT),
        "$" + sha256(ONA + SALT),
        "plain$" + ONA,
    ],
    ids=["sha512", "sha1", "sha384-empty", "unknown-with-sha256-digest", "no-name", "plain"],
)
def test_an_unknown_algorithm_never_matches(value):
    assert not identity_matches(value, SALT, ONA)
    assert not identity_matches(value, None, ONA)
    assert not identity_matches(value, SALT, "anyone@example.org")


def test_an_unhashed_value_matches_exactly():
    assert identity_matches(ONA, None, ONA)
    assert identity_matches(ONA, None, " Ona@Example.org")  # normalised as an email
    assert not identity_matches(ONA, None, "ona@example.or")
    assert not identity_matches("ona@example.or", None, ONA)
    assert not identity_matches("", None, ONA)
    # the salt plays no part in an unhashed value
    assert identity_matches(ONA, SALT, ONA)


def test_an_unhashed_value_is_compared_as_it_is_not_normalised():
    assert not identity_matches("Ona@Example.org", None, "ona@example.org")
    assert identity_matches("Ona@Example.org", None, "Ona@Example.org")


# -- the recipient step -------------------------------------------------------------------------


def recipient_outcome(credential: dict[str, Any], recipient: str | None) -> tuple[Outcome, str]:
    checks = Checks()
    check_recipient(credential, checks, recipient)
    result = checks.get(CheckId.RECIPIENT)
    assert result is not None
    return result.outcome, result.message


def identifier(value: str, salt: str | None = SALT) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "IdentityObject",
        "identityHash": value,
        "identityType": "emailAddress",
        "hashed": True,
    }
    if salt is not None:
        out["salt"] = salt
    return out


def subject_with(*identifiers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"credentialSubject": {"type": ["AchievementSubject"], "identifier": list(identifiers)}}


def test_the_step_skips_without_a_recipient():
    credential = subject_with(identifier("sha256$" + sha256(ONA + SALT)))
    assert recipient_outcome(credential, None) == (
        Outcome.SKIPPED,
        "No recipient was given to check.",
    )
    assert recipient_outcome(credential, "")[0] is Outcome.SKIPPED


def test_the_step_passes_for_the_hashed_recipient_and_fails_for_another():
    credential = subject_with(identifier("sha256$" + sha256(ONA + SALT)))
    assert recipient_outcome(credential, ONA) == (
        Outcome.PASSED,
        "The badge was awarded to this recipient.",
    )
    assert recipient_outcome(credential, "jonas@example.org") == (
        Outcome.FAILED,
        "The badge was not awarded to this recipient.",
    )


@pytest.mark.parametrize(
    "value",
    ["sha256$", "sha256$" + sha256(ONA + SALT)[:10], "sha512$" + sha256(ONA + SALT), "x$"],
)
def test_the_step_fails_an_empty_partial_or_unknown_hash(value):
    assert recipient_outcome(subject_with(identifier(value)), ONA)[0] is Outcome.FAILED


def test_the_step_looks_at_every_identifier_and_subject():
    good = identifier("sha256$" + sha256(ONA + SALT))
    credential = subject_with(identifier("sha256$"), "not an object", good)  # type: ignore[arg-type]
    assert recipient_outcome(credential, ONA)[0] is Outcome.PASSED
    credential = {
        "credentialSubject": [
            "not an object",
            {"id": "did:example:jonas"},
            {"identifier": good},  # one identifier, not in a list
        ]
    }
    assert recipient_outcome(credential, ONA)[0] is Outcome.PASSED


def test_the_step_matches_the_subject_id_exactly():
    credential = {"credentialSubject": {"id": "did:example:ona"}}
    assert recipient_outcome(credential, "did:example:ona") == (
        Outcome.PASSED,
        "The badge was awarded to this recipient.",
    )
    assert recipient_outcome(credential, "did:example:on")[0] is Outcome.FAILED
    assert recipient_outcome(credential, "did:example:ona2")[0] is Outcome.FAILED


def test_the_step_ignores_a_hash_or_salt_of_the_wrong_type():
    digest = "sha256$" + sha256(ONA + SALT)
    unsalted = "sha256$" + sha256(ONA)
    # a salt that is not a string is no salt: only the unsalted hash can match
    credential = subject_with(identifier(unsalted, salt=None) | {"salt": 42})
    assert recipient_outcome(credential, ONA)[0] is Outcome.PASSED
    credential = subject_with(identifier(digest, salt=None) | {"salt": ["aspnet-", "2026"]})
    assert recipient_outcome(credential, ONA)[0] is Outcome.FAILED
    credential = subject_with(identifier(digest) | {"identityHash": [digest]})
    assert recipient_outcome(credential, ONA)[0] is Outcome.FAILED
    assert recipient_outcome({"credentialSubject": None}, ONA)[0] is Outcome.FAILED


@pytest.mark.parametrize("value", ["sha256$", "sha512$" + "0" * 128, "SHA256$"])
def test_a_signed_badge_with_an_empty_or_unknown_hash_is_not_this_recipients(ed_key, value):
    """End to end: the signature is valid, but the badge names nobody we can confirm."""
    unsigned = build_credential(
        did_key(ed_key.public), email=None, valid_until=datetime(2031, 1, 1, tzinfo=UTC)
    )
    unsigned["credentialSubject"]["identifier"] = [identifier(value)]
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
        created=ISSUED,
    )
    report = Verifier().verify(signed.json, now=NOW, recipient="anyone@example.org")
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.check("recipient").outcome is Outcome.FAILED
    assert not report.verified


# -- whose badge: recipient_address (importing a badge into a learner's portfolio) ------------


def _ob3(**subject):
    return {"type": ["VerifiableCredential", "OpenBadgeCredential"], "credentialSubject": subject}


def _identifier(value, *, hashed=True, kind="emailAddress", salt="s4lt"):
    return {
        "type": "IdentityObject",
        "identityHash": value,
        "identityType": kind,
        "hashed": hashed,
        "salt": salt,
    }


MINE = ["ona@school.example", "Ona.Personal@Example.net"]


@pytest.mark.parametrize(
    ("credential", "expected"),
    [
        (_ob3(identifier=[hashed_email("ONA@school.example ", salt="s").to_json()]), MINE[0]),
        (
            _ob3(identifier=[_identifier(hash_identity("ona.personal@example.net", "s4lt"))]),
            MINE[1],
        ),
        (_ob3(identifier=[_identifier("ONA@School.Example", hashed=False)]), MINE[0]),
        (_ob3(id="mailto:ona.personal@EXAMPLE.net"), MINE[1]),
        (_ob3(id="did:example:ona"), None),
        (_ob3(identifier=[_identifier("ona@school.example", hashed=False, kind="name")]), None),
        (_ob3(identifier=[_identifier(hash_identity("someone@else.example", "s4lt"))]), None),
        (
            {"recipient": {"type": "email", "hashed": False, "identity": "Ona@School.example"}},
            MINE[0],
        ),
        (
            {
                "recipient": {
                    "type": "email",
                    "hashed": True,
                    "salt": "x",
                    "identity": "md5$"
                    + hashlib.md5(b"ona.personal@example.netx", usedforsecurity=False).hexdigest(),
                }
            },
            MINE[1],
        ),
        ({"recipient": {"type": "url", "hashed": False, "identity": "ona@school.example"}}, None),
        ({"credentialSubject": "ona@school.example"}, None),
    ],
)
def test_recipient_address_finds_which_confirmed_address_a_badge_names(credential, expected):
    assert recipient_address(credential, MINE) == expected


def test_recipient_description_says_who_a_badge_names_without_guessing():
    assert recipient_description(_ob3(id="did:example:ona")) == "did:example:ona"
    hashed = _ob3(identifier=[hashed_email("a@b.example").to_json()])
    assert recipient_description(hashed) == "an address, hashed"
    assert recipient_description({"recipient": {"identity": "a@b.example", "hashed": False}}) == (
        "a@b.example"
    )
    assert recipient_description({}) == "nobody it names"


ONA_HASHED = hash_identity("ona@school.example", "s4lt")


@pytest.mark.parametrize(
    "credential",
    [
        # an assertion's recipient without a type is an email address (OB 2.0's default)
        {"recipient": {"hashed": False, "identity": "ona@school.example"}},
        {"recipient": {"salt": "s4lt", "identity": ONA_HASHED}},
        # the identifiers that cannot name the address are passed over, not the end of the list
        _ob3(identifier=["ona@school.example", _identifier(ONA_HASHED)]),
        _ob3(identifier=[_identifier(ONA_HASHED, kind="name"), _identifier(ONA_HASHED)]),
        _ob3(
            identifier=[
                _identifier("someone@else.example", hashed=False),
                _identifier(ONA_HASHED),
            ]
        ),
    ],
    ids=["untyped-plain", "untyped-hashed", "not-a-dict", "not-email", "other-plain"],
)
def test_recipient_address_reads_past_what_cannot_name_the_address(credential):
    assert recipient_address(credential, MINE) == MINE[0]


@pytest.mark.parametrize("salt", [12345, ["s4lt"], {"s": 1}])
def test_a_salt_that_is_not_text_counts_as_no_salt(salt):
    unsalted = hash_identity("ona@school.example", "")
    recipient = {"type": "email", "identity": unsalted, "salt": salt}
    assert recipient_address({"recipient": recipient}, MINE) == MINE[0]
    subject = _ob3(identifier=[_identifier(unsalted, salt=salt)])
    assert recipient_address(subject, MINE) == MINE[0]
    # the salt is not mixed in some other way: a hash with it as text does not match
    salted = hash_identity("ona@school.example", str(salt))
    assert recipient_address({"recipient": {**recipient, "identity": salted}}, MINE) is None


def test_recipient_description_of_each_kind_of_recipient():
    long_id = "did:example:" + "o" * 300
    long_address = "a" * 300 + "@b.example"
    # an OB 2.0 assertion: the address only when it is not hashed, cut to 200 characters
    assert recipient_description({"recipient": {"identity": ONA_HASHED, "salt": "s4lt"}}) == (
        "an address, hashed"
    )
    assert recipient_description({"recipient": {"identity": ONA_HASHED, "hashed": True}}) == (
        "an address, hashed"
    )
    assert (
        recipient_description({"recipient": {"identity": long_address, "hashed": False}})
        == (long_address[:200])
    )
    assert recipient_description({"recipient": {"identity": 5, "hashed": False}}) == (
        "nobody it names"
    )
    assert recipient_description({"recipient": {}}) == "nobody it names"
    # an OB 3.0 subject: its id, else its first identifier with a text value
    assert recipient_description(_ob3(id=long_id)) == long_id[:200]
    assert recipient_description(
        {"credentialSubject": ["did:example:not-a-subject", {"id": "did:example:ona"}]}
    ) == ("did:example:ona")
    assert (
        recipient_description(_ob3(identifier=[_identifier(long_address, hashed=False)]))
        == (long_address[:200])
    )
    assert recipient_description(_ob3(identifier=[_identifier(ONA_HASHED)])) == (
        "an address, hashed"
    )
    assert recipient_description(_ob3(identifier=[{"identityHash": ONA_HASHED}])) == (
        "an address, hashed"
    )
    assert recipient_description(_ob3(identifier=[{"identityHash": 5, "hashed": False}])) == (
        "nobody it names"
    )
    assert recipient_description(
        _ob3(identifier=["ona@school.example", _identifier("ona@school.example", hashed=False)])
    ) == ("ona@school.example")
