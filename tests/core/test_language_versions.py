"""An achievement in several languages (issue 12): the awarded version names the others in
``related[]`` (OB 3.0's ``Related``: id, inLanguage, version) and embeds their text, so a
reader is shown the version in their language from the signed credential alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from badges import standards
from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from badges.jsonld.canon import expand_strict
from badges.languages import choose, language_name, language_versions, primary
from badges.model import Achievement, Related
from badges.schema import schema_errors
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import NOW, build_credential

RUSSIAN = Related(
    id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e70",
    in_language="ru",
    version="2",
    name="Проект Балтийского моря: наблюдатель за водой",
    description="Следил за качеством воды на побережье Балтийского моря.",
    narrative="Взять **десять** проб за сезон.",
)


def with_versions(issuer: str, *related: Related) -> dict[str, Any]:
    credential = build_credential(issuer)  # its achievement is in Lithuanian ("lt")
    achievement = credential["credentialSubject"]["achievement"]
    achievement["related"] = [entry.to_json() for entry in related]
    return credential


def test_a_related_entry_is_written_as_the_spec_names_it_with_its_text() -> None:
    assert RUSSIAN.to_json() == {
        "id": "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e70",
        "type": ["Related"],
        "inLanguage": "ru",
        "version": "2",
        "name": "Проект Балтийского моря: наблюдатель за водой",
        "description": "Следил за качеством воды на побережье Балтийского моря.",
        "narrative": "Взять **десять** проб за сезон.",
    }
    assert Related.from_json(RUSSIAN.to_json()) == RUSSIAN
    # and it round-trips inside an achievement
    achievement = with_versions("did:example:issuer", RUSSIAN)["credentialSubject"]["achievement"]
    assert Achievement.from_json(achievement).related == [RUSSIAN]


def test_every_embedded_term_is_defined_by_the_bundled_contexts() -> None:
    """Strict expansion raises on an undefined term: name, description and narrative on a
    Related node are the OB 3.0 context's (schema.org name/description, ob narrative)."""
    expanded = expand_strict(with_versions("did:example:issuer", RUSSIAN))
    text = repr(expanded)
    for iri in (
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#related",
        "https://schema.org/inLanguage",
        "https://schema.org/name",
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative",
    ):
        assert iri in text
    assert "Проект Балтийского моря" in text


@pytest.mark.parametrize("proof", ["data-integrity", "jwt"])
def test_a_badge_with_language_versions_is_schema_valid_and_verifies(ed_key, proof) -> None:
    from badges.proofs.vc_jwt import credential_from_payload, decode_jwt

    unsigned = with_versions(did_key(ed_key.public), RUSSIAN)
    assert schema_errors(unsigned, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof=proof,
    )
    source = signed.json if signed.json is not None else signed.jwt
    report = Verifier().verify(source, now=NOW, recipient="ona@example.org")
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert report.check("schema").outcome is Outcome.PASSED
    document = (
        signed.json
        if signed.json is not None
        else credential_from_payload(decode_jwt(signed.jwt).payload)
    )
    assert schema_errors(document, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    assert document["credentialSubject"]["achievement"]["related"][0]["inLanguage"] == "ru"


def test_the_embedded_text_is_covered_by_the_proof(ed_key) -> None:
    signed = sign_credential(
        with_versions(did_key(ed_key.public), RUSSIAN),
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
    )
    assert signed.json is not None
    forged = copy.deepcopy(signed.json)
    forged["credentialSubject"]["achievement"]["related"][0]["name"] = "Подделка"
    report = Verifier().verify(forged, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED


def test_the_versions_of_a_credential_awarded_version_first() -> None:
    achievement = with_versions("did:example:issuer", RUSSIAN)["credentialSubject"]["achievement"]
    versions = language_versions(achievement)
    assert [(v.language, v.awarded) for v in versions] == [("lt", True), ("ru", False)]
    assert versions[0].name == achievement["name"]
    assert versions[0].criteria == achievement["criteria"]["narrative"]
    assert versions[1].criteria == "Взять **десять** проб за сезон."
    assert versions[1].id == RUSSIAN.id


def test_entries_without_their_text_or_language_are_not_shown() -> None:
    """Another issuer's entry names the version only: showing it would need a fetch."""
    bare = Related(id="https://elsewhere.example/achievements/1", in_language="kk")
    unnamed = {"id": "urn:x", "type": ["Related"], "name": "No language"}
    not_related = {"id": "urn:y", "type": ["Achievement"], "inLanguage": "en", "name": "E"}
    same_language = Related(id="urn:z", in_language="lt-LT", name="Kita")
    achievement = with_versions("did:example:issuer", bare, RUSSIAN, same_language)[
        "credentialSubject"
    ]["achievement"]
    achievement["related"] += [unnamed, not_related, "urn:just-a-string"]
    assert [v.language for v in language_versions(achievement)] == ["lt", "ru"]


def test_choose_matches_the_language_subtag_else_the_awarded_version() -> None:
    achievement = with_versions("did:example:issuer", RUSSIAN)["credentialSubject"]["achievement"]
    versions = language_versions(achievement)
    assert choose(versions, "ru").language == "ru"
    assert choose(versions, "ru-RU").language == "ru"
    assert choose(versions, "lt").awarded
    assert choose(versions, "kk").awarded  # none in Kazakh: the awarded one
    assert choose(versions, None).awarded
    # an achievement that does not say its language still gives one version
    assert language_versions({"name": "X"})[0].language is None


def test_language_names_are_written_in_the_language_itself() -> None:
    assert language_name("lt") == "Lietuvių"
    assert language_name("ru") == "Русский"
    assert language_name("en") == "English"
    assert language_name("zz-not-a-language") == "zz-not-a-language"
    assert language_name(None) == "?"
    assert primary("lt-LT") == "lt" and primary("") is None
