"""API benchmark: awarding a class through ``POST /api/v1/achievements/<id>/awards``.

Run from the repository root:

    .venv/bin/python benchmarks/bench_api.py            # 100 learners per request, 5 rounds
    .venv/bin/python benchmarks/bench_api.py --quick    # 100 learners, 1 round

The request goes through the whole app in-process (Flask test client: bearer token, JSON
parsing and validation, the Idempotency-Key claim, signing both proof formats, storing, the
audit entry and the JSON answer with every credential), on SQLite and, when it answers, on
the PostgreSQL at 127.0.0.1:5432 (database ``test``; the tables are emptied before and
after). The baseline, measured in the same run and interleaved with it, is the service layer
awarding the same learners directly (``award_many``, one transaction). A retry with the same
key (the stored answer, nothing signed) is timed too. Target: the API within 1.3x of the
service layer. Machines here are shared and noisy: read the ratios. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_issuer import KEK, PG_URL, URLS, _csv, _empty, _prepare, bulk_once  # noqa: E402

from issuer import create_app  # noqa: E402
from issuer.models import Achievement, Organisation  # noqa: E402
from issuer.services.tokens import create_token  # noqa: E402


def _api(url: str, database, org_id: int):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "BASE_URL": URLS.base,
            "KEY_ENCRYPTION_KEY": KEK,
            "SECRET_KEY": "bench",
        }
    )
    with database.transaction() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        _token, secret = create_token(session, org=org, name="bench")
    return app.test_client(), {"Authorization": f"Bearer {secret}"}


def bench(label: str, url: str, n: int, rounds: int) -> None:
    try:
        database, org_id, achievement_id = _prepare(url)
    except Exception as exc:  # PostgreSQL not there: say so, go on
        print(f"  {label}: skipped ({str(exc).splitlines()[0][:100]})")
        return
    client, headers = _api(url, database, org_id)
    with database.transaction() as session:
        achievement = session.get(Achievement, achievement_id)
        assert achievement is not None
        path = f"/api/v1/achievements/{achievement.public_id}/awards"
    body = {
        "learners": [
            {"name": f"Learner {i}", "email": f"l{i}@school.example", "level": "Proficient"}
            for i in range(n)
        ]
    }
    content = _csv(n)
    api_times, service_times, replay_times, ratios = [], [], [], []
    try:
        for _ in range(rounds):
            s = bulk_once(database, org_id, achievement_id, content)
            key = {"Idempotency-Key": str(uuid.uuid4()), **headers}
            started = time.perf_counter()
            response = client.post(path, json=body, headers=key)
            a = time.perf_counter() - started
            assert response.status_code == 201, response.get_data(as_text=True)[:300]
            started = time.perf_counter()
            again = client.post(path, json=body, headers=key)
            replay_times.append(time.perf_counter() - started)
            assert again.get_data() == response.get_data()
            service_times.append(s)
            api_times.append(a)
            ratios.append(a / s)
    finally:
        _empty(database)
        database.dispose()
    a, s, r = (
        statistics.median(api_times),
        statistics.median(service_times),
        statistics.median(replay_times),
    )
    ratio = statistics.median(ratios)
    verdict = "PASS" if ratio <= 1.3 else "MISS"
    print(
        f"  {label:<11} API award {n:>4} learners: {a:6.2f} s = {n / a:6.1f}/s; service layer {s:6.2f} s;"
        f" ratio {ratio:.2f}x {verdict} (target <= 1.3x); retry (stored answer) {r * 1000:6.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 5)
    print(
        f"API benchmark: python {sys.version.split()[0]}, {args.learners} learners per request, {rounds} round(s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.learners, rounds)
    bench("PostgreSQL", PG_URL, args.learners, rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
