"""The structure step, exactly: the context and schema checks' outcomes and messages.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/structure.py.
"""

from __future__ import annotations

import copy

from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import NOW
from tests.core.test_clr import ACHIEVEMENT, PATHWAY, badge, pathway_badge, record


def learner_record(ed_key, es_key) -> dict:
    three = [badge(ed_key).json, badge(es_key, name="Peer mediation").jwt, pathway_badge(ed_key)]
    return copy.deepcopy(record(three, ed_key, links=[(PATHWAY, ACHIEVEMENT)]).json)


def test_a_learner_record_is_held_to_the_clr_data_model(ed_key, es_key):
    clr = learner_record(ed_key, es_key)
    report = Verifier().verify(clr, now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.PASSED,
        "The learner record follows the CLR 2.0 data model.",
        "the 1EdTech CLR JSON schema is not bundled here, so it was not applied",
    )


def test_a_learner_record_that_breaks_the_data_model_fails_naming_five_problems(ed_key, es_key):
    clr = learner_record(ed_key, es_key)
    clr["credentialSubject"]["association"] = [
        {
            "type": "Association",
            "associationType": f"madeUp{i}",
            "sourceId": PATHWAY,
            "targetId": ACHIEVEMENT,
        }
        for i in range(6)
    ]
    report = Verifier().verify(clr, now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message) == (
        Outcome.FAILED,
        "The learner record does not follow the CLR 2.0 data model.",
    )
    assert schema.detail == "; ".join(
        f"credentialSubject.association[{i}].associationType is not a CLR 2.0 association type"
        for i in range(5)
    )
    assert report.check("context").outcome is Outcome.PASSED
    assert report.verdict is Verdict.INVALID


def test_the_schemas_a_learner_record_names_are_said_not_applied(ed_key, es_key):
    clr = learner_record(ed_key, es_key)
    long_url = "https://example.org/" + "a" * 130 + ".json"
    clr["credentialSchema"] = [
        {"id": url, "type": "JsonSchema"}
        for url in (long_url, "https://example.org/b.json", "https://example.org/c.json")
    ]
    schema = Verifier().verify(clr, now=NOW).check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.PASSED,
        "The learner record follows the CLR 2.0 data model.",
        "the 1EdTech CLR JSON schema is not bundled here, so it was not applied "
        f"({long_url[:120]}, https://example.org/b.json)",
    )


def test_a_schema_this_verifier_lacks_does_not_stop_it_checking_the_ones_it_has(ed_key):
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = build_credential(did_key(ed_key.public))
    other = {
        "id": "https://example.org/other-schema.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }
    credential["credentialSchema"] = [other, *credential["credentialSchema"]]
    report = Verifier().verify(credential, now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.WARNING,
        "The Open Badges schema passed; another schema it names could not be checked.",
        "https://example.org/other-schema.json",
    )
    credential["name"] = 5  # breaks the Open Badges schema, named after the other one
    schema = Verifier().verify(credential, now=NOW).check("schema")
    assert (schema.outcome, schema.message) == (
        Outcome.FAILED,
        "The credential does not follow the Open Badges 3.0 schema.",
    )


def _jwt_of(ed_key, credential: dict) -> str:
    from badges.dids import did_key_verification_method
    from badges.proofs.vc_jwt import sign_jwt

    return sign_jwt(credential, ed_key, kid=did_key_verification_method(ed_key.public))


def _as_vc11(credential: dict) -> dict:
    from badges import standards

    credential["@context"] = [standards.VC_V1, *credential["@context"][1:]]
    credential["issuanceDate"] = credential.pop("validFrom")
    return credential


def _six_problems(ed_key) -> dict:
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = build_credential(did_key(ed_key.public))
    credential["name"], credential["description"] = 1, 2
    achievement = credential["credentialSubject"]["achievement"]
    achievement["name"], achievement["description"], achievement["humanCode"] = 3, 4, 7
    achievement["criteria"]["narrative"] = 5
    return credential


FIVE_PROBLEMS = "; ".join(
    f"{path}: {value} is not of type 'string'"
    for path, value in (
        ("/credentialSubject/achievement/criteria/narrative", 5),
        ("/credentialSubject/achievement/description", 4),
        ("/credentialSubject/achievement/humanCode", 7),
        ("/credentialSubject/achievement/name", 3),
        ("/description", 2),
    )
)


def test_schema_problems_are_named_five_at_most(ed_key):
    report = Verifier().verify(_jwt_of(ed_key, _six_problems(ed_key)), now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.FAILED,
        "The credential does not follow the Open Badges 3.0 schema.",
        FIVE_PROBLEMS,
    )


def test_an_older_credential_off_the_schema_is_warned_about_naming_five_problems(ed_key):
    report = Verifier().verify(_jwt_of(ed_key, _as_vc11(_six_problems(ed_key))), now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.WARNING,
        "This older (VC 1.1) credential does not fully follow today's Open Badges 3.0 schema.",
        FIVE_PROBLEMS,
    )


def test_an_older_credential_on_the_schema_passes_saying_how_it_was_read(ed_key):
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = _as_vc11(build_credential(did_key(ed_key.public)))
    schema = Verifier().verify(_jwt_of(ed_key, credential), now=NOW).check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.PASSED,
        "The credential follows the Open Badges 3.0 schema (read from its older VC 1.1 shape).",
        None,
    )


