"""The status step, exactly: each outcome with its message, what is fetched and kept.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/status.py.
"""

from __future__ import annotations

import json
from typing import Any

from badges import resolve, standards
from badges.dids import did_key, did_key_verification_method, did_web_document
from badges.fetch import Fetcher
from badges.issuing import sign_credential
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.proofs.vc_jwt import sign_jwt
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import ISSUED, NOW, SCHOOL, SCHOOL_DID, build_credential

LIST_URL = f"{SCHOOL}/revocations"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
STATUS_V1_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"


def status_of(report) -> tuple[Outcome, str, str | None]:
    check = report.check("status")
    return check.outcome, check.message, check.detail


def badge_with(key, method: str, issuer: str, status: list[dict[str, Any]]) -> dict[str, Any]:
    return sign_credential(
        build_credential(issuer, status=status),
        key,
        verification_method=method,
        proof="data-integrity",
    ).json


def test_a_revocation_list_is_fetched_once_and_kept(ed_key, site, publish_did_web, school_verifier):
    method = publish_did_web(ed_key)
    badge = badge_with(ed_key, method, SCHOOL_DID, [rl.status_entry(LIST_URL)])
    site.json(
        "/revocations",
        rl.revocation_list(list_url=LIST_URL, issuer_id=SCHOOL_DID, revoked=[("urn:uuid:x", None)]),
    )
    for _ in range(2):
        report = school_verifier.verify(badge, now=NOW)
        assert status_of(report) == (
            Outcome.PASSED,
            "The issuer has not revoked or suspended this badge.",
            None,
        )
    assert site.requests.count("/revocations") == 1


def test_without_a_fetcher_no_list_can_be_read(ed_key):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    for entry, detail in (
        (
            rl.status_entry(LIST_URL),
            "revocation lists cannot be fetched: this verifier has no fetcher",
        ),
        (
            bsl.status_entry(f"{SCHOOL}/status/1", 7),
            "status lists cannot be fetched: this verifier has no fetcher",
        ),
    ):
        report = Verifier().verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)
        assert status_of(report) == (
            Outcome.WARNING,
            "Whether the badge was revoked cannot be checked right now.",
            detail,
        )
        assert report.check("status").undecided and report.verdict is Verdict.UNDECIDED


