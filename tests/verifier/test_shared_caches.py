"""The verifier's document and status caches shared through Redis (VERIFIER_REDIS_URL):
two app instances (two workers, two machines) fetch an issuer's DID document and status
list once between them and give the same answer; with Redis away each keeps its own and
keeps answering (issue 16). Redis is a redis-server of the test's own, reached through a
loopback proxy the test cuts (tests/redis_server.py)."""

from __future__ import annotations

import time

from badges.status import bitstring_status_list as bsl
from tests.redis_server import redis_proxy, redis_server  # noqa: F401 (fixtures)
from tests.verifier.conftest import Api
from verifier.shared_cache import RedisDocuments


def _status(report):
    return next(c for c in report["checks"] if c["name"] == "status")


def test_two_instances_fetch_once_and_agree(make_app, school, site, redis_proxy):
    url = school.status_list("/status/1", set_bits=(3,))
    signed = school.issue(proof="data-integrity", status=[bsl.status_entry(url, 3)])
    shared = f"redis://127.0.0.1:{redis_proxy.port}/2"
    first = Api(make_app(VERIFIER_REDIS_URL=shared).test_client())
    second = Api(make_app(VERIFIER_REDIS_URL=shared).test_client())
    report = first.post({"credential": signed.json}).get_json()
    assert report["verdict"] == "invalid" and _status(report)["outcome"] == "failed"
    fetched = sorted(site.requests)
    assert fetched == ["/.well-known/did.json", "/status/1"]
    # the other instance: the same answer, from the shared caches, fetching nothing
    again = second.post({"credential": signed.json}).get_json()
    assert again["verdict"] == "invalid" and _status(again)["outcome"] == "failed"
    assert sorted(site.requests) == fetched
    # without the shared store, an instance fetches for itself
    alone = Api(make_app().test_client()).post({"credential": signed.json}).get_json()
    assert alone["verdict"] == "invalid"
    assert len(site.requests) == 4


def test_with_redis_away_each_instance_caches_on_its_own_and_answers(
    make_app, school, site, redis_proxy
):
    url = school.status_list("/status/2")
    signed = school.issue(proof="data-integrity", status=[bsl.status_entry(url, 5)])
    redis_proxy.cut()
    app = make_app(VERIFIER_REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/2")
    client = Api(app.test_client())
    assert client.post({"credential": signed.json}).get_json()["verdict"] == "valid"
    assert client.post({"credential": signed.json}).get_json()["verdict"] == "valid"
    assert sorted(site.requests) == ["/.well-known/did.json", "/status/2"]  # cached here
    redis_proxy.restore()


def test_a_newer_answer_kept_by_another_process_wins(redis_server):
    url = f"redis://127.0.0.1:{redis_server}/2"
    first, second = RedisDocuments(url), RedisDocuments(url)
    newer = bsl.BitstringStatusList()
    newer.set(7)  # revoked meanwhile
    now = time.time()
    assert second.put("list", newer, 60, started=now) is newer
    older = bsl.BitstringStatusList()
    kept = first.put("list", older, 60, started=now - 5)  # a slow fetch that began earlier
    assert isinstance(kept, bsl.BitstringStatusList) and kept.get(7)
    found = first.get("list")
    assert found is not None and found[0].get(7) and 0 < found[1] <= 60
    assert first.put("doc", {"id": "x"}, 60, started=now) == {"id": "x"}
    assert second.get("doc") is not None and second.get("doc")[0] == {"id": "x"}