LONG_SCHEMA = "https://example.org/" + "a" * 130 + ".json"


def _with_four_unknown_schemas(ed_key) -> dict:
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = build_credential(did_key(ed_key.public))
    credential["credentialSchema"] = [
        *credential["credentialSchema"],
        *(
            {"id": url, "type": "1EdTechJsonSchemaValidator2019"}
            for url in (
                LONG_SCHEMA,
                "https://example.org/b.json",
                "https://example.org/c.json",
                "https://example.org/d.json",
            )
        ),
    ]
    return credential


def test_schemas_that_cannot_be_checked_are_named_three_at_most(ed_key):
    report = Verifier().verify(_jwt_of(ed_key, _with_four_unknown_schemas(ed_key)), now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.WARNING,
        "The Open Badges schema passed; another schema it names could not be checked.",
        f"{LONG_SCHEMA[:120]}, https://example.org/b.json, https://example.org/c.json",
    )


def test_a_single_proof_object_is_read_as_a_list_and_unknown_schemas_are_named(ed_key):
    from badges.dids import did_key_verification_method
    from badges.issuing import sign_credential

    signed = sign_credential(
        _with_four_unknown_schemas(ed_key),
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
    ).json
    [signed["proof"]] = signed["proof"]
    schema = Verifier().verify(signed, now=NOW).check("schema")
    assert (schema.outcome, schema.message) == (
        Outcome.WARNING,
        "The credential follows the Open Badges 3.0 schema once single values are read "
        "as the one-element lists the schema asks for.",
    )
    assert schema.detail is not None and schema.detail.startswith("/proof: {'type': ")
    assert schema.detail.endswith(
        f"; not checked: {LONG_SCHEMA[:120]}; not checked: https://example.org/b.json"
        "; not checked: https://example.org/c.json"
    )


def test_a_credential_whose_context_fails_is_checked_no_further(ed_key):
    from badges import standards
    from badges.dids import did_key
    from tests.conftest import build_credential

    not_vc = build_credential(did_key(ed_key.public))
    not_vc["@context"] = ["https://example.org/context"]
    mixed = _as_vc11(build_credential(did_key(ed_key.public)))
    mixed["@context"] = [*mixed["@context"], standards.VC_V2]
    dated = _as_vc11(build_credential(did_key(ed_key.public)))
    dated["validFrom"], dated["validUntil"] = dated["issuanceDate"], "2030-01-01T00:00:00Z"
    for credential, message, detail in (
        (
            not_vc,
            "The credential does not start with the W3C Verifiable Credentials context "
            "(2.0, or 1.1 for older badges).",
            "the first @context is 'https://example.org/context'",
        ),
        (
            mixed,
            "The credential mixes the W3C Verifiable Credentials 1.1 and 2.0 contexts.",
            f"the first @context is {standards.VC_V1!r}",
        ),
        (
            dated,
            "The credential has VC 2.0 dates (validFrom, validUntil) under the VC 1.1 context.",
            "a VC 1.1 credential is dated with issuanceDate and expirationDate",
        ),
    ):
        report = Verifier().verify(_jwt_of(ed_key, credential), now=NOW)
        context = report.check("context")
        assert (context.outcome, context.message, context.detail) == (
            Outcome.FAILED,
            message,
            detail,
        )
        for name in ("schema", "proof", "issuer", "dates", "status"):
            check = report.check(name)
            assert (check.outcome, check.message) == (
                Outcome.SKIPPED,
                "Not checked, because an earlier check failed.",
            )


