"""An audit entry's summary as a stable code with its parameters, and its English from one table.

The audit log is read by a school's admins in their own language (issue 12: a Lithuanian
teacher never meets an English word), but an entry is written once, when the change is
made, by whoever makes it. So an entry keeps its summary as a ``Summary``: a ``code``
("award.issue"), never changed once stored, and ``params`` (a name, a count, a date; or
another ``Summary``, such as the entry inside "Received: ..."). ``SUMMARIES`` holds the
English of each code, with ``%(name)s`` placeholders; a summary with a count has a singular
and a plural form, chosen by its ``num``; a ``language`` parameter is a language's code,
written as that language's name in the reader's language. The English sentence is also
stored in the entry's ``summary`` (exports, the API, and readers of rows written before the codes); the
audit page renders the code in its reader's language from the issuer's catalogue, where
the English sentence is the message id. This is the verifier report's design
(``badges.verification.messages``), with the issuer's own table: that module's
``Message`` renders only the verification table.

Adding a code: a line in ``SUMMARIES``, then ``python -m tests.i18n.catalogues all`` and
its translations (tests/issuer/test_audit_i18n.py checks that every code has one in every
catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from badges.i18n import ENGLISH, number
from badges.languages import language_name_in


def N_(message: str) -> str:
    """Marks an English summary for the catalogues."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks an English summary with a count (``%(num)s``) for the catalogues."""
    return singular, plural


SUMMARIES: dict[str, str | tuple[str, str]] = {
    "achievement.create": N_("Created the achievement “%(name)s”"),
    "achievement.create.language": N_("Added the %(language)s version “%(name)s” of “%(of)s”"),
    "achievement.update": N_("Edited the achievement “%(name)s” (now version %(version)s)"),
    "award.issue": N_("Awarded “%(achievement)s” to %(learner)s"),
    "award.batch": N_plural(
        "Awarded “%(achievement)s” to %(num)s learner",
        "Awarded “%(achievement)s” to %(num)s learners",
    ),
    "award.revoke": N_("Revoked “%(achievement)s” of %(learner)s: %(reason)s"),
    "award.revoke.replayed": N_("Revocation of %(at)s re-applied after a restore"),
    "award.suspend": N_("Suspended “%(achievement)s” of %(learner)s"),
    "award.suspend.reason": N_("Suspended “%(achievement)s” of %(learner)s: %(reason)s"),
    "award.unsuspend": N_("Lifted the suspension of “%(achievement)s” of %(learner)s"),
    "award.unsuspend.reason": N_(
        "Lifted the suspension of “%(achievement)s” of %(learner)s: %(reason)s"
    ),
    "award.suspension.replayed": N_("Suspension change of %(at)s re-applied after a restore"),
    "award.reissue": N_plural(
        "%(num)s badge re-issued with key %(keys)s (replacing copies signed with %(old_keys)s)",
        "%(num)s badges re-issued with key %(keys)s (replacing copies signed with %(old_keys)s)",
    ),
    "award.renew": N_("Renewed “%(achievement)s” for %(learner)s until %(until)s"),
    "award.erase_address": N_plural(
        "A learner erased their account: the address on %(num)s award was removed "
        "(the badges stay valid)",
        "A learner erased their account: the address on %(num)s awards was removed "
        "(the badges stay valid)",
    ),
    "endorsement.issue": N_("%(endorser)s endorsed %(endorsed)s"),
    "endorsement.withdraw": N_("%(endorser)s withdrew its endorsement of %(endorsed)s"),
    # the endorsed organisation's copy of the endorser's entry
    "endorsement.received": N_("Received: %(entry)s"),
    "key.rotate": N_("New signing key %(kid)s (%(alg)s)"),
    "key.rotate.retired": N_(
        "New signing key %(kid)s (%(alg)s); %(retired)s retired, published while its badges "
        "are valid"
    ),
    "key.compromise": N_("Key %(kid)s marked compromised: %(revoked)s"),
    "key.compromise.withdrawn": N_("Key %(kid)s marked compromised: %(revoked)s, %(withdrawn)s"),
    "key.compromise.new_key": N_(
        "Key %(kid)s marked compromised: %(revoked)s; new signing key %(new_key)s"
    ),
    "key.compromise.withdrawn.new_key": N_(
        "Key %(kid)s marked compromised: %(revoked)s, %(withdrawn)s; new signing key %(new_key)s"
    ),
    "key.compromise.replayed": N_("Compromise of %(at)s re-applied after a restore"),
    "count.badges_revoked": N_plural("%(num)s badge revoked", "%(num)s badges revoked"),
    "count.endorsements_withdrawn": N_plural(
        "%(num)s endorsement withdrawn", "%(num)s endorsements withdrawn"
    ),
    "member.invite.admin": N_("Invited %(email)s to join as admin"),
    "member.invite.teacher": N_("Invited %(email)s to join as teacher"),
    "org.update.consent_age": N_("Guardian consent asked below age %(age)s"),
    "org.update.consent_age.none": N_("No guardian consent asked"),
    "org.update.default_language": N_("Default language %(language)s"),
    "token.create": N_("Created the API token %(name)s (%(prefix)s…)"),
    "token.revoke": N_("Revoked the API token %(name)s (%(prefix)s…)"),
}


# the parameters that are language codes ("lt"): shown as the language's name in the
# reader's language ("Lithuanian", lt "lietuvių", ru "литовский")
LANGUAGE_PARAMS = frozenset({"language"})


class Translator(Protocol):
    """A catalogue (``babel.support.NullTranslations`` or ``Translations``)."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


@dataclass(frozen=True)
class Summary:
    """One entry's summary: a code of ``SUMMARIES`` and its parameters (text, whole numbers,
    or another ``Summary``; a plural code has ``num``)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in SUMMARIES:  # a programming error, caught by the tests
            raise KeyError(f"no audit summary {self.code!r}")

    def stored(self) -> dict[str, Any]:
        """The parameters as JSON (a nested summary as {"code": ..., "params": ...})."""
        return {
            name: {"code": value.code, "params": value.stored()}
            if isinstance(value, Summary)
            else value
            for name, value in self.params.items()
        }

    @classmethod
    def load(cls, code: str, params: dict[str, Any] | None) -> Summary | None:
        """The summary stored as ``code`` and ``params``; None for a code this version does
        not know (then the stored English is shown)."""
        if code not in SUMMARIES:
            return None
        values: dict[str, Any] = {}
        for name, value in (params or {}).items():
            if isinstance(value, dict) and isinstance(value.get("code"), str):
                inner = cls.load(value["code"], value.get("params"))
                if inner is None:
                    return None
                values[name] = inner
            else:
                values[name] = value
        return cls(code, values)

    def render(self, catalogue: Translator | None = None, language: str = ENGLISH) -> str:
        """The sentence in ``language`` from its ``catalogue`` (English without one); a count
        is written as that language writes numbers."""
        english = SUMMARIES[self.code]
        if isinstance(english, tuple):
            num = int(self.params.get("num", 0))
            template = (
                (english[0] if num == 1 else english[1])
                if catalogue is None
                else catalogue.ngettext(english[0], english[1], num)
            )
        else:
            template = english if catalogue is None else catalogue.gettext(english)
        values = {
            name: value.render(catalogue, language)
            if isinstance(value, Summary)
            else language_name_in(value, language)
            if name in LANGUAGE_PARAMS and isinstance(value, str)
            else number(value, language)
            if isinstance(value, int) and not isinstance(value, bool)
            else ""
            if value is None
            else value
            for name, value in self.params.items()
        }
        try:
            return template % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return template if catalogue is None else self.render(None, ENGLISH)