def publish_list(site, key, method: str, issuer: str, *, revoked=(), path="/status/1") -> None:
    bits = bsl.BitstringStatusList()
    for index in revoked:
        bits.set(index)
    credential = bsl.status_list_credential(
        list_url=f"{SCHOOL}{path}",
        issuer=issuer,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    signed = sign_credential(credential, key, verification_method=method, proof="data-integrity")
    site.json(path, signed.json)


def test_each_list_fetch_draws_on_the_verifications_budget(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    site.json(
        "/revocations",
        rl.revocation_list(list_url=LIST_URL, issuer_id=issuer, revoked=[("urn:uuid:x", None)]),
    )
    publish_list(site, ed_key, method, issuer)
    for entry in (rl.status_entry(LIST_URL), bsl.status_entry(f"{SCHOOL}/status/1", 7)):
        badge = badge_with(ed_key, method, issuer, [entry])
        spent = Verifier(fetcher=school_fetcher, max_fetches=0).verify(badge, now=NOW)
        check = spent.check("status")
        assert (check.outcome, check.undecided, check.reason) == (
            Outcome.WARNING,
            True,
            "fetch_limit_reached",
        )
        enough = Verifier(fetcher=school_fetcher, max_fetches=1).verify(badge, now=NOW)
        assert status_of(enough)[0] is Outcome.PASSED
    assert site.requests.count("/revocations") == 1
    assert site.requests.count("/status/1") == 1


def test_the_lists_own_issuer_key_draws_on_the_budget_too(ed_key, other_key, site, school_fetcher):
    """A list signed by a did:web issuer: its DID document is one more fetch."""
    list_issuer = "did:web:school.example:lists"
    site.json(
        "/lists/did.json",
        did_web_document(list_issuer, [("key-1", other_key.public)]),
    )
    publish_list(site, other_key, f"{list_issuer}#key-1", list_issuer)
    issuer = did_key(ed_key.public)
    badge = badge_with(
        ed_key,
        did_key_verification_method(ed_key.public),
        issuer,
        [bsl.status_entry(f"{SCHOOL}/status/1", 7)],
    )
    spent = Verifier(fetcher=school_fetcher, max_fetches=1).verify(badge, now=NOW)
    check = spent.check("status")
    assert (check.outcome, check.undecided, check.reason) == (
        Outcome.WARNING,
        True,
        "fetch_limit_reached",
    )
    enough = Verifier(fetcher=school_fetcher, max_fetches=2).verify(badge, now=NOW)
    assert status_of(enough)[0] is Outcome.PASSED


def test_an_older_list_fetched_slowly_never_replaces_a_newer_one(ed_key, site, school_fetcher):
    """Two verifications fetch one revocation list; the one that began first ends last,
    with the older list: the newer list (revoking the badge) is what is kept."""
    issuer = did_key(ed_key.public)
    badge = badge_with(
        ed_key, did_key_verification_method(ed_key.public), issuer, [rl.status_entry(LIST_URL)]
    )
    older = rl.revocation_list(list_url=LIST_URL, issuer_id=issuer, revoked=[("urn:uuid:x", None)])
    newer = rl.revocation_list(
        list_url=LIST_URL, issuer_id=issuer, revoked=[(badge["id"], "Awarded by mistake")]
    )
    now = [100.0]
    inner: list[Any] = []
    fetches: list[str] = []

    class Slow(Fetcher):
        def get_json(self, url: str, **kwargs: Any) -> Any:
            fetches.append(url)
            document = super().get_json(url, **kwargs)
            if len(fetches) == 1:
                # while this (older) answer is on its way, the school revokes the badge and
                # another verification fetches the newer list
                now[0] += 1
                site.json("/revocations", newer)
                inner.append(verifier.verify(badge, now=NOW))
                now[0] += 1
            return document

    site.json("/revocations", older)
    verifier = Verifier(fetcher=Slow(school_fetcher.policy), clock=lambda: now[0])
    outer = verifier.verify(badge, now=NOW)
    assert inner[0].verdict is Verdict.INVALID
    assert outer.verdict is Verdict.INVALID  # the newer list answered both
    assert verifier.verify(badge, now=NOW).verdict is Verdict.INVALID
    assert site.requests.count("/revocations") == 2


def list_credential(issuer: str, *, revoked=(), path="/status/1") -> dict[str, Any]:
    bits = bsl.BitstringStatusList()
    for index in revoked:
        bits.set(index)
    return bsl.status_list_credential(
        list_url=f"{SCHOOL}{path}",
        issuer=issuer,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )


def status_after(site, school_fetcher, ed_key, served: dict[str, Any]) -> Any:
    site.json("/status/1", served)
    badge = badge_with(
        ed_key,
        did_key_verification_method(ed_key.public),
        did_key(ed_key.public),
        [bsl.status_entry(f"{SCHOOL}/status/1", 7)],
    )
    return Verifier(fetcher=school_fetcher).verify(badge, now=NOW)


def test_a_list_in_an_unknown_context_is_not_trustworthy(ed_key, site, school_fetcher):
    served = list_credential(did_key(ed_key.public))
    served["@context"] = [*served["@context"], "https://unknown.example/context"]
    report = status_after(site, school_fetcher, ed_key, served)
    assert status_of(report) == (
        Outcome.FAILED,
        "The badge's status list is not trustworthy.",
        "the status list uses an unknown @context",
    )


def test_an_unsigned_list_is_not_trustworthy_saying_why(ed_key, site, school_fetcher):
    report = status_after(site, school_fetcher, ed_key, list_credential(did_key(ed_key.public)))
    assert status_of(report) == (
        Outcome.FAILED,
        "The badge's status list is not trustworthy.",
        "the status list's signature cannot be checked: "
        "The credential has no proof: it is not signed.",
    )


def test_a_list_signed_with_a_key_not_its_issuers_is_not_trustworthy(
    ed_key, other_key, site, school_fetcher
):
    served = sign_credential(
        list_credential(did_key(ed_key.public)),
        other_key,
        verification_method=did_key_verification_method(other_key.public),
        proof="data-integrity",
    ).json
    report = status_after(site, school_fetcher, ed_key, served)
    outcome, message, detail = status_of(report)
    assert (outcome, message) == (Outcome.FAILED, "The badge's status list is not trustworthy.")
    assert detail is not None and detail.startswith(
        "the status list's signature cannot be checked: "
    )
    assert "is not the issuer's" in detail


def test_a_list_whose_issuer_keys_cannot_be_fetched_leaves_the_status_undecided(
    ed_key, other_key, site, school_fetcher
):
    list_issuer = "did:web:school.example:lists"  # its DID document is not published
    served = sign_credential(
        list_credential(list_issuer),
        other_key,
        verification_method=f"{list_issuer}#key-1",
        proof="data-integrity",
    ).json
    report = status_after(site, school_fetcher, ed_key, served)
    check = report.check("status")
    assert (check.outcome, check.message) == (
        Outcome.WARNING,
        "Whether the badge was revoked cannot be checked right now.",
    )
    assert check.undecided and report.verdict is Verdict.UNDECIDED


def test_a_list_answered_by_a_link_is_read_from_where_it_points(ed_key, site, school_fetcher):
    """The list's URL answers with a link to the list: the link is followed (by the
    verifier's fetcher), and that second fetch draws on the verification's budget too."""
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_list(site, ed_key, method, issuer, revoked=(7,), path="/status/real")
    site.raw("/status/1", f"{SCHOOL}/status/real\n".encode(), ctype="text/plain")
    badge = badge_with(ed_key, method, issuer, [bsl.status_entry(f"{SCHOOL}/status/1", 7)])
    report = Verifier(fetcher=school_fetcher).verify(badge, now=NOW)
    assert status_of(report) == (Outcome.FAILED, "The issuer has revoked this badge.", None)
    assert site.requests.count("/status/1") == 1
    assert site.requests.count("/status/real") == 1
    spent = Verifier(fetcher=school_fetcher, max_fetches=1).verify(badge, now=NOW)
    check = spent.check("status")
    assert (check.outcome, check.undecided, check.reason) == (
        Outcome.WARNING,
        True,
        "fetch_limit_reached",
    )
    assert site.requests.count("/status/real") == 1  # not fetched past the cap
    enough = Verifier(fetcher=school_fetcher, max_fetches=2).verify(badge, now=NOW)
    assert status_of(enough)[0] is Outcome.FAILED


def short_list(size: int, *, revoked=()) -> bsl.BitstringStatusList:
    bits = bsl.BitstringStatusList(size=size, minimum=8)
    for index in revoked:
        bits.set(index)
    return bits


def publish_signed(site, key, issuer: str, path: str, credential: dict[str, Any]) -> None:
    method = did_key_verification_method(key.public)
    site.json(path, sign_credential(credential, key, verification_method=method).json)


def test_a_bitstring_list_is_fetched_once_and_kept_for_its_own_time_to_live(
    ed_key, site, school_fetcher
):
    """The list's ttl (milliseconds) shortens how long it is kept; a ttl of 0 keeps it not
    at all. Asked for as a credential (JSON-LD first, then a JWT, then JSON)."""
    issuer = did_key(ed_key.public)
    for path, ttl_ms in (("/status/1", 5000), ("/status/2", 0)):
        credential = bsl.status_list_credential(
            list_url=f"{SCHOOL}{path}",
            issuer=issuer,
            status_list=bsl.BitstringStatusList(),
            purpose="revocation",
            valid_from=ISSUED,
            ttl_ms=ttl_ms,
        )
        publish_signed(site, ed_key, issuer, path, credential)
    now = [100.0]
    verifier = Verifier(fetcher=school_fetcher, clock=lambda: now[0])

    def verify(path: str) -> Outcome:
        badge = badge_with(
            ed_key,
            did_key_verification_method(ed_key.public),
            issuer,
            [bsl.status_entry(f"{SCHOOL}{path}", 7)],
        )
        return status_of(verifier.verify(badge, now=NOW))[0]

    assert verify("/status/1") is Outcome.PASSED
    now[0] = 104.996  # 5000 ms after the fetch: still kept
    assert verify("/status/1") is Outcome.PASSED
    assert site.requests.count("/status/1") == 1
    now[0] = 105.0
    assert verify("/status/1") is Outcome.PASSED
    assert site.requests.count("/status/1") == 2
    for _ in range(2):
        assert verify("/status/2") is Outcome.PASSED
    assert site.requests.count("/status/2") == 2
    assert set(site.accepts) == {
        (
            path,
            "application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8, */*;q=0.1",
        )
        for path in ("/status/1", "/status/2")
    }


def test_a_list_fetched_slowly_never_replaces_a_newer_shorter_one(ed_key, site, school_fetcher):
    """A verification fetches a list of 16 entries; while its answer is on the way another
    fetches the newer list, of 8 entries. The newer one is kept, and the badge whose entry
    is 8 lies outside it, now and while it is kept."""
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    url = f"{SCHOOL}/status/1"

    def served(size: int) -> dict[str, Any]:
        return bsl.status_list_credential(
            list_url=url,
            issuer=issuer,
            status_list=short_list(size),
            purpose="revocation",
            valid_from=ISSUED,
        )

    outer_badge = badge_with(ed_key, method, issuer, [bsl.status_entry(url, 8)])
    inner_badge = badge_with(ed_key, method, issuer, [bsl.status_entry(url, 0)])
    now = [100.0]
    inner: list[Any] = []
    fetches: list[str] = []

    class Slow(Fetcher):
        def get(self, url: str, **kwargs: Any) -> Any:
            fetches.append(url)
            response = super().get(url, **kwargs)
            if len(fetches) == 1:
                now[0] += 1
                publish_signed(site, ed_key, issuer, "/status/1", served(8))
                inner.append(verifier.verify(inner_badge, now=NOW))
                now[0] += 1
            return response

    publish_signed(site, ed_key, issuer, "/status/1", served(16))
    verifier = Verifier(fetcher=Slow(school_fetcher.policy), clock=lambda: now[0])
    outside = (
        Outcome.FAILED,
        "The badge's status list is not trustworthy.",
        "status index 8 is outside the list of 8",
    )
    assert status_of(verifier.verify(outer_badge, now=NOW)) == outside
    assert status_of(inner[0]) == (
        Outcome.WARNING,
        "The issuer has not revoked or suspended this badge.",
        "Its status list has 8 entries, fewer than the 131,072 the Bitstring Status List "
        "specification requires so that a list says little of any one holder (herd privacy).",
    )
    assert status_of(verifier.verify(outer_badge, now=NOW)) == outside  # kept
    assert site.requests.count("/status/1") == 2


def test_a_list_with_text_beyond_ascii_is_read_as_utf8(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    credential = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/1",
        issuer={"id": issuer, "name": "Vilniaus Žirmūnų gimnazija"},
        status_list=bsl.BitstringStatusList(),
        purpose="revocation",
        valid_from=ISSUED,
    )
    signed = sign_credential(
        credential, ed_key, verification_method=did_key_verification_method(ed_key.public)
    )
    site.raw("/status/1", json.dumps(signed.json, ensure_ascii=False).encode("utf-8"))
    badge = badge_with(
        ed_key,
        did_key_verification_method(ed_key.public),
        issuer,
        [bsl.status_entry(f"{SCHOOL}/status/1", 7)],
    )
    report = Verifier(fetcher=school_fetcher).verify(badge, now=NOW)
    assert status_of(report) == (
        Outcome.PASSED,
        "The issuer has not revoked or suspended this badge.",
        None,
    )


def test_a_list_answered_with_text_that_is_no_credential_is_not_trustworthy(
    ed_key, site, school_fetcher
):
    site.raw("/status/1", "Sąrašas perkeltas".encode(), ctype="text/plain; charset=utf-8")
    badge = badge_with(
        ed_key,
        did_key_verification_method(ed_key.public),
        did_key(ed_key.public),
        [bsl.status_entry(f"{SCHOOL}/status/1", 7)],
    )
    report = Verifier(fetcher=school_fetcher).verify(badge, now=NOW)
    assert status_of(report) == (
        Outcome.FAILED,
        "The badge's status list is not trustworthy.",
        "the status list is unreadable: expected a credential as JSON, a compact JWT, or a link",
    )


def test_a_jwt_list_whose_embedded_proofs_key_cannot_be_fetched_leaves_the_status_undecided(
    ed_key, other_key, site, school_fetcher, publish_did_web
):
    """The list's JWT verifies with its issuer's key-1; the proof embedded in it names
    key-2, missing from the issuer's DID document, which cannot be fetched again to look
    for it (the server is down by then). Undecided, not failed."""
    jwt_method = publish_did_web(ed_key)
    inside = sign_credential(
        list_credential(SCHOOL_DID),
        other_key,
        verification_method=f"{SCHOOL_DID}#key-2",
        proof="data-integrity",
    ).json
    site.text(
        "/status/1",
        sign_credential(inside, ed_key, verification_method=jwt_method, proof="jwt").jwt,
    )
    now = [100.0]

    class Slow(Fetcher):
        def get(self, url: str, **kwargs: Any) -> Any:
            response = super().get(url, **kwargs)
            if url.endswith("/.well-known/did.json"):
                now[0] += resolve.MIN_REFRESH  # it may be looked up again from now on
                site.json("/.well-known/did.json", {}, status=503)  # but not had now
            return response

    verifier = Verifier(fetcher=Slow(school_fetcher.policy), clock=lambda: now[0])
    badge = badge_with(
        ed_key,
        did_key_verification_method(ed_key.public),
        did_key(ed_key.public),
        [bsl.status_entry(f"{SCHOOL}/status/1", 7)],
    )
    check = verifier.verify(badge, now=NOW).check("status")
    assert (check.outcome, check.message, check.undecided) == (
        Outcome.WARNING,
        "Whether the badge was revoked cannot be checked right now.",
        True,
    )
    assert check.detail is not None and check.detail.endswith(" answered HTTP 503")
    assert site.requests.count("/.well-known/did.json") == 2


def test_a_list_altered_after_signing_does_not_verify_saying_why(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    signed = sign_credential(
        list_credential(issuer),
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
    ).json
    signed["credentialSubject"]["encodedList"] = short_list(16, revoked=(7,)).encode()
    report = status_after(site, school_fetcher, ed_key, signed)
    assert status_of(report) == (
        Outcome.FAILED,
        "The badge's status list is not trustworthy.",
        "the status list's signature does not verify: the Data Integrity signature does not verify",
    )


def test_a_badges_status_in_each_case_with_its_exact_words(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_list(site, ed_key, method, issuer, revoked=(7,))
    suspensions = bsl.BitstringStatusList()
    suspensions.set(7)
    site.json(
        "/status/s",
        sign_credential(
            bsl.status_list_credential(
                list_url=f"{SCHOOL}/status/s",
                issuer=issuer,
                status_list=suspensions,
                purpose="suspension",
                valid_from=ISSUED,
            ),
            ed_key,
            verification_method=method,
            proof="data-integrity",
        ).json,
    )
    verifier = Verifier(fetcher=school_fetcher)

    def report_of(*entries: Any) -> Any:
        """A VC 2.0 badge with one entry; with more, or an entry the OB 3.0 schema refuses
        (its verdict would be settled: no status read), an older VC 1.1 badge, for which
        the schema is a warning, as a VC-JWT."""
        unsigned = build_credential(issuer, status=list(entries))
        if len(entries) == 1 and isinstance(entries[0], dict) and "id" in entries[0]:
            # no context defines a CustomStatus: only the VC 2.0 catch-all does
            unsigned["@context"] = [*unsigned["@context"], UNDEFINED_TERMS]
            signed = sign_credential(unsigned, ed_key, verification_method=method)
            return verifier.verify(signed.json, now=NOW)
        unsigned["@context"] = [standards.VC_V1, *unsigned["@context"][1:], STATUS_V1_CONTEXT]
        unsigned["issuanceDate"] = unsigned.pop("validFrom")
        report = verifier.verify(sign_jwt(unsigned, ed_key, kid=method), now=NOW)
        assert report.check("schema").outcome is Outcome.WARNING, report.to_dict()["checks"]
        return report

    revoked = bsl.status_entry(f"{SCHOOL}/status/1", 7)
    kept = bsl.status_entry(f"{SCHOOL}/status/1", 8)
    unknown = {"id": f"{SCHOOL}/status/x", "type": "CustomStatus"}
    report = report_of(bsl.status_entry(f"{SCHOOL}/status/s", 7, "suspension"))
    assert status_of(report) == (Outcome.FAILED, "The issuer has suspended this badge.", None)
    assert report.revoked
    report = report_of(unknown)
    assert status_of(report) == (
        Outcome.WARNING,
        "Whether the badge was revoked cannot be checked right now.",
        "unknown status type 'CustomStatus'",
    )
    assert report.check("status").undecided
    # after a revoked entry the others are not read: they cannot change the verdict
    report = report_of(revoked, {"type": rl.ENTRY_TYPE})
    assert status_of(report) == (Outcome.FAILED, "The issuer has revoked this badge.", None)
    assert report.revoked
    # at most four entries are read
    assert status_of(report_of(kept, kept, kept, kept, revoked))[0] is Outcome.PASSED
    assert status_of(report_of(kept, kept, kept, revoked))[0] is Outcome.FAILED
    for size in (8, 16):
        short = bsl.status_list_credential(
            list_url=f"{SCHOOL}/status/{size}",
            issuer=issuer,
            status_list=short_list(size),
            purpose="revocation",
            valid_from=ISSUED,
        )
        publish_signed(site, ed_key, issuer, f"/status/{size}", short)
    on_short_lists = [bsl.status_entry(f"{SCHOOL}/status/{size}", 3) for size in (8, 16, 16)]
    assert status_of(report_of(*on_short_lists)) == (
        Outcome.WARNING,
        "The issuer has not revoked or suspended this badge.",
        "Its status list has 8 entries, fewer than the 131,072 the Bitstring Status List "
        "specification requires so that a list says little of any one holder (herd privacy). "
        "Its status list has 16 entries, fewer than the 131,072 the Bitstring Status List "
        "specification requires so that a list says little of any one holder (herd privacy).",
    )
    report = report_of(f"{SCHOOL}/status/1", f"{SCHOOL}/status/2")  # links, not entries
    assert status_of(report) == (
        Outcome.WARNING,
        "Whether the badge was revoked cannot be checked right now.",
        "unknown status type None; unknown status type None",
    )
    report = report_of(f"{SCHOOL}/status/1")
    assert status_of(report) == (
        Outcome.WARNING,
        "Whether the badge was revoked cannot be checked right now.",
        "unknown status type None",
    )
    report = report_of({"type": rl.ENTRY_TYPE})
    assert status_of(report) == (
        Outcome.FAILED,
        "The badge's status list is not trustworthy.",
        "the revocation list entry has no id",
    )
    unsigned = build_credential(issuer, status=[revoked])
    signed = sign_credential(unsigned, ed_key, verification_method=method).json
    report = verifier.verify(signed, now=NOW, check_status=False)
    assert status_of(report) == (Outcome.SKIPPED, "Status was not checked (as asked).", None)


def test_a_badge_revoked_on_a_revocation_list_with_or_without_a_reason(
    ed_key, site, school_fetcher
):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    with_reason = badge_with(ed_key, method, issuer, [rl.status_entry(LIST_URL)])
    without = badge_with(ed_key, method, issuer, [rl.status_entry(f"{SCHOOL}/revocations/2")])
    site.json(
        "/revocations",
        rl.revocation_list(
            list_url=LIST_URL, issuer_id=issuer, revoked=[(with_reason["id"], "Awarded by mistake")]
        ),
    )
    site.json(
        "/revocations/2",
        rl.revocation_list(
            list_url=f"{SCHOOL}/revocations/2", issuer_id=issuer, revoked=[(without["id"], None)]
        ),
    )
    verifier = Verifier(fetcher=school_fetcher)
    report = verifier.verify(with_reason, now=NOW)
    assert status_of(report) == (
        Outcome.FAILED,
        "The issuer has revoked this badge. Reason: Awarded by mistake",
        None,
    )
    assert report.revoked and report.revocation_reason == "Awarded by mistake"
    report = verifier.verify(without, now=NOW)
    assert status_of(report) == (Outcome.FAILED, "The issuer has revoked this badge.", None)
    assert report.revoked and report.revocation_reason is None


def endorsement_with(key, status: list[dict[str, Any]]) -> dict[str, Any]:
    unsigned = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="The centre endorses the water monitor badge",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet Centre"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f",
            endorsement_comment="A model for the network.",
        ),
        credential_status=status,
    ).to_json()
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
    ).json


def test_an_endorsements_status_in_its_own_words(other_key, site, school_fetcher):
    endorser = did_key(other_key.public)
    method = did_key_verification_method(other_key.public)
    suspensions = bsl.BitstringStatusList()
    suspensions.set(7)
    site.json(
        "/status/s",
        sign_credential(
            bsl.status_list_credential(
                list_url=f"{SCHOOL}/status/s",
                issuer=endorser,
                status_list=suspensions,
                purpose="suspension",
                valid_from=ISSUED,
            ),
            other_key,
            verification_method=method,
            proof="data-integrity",
        ).json,
    )
    withdrawn = endorsement_with(other_key, [rl.status_entry(LIST_URL)])
    site.json(
        "/revocations",
        rl.revocation_list(
            list_url=LIST_URL, issuer_id=endorser, revoked=[(withdrawn["id"], "Programme closed")]
        ),
    )
    publish_list(site, other_key, method, endorser)
    short = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/short",
        issuer=endorser,
        status_list=short_list(16),
        purpose="revocation",
        valid_from=ISSUED,
    )
    publish_signed(site, other_key, endorser, "/status/short", short)
    verifier = Verifier(fetcher=school_fetcher)
    kept = endorsement_with(other_key, [bsl.status_entry(f"{SCHOOL}/status/1", 7)])
    assert status_of(verifier.verify(kept, now=NOW)) == (
        Outcome.PASSED,
        "The endorser has not withdrawn this endorsement.",
        None,
    )
    on_a_short_list = endorsement_with(other_key, [bsl.status_entry(f"{SCHOOL}/status/short", 7)])
    assert status_of(verifier.verify(on_a_short_list, now=NOW)) == (
        Outcome.WARNING,
        "The endorser has not withdrawn this endorsement.",
        "Its status list has 16 entries, fewer than the 131,072 the Bitstring Status List "
        "specification requires so that a list says little of any one holder (herd privacy).",
    )
    unreadable = endorsement_with(other_key, [bsl.status_entry(f"{SCHOOL}/status/gone", 7)])
    outcome, message, detail = status_of(verifier.verify(unreadable, now=NOW))
    assert (outcome, message) == (
        Outcome.WARNING,
        "Whether the endorsement was withdrawn cannot be checked right now.",
    )
    assert detail is not None and detail.endswith(" answered HTTP 404")
    altered = {**kept, "name": "The centre endorses every badge"}
    assert status_of(verifier.verify(altered, now=NOW)) == (
        Outcome.SKIPPED,
        "Not checked: the endorsement is already known not to be valid.",
        None,
    )
    report = verifier.verify(endorsement_with(other_key, []), now=NOW)
    assert status_of(report) == (
        Outcome.SKIPPED,
        "The endorser publishes no status for this endorsement.",
        None,
    )
    suspended = endorsement_with(
        other_key, [bsl.status_entry(f"{SCHOOL}/status/s", 7, "suspension")]
    )
    assert status_of(verifier.verify(suspended, now=NOW)) == (
        Outcome.FAILED,
        "The endorser has suspended this endorsement.",
        None,
    )
    report = verifier.verify(withdrawn, now=NOW)
    assert status_of(report) == (
        Outcome.FAILED,
        "The endorser has withdrawn this endorsement. Reason: Programme closed",
        None,
    )
    assert report.revocation_reason == "Programme closed"


