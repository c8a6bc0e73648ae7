"""A demo network: a national coordination centre, a school, staff, learners, badges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    Achievement,
    Award,
    FrameworkItem,
    Learner,
    LearnerEmail,
    Organisation,
    Role,
    ShareLink,
)
from .models.base import now_utc
from .services import accounts
from .services.achievements import AchievementInput, create_achievement
from .services.awards import AwardInput, award_badge
from .services.keys import Sealer
from .services.orgs import create_organisation
from .services.status import revoke_award
from .urls import PublicUrls

DEMO_PASSWORD = "aspnet-demo-2026"  # noqa: S105 (the demo only; printed at start)


@dataclass(frozen=True)
class DemoLogins:
    admin: str
    centre_admin: str
    teacher: str
    password: str
    school_slug: str
    credential_ids: list[str]
    learner: str = ""  # the demo learner's sign-in address (same password)


def seed_demo(session: Session, *, sealer: Sealer, urls: PublicUrls) -> DemoLogins | None:
    """Create the demo once; returns the logins, or None when it already exists."""
    if session.scalar(select(Organisation.id).where(Organisation.slug == "lt-aspnet")):
        return None
    centre = create_organisation(
        session,
        sealer=sealer,
        slug="lt-aspnet",
        name="Lithuanian ASPnet Coordination Centre",
        kind="centre",
        country="LT",
        default_language="lt",
        description="Coordinates the 15 UNESCO Associated Schools of Lithuania (badges since 2017).",
    )
    school = create_organisation(
        session,
        sealer=sealer,
        slug="klaipeda-gymnasium",
        name="Klaipėda Baltic Gymnasium",
        kind="school",
        country="LT",
        default_language="lt",
        parent=centre,
        description="An ASPnet school on the Baltic coast: Baltic Sea Project and World Heritage in Young Hands.",
    )
    admin = accounts.create_user(
        session,
        email="admin@demo.example",
        name="Platform Admin",
        password=DEMO_PASSWORD,
        is_platform_admin=True,
    )
    coordinator = accounts.create_user(
        session, email="coordinator@demo.example", name="Aistė Coordinator", password=DEMO_PASSWORD
    )
    accounts.add_member(session, user=coordinator, org=centre, role=Role.ADMIN)
    teacher = accounts.create_user(
        session, email="teacher@demo.example", name="Rūta Teacher", password=DEMO_PASSWORD
    )
    accounts.add_member(session, user=teacher, org=school, role=Role.TEACHER)
    items = {item.name: item.id for item in session.scalars(select(FrameworkItem))}
    baltic = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="Baltic Sea Project: water monitor",
            description="Monitored the water quality of a Baltic river over a season and shared the data with partner schools in nine Baltic states.",
            criteria_md="- Take part in at least **six** sampling days\n- Record and upload the measurements\n- Present the findings to the class",
            achievement_type="Competency",
            tags=["environment", "Baltic Sea Project", "science"],
            levels=["Emerging", "Developing", "Proficient", "Mastered"],
            level_descriptions=[
                "Takes part in sampling days with help.",
                "Takes samples alone and records them correctly.",
                "Plans a season of sampling and explains what the results mean.",
                "Leads a sampling team and presents the findings beyond the school.",
            ],
            alignment_ids=[items["Learning to do"], items["Sustainable development"]],
            validity_days=None,
        ),
    )
    heritage = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="World Heritage in Young Hands: guide",
            description="Researched a local heritage site and guided visitors through it.",
            criteria_md="Prepare and lead a guided tour of a heritage site for younger pupils.",
            achievement_type="Badge",
            tags=["heritage", "intercultural learning"],
            alignment_ids=[items["Learning to live together"], items["Intercultural learning"]],
        ),
    )
    volunteer = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="Volunteer: 40 hours",
            description="Gave forty hours of volunteer work in the community.",
            achievement_type="CommunityService",
            tags=["volunteering"],
            alignment_ids=[items["Learning to be"], items["Peace and human rights"]],
            validity_days=730,
        ),
    )
    ids = []
    learners = [
        ("Ona Petraitytė", "ona@learners.example"),
        ("Jonas Kazlauskas", "jonas@learners.example"),
        ("Emilija Jankauskaitė", "emilija@learners.example"),
    ]
    for (name, email), (achievement, level) in zip(
        learners, [(baltic, "Proficient"), (heritage, None), (volunteer, None)], strict=True
    ):
        award = award_badge(
            session,
            org=school,
            achievement=achievement,
            sealer=sealer,
            urls=urls,
            data=AwardInput(learner_name=name, learner_email=email, level=level),
            awarded_by=teacher.id,
        )
        ids.append(award.public_id)
    award_badge(
        session,
        org=school,
        achievement=baltic,
        sealer=sealer,
        urls=urls,
        data=AwardInput(
            learner_name="Jonas Kazlauskas",
            learner_email="jonas@learners.example",
            level="Mastered",
        ),
        awarded_by=teacher.id,
    )
    _seed_network(
        session,
        sealer=sealer,
        urls=urls,
        centre=centre,
        items=items,
        klaipeda=school,
        klaipeda_badges=(baltic, heritage, volunteer),
        teacher_id=teacher.id,
    )
    learner = seed_demo_learner(
        session,
        sealer=sealer,
        urls=urls,
        school=school,
        achievements=(baltic, heritage, volunteer),
        teacher_id=teacher.id,
    )
    return DemoLogins(
        admin.email, coordinator.email, teacher.email, DEMO_PASSWORD, school.slug, ids, learner
    )


DEMO_LEARNER = "ona@learners.example"


def seed_demo_learner(
    session: Session,
    *,
    sealer: Sealer,
    urls: PublicUrls,
    school: Organisation,
    achievements: tuple[Achievement, ...],
    teacher_id: int,
) -> str:
    """The demo learner's account: Ona, with her school address (which already has the
    Baltic Sea Project badge at "Proficient") and a personal one, both confirmed, and badges
    from two school years (the Baltic Sea Project a year earlier at "Developing": her level
    grew). A reflection on her latest Baltic badge; a pathway of her school, half done (she
    holds two of its four badges) and pinned as her goal; a share link of her whole
    portfolio with her reflections. Returns her sign-in address (the password is
    DEMO_PASSWORD); demo_share() finds the share link."""
    from .services import learners, shares, steering

    baltic, heritage, volunteer = achievements
    personal = "ona.petraityte@home.example"
    today = now_utc()
    earlier = (
        (baltic, DEMO_LEARNER, 420, "Developing"),
        (heritage, personal, 400, None),
        (volunteer, DEMO_LEARNER, 120, None),
    )
    for achievement, email, days, level in earlier:
        award_badge(
            session,
            org=school,
            achievement=achievement,
            sealer=sealer,
            urls=urls,
            data=AwardInput(learner_name="Ona Petraitytė", learner_email=email, level=level),
            awarded_by=teacher_id,
            now=today - timedelta(days=days),
        )
    ona = learners.create_learner(
        session, name="Ona Petraitytė", email=DEMO_LEARNER, password=DEMO_PASSWORD
    )
    learners.confirm_email(session, ona, DEMO_LEARNER)
    learners.confirm_email(session, ona, personal)
    latest_baltic = session.scalars(
        select(Award)
        .where(Award.achievement_id == baltic.id, Award.learner_email == DEMO_LEARNER)
        .order_by(Award.issued_at.desc())
    ).first()
    assert latest_baltic is not None
    steering.save_reflection(
        session,
        ona,
        latest_baltic.public_id,
        "This season I **planned** the sampling days myself. The spring samples from the Danė "
        "surprised me most: the nitrate levels had doubled since autumn.\n\n"
        "Next I want to present our data at the Baltic Sea Project camp.",
    )
    climate = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="Climate action: project lead",
            description="Led a climate action project of the school from idea to results.",
            achievement_type="Competency",
            tags=["climate", "sustainable development"],
        ),
    )
    debate = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="Baltic debate: speaker",
            description="Spoke for the school's team at a debate on the future of the Baltic Sea.",
            achievement_type="Badge",
            tags=["debate", "Baltic Sea Project"],
        ),
    )
    pathway = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="Young Baltic ambassador",
            description="A pathway: water monitoring, heritage, climate action and debate.",
            achievement_type="Achievement",
            tags=["pathway", "Baltic Sea Project"],
            requirement={
                "op": "all",
                "items": [
                    {"achievement": baltic.id},
                    {"achievement": heritage.id},
                    {"achievement": climate.id},
                    {"achievement": debate.id},
                ],
            },
        ),
    )
    steering.pin_goal(session, ona, pathway.public_id)
    shares.create_share(
        session,
        ona,
        shares.ShareInput(title="My portfolio of competences", include_reflections=True),
    )
    return DEMO_LEARNER


def demo_share(session: Session) -> str | None:
    """The public id of the demo learner's first live share link (its page is /s/<id>)."""
    return session.scalar(
        select(ShareLink.public_id)
        .join(Learner, ShareLink.learner_id == Learner.id)
        .join(LearnerEmail, LearnerEmail.learner_id == Learner.id)
        .where(LearnerEmail.email == DEMO_LEARNER, ShareLink.withdrawn_at.is_(None))
        .order_by(ShareLink.id)
        .limit(1)
    )