def test_the_shape_memo_never_answers_for_a_credential_naming_other_schemas(ed_key):
    """Two badges of one shape, one naming the Open Badges schema and one a schema this
    verifier lacks in its place: the second is not handed the first's remembered pass."""
    from badges.dids import did_key
    from tests.conftest import build_credential

    verifier = Verifier()
    first = build_credential(did_key(ed_key.public))
    schema = verifier.verify(_jwt_of(ed_key, first), now=NOW).check("schema")
    assert (schema.outcome, schema.detail) == (Outcome.PASSED, None)
    second = build_credential(did_key(ed_key.public), email="jonas@example.org")
    second["credentialSchema"][0]["id"] = "https://example.org/other-schema.json"
    schema = verifier.verify(_jwt_of(ed_key, second), now=NOW).check("schema")
    assert (schema.outcome, schema.detail) == (
        Outcome.WARNING,
        "https://example.org/other-schema.json",
    )


def test_each_refused_context_is_named_and_ends_the_checks(ed_key):
    from badges import standards
    from badges.dids import did_key
    from tests.conftest import build_credential

    def base() -> dict:
        return build_credential(did_key(ed_key.public))

    inline = base()
    inline["@context"] = [*inline["@context"], {"name": "https://example.org/name"}]
    unknown = base()
    long_context = "https://example.org/" + "c" * 250
    unknown["@context"] = [*unknown["@context"], long_context]
    no_ob = base()
    no_ob["@context"] = [standards.VC_V2]
    endorsing = {
        "@context": [standards.VC_V2],
        "id": "urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": did_key(ed_key.public),
        "validFrom": "2026-09-01T08:00:00Z",
        "credentialSubject": {"id": "urn:uuid:x", "type": ["EndorsementSubject"]},
    }
    undefined = base()
    undefined["favouriteColour"] = "green"
    for credential, message, detail in (
        (
            inline,
            "The credential carries an inline @context, which could redefine its terms.",
            None,
        ),
        (
            unknown,
            "The credential names a JSON-LD context this verifier does not know.",
            long_context[:200],
        ),
        (no_ob, "The Open Badges 3.0 context is missing from @context.", None),
        (endorsing, "The Open Badges 3.0 context is missing from @context.", None),
        (
            undefined,
            "The credential has properties or types its contexts do not define.",
            "the term 'favouriteColour' is not defined by any @context, so it would not be signed",
        ),
    ):
        report = Verifier().verify(_jwt_of(ed_key, credential), now=NOW)
        context = report.check("context")
        assert (context.outcome, context.message, context.detail) == (
            Outcome.FAILED,
            message,
            detail,
        )
        schema = report.check("schema")
        assert (schema.outcome, schema.message) == (
            Outcome.SKIPPED,
            "Not checked, because an earlier check failed.",
        )


def test_an_older_credentials_contexts_pass_saying_its_shape(ed_key):
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = _as_vc11(build_credential(did_key(ed_key.public)))
    context = Verifier().verify(_jwt_of(ed_key, credential), now=NOW).check("context")
    assert (context.outcome, context.message) == (
        Outcome.PASSED,
        "Every term is defined by a known context (an older credential in the VC 1.1 shape).",
    )


def test_a_remembered_shape_keeps_the_values_every_named_schema_inspects(ed_key):
    """A credential naming two bundled schemas: a value only the first one inspects
    (achievementType, an enumeration of the achievement schema, which the profile schema
    does not read) is part of the remembered shape, so a credential of the same shape with
    a value outside the enumeration is checked, not passed from the memory."""
    from badges import standards
    from badges.dids import did_key
    from tests.conftest import build_credential

    def credential(name: str, achievement_type: str) -> str:
        unsigned = build_credential(did_key(ed_key.public), name=name)
        unsigned["type"] = [*unsigned["type"], "Profile"]  # follows the profile schema too
        unsigned["credentialSchema"] = [
            {"id": url, "type": "1EdTechJsonSchemaValidator2019"}
            for url in (standards.ACHIEVEMENT_CREDENTIAL_SCHEMA, standards.PROFILE_SCHEMA)
        ]
        unsigned["credentialSubject"]["achievement"]["achievementType"] = achievement_type
        return _jwt_of(ed_key, unsigned)

    verifier = Verifier()
    # the first remembers only its content; the second, of the same shape, its shape too
    for name in ("Water monitor", "Coast keeper"):
        report = verifier.verify(credential(name, "Competency"), now=NOW)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        assert report.check("schema").message == (
            "The credential follows the Open Badges 3.0 schema."
        )
    report = verifier.verify(credential("Peer mediation", "NoSuchAchievementType"), now=NOW)
    schema = report.check("schema")
    assert (report.verdict, schema.outcome, schema.message) == (
        Verdict.INVALID,
        Outcome.FAILED,
        "The credential does not follow the Open Badges 3.0 schema.",
    )
    assert "/credentialSubject/achievement/achievementType" in (schema.detail or "")
    # and checked alone, the same verdict
    alone = Verifier().verify(credential("Peer mediation", "NoSuchAchievementType"), now=NOW)
    assert alone.check("schema").outcome is Outcome.FAILED