def purpose_entry(purpose: str, index: int, **more: Any) -> dict[str, Any]:
    """A BitstringStatusListEntry of any ``purpose`` (``bsl.status_entry`` makes only ours)."""
    url = f"{SCHOOL}/status/{purpose}"
    return {
        "id": f"{url}#{index}",
        "type": bsl.ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
        **more,
    }


def publish_purpose_list(site, key, issuer: str, purpose: str, *, set_bits=(7,)) -> None:
    bits = bsl.BitstringStatusList()
    for index in set_bits:
        bits.set(index)
    credential = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/{purpose}",
        issuer=issuer,
        status_list=bits,
        purpose=purpose,
        valid_from=ISSUED,
    )
    publish_signed(site, key, issuer, f"/status/{purpose}", credential)


def test_only_revocation_and_suspension_bits_make_a_badge_invalid(ed_key, site, school_fetcher):
    """W3C Bitstring Status List v1.0, statusPurpose: "refresh" signals an updated
    credential and "does not invalidate the verifiable credential"; "message" carries a
    message the entry's statusMessage spells out. Neither is a revocation."""
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    for purpose in ("message", "refresh", "custom"):
        publish_purpose_list(site, ed_key, issuer, purpose)
    verifier = Verifier(fetcher=school_fetcher)
    ok = "The issuer has not revoked or suspended this badge."

    def report_of(entry: dict[str, Any]) -> Any:
        return verifier.verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)

    messages = [
        {"status": "0x0", "message": "No news."},
        {"status": "0x1", "message": "Re-assessed in\n2026: see the new badge."},
    ]
    report = report_of(purpose_entry("message", 7, statusSize=1, statusMessage=messages))
    assert status_of(report) == (
        Outcome.WARNING,
        ok,
        "Its status list gives this message: “Re-assessed in 2026: see the new badge.”",
    )
    assert report.verdict is Verdict.VALID and not report.revoked
    shown = report.to_dict()
    assert shown["verified"] is True
    status = next(c for c in shown["checks"] if c["name"] == "status")
    assert (status["outcome"], status["undecided"]) == ("warning", False)
    # a set bit whose message the entry does not give
    report = report_of(purpose_entry("message", 7))
    assert status_of(report) == (
        Outcome.WARNING,
        ok,
        "Its status list gives it a message (status 0x1) that its status entry does not spell out.",
    )
    assert report.verdict is Verdict.VALID
    # an unset bit says nothing
    report = report_of(purpose_entry("message", 8, statusMessage=messages))
    assert status_of(report) == (Outcome.PASSED, ok, None)
    report = report_of(purpose_entry("refresh", 7))
    assert status_of(report) == (
        Outcome.PASSED,
        ok,
        "Its status list says an updated version is available through its refresh "
        "service; this one stays valid.",
    )
    assert report.verdict is Verdict.VALID and not report.revoked
    report = report_of(purpose_entry("custom", 7))
    assert status_of(report) == (
        Outcome.WARNING,
        ok,
        "Its status list for the purpose “custom” marks it; this verifier does not know "
        "that purpose, which does not make it invalid.",
    )
    assert report.verdict is Verdict.VALID and not report.revoked


