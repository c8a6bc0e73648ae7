"""A demo badge from the UNESCO Associated Schools network, for first runs and examples."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path

from .dids import did_key, did_key_verification_method
from .identity import hashed_email
from .issuing import SignedCredential, sign_credential
from .keys import KeyPair
from .model import (
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    Evidence,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from .timeutil import utcnow

PILLARS_URL = "https://www.unesco.org/en/articles/four-pillars-learning"
RUBRIC = ("Emerging", "Developing", "Proficient", "Mastered")


def load_or_create_key(path: Path) -> tuple[KeyPair, bool]:
    """The key stored at ``path``, created (mode 0600) on first use. Returns (key, created)."""
    if path.exists():
        return KeyPair.from_jwk(json.loads(path.read_text("utf-8"))), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = KeyPair.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(key.to_private_jwk(kid=did_key(key.public)), handle, indent=2)
    return key, True


def demo_credential(
    key: KeyPair, *, learner_email: str, now: datetime | None = None
) -> dict[str, object]:
    """An unsigned Baltic Sea Project badge from a Lithuanian ASPnet school."""
    now = now or utcnow()
    levels = [
        RubricCriterionLevel(
            id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'rubric/' + name)}", name=name
        )
        for name in RUBRIC
    ]
    rubric = ResultDescription(
        id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'rubric')}",
        name="Level reached",
        rubric_criterion_level=levels,
    )
    achievement = Achievement(
        id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'baltic-sea-project/water-monitor')}",
        name="Baltic Sea Project: water monitor",
        description="Monitored the water quality of the Baltic Sea coast over a season and "
        "shared the results with partner schools in the nine Baltic Sea states.",
        criteria=Criteria(
            narrative="Take at least **ten** water samples, record them, and "
            "present the findings to a partner school."
        ),
        achievement_type="Competency",
        alignment=[
            Alignment(
                target_name="Learning to do",
                target_url=PILLARS_URL,
                target_framework="Four pillars of learning",
            ),
            Alignment(
                target_name="Sustainable development",
                target_url="https://www.unesco.org/en/aspnet",
                target_framework="ASPnet thematic areas",
            ),
        ],
        result_description=[rubric],
        tag=["environment", "Baltic Sea Project", "ASPnet"],
        in_language="en",
    )
    credential = OpenBadgeCredential(
        id=f"urn:uuid:{uuid.uuid4()}",
        name=achievement.name,
        issuer=Profile(
            id=did_key(key.public),
            name="Demo ASPnet school, Klaipėda",
            parent_org=Profile(
                id="https://www.unesco.org/en/aspnet", name="Lithuanian ASPnet coordination"
            ),
        ),
        valid_from=now,
        credential_subject=AchievementSubject(
            achievement=achievement,
            identifier=[hashed_email(learner_email)],
            result=[Result(result_description=rubric.id, achieved_level=levels[2].id)],
            narrative="Led the spring sampling at Smiltynė.",
        ),
        evidence=[
            Evidence(name="Season report", narrative="Twelve samples from Smiltynė and Giruliai.")
        ],
    )
    return credential.to_json()


def issue_demo(key: KeyPair, *, learner_email: str) -> SignedCredential:
    """The demo badge, signed in both proof formats."""
    return sign_credential(
        demo_credential(key, learner_email=learner_email),
        key,
        verification_method=did_key_verification_method(key.public),
        proof="both",
    )
