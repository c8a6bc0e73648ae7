"""What a check says, as a stable code with its parameters, and its English from one table.

Every message of a verification report is a ``Message``: a ``code`` ("proof.mismatch"),
never changed once published, and ``params`` (a date, a count, a name; or another
``Message``, such as the reason inside "This badge is not valid: ..."). ``MESSAGES`` holds
the English of each code, with ``%(name)s`` placeholders; a message with a count has a
singular and a plural form, chosen by its ``num``. The report's JSON carries the code, the
parameters and the English; each app turns the code into a sentence of its reader's
language from its own catalogue (``Message.render`` with that catalogue), where the English
sentence is the message id. ``N_`` and ``N_plural`` only mark the table for Babel's
extraction (tests/i18n/catalogues.py reads this module into both apps' catalogues).

Adding a code: a line in ``MESSAGES``, then ``python -m tests.i18n.catalogues all`` and
its translations (tests/i18n checks that every code has one in every catalogue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..i18n import ENGLISH, number


def N_(message: str) -> str:
    """Marks an English message for the catalogues."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks an English message with a count (``%(num)s``) for the catalogues."""
    return singular, plural


MESSAGES: dict[str, str | tuple[str, str]] = {
    # -- the checks' titles (``report.CheckId``, ``report.RecordCheckId``) -------------------
    "check.format": N_("Format"),
    "check.context": N_("JSON-LD context"),
    "check.schema": N_("Open Badges schema"),
    "check.proof": N_("Signature"),
    "check.issuer": N_("Issuer's key"),
    "check.dates": N_("Validity dates"),
    "check.status": N_("Revocation status"),
    "check.recipient": N_("Recipient"),
    "check.endorsements": N_("Endorsements"),
    "check.credentials": N_("Credentials inside"),
    # -- the verdict -------------------------------------------------------------------
    "verdict.valid.badge": N_("This badge is genuine and valid."),
    "verdict.valid.endorsement": N_("This endorsement is genuine and valid."),
    "verdict.valid.learner_record": N_("This learner record is genuine and valid."),
    "verdict.undecided.badge": N_("This badge cannot be fully checked right now."),
    "verdict.undecided.endorsement": N_("This endorsement cannot be fully checked right now."),
    "verdict.undecided.learner_record": N_(
        "This learner record cannot be fully checked right now."
    ),
    "verdict.invalid.badge": N_("This badge is not valid: %(reason)s"),
    "verdict.invalid.endorsement": N_("This endorsement is not valid: %(reason)s"),
    "verdict.invalid.learner_record": N_("This learner record is not valid: %(reason)s"),
    # -- any check ---------------------------------------------------------------------
    "settled.badge": N_("Not checked: the badge is already known not to be valid."),
    "settled.endorsement": N_("Not checked: the endorsement is already known not to be valid."),
    "settled.learner_record": N_(
        "Not checked: the learner record is already known not to be valid."
    ),
    "not_reached": N_("Not checked, because an earlier check failed."),
    "unverifiable": N_("The badge could not be verified."),
    # -- format ------------------------------------------------------------------------
    "format.unfetched": N_("The badge could not be fetched from its link."),
    "format.vc_jwt": N_("A VC-JWT."),
    "format.no_baked_badge": N_("This image carries no baked badge."),
    "format.unreadable_image": N_("This image cannot be read as a baked badge."),
    "format.not_a_credential": N_("This is not a badge credential."),
    "format.not_vc": N_("This is not a verifiable credential."),
    "format.ob3": N_("An Open Badges 3.0 credential (%(kind)s)."),
    "format.endorsement": N_("An endorsement credential (%(kind)s)."),
    "format.clr": N_("A Comprehensive Learner Record, CLR 2.0 (%(kind)s)."),
    "format.not_a_badge": N_("This verifiable credential is not an Open Badge."),
    "format.gone": N_("The link returned no badge: the issuer has withdrawn it (HTTP 410 Gone)."),
    "kind.jwt": N_("VC-JWT"),
    "kind.embedded": N_("JSON-LD with an embedded proof"),
    "kind.jwt_image": N_("VC-JWT, read from a baked %(image)s image"),
    "kind.embedded_image": N_("JSON-LD with an embedded proof, read from a baked %(image)s image"),
    # -- context -----------------------------------------------------------------------
    "context.first_not_vc": N_(
        "The credential does not start with the W3C Verifiable Credentials context "
        "(2.0, or 1.1 for older badges)."
    ),
    "context.mixed_vc": N_(
        "The credential mixes the W3C Verifiable Credentials 1.1 and 2.0 contexts."
    ),
    "context.vc20_dates_in_vc11": N_(
        "The credential has VC 2.0 dates (%(names)s) under the VC 1.1 context."
    ),
    "context.inline": N_(
        "The credential carries an inline @context, which could redefine its terms."
    ),
    "context.unknown": N_("The credential names a JSON-LD context this verifier does not know."),
    "context.no_ob3": N_("The Open Badges 3.0 context is missing from @context."),
    "context.undefined_terms": N_(
        "The credential has properties or types its contexts do not define."
    ),
    "context.ok": N_("Every term is defined by a known context."),
    "context.ok_vc11": N_(
        "Every term is defined by a known context (an older credential in the VC 1.1 shape)."
    ),
    # -- schema ------------------------------------------------------------------------
    "schema.vc11_partly": N_(
        "This older (VC 1.1) credential does not fully follow today's Open Badges 3.0 schema."
    ),
    "schema.failed": N_("The credential does not follow the Open Badges 3.0 schema."),
    "schema.single_values": N_(
        "The credential follows the Open Badges 3.0 schema once single values are read "
        "as the one-element lists the schema asks for."
    ),
    "schema.other_unchecked": N_(
        "The Open Badges schema passed; another schema it names could not be checked."
    ),
    "schema.ok_vc11": N_(
        "The credential follows the Open Badges 3.0 schema (read from its older VC 1.1 shape)."
    ),
    "schema.ok": N_("The credential follows the Open Badges 3.0 schema."),
    "schema.clr_failed": N_("The learner record does not follow the CLR 2.0 data model."),
    "schema.clr_ok": N_("The learner record follows the CLR 2.0 data model."),
    # -- issuer ------------------------------------------------------------------------
    "issuer.none": N_("The credential names no issuer."),
    "issuer.which_key": N_("The signature does not say which of the issuer's keys made it."),
    "issuer.unfetched": N_("The issuer's published keys could not be fetched right now."),
    "issuer.not_published": N_("The signing key is not one the issuer published."),
    "issuer.header_key_not_published": N_(
        "The key in the token's header is not the issuer's published key."
    ),
    "issuer.ok": N_("Signed with a key the issuer published (%(source)s)."),
    "issuer.ok_header_key": N_(
        "Signed with the key in the token's header, which the issuer's DID document "
        "lists for assertion (%(source)s)."
    ),
    # -- proof -------------------------------------------------------------------------
    "proof.unsigned": N_("The credential has no proof: it is not signed."),
    "proof.no_key": N_("Not checked: the issuer's key is not known."),
    "proof.refused_kind": N_("The signature is of a kind that is refused."),
    "proof.jwt_claims": N_("The JWT's claims disagree with the credential inside it."),
    "proof.key_unfetched": N_("A key for the embedded proof could not be fetched."),
    "proof.mismatch": N_("The signature does not match: the badge was changed or forged."),
    "proof.uncheckable": N_("The proof cannot be checked."),
    "proof.jwt_and_embedded": N_("The JWT signature and the embedded proof both verify."),
    "proof.jwt": N_("The %(alg)s JWT signature verifies."),
    "proof.eddsa-rdfc-2022": N_("The eddsa-rdfc-2022 Data Integrity proof verifies."),
    "proof.eddsa-2022": N_(
        "The eddsa-2022 Data Integrity proof verifies (the older name of eddsa-rdfc-2022)."
    ),
    "proof.Ed25519Signature2020": N_(
        "The Ed25519Signature2020 proof verifies (an older proof suite)."
    ),
    "proof.suite": N_("The %(suite)s proof verifies."),
    "proof.suites": N_("Every embedded proof verifies (%(suites)s)."),
    # -- dates -------------------------------------------------------------------------
    "dates.unreadable": N_("The validity dates are unreadable."),
    "dates.not_yet": N_("The badge is not valid yet: it becomes valid on %(date)s."),
    "dates.expired": N_("The badge expired on %(date)s."),
    "dates.valid_until": N_("Valid from %(start)s until %(end)s."),
    "dates.no_expiry": N_("Valid since %(start)s; no expiry."),
    # -- status ------------------------------------------------------------------------
    "status.not_asked": N_("Status was not checked (as asked)."),
    "status.none_endorsement": N_("The endorser publishes no status for this endorsement."),
    "status.none_badge": N_("The issuer publishes no status for this badge."),
    "status.short_list": N_(
        "Its status list has %(size)s entries, fewer than the %(minimum)s the Bitstring "
        "Status List specification requires so that a list says little of any one holder "
        "(herd privacy)."
    ),
    "status.revoked_badge": N_("The issuer has revoked this badge."),
    "status.suspended_badge": N_("The issuer has suspended this badge."),
    "status.withdrawn_endorsement": N_("The endorser has withdrawn this endorsement."),
    "status.suspended_endorsement": N_("The endorser has suspended this endorsement."),
    "status.refresh": N_(
        "Its status list says an updated version is available through its refresh "
        "service; this one stays valid."
    ),
    "status.message": N_("Its status list gives this message: “%(message)s”"),
    "status.message_unnamed": N_(
        "Its status list gives it a message (status %(status)s) that its status entry "
        "does not spell out."
    ),
    "status.other_purpose": N_(
        "Its status list for the purpose “%(purpose)s” marks it; this verifier does not "
        "know that purpose, which does not make it invalid."
    ),
    "status.wide_value": N_(
        "Its status list for the purpose “%(purpose)s” gives values of %(size)s bits, "
        "which this verifier does not read."
    ),
    "status.revoked_badge_reason": N_("The issuer has revoked this badge. Reason: %(reason)s"),
    "status.withdrawn_endorsement_reason": N_(
        "The endorser has withdrawn this endorsement. Reason: %(reason)s"
    ),
    "status.reason_detail": N_("Reason: %(reason)s"),
    "status.untrustworthy": N_("The badge's status list is not trustworthy."),
    "status.undecided_endorsement": N_(
        "Whether the endorsement was withdrawn cannot be checked right now."
    ),
    "status.undecided_badge": N_("Whether the badge was revoked cannot be checked right now."),
    "status.ok_endorsement": N_("The endorser has not withdrawn this endorsement."),
    "status.ok_badge": N_("The issuer has not revoked or suspended this badge."),
    "status.gone": N_("The issuer has revoked this badge: its link answers 410 Gone."),
    # -- recipient ---------------------------------------------------------------------
    "recipient.not_given": N_("No recipient was given to check."),
    "recipient.ok": N_("The badge was awarded to this recipient."),
    "recipient.other": N_("The badge was not awarded to this recipient."),
    # -- endorsements ------------------------------------------------------------------
    "endorsements.none.badge": N_("The badge carries no endorsements."),
    "endorsements.none.endorsement": N_("The endorsement carries no endorsements."),
    "endorsements.none.learner_record": N_("The learner record carries no endorsements."),
    "endorsements.nested": N_("Endorsements of endorsements are not checked."),
    "endorsements.invalid": N_plural(
        "%(num)s of %(count)s endorsements on this badge is not valid (the badge itself is "
        "not affected).",
        "%(num)s of %(count)s endorsements on this badge are not valid (the badge itself is "
        "not affected).",
    ),
    # the count of the whole ("of 1 endorsement") follows the count of the bad ones in
    # English; two codes keep a plural form for each number
    "endorsements.invalid_of_one": N_(
        "1 of 1 endorsement on this badge is not valid (the badge itself is not affected)."
    ),
    "endorsements.withdrawn": N_plural(
        "%(num)s of %(count)s endorsements on this badge was withdrawn by the endorser (the "
        "badge itself is not affected).",
        "%(num)s of %(count)s endorsements on this badge were withdrawn by the endorser (the "
        "badge itself is not affected).",
    ),
    "endorsements.withdrawn_of_one": N_(
        "1 of 1 endorsement on this badge was withdrawn by the endorser (the badge itself is "
        "not affected)."
    ),
    "endorsements.settled": N_(
        "Some endorsements were not fully checked: the badge is already known not to be valid."
    ),
    "endorsements.undecided": N_(
        "Some endorsements could not be checked right now (the badge itself is not affected)."
    ),
    "endorsements.ok": N_plural("%(num)s endorsement verified.", "%(num)s endorsements verified."),
    "endorsements.unnamed": N_("An unnamed endorser"),
    "endorsements.first_only": N_("only the first %(max)s of %(count)s were checked"),
    "endorsements.by": N_("Endorsed by %(names)s."),
    # one line of a detail: who (an endorser, a credential of a record) and its verdict
    "detail.line": N_("%(who)s: %(message)s"),
    "endorsement.not_jwt": N_("An endorsementJwt entry is not a compact JWT."),
    "endorsement.not_embedded": N_("An endorsement entry is not an embedded credential."),
    "endorsement.wrong_type": N_("This is not an EndorsementCredential."),
    "endorsement.about_other": N_(
        "This endorsement is about %(subject)s, not the %(location)s it is attached to."
    ),
    "endorsement.about_nothing": N_(
        "This endorsement is about nothing named, not the %(location)s it is attached to."
    ),
    "location.achievement": N_("achievement"),
    "location.issuer": N_("issuer"),
    "location.credential": N_("credential"),
    # -- a learner record's credentials --------------------------------------------------
    "credentials.nested_record": N_("A learner record inside another credential is not checked."),
    "credentials.not_a_credential": N_("This entry is not a credential: %(problem)s."),
    "credentials.not_a_badge": N_("This is not an Open Badges achievement credential."),
    "credentials.label": N_("credential %(position)s"),
    "credentials.label_named": N_("credential %(position)s (“%(name)s”)"),
    "credentials.label_named_from": N_("credential %(position)s (“%(name)s” from %(issuer)s)"),
    "credentials.label_id": N_("credential %(position)s (%(id)s)"),
    "credentials.one_forged": N_("%(label)s of %(count)s is not genuine: %(reason)s"),
    "credentials.forged": N_(
        "%(forged)s of the %(count)s credentials inside are not genuine: %(reason)s"
    ),
    "credentials.revoked": N_plural(
        "%(num)s of %(count)s credentials inside was revoked by the issuer (%(labels)s)",
        "%(num)s of %(count)s credentials inside were revoked by the issuer (%(labels)s)",
    ),
    "credentials.revoked_of_one": N_(
        "1 of 1 credential inside was revoked by the issuer (%(labels)s)"
    ),
    "credentials.expired": N_plural(
        "%(num)s is not valid at this date (%(labels)s)",
        "%(num)s are not valid at this date (%(labels)s)",
    ),
    "credentials.unsure": N_plural(
        "%(num)s could not be fully checked right now",
        "%(num)s could not be fully checked right now",
    ),
    # a list of messages (not for translation: only their parameters are text)
    "join.1": "%(part0)s",
    "join.2": "%(part0)s%(separator)s%(part1)s",
    "join.3": "%(part0)s%(separator)s%(part1)s%(separator)s%(part2)s",
    "credentials.summary": N_("%(parts)s. The record itself is genuine."),
    "credentials.none": N_("The learner record carries no credentials."),
    "credentials.all_ok": N_("All %(count)s credentials inside verify on their own."),
    "credentials.one_ok": N_("The credential inside verifies on its own."),
    # -- Open Badges 2.0 ---------------------------------------------------------------
    "ob2.what.badge_class": N_("the badge class"),
    "ob2.what.profile": N_("the issuer's profile"),
    "ob2.what.hosted": N_("the hosted assertion"),
    "ob2.what.key": N_("the issuer's public key"),
    "ob2.no_fetcher": N_("%(what)s cannot be fetched: this verifier does not follow links."),
    "ob2.blocked": N_("%(what)s is at an address this verifier refuses to visit."),
    "ob2.missing": N_("%(what)s is not at its address (HTTP %(status)s)."),
    "ob2.unfetched": N_("%(what)s could not be fetched right now."),
    "ob2.too_large": N_("%(what)s is too large."),
    "ob2.not_json": N_("%(what)s is not valid JSON."),
    "ob2.not_object": N_("%(what)s is not a JSON object."),
    "ob2.unnamed_link": N_("The assertion does not say which %(what)s it belongs to."),
    "ob2.no_address": N_("%(what)s has no address it can be fetched from."),
    "ob2.other_document": N_("%(what)s fetched from %(url)s says it is something else."),
    "ob2.ob1": N_("Open Badges 1.x assertions are not supported."),
    "ob2.no_context": N_("The assertion does not name the Open Badges 2.0 context."),
    "ob2.unknown_contexts": N_(
        "The assertion also names contexts this verifier does not know; their terms were not "
        "checked."
    ),
    "ob2.context": N_("The Open Badges 2.0 context."),
    "ob2.hosted_id": N_("A hosted assertion's id must be the web address it is hosted at."),
    "ob2.hosted_gone": N_(
        "The issuer has revoked this badge: its hosted assertion is gone (HTTP 410)."
    ),
    "ob2.hosted_other": N_("The document at the assertion's address is not this assertion."),
    "ob2.hosted_not_hosted": N_(
        "The document at the assertion's address is not a hosted OB 2.0 assertion."
    ),
    "ob2.scope_property": N_(
        "The issuer's hosting rules use a verification property this verifier does not know."
    ),
    "ob2.scope_starts": N_("The assertion is not hosted where the issuer says its badges are."),
    "ob2.scope_origins.assertion": N_(
        "The assertion is hosted on a site the issuer does not allow."
    ),
    "ob2.scope_origins.badge_class": N_(
        "The badge class is hosted on a site the issuer does not allow."
    ),
    "ob2.scope_own.assertion": N_("The assertion is not hosted at the issuer's own web address."),
    "ob2.scope_own.badge_class": N_(
        "The badge class is not hosted at the issuer's own web address."
    ),
    "ob2.hosted_ok": N_(
        "The assertion is hosted by its issuer (%(site)s), and that copy was checked."
    ),
    "ob2.issuer_hosted": N_(
        "Issued by %(issuer)s <%(id)s>, whose profile was fetched from its own address."
    ),
    "ob2.unnamed_issuer": N_("an unnamed issuer"),
    "ob2.jws_malformed": N_("The JWS is malformed."),
    "ob2.jws_header": N_("The JWS header is not a JSON object."),
    "ob2.jws_crit": N_("The JWS has critical header parameters this verifier does not know."),
    "ob2.key_not_listed": N_("The signing key is not one the issuer lists in its profile."),
    "ob2.no_public_key": N_("The issuer's profile lists no public key."),
    "ob2.issuer_signed": N_("Signed with a key that %(issuer)s <%(id)s> lists in its profile."),
    "ob2.the_issuer": N_("the issuer"),
    "ob2.jws_ok": N_("The %(alg)s signature (JWS) verifies."),
    "ob2.key_listed": N_("The issuer lists the signing key in its profile."),
    "ob2.key_no_address": N_("The issuer's key has no address it can be fetched from."),
    "ob2.key_other_document": N_("The key document fetched is not the key the issuer lists."),
    "ob2.key_other_owner": N_("The signing key belongs to someone else, not the issuer."),
    "ob2.key_unreadable": N_("The issuer's key cannot be read."),
    "ob2.dates_unreadable": N_("The badge's dates are unreadable."),
    "ob2.issued_in_future": N_("The badge says it was issued in the future (%(date)s)."),
    "ob2.valid_until": N_("Issued on %(start)s; valid until %(end)s."),
    "ob2.no_expiry": N_("Issued on %(start)s; no expiry."),
    "ob2.status_hosted_ok": N_("The issuer still hosts this badge and has not revoked it."),
    "ob2.no_revocation_list": N_("The issuer publishes no revocation list for its badges."),
    "ob2.list_no_address": N_(
        "The issuer's revocation list has no address it can be fetched from."
    ),
    "ob2.list_blocked": N_(
        "The issuer's revocation list is at an address this verifier refuses to visit."
    ),
    "ob2.list_unreadable": N_("The issuer's revocation list is unreadable."),
    "ob2.list_untrustworthy": N_("The badge's revocation list is not trustworthy."),
    "ob2.status_hosted_listed_ok": N_(
        "The issuer still hosts this badge, and its revocation list does not list it."
    ),
    "ob2.status_signed_ok": N_("The issuer's revocation list does not list this badge."),
    "ob2.hash_kind": N_("The recipient's hash is of a kind this verifier cannot check."),
    "ob2.format": N_("An Open Badges 2.0 assertion (%(kind)s, %(carrier)s)."),
    "ob2.format_plain": N_("An Open Badges 2.0 assertion."),
    "ob2.described": N_("An Open Badges 2.0 assertion (%(kind)s, %(carrier)s): “%(title)s”."),
    "ob2.described_from": N_(
        "An Open Badges 2.0 assertion (%(kind)s, %(carrier)s): “%(title)s” from %(issuer)s."
    ),
    "ob2.kind.hosted": N_("hosted"),
    "ob2.kind.signed": N_("signed"),
    "ob2.carrier.json": N_("JSON"),
    "ob2.carrier.jws": N_("a JWS"),
    "ob2.carrier.json_image": N_("JSON from a baked %(image)s image"),
    "ob2.carrier.jws_image": N_("a JWS from a baked %(image)s image"),
    "ob2.not_assertion": N_(
        "This Open Badges 2.0 document is not an assertion (an awarded badge)."
    ),
    "ob2.no_verification": N_("The assertion does not say how to verify it (hosted or signed)."),
    "ob2.jws_not_signed": N_(
        "This JWS carries an assertion that does not declare signed verification."
    ),
    "ob2.signed_without_jws": N_(
        "The assertion declares signed verification but comes without its signature (JWS)."
    ),
    "ob2.vocabulary_assertion": N_("The assertion does not follow the Open Badges 2.0 vocabulary."),
    "ob2.vocabulary_failed": N_("The badge does not follow the Open Badges 2.0 vocabulary."),
    "ob2.vocabulary_lesser": N_(
        "The badge follows the Open Badges 2.0 vocabulary, with small omissions."
    ),
    "ob2.vocabulary_ok": N_(
        "The assertion, badge class and issuer profile have every required property."
    ),
    "ob2.no_issuer_profile": N_(
        "The badge class names no issuer profile with a web address to check it against."
    ),
    "ob2.endorsements": N_("Open Badges 2.0 endorsements are not checked."),
}