def test_a_status_value_of_several_bits_is_not_guessed(ed_key, site, school_fetcher):
    """statusSize > 1: the value spans several bits; it is reported unread, never read as
    the one bit at statusListIndex."""
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_purpose_list(site, ed_key, issuer, "message")
    publish_list(site, ed_key, method, issuer, revoked=(7,))
    verifier = Verifier(fetcher=school_fetcher)
    messages = [{"status": "0x1", "message": "one"}, {"status": "0x2", "message": "two"}]
    entry = purpose_entry("message", 7, statusSize=2, statusMessage=messages)
    report = verifier.verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)
    assert status_of(report) == (
        Outcome.WARNING,
        "The issuer has not revoked or suspended this badge.",
        "Its status list for the purpose “message” gives values of 2 bits, which this "
        "verifier does not read.",
    )
    assert report.verdict is Verdict.VALID
    # a revocation entry of several bits: whether it is revoked is left undecided
    wide = {**bsl.status_entry(f"{SCHOOL}/status/1", 7), "statusSize": 2}
    report = verifier.verify(badge_with(ed_key, method, issuer, [wide]), now=NOW)
    assert status_of(report) == (
        Outcome.WARNING,
        "Whether the badge was revoked cannot be checked right now.",
        "statusSize 2 is not read",
    )
    assert report.verdict is Verdict.UNDECIDED