def demo_badges(session: Session, limit: int = 3) -> list[str]:
    """Public ids of the demo school's first badges that are neither revoked nor suspended."""
    query = (
        select(Award.public_id)
        .join(Organisation, Award.org_id == Organisation.id)
        .where(Organisation.slug == "klaipeda-gymnasium")
        .where(Award.revoked_at.is_(None), Award.suspended.is_(False))
        .order_by(Award.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _seed_network(
    session: Session,
    *,
    sealer: Sealer,
    urls: PublicUrls,
    centre: Organisation,
    items: dict[str, int],
    klaipeda: Organisation,
    klaipeda_badges: tuple[Achievement, ...],
    teacher_id: int,
) -> None:
    """A second school and badges awarded over the past terms, so the centre's network
    view (/staff/lt-aspnet/network) shows real numbers: areas, terms, a revoked badge."""
    school = create_organisation(
        session,
        sealer=sealer,
        slug="siauliai-gymnasium",
        name="Šiauliai Saulės Gymnasium",
        kind="school",
        country="LT",
        default_language="lt",
        parent=centre,
        description="An ASPnet school in northern Lithuania: Model UN and a chess club.",
    )
    model_un = create_achievement(
        session,
        org=school,
        data=AchievementInput(
            name="Model UN: delegate",
            description="Represented a country at a Model United Nations conference and negotiated a resolution.",
            achievement_type="Badge",
            tags=["global citizenship", "debate"],
            alignment_ids=[items["Global citizenship"], items["Learning to live together"]],
        ),
    )
    chess = create_achievement(  # aligned to no framework: counted as "Not aligned"
        session,
        org=school,
        data=AchievementInput(
            name="Chess club: tournament player",
            description="Played a full season of the school chess tournament.",
            achievement_type="Badge",
            tags=["chess"],
        ),
    )
    baltic, heritage, volunteer = klaipeda_badges
    today = now_utc()
    earlier = [  # (organisation, achievement, learner, days ago, level)
        (school, model_un, ("Lukas Žukauskas", "lukas@learners.example"), 400, None),
        (school, chess, ("Gabrielė Šimkienė", "gabriele@learners.example"), 330, None),
        (school, model_un, ("Matas Vasiliauskas", "matas@learners.example"), 250, None),
        (school, chess, ("Austėja Butkutė", "austeja@learners.example"), 150, None),
        (school, model_un, ("Gustas Stankevičius", "gustas@learners.example"), 60, None),
        (klaipeda, baltic, ("Kamilė Paulauskaitė", "kamile@learners.example"), 300, "Developing"),
        (klaipeda, heritage, ("Dovydas Urbonas", "dovydas@learners.example"), 200, None),
        (klaipeda, volunteer, ("Urtė Navickaitė", "urte@learners.example"), 120, None),
    ]
    awarded = []
    for org, achievement, (name, email), days, level in earlier:
        awarded.append(
            award_badge(
                session,
                org=org,
                achievement=achievement,
                sealer=sealer,
                urls=urls,
                data=AwardInput(learner_name=name, learner_email=email, level=level),
                awarded_by=teacher_id if org is klaipeda else None,
                now=today - timedelta(days=days),
            )
        )
    revoke_award(
        session,
        award=awarded[3],
        reason="Awarded twice by mistake; the learner keeps the other badge.",
        urls=urls,
    )
