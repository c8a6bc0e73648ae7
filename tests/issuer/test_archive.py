"""A learner's archive: one zip with every badge (JSON, VC-JWT, baked PNG and SVG), their own
evidence files, the signed CLR of the whole portfolio, and an index.html that works offline.
It is made by a job (here a thread of the app: no broker), downloaded from the job's page by
the learner who asked for it alone; a job stopped half-way stores nothing and makes the
archive once when it runs again (with RQ and a killed worker: tests/issuer/test_job_queue.py).

Every file in the zip is opened: each badge's JSON, JWT and baked pictures verify with the
core verifier (through the issuer's own did:web documents and status lists), the CLR too,
and every link and picture of index.html names a file inside the zip.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from posixpath import normpath
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from badges import baking
from badges.clr import clr_entries, entry_source
from badges.dids import did_key, did_key_verification_method
from badges.issuing import SignedCredential, sign_credential
from badges.verification import Verdict
from issuer import jobqueue
from issuer.models import Award, ImportedBadge, JobFile, Learner
from issuer.services import jobs
from issuer.services.status import revoke_award
from issuer.services.steering import add_evidence_file
from tests.conftest import ISSUED, build_credential, load_key
from tests.core.test_baking import make_png
from tests.core.test_ob2 import SIGNED_ID

from .conftest import ob2_in_the_clear, post, sign_in_learner
from .test_imports import do_import, vc11_data_integrity

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ONA = "ona@pupils.example"  # the portfolio's learner


class _Links(HTMLParser):
    """Every URL index.html refers to, and whether it has anything fetched from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.sources: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if value is None:
                continue
            if name == "href":
                self.hrefs.append(value)
            elif name in ("src", "srcset", "data", "poster", "action"):
                self.sources.append(value)


@pytest.fixture
def portfolio(make_org, make_achievement, award_to, make_learner, database):
    """Ona's badges: two of a Data Integrity + JWT school (one revoked), one of an ES256
    school (VC-JWT only), and a PDF of her own as evidence on the first."""
    school = make_org()
    other = make_org("kaunas-gymnasium", "Kauno gimnazija", key_alg="ES256")
    river = make_achievement(school, "River monitor")
    coast = make_achievement(school, "Coast keeper — Klaipėda")
    mediation = make_achievement(other, "Peer mediation")
    learner = make_learner()
    awards = [
        award_to(school, river, level="Proficient"),
        award_to(school, coast),
        award_to(other, mediation, email="Ona@Pupils.example"),
    ]
    with database.transaction() as session:
        revoke_award(session, award=session.get(Award, awards[1].id), reason="Given in error.")
        add_evidence_file(
            session,
            session.get(Learner, learner.id),
            awards[0].public_id,
            filename="report.pdf",
            data=PDF,
            title="My season report",
        )
    return learner, awards


def download(client, database, learner) -> zipfile.ZipFile:
    sign_in_learner(client, database, learner)
    page = client.get("/portfolio/export")
    assert page.status_code == 200 and "Make the zip file" in page.text
    return made(client)


def ask(client, data: dict[str, str] | None = None) -> str:
    """Ask for the archive; the page of its job."""
    response = post(client, "/portfolio/export/archive.zip", data)
    assert response.status_code == 303, response.text
    page_url = response.headers["Location"]
    assert re.fullmatch(r"/portfolio/export/jobs/[\w-]+", page_url), page_url
    return str(page_url)


def made(client) -> zipfile.ZipFile:
    """Ask for the archive, let its job run (a thread of the app), and download the zip
    from the job's page."""
    page_url = ask(client)
    jobqueue.runner(client.application).join()  # type: ignore[attr-defined]
    page = client.get(page_url)
    assert page.status_code == 200 and "is ready" in page.text, page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "job.js" not in page.text  # finished: no more asking
    response = client.get(page_url + "/archive.zip")
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="badges-')
    assert response.headers["Cache-Control"] == "private, no-store"
    return _zip(response)