def test_revocation_and_suspension_bits_still_make_a_badge_invalid(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    verifier = Verifier(fetcher=school_fetcher)
    for purpose, words in (
        ("revocation", "The issuer has revoked this badge."),
        ("suspension", "The issuer has suspended this badge."),
    ):
        publish_purpose_list(site, ed_key, issuer, purpose)
        entry = purpose_entry(purpose, 7, statusSize=1)
        report = verifier.verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)
        assert status_of(report) == (Outcome.FAILED, words, None)
        assert report.revoked and report.verdict is Verdict.INVALID


def test_the_status_message_is_the_first_that_spells_out_the_value(ed_key, site, school_fetcher):
    """statusMessage items that are no object, whose message is no text or whose status is
    no hexadecimal number are passed over, not read and not the end of the search."""
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_purpose_list(site, ed_key, issuer, "message")
    verifier = Verifier(fetcher=school_fetcher)
    messages = [
        "not an object",
        {"status": "0x1", "message": 5},
        {"status": "0xZZ", "message": "Not a status value."},
        {"status": "0x1", "message": "Re-assessed:   see the new badge."},
        {"status": "0x1", "message": "A second text for the same value."},
    ]
    entry = purpose_entry("message", 7, statusMessage=messages)
    report = verifier.verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)
    assert status_of(report) == (
        Outcome.WARNING,
        "The issuer has not revoked or suspended this badge.",
        "Its status list gives this message: “Re-assessed: see the new badge.”",
    )
    assert report.verdict is Verdict.VALID