def test_an_older_credential_is_held_to_every_schema_it_names(ed_key):
    """A VC 1.1 credential naming the achievement schema, then the profile schema: the
    second is applied too (its problem is in the warning), not only the first."""
    from badges import standards
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = _as_vc11(build_credential(did_key(ed_key.public)))
    credential["credentialSchema"] = [
        {"id": url, "type": "JsonSchemaValidator2018"}
        for url in (standards.ACHIEVEMENT_CREDENTIAL_SCHEMA, standards.PROFILE_SCHEMA)
    ]
    schema = Verifier().verify(_jwt_of(ed_key, credential), now=NOW).check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.WARNING,
        "This older (VC 1.1) credential does not fully follow today's Open Badges 3.0 schema.",
        "/type: ['VerifiableCredential', 'OpenBadgeCredential'] does not contain items "
        "matching the given schema",
    )


def test_a_remembered_shape_never_answers_for_a_credential_naming_other_schemas(ed_key):
    """As above, once the shape is remembered (from the second badge of a verifier on): a
    badge of that shape naming a schema this verifier lacks in place of the Open Badges
    one is not handed the remembered pass."""
    from badges.dids import did_key
    from tests.conftest import build_credential

    verifier = Verifier()
    for name in ("Water monitor", "Coast keeper"):
        passed = build_credential(did_key(ed_key.public), name=name)
        schema = verifier.verify(_jwt_of(ed_key, passed), now=NOW).check("schema")
        assert (schema.outcome, schema.detail) == (Outcome.PASSED, None)
    other = build_credential(did_key(ed_key.public), name="Peer mediation")
    other["credentialSchema"][0]["id"] = "https://example.org/other-schema.json"
    schema = verifier.verify(_jwt_of(ed_key, other), now=NOW).check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.WARNING,
        "The Open Badges schema passed; another schema it names could not be checked.",
        "https://example.org/other-schema.json",
    )


def test_single_values_read_as_lists_are_named_five_at_most(ed_key):
    """Six single values where the schema lists arrays: a warning naming the first five."""
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = build_credential(did_key(ed_key.public))
    credential["credentialSchema"] = credential["credentialSchema"][0]
    credential["credentialSubject"]["type"] = "AchievementSubject"
    achievement = credential["credentialSubject"]["achievement"]
    achievement["type"] = "Achievement"
    achievement["tag"] = "water"
    achievement["creator"] = {"id": did_key(ed_key.public), "type": "Profile"}
    credential["issuer"]["type"] = "Profile"  # the sixth, past the cut
    schema = Verifier().verify(_jwt_of(ed_key, credential), now=NOW).check("schema")
    assert (schema.outcome, schema.message) == (
        Outcome.WARNING,
        "The credential follows the Open Badges 3.0 schema once single values are read as "
        "the one-element lists the schema asks for.",
    )
    assert (schema.detail or "").split("; ") == [
        f"/credentialSchema: {credential['credentialSchema']!r} is not of type 'array'",
        "/credentialSubject/achievement/creator/type: 'Profile' is not of type 'array'",
        "/credentialSubject/achievement/tag: 'water' is not of type 'array'",
        "/credentialSubject/achievement/type: 'Achievement' is not of type 'array'",
        "/credentialSubject/type: 'AchievementSubject' is not of type 'array'",
    ]


def test_an_older_credentials_undefined_term_is_named_with_its_shape(ed_key):
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = _as_vc11(build_credential(did_key(ed_key.public)))
    credential["favouriteColour"] = "blue"
    context = Verifier().verify(_jwt_of(ed_key, credential), now=NOW).check("context")
    assert (context.outcome, context.message, context.detail) == (
        Outcome.FAILED,
        "The credential has properties or types its contexts do not define.",
        "the term 'favouriteColour' is not defined by any @context, so it would not be signed"
        " (an older credential in the VC 1.1 shape)",
    )