def _zip(response: Any) -> zipfile.ZipFile:
    """The zip of a response, the response closed (its temporary file with it)."""
    data = response.get_data()
    assert int(response.headers["Content-Length"]) == len(data)
    response.close()
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_archive_holds_every_badge_in_every_form_and_each_verifies(
    client, database, portfolio, make_verifier
):
    learner, awards = portfolio
    archive = download(client, database, learner)
    assert archive.testzip() is None
    names = set(archive.namelist())
    by_id: dict[str, dict[str, bytes]] = {}
    for name in names:
        if name.startswith("badges/"):
            folder, _, file = name.rpartition("/")
            by_id.setdefault(folder.rsplit(".", 1)[-1], {})[file] = archive.read(name)
    assert set(by_id) == {award.public_id for award in awards}
    verifier = make_verifier()
    for award in awards:
        files = by_id[award.public_id]
        assert files["badge.json"].decode() == award.credential_json  # byte for byte
        if award.credential_jwt:
            assert files["badge.jwt"].decode() == award.credential_jwt
        revoked = award.public_id == awards[1].public_id
        expected = Verdict.INVALID if revoked else Verdict.VALID
        forms = ["badge.json", "badge.jwt"] if award.credential_jwt else ["badge.json"]
        if "proof" not in json.loads(award.credential_json):  # ES256: the JWT is the signed form
            forms = ["badge.jwt"]
        for form in forms:
            report = verifier.verify(files[form].decode())
            assert report.verdict is expected, (award.public_id, form, report.to_dict()["checks"])
            assert report.revoked is revoked
        if revoked:  # as on the public page: no picture of a revoked badge
            assert "badge.png" not in files and "badge.svg" not in files
            continue
        for kind in ("png", "svg"):
            data = files[f"badge.{kind}"]
            assert baking.sniff_image_type(data) == kind
            baked = baking.unbake(data)
            assert baked is not None
            assert baked.payload in (award.credential_json, award.credential_jwt)
            report = verifier.verify(data)
            assert report.verdict is Verdict.VALID, (kind, report.to_dict()["checks"])
    # the signed CLR of the whole portfolio: JSON and VC-JWT, each badge inside as issued
    clr_text = archive.read("clr/portfolio.json").decode()
    for form in (clr_text, archive.read("clr/portfolio.jwt").decode()):
        report = verifier.verify(form)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        inside = report.credentials or []
        assert sorted(r.verdict.value for r in inside) == sorted(
            [Verdict.VALID.value, Verdict.VALID.value, Verdict.INVALID.value]
        )
    assert len(clr_entries(json.loads(clr_text))) == 3
    # her own evidence file, as she gave it
    evidence = [n for n in names if n.startswith("evidence/")]
    assert len(evidence) == 1 and evidence[0].endswith("-report.pdf")
    assert archive.read(evidence[0]) == PDF


def test_index_html_works_offline_and_links_only_into_the_zip(client, database, portfolio):
    learner, awards = portfolio
    archive = download(client, database, learner)
    names = set(archive.namelist())
    html = archive.read("index.html").decode()
    parser = _Links()
    parser.feed(html)
    # no script, no style sheet or font from anywhere, nothing fetched
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "@import" not in html and "url(" not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    linked = set()
    for url in parser.hrefs + parser.sources:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and not url.startswith("/"), url
        path = normpath(unquote(parts.path))
        assert not path.startswith(".."), url
        assert path in names, f"{url} is not in the zip"
        linked.add(path)
    # every file but the index itself is listed
    assert linked == names - {"index.html"}
    for award in awards:
        assert award.achievement.name in html
    assert "Revoked" in html and "My season report" in html


def test_an_empty_portfolio_gives_an_index_alone(client, database, make_learner):
    learner = make_learner("nobody@pupils.example")
    sign_in_learner(client, database, learner)
    assert "no badges in your portfolio yet" in client.get("/portfolio/export").text
    archive = made(client)
    assert archive.namelist() == ["index.html"]


def test_the_archive_needs_a_signed_in_learner_and_a_post_from_the_site(
    client, database, portfolio
):
    learner, _awards = portfolio
    assert client.get("/portfolio/export").status_code == 302
    response = post(client, "/portfolio/export/archive.zip")
    assert response.status_code == 302 and "/learner/login" in response.headers["Location"]
    sign_in_learner(client, database, learner)
    assert client.get("/portfolio/export/archive.zip").status_code == 405
    refused = client.post("/portfolio/export/archive.zip", data={"csrf_token": "forged"})
    assert refused.status_code == 400