def test_a_long_status_message_is_cut_to_300_characters(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_purpose_list(site, ed_key, issuer, "message")
    verifier = Verifier(fetcher=school_fetcher)

    def shown(text: str) -> str | None:
        entry = purpose_entry("message", 7, statusMessage=[{"status": "0x1", "message": text}])
        return status_of(verifier.verify(badge_with(ed_key, method, issuer, [entry]), now=NOW))[2]

    exactly = "x" * 300
    assert shown(exactly) == f"Its status list gives this message: “{exactly}”"
    assert shown("y" * 301) == f"Its status list gives this message: “{'y' * 299}…”"


def test_a_status_size_is_read_only_when_it_is_a_positive_whole_number(
    ed_key, site, school_fetcher
):
    """statusSize "1" (as text) is one bit; true, a word, zero are not sizes: a revocation
    entry with one is left undecided, never read as one bit."""
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_purpose_list(site, ed_key, issuer, "revocation")
    verifier = Verifier(fetcher=school_fetcher)

    def report_of(size: Any) -> Any:
        entry = purpose_entry("revocation", 7, statusSize=size)
        return verifier.verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)

    report = report_of("1")
    assert status_of(report) == (Outcome.FAILED, "The issuer has revoked this badge.", None)
    assert report.revoked and report.verdict is Verdict.INVALID
    for size in (True, "one", 0):
        report = report_of(size)
        assert status_of(report) == (
            Outcome.WARNING,
            "Whether the badge was revoked cannot be checked right now.",
            f"statusSize {size!r} is not read",
        ), size
        assert report.verdict is Verdict.UNDECIDED and not report.revoked


