"""Stand-in for the class award job: the same service, in a process of its own, in classes of
at most MAX_BATCH learners (a transaction each). Used by run.py until the job queue lands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from issuer.db import Database  # noqa: E402
from issuer.models import Achievement, Organisation  # noqa: E402
from issuer.services import awards  # noqa: E402
from issuer.services.jobs import no_progress, run_class_award  # noqa: E402
from issuer.services.keys import Sealer  # noqa: E402
from issuer.urls import PublicUrls  # noqa: E402

LEVELS = ["Emerging", "Developing", "Proficient", "Mastered"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--org-id", type=int, required=True)
    parser.add_argument("--achievement-id", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    args = parser.parse_args()
    database = Database(args.database_url)
    sealer = Sealer.from_config(os.environ["ISSUER_KEY_ENCRYPTION_KEY"])
    urls = PublicUrls(os.environ["ISSUER_BASE_URL"])
    rows = [
        awards.AwardInput(
            learner_name=f"Class learner {i}",
            learner_email=f"class.{i}@pupils.example",
            level=LEVELS[i % len(LEVELS)],
        )
        for i in range(args.size)
    ]
    for start in range(0, len(rows), awards.MAX_BATCH):
        with database.transaction() as session:
            org = session.get(Organisation, args.org_id)
            achievement = session.get(Achievement, args.achievement_id)
            assert org is not None and achievement is not None
            run_class_award(
                session,
                org=org,
                achievement=achievement,
                rows=rows[start : start + awards.MAX_BATCH],
                sealer=sealer,
                urls=urls,
                awarded_by=None,
                actor=None,
                request_key=None,
                skip_earlier=False,
                first_row=1,
                progress=no_progress,
            )
        print(f"{min(start + awards.MAX_BATCH, len(rows))}/{len(rows)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
