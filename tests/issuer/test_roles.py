"""require_role: who may act in an organisation, checked on the service itself.

The pages and the API call it with the roles an action needs; a check that let any member
through (or let a role through only when it was not required) must fail here.
Written to kill the mutants tests/mutation/run.py found alive in issuer/services/accounts.py.
"""

from __future__ import annotations

import re

import pytest

from issuer.errors import Forbidden
from issuer.models import Organisation, User
from issuer.services.accounts import require_role, role_in

REFUSAL = "^" + re.escape("You do not work in this organisation (or not in this role).") + "$"


@pytest.fixture
def people(make_org, make_user):
    school = make_org("vilnius-school", "Vilnius School")
    other = make_org("kaunas-school", "Kaunas School")
    admin = make_user("head@vilnius.example", org=school, role="admin")
    teacher = make_user("teacher@vilnius.example", org=school, role="teacher")
    stranger = make_user("head@kaunas.example", org=other, role="admin")
    return school, other, admin, teacher, stranger


def test_each_member_has_their_role_and_outsiders_none(database, people):
    school, _other, admin, teacher, stranger = people
    with database.transaction() as session:
        org = session.get(Organisation, school.id)
        assert role_in(session, session.get(User, admin.id), org) == "admin"
        assert role_in(session, session.get(User, teacher.id), org) == "teacher"
        assert role_in(session, session.get(User, stranger.id), org) is None


def test_a_role_is_required_only_when_named(database, people):
    school, other, admin, teacher, stranger = people
    with database.transaction() as session:
        org = session.get(Organisation, school.id)
        admin_, teacher_, stranger_ = (session.get(User, u.id) for u in (admin, teacher, stranger))
        # any member, when no role is named
        assert require_role(session, admin_, org) == "admin"
        assert require_role(session, teacher_, org) == "teacher"
        # the role named, and only it
        assert require_role(session, admin_, org, "admin") == "admin"
        assert require_role(session, teacher_, org, "admin", "teacher") == "teacher"
        with pytest.raises(Forbidden, match=REFUSAL):
            require_role(session, teacher_, org, "admin")
        with pytest.raises(Forbidden, match=REFUSAL):
            require_role(session, admin_, org, "teacher")
        # an outsider, whatever role they hold elsewhere
        for roles in ((), ("admin",), ("admin", "teacher")):
            with pytest.raises(Forbidden, match=REFUSAL):
                require_role(session, stranger_, org, *roles)
        assert require_role(session, stranger_, session.get(Organisation, other.id)) == "admin"