class Translator(Protocol):
    """A catalogue (``babel.support.NullTranslations`` or ``Translations``)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


_OPENER = re.compile(r"%\((\w+)\)s")
_OPENERS: dict[str, re.Match[str] | None] = {}


def _opener(template: str) -> re.Match[str] | None:
    """``_OPENER.match(template)``, once per template (English or a catalogue's)."""
    try:
        return _OPENERS[template]
    except KeyError:
        found = _OPENERS[template] = _OPENER.match(template)
        return found


@dataclass(frozen=True)
class Message:
    """One message of a report: a code of ``MESSAGES`` and its parameters.

    ``str(message)`` is its English. Raises KeyError when ``code`` is not in ``MESSAGES``
    (a code never made without an English sentence, nor, through the catalogue tests, a
    translation)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise KeyError(f"no English for the message code {self.code!r}")

    def render(self, catalogue: Translator | None = None, language: str = ENGLISH) -> str:
        """The sentence in ``language`` from its ``catalogue`` (English without one).

        A parameter that is a ``Message`` is rendered in the same language; a count is
        written as that language writes numbers. A sentence that a ``Message`` parameter
        opens ("%(what)s is too large.") starts with a capital letter; any other value
        (a name, a link, a suite such as "eddsa-2022") is left as it is written."""
        return self._render(catalogue, language)

    def _template(self, catalogue: Translator | None) -> str:
        english = MESSAGES[self.code]
        if isinstance(english, tuple):
            num = self.params["num"]
            if catalogue is None:
                return english[0] if num == 1 else english[1]
            return catalogue.ngettext(english[0], english[1], num)
        return english if catalogue is None else catalogue.gettext(english)

    def _render(self, catalogue: Translator | None, language: str) -> str:
        if not self.params:  # most messages of a valid badge's report: the template as is
            return self._template(catalogue)
        values = {
            name: value._render(catalogue, language)
            if isinstance(value, Message)
            else number(value, language)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in self.params.items()
        }
        template = self._template(catalogue)
        text = template % values
        # a sentence a message opens ("%(what)s is too large.") starts with a capital
        # letter, wherever it is shown; a list of messages (join.*) is not a sentence
        opener = _opener(template)
        if (
            opener
            and isinstance(self.params.get(opener.group(1)), Message)
            and not self.code.startswith("join.")
        ):
            return text[:1].upper() + text[1:]
        return text

    def __str__(self) -> str:
        if not self.params:  # the English template as it is (most checks of a valid badge)
            english = MESSAGES[self.code]
            if type(english) is str:
                return english
        return self.render()

    @classmethod
    def from_dict(cls, stored: Any) -> Message | None:
        """The message ``to_dict`` wrote (kept in a database, read back to be shown in
        another reader's language); None when it is not one, or names a code this version
        does not know (then the English stored beside it is shown)."""
        if not isinstance(stored, dict) or not isinstance(stored.get("code"), str):
            return None
        if stored["code"] not in MESSAGES:
            return None
        params = stored.get("params")
        values: dict[str, Any] = {}
        for name, value in (params if isinstance(params, dict) else {}).items():
            if isinstance(value, dict) and isinstance(value.get("code"), str):
                inner = cls.from_dict(value)
                if inner is None:
                    return None
                values[name] = inner
            else:
                values[name] = value
        message = cls(stored["code"], values)
        try:
            message.render()  # its English takes the parameters stored with it
        except (KeyError, TypeError, ValueError):
            return None
        return message

    def to_dict(self) -> dict[str, Any]:
        """The code and its parameters as JSON (a ``Message`` parameter as its own)."""
        return {
            "code": self.code,
            "params": {
                name: value.to_dict() if isinstance(value, Message) else value
                for name, value in self.params.items()
            },
        }


_new_message = object.__new__


def M(code: str, **params: Any) -> Message:
    """``Message(code, params)``, shorter where the steps write many.

    The same object ``Message(code, params)`` makes (the same KeyError for an unknown
    code), without the frozen dataclass's ``__init__``: a valid badge's report makes a
    dozen of them."""
    if code not in MESSAGES:
        raise KeyError(f"no English for the message code {code!r}")
    message = _new_message(Message)
    fields = message.__dict__  # the frozen fields, set once, as __init__ would
    fields["code"] = code
    fields["params"] = params
    return message