# -- the archive as a job ----------------------------------------------------------------------


def _files(database) -> list[tuple[int, int]]:
    with database.transaction() as session:
        return [(row.job_id, row.size) for row in session.query(JobFile).order_by(JobFile.job_id)]


def test_the_archive_is_a_job_whose_page_and_zip_are_its_learners_alone(
    client, database, portfolio, make_learner
):
    learner, _awards = portfolio
    sign_in_learner(client, database, learner)
    page_url = ask(client, {"request_key": "the-form-1"})
    # the same form again (a double click, a reload): the same job, not a second archive
    assert ask(client, {"request_key": "the-form-1"}) == page_url
    jobqueue.runner(client.application).join()  # type: ignore[attr-defined]
    assert len(_files(database)) == 1
    state = client.get(page_url + ".json").get_json()
    assert (state["kind"], state["status"], state["done"], state["total"]) == (
        "archive",
        "done",
        3,
        3,
    )
    assert state["result"]["count"] == 3 and state["result"]["bytes"] == _files(database)[0][1]
    page = client.get(page_url).text
    assert "Your zip file with 3 badges is ready." in page
    assert f'href="{page_url}/archive.zip" download>Download the zip file (' in page
    mine = client.get(page_url + "/archive.zip").get_data()
    # another learner: 404 for the page, its state and the zip, as for one that is not there
    other = make_learner("jonas@pupils.example", "Jonas")
    sign_in_learner(client, database, other)
    for url in (page_url, page_url + ".json", page_url + "/archive.zip"):
        assert client.get(url).status_code == 404, url
    assert client.get("/portfolio/export/jobs/no-such-job").status_code == 404
    # signed out: to the sign-in page
    with client.session_transaction() as sess:
        sess.clear()
    for url in (page_url, page_url + "/archive.zip"):
        response = client.get(url)
        assert response.status_code == 302 and "/learner/login" in response.headers["Location"]
    # a newer archive replaces the older one: one zip kept per learner
    sign_in_learner(client, database, learner)
    newer = ask(client, {"request_key": "the-form-2"})
    assert newer != page_url
    jobqueue.runner(client.application).join()  # type: ignore[attr-defined]
    assert [job_id for job_id, _size in _files(database)] != [] and len(_files(database)) == 1
    assert client.get(page_url + "/archive.zip").status_code == 404
    assert "no longer kept" in client.get(page_url).text
    assert (
        zipfile.ZipFile(io.BytesIO(mine)).namelist()
        == _zip(client.get(newer + "/archive.zip")).namelist()
    )


def test_a_waiting_archive_page_asks_for_its_state_and_one_waits_at_a_time(
    client, database, portfolio
):
    learner, _awards = portfolio
    with database.transaction() as session:  # asked for, not run yet (no worker)
        job, new = jobs.submit_archive(
            session, learner=session.get(Learner, learner.id), request_key="k1", language="en"
        )
        assert new
        job_id = job.public_id
    sign_in_learner(client, database, learner)
    text = client.get(f"/portfolio/export/jobs/{job_id}").text
    assert '<script src="/static/job.js" defer></script>' in text
    assert f'data-job-state="/portfolio/export/jobs/{job_id}.json" data-job-every="3"' in text
    assert 'data-job-signed="Added %(done)s of %(of)s badges"' in text
    assert f'href="/portfolio/export/jobs/{job_id}">Refresh</a>' in text
    assert "Waiting for a worker to start." in text and 'aria-live="polite"' in text
    assert '<progress max="3" value="0" aria-labelledby="job-progress">' in text
    assert client.get(f"/portfolio/export/jobs/{job_id}/archive.zip").status_code == 404
    # asking again (another form) while it waits: the waiting one, not a second
    assert ask(client, {"request_key": "k2"}) == f"/portfolio/export/jobs/{job_id}"