def test_a_warning_is_never_remembered_by_shape_for_another_badge(ed_key):
    """As test_verification's remembered-warning test, with the shape remembered from the
    second badge of a verifier on: the third learner's warning quotes only their own
    values, never the second's."""
    from badges.dids import did_key
    from tests.conftest import build_credential

    verifier = Verifier()

    def single_identity(email: str) -> tuple[str, str]:
        credential = build_credential(did_key(ed_key.public), email=email)
        identity = credential["credentialSubject"]["identifier"][0]
        credential["credentialSubject"]["identifier"] = identity  # the schema wants a list
        return _jwt_of(ed_key, credential), identity["identityHash"].split("$")[-1]

    seen: list[str] = []
    for email in ("ona@example.org", "jonas@example.org", "ruta@example.org"):
        token, digest = single_identity(email)
        schema = verifier.verify(token, now=NOW).check("schema")
        assert schema.outcome is Outcome.WARNING
        assert digest in (schema.detail or "")
        assert not any(other in (schema.detail or "") for other in seen), email
        seen.append(digest)


def test_a_learner_record_is_held_to_its_terms_not_to_the_open_badges_context(ed_key, es_key):
    """The Open Badges 3.0 context is demanded of badges and endorsements only: a learner
    record naming just the VC and CLR contexts is told the term those leave undefined."""
    clr = learner_record(ed_key, es_key)
    clr["@context"] = clr["@context"][:2]
    context = Verifier().verify(clr, now=NOW).check("context")
    assert (context.outcome, context.message, context.detail) == (
        Outcome.FAILED,
        "The credential has properties or types its contexts do not define.",
        "the term 'achievementType' is not defined by any @context, so it would not be signed",
    )


def test_a_verifiers_own_copy_of_a_bundled_context_is_the_one_read(ed_key):
    """A verifier's loader answers before the bundled contexts: with its own copy of the
    extensions context, which leaves out 1EdTechJsonSchemaValidator2019, a badge's
    credentialSchema type is undefined, whether the badge carries embedded proofs (its
    context check settled by the canonical form) or not (the compiled walk, then strict
    expansion). The bundled copy defines it."""
    from badges import standards
    from badges.dids import did_key
    from badges.jsonld.loader import FrozenDocumentLoader
    from tests.conftest import build_credential
    from tests.core.test_clr import badge

    own = FrozenDocumentLoader({standards.OB_V3_EXTENSIONS: {"@context": {"id": "@id"}}})
    embedded = badge(ed_key, proof="data-integrity").json
    assert "proof" in embedded
    for source in (embedded, _jwt_of(ed_key, build_credential(did_key(ed_key.public)))):
        context = Verifier(loader=own).verify(source, now=NOW).check("context")
        assert (context.outcome, context.message, context.detail) == (
            Outcome.FAILED,
            "The credential has properties or types its contexts do not define.",
            "the type '1EdTechJsonSchemaValidator2019' is not defined by any @context",
        )
        assert Verifier().verify(source, now=NOW).check("context").outcome is Outcome.PASSED


def test_a_term_left_undefined_beside_a_context_only_the_verifier_knows_is_named(ed_key):
    """A badge naming a context only this verifier's loader holds, with a term no context
    defines: the message names that term (strict expansion with the verifier's contexts),
    not the context, with or without embedded proofs."""
    from badges.dids import did_key
    from badges.jsonld.loader import FrozenDocumentLoader
    from tests.conftest import build_credential
    from tests.core.test_clr import badge

    url = "https://school.example/contexts/note.jsonld"
    own = FrozenDocumentLoader(
        {url: {"@context": {"schoolNote": "https://school.example/vocab#schoolNote"}}}
    )

    def noted(credential: dict) -> dict:
        credential["@context"] = [*credential["@context"], url]
        credential["schoolNote"] = "Well done"
        return credential

    unsigned = noted(build_credential(did_key(ed_key.public)))
    context = Verifier(loader=own).verify(_jwt_of(ed_key, unsigned), now=NOW).check("context")
    assert (context.outcome, context.message) == (
        Outcome.PASSED,
        "Every term is defined by a known context.",
    )
    embedded = noted(copy.deepcopy(badge(ed_key, proof="data-integrity").json))
    unsigned["favouriteColour"] = embedded["favouriteColour"] = "green"
    for source in (_jwt_of(ed_key, unsigned), embedded):
        context = Verifier(loader=own).verify(source, now=NOW).check("context")
        assert (context.outcome, context.message, context.detail) == (
            Outcome.FAILED,
            "The credential has properties or types its contexts do not define.",
            "the term 'favouriteColour' is not defined by any @context, so it would not be signed",
        )
