"""The audit log in its reader's language (issue 12): each entry keeps its summary as a code
and parameters (``services.audit_summaries``) beside the English; the page renders the code
from the reader's catalogue, and an entry written before the codes still shows its English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from issuer.models import AuditEvent, Award, Organisation
from issuer.services import audit
from issuer.services.audit import Actor, AuditAction
from issuer.services.audit_summaries import SUMMARIES, Summary
from issuer.services.keys import rotate_key
from issuer.services.status import revoke_award

from .conftest import login

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NAME = "World Heritage in Young Hands"


@pytest.mark.parametrize("language", ["lt", "ru", "kk"])
def test_every_summary_code_is_translated_in_every_catalogue(language):
    path = ROOT / "issuer" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalogue = read_po(file)
    for code, english in SUMMARIES.items():
        msgid = english[0] if isinstance(english, tuple) else english
        message = catalogue.get(english if isinstance(english, tuple) else msgid)
        assert message is not None, f"{code}: not in the {language} catalogue"
        assert not message.fuzzy, f"{code}: fuzzy in {language}"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"{code}: untranslated in {language}"
        wanted = set(PLACEHOLDER.findall(msgid))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == wanted, (code, language, form)
            assert form != msgid or not re.search(r"[a-z]{3}", PLACEHOLDER.sub("", msgid))


def test_every_action_has_a_summary_code():
    for action in AuditAction:
        assert any(code == action or code.startswith(f"{action}.") for code in SUMMARIES), action


def test_every_service_writes_a_coded_summary():
    """No ``record`` call in the services passes a sentence: each passes a ``Summary``."""
    calls = 0
    for path in sorted((ROOT / "issuer" / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name not in {"record", "record_once"}:
                continue
            for keyword in node.keywords:
                if keyword.arg == "summary":
                    calls += 1
                    assert not isinstance(
                        keyword.value, ast.Constant | ast.JoinedStr | ast.BinOp
                    ), f"{path.name}:{node.lineno}: a plain-text summary"
    assert calls >= 20


def test_a_summary_renders_english_with_plurals_and_nested_parts():
    assert Summary("award.batch", {"achievement": NAME, "num": 1}).render() == (
        f"Awarded “{NAME}” to 1 learner"
    )
    compromise = Summary(
        "key.compromise.withdrawn",
        {
            "kid": "key-1",
            "revoked": Summary("count.badges_revoked", {"num": 3}),
            "withdrawn": Summary("count.endorsements_withdrawn", {"num": 1}),
        },
    )
    english = "Key key-1 marked compromised: 3 badges revoked, 1 endorsement withdrawn"
    assert compromise.render() == english
    stored = Summary.load(compromise.code, compromise.stored())
    assert stored is not None and stored.render() == english
    assert Summary.load("no.such.code", {}) is None
    with pytest.raises(KeyError):
        Summary("no.such.code")


@pytest.fixture
def school(make_org):
    return make_org("klaipeda", "Klaipėda Baltic Gymnasium")


@pytest.fixture
def admin(make_user, school):
    return make_user("aiste@klaipeda.example", org=school, role="admin")


def audit_page(client, school, language):
    response = client.get(f"/staff/{school.slug}/audit", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_audit_page_in_lithuanian_shows_lithuanian_summaries(
    client, database, sealer, school, admin, make_achievement, award_to
):
    achievement = make_achievement(school, NAME)
    award = award_to(school, achievement)
    with database.transaction() as session:
        revoke_award(session, award=session.get(Award, award.id), reason="Išduotas per klaidą")
        org = session.get(Organisation, school.id)
        rotate_key(session, org=org, sealer=sealer, actor=None)
    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.org_id == school.id).order_by(AuditEvent.id)
        ).all()
        by_action = {e.action: e for e in events}
        # the English stays in ``summary`` (exports, the API), the code and its parameters beside
        issued = by_action["award.issue"]
        assert issued.summary == f"Awarded “{NAME}” to Ona Petraitytė"
        assert issued.summary_code == "award.issue"
        assert issued.summary_params == {"achievement": NAME, "learner": "Ona Petraitytė"}
        rotated = by_action["key.rotate"]
        old_kid, new_kid = rotated.details["retired"], rotated.details["kid"]
        assert rotated.summary == (
            f"New signing key {new_kid} ({rotated.details['alg']}); {old_kid} retired, "
            "published while its badges are valid"
        )
    assert login(client, admin.email).status_code == 302
    page = audit_page(client, school, "lt")
    assert f"Įteiktas ženklelis „{NAME}“: Ona Petraitytė" in page
    assert f"Atšauktas ženklelis „{NAME}“ (Ona Petraitytė): Išduotas per klaidą" in page
    assert (
        f"Naujas pasirašymo raktas {new_kid} ({rotated.details['alg']}); {old_kid} pasenęs, "
        "skelbiamas, kol galioja jo ženkleliai"
    ) in page
    for english in ("Awarded “", "Revoked “", "New signing key", "retired, published"):
        assert english not in page
    # the entries written by no one (the services called with no actor): "system", in Lithuanian
    assert "<td>sistema</td>" in page and "<td>system</td>" not in page
    # the same entries in English for an English reader, and in Russian for a Russian one
    assert f"Awarded “{NAME}” to Ona Petraitytė" in audit_page(client, school, "en")
    assert f"Выдан значок «{NAME}»: Ona Petraitytė" in audit_page(client, school, "ru")


def test_an_entry_written_before_the_codes_still_shows_its_english(client, database, school, admin):
    with database.transaction() as session:
        old = audit.record(
            session,
            org_id=school.id,
            actor=Actor(label="Rūta Teacher", via="web"),
            action=AuditAction.AWARD_ISSUE,
            subject="award:old",
            summary="Awarded “Baltic Sea Project” to Jonas",
        )
        assert old.summary_code is None and old.summary_params is None
        # a code a later version wrote, unknown to this one: its English too
        audit.record(
            session,
            org_id=school.id,
            actor=Actor(label="Rūta Teacher", via="web"),
            action=AuditAction.AWARD_ISSUE,
            subject="award:newer",
            summary=Summary("award.issue", {"achievement": "Robotics", "learner": "Eglė"}),
        ).summary_code = "award.issue.from_the_future"
    assert login(client, admin.email).status_code == 302
    page = audit_page(client, school, "lt")
    assert "Awarded “Baltic Sea Project” to Jonas" in page
    assert "Awarded “Robotics” to Eglė" in page


def test_an_address_in_the_parameters_is_masked_like_the_summary(database, school):
    with database.transaction() as session:
        event = audit.record(
            session,
            org_id=school.id,
            actor=None,
            action=AuditAction.MEMBER_INVITE,
            subject="invitation:teacher",
            summary=Summary("member.invite.teacher", {"email": "jonas@school.example"}),
        )
        assert event.summary == "Invited [email hidden] to join as teacher"
        assert event.summary_params == {"email": "[email hidden]"}


def test_a_language_in_a_summary_is_named_in_the_readers_language(client, database, school, admin):
    """ "Default language lt" was a code: the entry names the language, in the reader's
    language (the English kept in ``summary`` names it in English)."""
    from issuer.services.orgs import set_default_language

    with database.transaction() as session:
        set_default_language(
            session, session.get(Organisation, school.id), "lt", offered=("en", "lt", "ru", "kk")
        )
    with database.transaction() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.summary_code == "org.update.default_language")
        ).one()
        assert event.summary == "Default language Lithuanian"
        assert event.summary_params == {"language": "lt"}  # the code, never its name
    assert login(client, admin.email).status_code == 302
    assert "Default language Lithuanian" in audit_page(client, school, "en")
    lithuanian = audit_page(client, school, "lt")
    assert "Numatytoji kalba: lietuvių" in lithuanian and "Default language" not in lithuanian
    assert "Язык по умолчанию: литовский" in audit_page(client, school, "ru")
    assert "Әдепкі тіл: литва тілі" in audit_page(client, school, "kk")
    # a language version's entry too
    added = Summary("achievement.create.language", {"language": "ru", "name": "N", "of": "O"})
    assert added.render() == "Added the Russian version “N” of “O”"