def test_an_archive_job_stopped_half_way_stores_nothing_and_runs_once_again(
    app, database, portfolio
):
    learner, _awards = portfolio
    with database.transaction() as session:
        job, _new = jobs.submit_archive(
            session, learner=session.get(Learner, learner.id), request_key="k", language="en"
        )
        job_id = job.public_id

    class Killed(BaseException):  # like SIGKILL: nothing of the job's code runs after it
        pass

    def dies_at_two(done: int, total: int) -> None:
        if done == 2:
            raise Killed

    with pytest.raises(Killed), app.app_context(), database.transaction() as session:
        jobs.run_job(
            session,
            job_id,
            sealer=app.extensions["issuer.sealer"],
            urls=app.extensions["issuer.urls"],
            progress=dies_at_two,
            render_index=jobqueue._render_index,
        )
    assert _files(database) == []  # nothing of the half-made archive
    with database.transaction() as session:
        assert jobs.get_job(session, job_id).status == "queued"
    jobqueue.execute(app, job_id, jobqueue.MemoryProgress())
    jobqueue.execute(app, job_id, jobqueue.MemoryProgress())  # done: nothing again
    (kept,) = _files(database)
    with database.transaction() as session:
        done = jobs.get_job(session, job_id)
        assert done.status == "done" and done.result["count"] == 3
        assert kept[0] == done.id
        data = session.get(JobFile, done.id).data
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) > 3


def test_the_public_downloads_are_the_same_baking(client, portfolio):
    _learner, awards = portfolio
    png = client.get(f"/credentials/{awards[0].public_id}.png")
    svg = client.get(f"/credentials/{awards[0].public_id}.svg")
    assert png.status_code == 200 and svg.status_code == 200
    for response in (png, svg):
        baked = baking.unbake(response.data)
        assert baked is not None and baked.payload == awards[0].credential_json
    assert client.get(f"/credentials/{awards[1].public_id}.png").status_code == 410


def _entries(archive: zipfile.ZipFile) -> dict[str, Any]:
    return {info.filename: info.compress_type for info in archive.infolist()}


def test_pictures_are_stored_and_text_is_deflated(client, database, portfolio):
    learner, _awards = portfolio
    kinds = _entries(download(client, database, learner))
    for name, kind in kinds.items():
        expected = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
        if name.startswith("evidence/"):
            continue
        assert kind == expected, name


# -- badges imported from other issuers ----------------------------------------------------------


def signed_elsewhere(credential_id: str) -> SignedCredential:
    """An Open Badges 3.0 badge (VC Data Model 2.0) to Ona, signed by a did:key issuer."""
    key = load_key("eddsa")
    unsigned = build_credential(did_key(key.public), email=ONA)
    unsigned["id"] = credential_id
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="both",
        created=ISSUED,
    )


@pytest.fixture
def imported(database, portfolio, import_tools) -> dict[str, tuple[ImportedBadge, bytes]]:
    """Ona's imported badges, by how they came: an Open Badges 3.0 VC-JWT pasted, another
    one's JSON (Data Integrity proof) baked into a PNG, a VC Data Model 1.1 one pasted, an
    Open Badges 2.0 signed assertion (her address in the clear)."""
    learner, _awards = portfolio
    baked = signed_elsewhere("urn:uuid:0b8e2f6a-1c3d-4e5f-8a9b-0c1d2e3f4a5b").json
    given = {
        "jwt": ("text", signed_elsewhere("urn:uuid:6a1f0c2e-3b4d-4f5a-9b8c-7d6e5f4a3b2c").jwt),
        "png": ("file", baking.bake_png(make_png(), json.dumps(baked))),
        "vc11": ("text", json.dumps(vc11_data_integrity(ONA))),
        "ob2": ("text", ob2_in_the_clear(ONA)),
    }
    rows = {}
    for name, (kind, value) in given.items():
        row = do_import(database, learner, kind, value, import_tools)
        rows[name] = (row, value if isinstance(value, bytes) else value.encode())
    return rows