def test_a_wide_status_size_is_quoted_to_20_characters(ed_key, site, school_fetcher):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    publish_purpose_list(site, ed_key, issuer, "message")
    entry = purpose_entry("message", 7, statusSize="9" * 25)
    report = Verifier(fetcher=school_fetcher).verify(
        badge_with(ed_key, method, issuer, [entry]), now=NOW
    )
    assert status_of(report)[2] == (
        f"Its status list for the purpose “message” gives values of {'9' * 20} bits, which "
        "this verifier does not read."
    )


def test_what_an_endorsements_list_says_is_joined_by_a_space(other_key, site, school_fetcher):
    """A short list (a note) for a purpose not known here, the endorsement's bit set (a
    second note): both, one after the other."""
    endorser = did_key(other_key.public)
    custom = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/custom",
        issuer=endorser,
        status_list=short_list(16, revoked=(7,)),
        purpose="custom",
        valid_from=ISSUED,
    )
    publish_signed(site, other_key, endorser, "/status/custom", custom)
    endorsement = endorsement_with(other_key, [purpose_entry("custom", 7)])
    report = Verifier(fetcher=school_fetcher).verify(endorsement, now=NOW)
    assert status_of(report) == (
        Outcome.WARNING,
        "The endorser has not withdrawn this endorsement.",
        "Its status list has 16 entries, fewer than the 131,072 the Bitstring Status List "
        "specification requires so that a list says little of any one holder (herd privacy). "
        "Its status list for the purpose “custom” marks it; this verifier does not know "
        "that purpose, which does not make it invalid.",
    )
    assert report.verdict is Verdict.VALID


def test_an_endorsements_list_not_fetched_once_the_badge_failed_is_skipped_as_settled(
    ed_key, other_key, site, school_fetcher
):
    """The badge fails its signature check: its budget fetches nothing more, so the status
    list of an endorsement it carries is not fetched; the endorsement's status check is
    skipped, in the words of an endorsement."""
    publish_purpose_list(site, other_key, did_key(other_key.public), "revocation")
    endorsement = endorsement_with(other_key, [purpose_entry("revocation", 7)])
    issuer = did_key(ed_key.public)
    signed = sign_credential(
        build_credential(issuer, endorsements=[endorsement]),
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
    ).json
    altered = {**signed, "name": "Another badge"}
    report = Verifier(fetcher=school_fetcher).verify(altered, now=NOW)
    assert report.verdict is Verdict.INVALID
    [result] = report.endorsements
    status = next(c for c in result.checks if c.name == "status")
    assert (status.outcome, status.message, status.undecided, status.reason) == (
        Outcome.SKIPPED,
        "Not checked: the endorsement is already known not to be valid.",
        True,
        "verdict_settled",
    )
    assert site.requests.count("/status/revocation") == 0