def test_imported_badges_are_in_the_archive_as_received_and_in_the_clr_where_they_can_be(
    client, database, portfolio, imported, import_tools, make_verifier
):
    learner, _awards = portfolio
    sign_in_learner(client, database, learner)
    assert "each of your 7 badges" in client.get("/portfolio/export").text
    archive = download(client, database, learner)
    names = set(archive.namelist())
    # each in a folder of its own under imported/, the one file it came as, byte for byte
    for name, (row, received) in imported.items():
        files = [n for n in names if n.startswith("imported/") and f".{row.public_id}/" in n]
        extension = {"png": "png", "vc11": "json"}.get(name, "jwt")
        assert len(files) == 1 and files[0].endswith(f"/badge.{extension}"), files
        assert archive.read(files[0]) == received
        report = import_tools.verifier.verify(received if name == "png" else received.decode())
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert {n.split("/")[0] for n in names} == {
        "badges",
        "imported",
        "evidence",
        "clr",
        "index.html",
    }
    # the index lists and links each, marked with its issuer, and says which are not in the CLR
    html = archive.read("index.html").decode()
    parser = _Links()
    parser.feed(html)
    assert set(parser.hrefs) | set(parser.sources) >= {n for n in names if n != "index.html"}
    items = re.findall(r'<li class="badge[^"]*">(.*?)</li>\n', html, flags=re.DOTALL)
    assert len(items) == 7
    marked = [item for item in items if "imported, issued by Vilniaus licėjus" in item]
    assert len(marked) == 4
    outside = {
        name: next(item for item in marked if f".{row.public_id}/" in item)
        for name, (row, _received) in imported.items()
    }
    assert "not a verifiable credential" in outside["ob2"]
    assert "VC Data Model 1.1" in outside["vc11"]
    assert "Not in the CLR" not in outside["jwt"] + outside["png"]
    assert "but those marked “Not in the CLR”" in html
    # the CLR: the school's badges and the VC 2.0 imported ones, exactly as signed
    clr = json.loads(archive.read("clr/portfolio.json"))
    entries = [entry_source(e) for e in clr_entries(clr)]
    assert len(entries) == 5
    assert imported["jwt"][1].decode() in entries
    unbaked = baking.unbake(imported["png"][1])
    assert unbaked is not None and json.loads(unbaked.payload) in entries
    text = json.dumps(clr)
    assert SIGNED_ID not in text and imported["vc11"][0].credential_id not in text
    assert "2 of them imported from other issuers" in clr["description"]
    verifier = make_verifier()
    for form in (archive.read("clr/portfolio.json"), archive.read("clr/portfolio.jwt")):
        report = verifier.verify(form.decode())
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        assert sorted(r.verdict.value for r in report.credentials or []) == sorted(
            [Verdict.VALID.value] * 4 + [Verdict.INVALID.value]
        )


def test_a_portfolio_of_one_imported_open_badges_2_badge(
    client, database, make_learner, import_tools
):
    learner = make_learner("ona@example.org")
    do_import(database, learner, "text", ob2_in_the_clear("ona@example.org"), import_tools)
    sign_in_learner(client, database, learner)
    assert "A zip file with your 1 badge:" in client.get("/portfolio/export").text
    archive = made(client)
    names = archive.namelist()
    assert len(names) == 2 and "index.html" in names  # the badge and the index: no CLR
    html = archive.read("index.html").decode()
    assert "Not in the CLR" in html and "A Comprehensive Learner Record" not in html


def test_an_archive_is_offered_for_its_days_and_then_deleted(
    client, database, portfolio, make_learner
):
    learner, _awards = portfolio
    sign_in_learner(client, database, learner)
    page_url = ask(client, {"request_key": "old"})
    jobqueue.runner(client.application).join()  # type: ignore[attr-defined]
    days = client.application.config["ARCHIVE_KEEP_DAYS"]
    with database.transaction() as session:  # made longer ago than it is kept
        (row,) = session.query(JobFile).all()
        row.created_at = row.created_at - timedelta(days=days, minutes=1)
    assert client.get(page_url + "/archive.zip").status_code == 404
    assert "no longer kept" in client.get(page_url).text
    # the next archive anyone makes deletes it
    other = make_learner("jonas@pupils.example", "Jonas")
    sign_in_learner(client, database, other)
    ask(client, {"request_key": "jonas"})
    jobqueue.runner(client.application).join()  # type: ignore[attr-defined]
    with database.transaction() as session:
        kept = session.query(JobFile).all()
        assert [row.job_id for row in kept] != [] and len(kept) == 1
        assert jobs.get_job(session, page_url.rsplit("/", 1)[1]).id != kept[0].job_id
