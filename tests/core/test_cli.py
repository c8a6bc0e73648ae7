"""The badges command: keygen, issue, verify; exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from badges.cli import main
from badges.keys import KeyPair
from tests.conftest import SCHOOL

UNSIGNED = {
    "name": "World Heritage in Young Hands: guide",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "urn:uuid:2a7e1b9c-4d3f-4e5a-8b6c-7d8e9f0a1b2c",
            "type": ["Achievement"],
            "name": "Heritage guide",
            "description": "Guided visitors through Vilnius Old Town.",
            "criteria": {"narrative": "Lead two guided tours."},
        },
    },
}


@pytest.fixture
def unsigned_file(tmp_path: Path) -> Path:
    path = tmp_path / "unsigned.json"
    path.write_text(json.dumps(UNSIGNED))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_keygen_writes_a_private_jwk_and_prints_the_identifier(tmp_path, capsys, alg):
    key_file = tmp_path / "k.jwk"
    code, out, _ = run(capsys, "keygen", "--alg", alg, "-o", str(key_file))
    assert code == 0
    key = KeyPair.from_jwk(json.loads(key_file.read_text()))
    assert key.alg.value == alg
    assert out.strip().startswith("jwk-thumbprint:" if alg == "RS256" else "did:key:z")
    assert key_file.stat().st_mode & 0o077 == 0, "private keys are not readable by others"


def test_keygen_never_overwrites_without_force(tmp_path, capsys):
    key_file = tmp_path / "k.jwk"
    run(capsys, "keygen", "-o", str(key_file))
    before = key_file.read_text()
    code, _, err = run(capsys, "keygen", "-o", str(key_file))
    assert code == 2 and "already exists" in err and key_file.read_text() == before
    assert run(capsys, "keygen", "-o", str(key_file), "--force")[0] == 0
    assert key_file.read_text() != before


@pytest.mark.parametrize("proof", ["data-integrity", "jwt", "both"])
def test_issue_then_verify(tmp_path, capsys, unsigned_file, proof):
    key_file = tmp_path / "k.jwk"
    run(capsys, "keygen", "-o", str(key_file))
    out_file = tmp_path / "signed.out"
    code, _, err = run(
        capsys,
        "issue",
        str(unsigned_file),
        "--key",
        str(key_file),
        "--recipient-email",
        "Ruta@example.org",
        "--proof",
        proof,
        "-o",
        str(out_file),
    )
    assert code == 0, err
    text = out_file.read_text()
    assert "ruta@example.org" not in text.lower()
    if proof == "data-integrity":
        assert json.loads(text)["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    else:
        assert text.count(".") == 2
    code, out, _ = run(capsys, "verify", str(out_file), "--recipient", "ruta@example.org")
    assert code == 0 and out.startswith("VALID")
    code, out, _ = run(
        capsys, "verify", str(out_file), "--json", "--recipient", "someone@example.org"
    )
    assert code == 1
    report = json.loads(out)
    assert report["verdict"] == "invalid"
    assert [c["name"] for c in report["checks"] if c["outcome"] == "failed"] == ["recipient"]


def test_issue_with_es256_needs_jwt_proof(tmp_path, capsys, unsigned_file):
    key_file = tmp_path / "k.jwk"
    run(capsys, "keygen", "--alg", "ES256", "-o", str(key_file))
    code, _, err = run(capsys, "issue", str(unsigned_file), "--key", str(key_file))
    assert code == 2 and "Ed25519" in err and err.count("\n") == 1
    code, out, _ = run(
        capsys, "issue", str(unsigned_file), "--key", str(key_file), "--proof", "jwt"
    )
    assert code == 0 and out.count(".") == 2


def test_issue_for_a_did_web_issuer_needs_kid(tmp_path, capsys, ed_key):
    key_file = tmp_path / "k.jwk"
    key_file.write_text(json.dumps(ed_key.to_private_jwk()))
    unsigned = tmp_path / "u.json"
    unsigned.write_text(
        json.dumps({**UNSIGNED, "issuer": {"id": "did:web:school.example", "type": ["Profile"]}})
    )
    code, _, err = run(capsys, "issue", str(unsigned), "--key", str(key_file))
    assert code == 2 and "--kid" in err
    code, out, _ = run(
        capsys,
        "issue",
        str(unsigned),
        "--key",
        str(key_file),
        "--kid",
        "did:web:school.example#key-1",
    )
    assert (
        code == 0
        and json.loads(out)["proof"][0]["verificationMethod"] == "did:web:school.example#key-1"
    )


def _without_criteria(tmp_path: Path) -> Path:
    broken = json.loads(json.dumps(UNSIGNED))
    del broken["credentialSubject"]["achievement"]["criteria"]
    path = tmp_path / "no-criteria.json"
    path.write_text(json.dumps(broken))
    return path


def test_issue_refuses_what_the_schema_refuses(tmp_path, capsys):
    key_file = tmp_path / "k.jwk"
    run(capsys, "keygen", "-o", str(key_file))
    out_file = tmp_path / "signed.json"
    unsigned = _without_criteria(tmp_path)
    code, out, err = run(
        capsys, "issue", str(unsigned), "--key", str(key_file), "-o", str(out_file)
    )
    assert code == 2 and out == "" and not out_file.exists()
    assert err.count("\n") == 1 and err.startswith("badges: error:"), err
    assert "ob_v3p0_achievementcredential_schema.json" in err
    assert "/credentialSubject/achievement: 'criteria' is a required property" in err
    assert "--sign-anyway" in err


def test_issue_signs_anyway_when_asked(tmp_path, capsys):
    key_file = tmp_path / "k.jwk"
    run(capsys, "keygen", "-o", str(key_file))
    out_file = tmp_path / "signed.json"
    unsigned = _without_criteria(tmp_path)
    code, _, err = run(
        capsys, "issue", str(unsigned), "--key", str(key_file), "--sign-anyway", "-o", str(out_file)
    )
    assert code == 0 and err.startswith("badges: warning:") and "'criteria'" in err
    assert json.loads(out_file.read_text())["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    # signed as asked, and still refused by the verifier's schema check
    code, out, _ = run(capsys, "verify", str(out_file), "--json")
    assert code == 1
    failed = [c["name"] for c in json.loads(out)["checks"] if c["outcome"] == "failed"]
    assert failed == ["schema"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "/no/such/file.json"], "no such file"),
        (["issue", "/no/such.json", "--key", "/no/key.jwk"], "no such file"),
        (["verify", "x.json", "--map", "nonsense"], "PREFIX=TARGET"),
        (["keygen", "--alg", "HS256", "-o", "-"], "unsupported algorithm"),
        (["verify", "x.json", "--deadline", "0"], "deadline"),
        (["verify", "x.json", "--max-fetches", "-1"], "fetch cap"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(capsys, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text("{}")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_unusable_input_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out, _ = run(capsys, "verify", str(bad))
    assert code == 2 and "not a badge" in out.lower()


def test_a_credential_that_is_not_an_open_badge_fails_verification_exit_1(
    tmp_path, capsys, sign_did_key
):
    # issue 18: a credential whose type was changed is a credential that fails
    # verification (1), not unusable input (2)
    credential = dict(sign_did_key(proof="data-integrity").json)
    credential["type"] = ["VerifiableCredential", "OtherCredential"]
    path = tmp_path / "other.json"
    path.write_text(json.dumps(credential))
    code, out, _ = run(capsys, "verify", str(path))
    assert code == 1 and "INVALID" in out and "not an Open Badge" in out
    code, out, _ = run(capsys, "verify", str(path), "--json")
    report = json.loads(out)
    assert code == 1 and report["verdict"] == "invalid"
    assert report["checks"][0]["reason"] == "not_a_badge"


def test_an_ob2_document_of_another_type_fails_verification_exit_1(tmp_path, capsys):
    badge_class = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": "https://school.example/badges/heritage-guide",
        "name": "Heritage guide",
        "description": "Guided visitors through Vilnius Old Town.",
        "image": "https://school.example/badges/heritage-guide.png",
        "criteria": {"narrative": "Lead two guided tours."},
        "issuer": "https://school.example/issuer",
    }
    path = tmp_path / "badgeclass.json"
    path.write_text(json.dumps(badge_class))
    code, out, _ = run(capsys, "verify", str(path))
    assert code == 1 and "INVALID" in out and "not an assertion" in out


@pytest.mark.parametrize("text", ["{}", "[1, 2]", '"a string"', "not.a.jwt", "{not json"])
def test_input_that_is_no_credential_still_exits_2(tmp_path, capsys, text):
    path = tmp_path / "input.txt"
    path.write_text(text)
    code, _, _ = run(capsys, "verify", str(path))
    assert code == 2


def test_bad_key_file_is_a_clear_error(tmp_path, capsys, unsigned_file):
    key_file = tmp_path / "k.jwk"
    key_file.write_text('{"kty": "OKP", "crv": "Ed25519", "x": "short"}')
    code, _, err = run(capsys, "issue", str(unsigned_file), "--key", str(key_file))
    assert code == 2 and err.startswith("badges: error:") and err.count("\n") == 1


def test_verify_from_stdin_and_now_option(sign_did_key):
    signed = sign_did_key(proof="jwt")
    cmd = [sys.executable, "-m", "badges.cli", "verify", "-", "--now", "2026-08-01T00:00:00Z"]
    result = subprocess.run(cmd, input=signed.jwt, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not valid yet" in result.stdout


def test_verify_a_url_with_map_and_allow_host(capsys, site, sign_did_key, tmp_path):
    signed = sign_did_key(proof="data-integrity")
    site.json("/credentials/1", signed.json)
    # the default policy refuses loopback without connecting
    code, out, _ = run(capsys, "verify", f"{site.base}/credentials/1")
    assert code == 1 and site.requests == []
    code, out, _ = run(
        capsys, "verify", f"{site.base}/credentials/1", "--allow-host", f"127.0.0.1:{site.port}"
    )
    assert code == 0, out
    code, out, _ = run(
        capsys, "verify", f"{SCHOOL}/credentials/1", "--map", f"{SCHOOL}/={site.base}/"
    )
    assert code == 0, out
    folder = tmp_path / "offline"
    (folder / "credentials").mkdir(parents=True)
    (folder / "credentials" / "1.json").write_text(json.dumps(signed.json))
    code, out, _ = run(capsys, "verify", f"{SCHOOL}/credentials/1", "--map", f"{SCHOOL}/={folder}")
    assert code == 0, out


def test_verify_a_url_within_a_fetch_cap(capsys, site, sign_did_key):
    signed = sign_did_key(proof="data-integrity")
    site.json("/credentials/1", signed.json)
    args = ("verify", f"{SCHOOL}/credentials/1", "--map", f"{SCHOOL}/={site.base}/", "--json")
    code, out, _ = run(capsys, *args, "--max-fetches", "0")
    assert code == 1 and site.requests == []
    assert json.loads(out)["checks"][0]["reason"] == "fetch_limit_reached"
    code, out, _ = run(capsys, *args, "--max-fetches", "1", "--deadline", "5")
    assert code == 0, out


def test_help_documents_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for word in ("keygen", "issue", "verify"):
        assert word in out
    for sub, options in {
        "keygen": ["--alg", "-o"],
        "issue": ["--key", "--recipient-email", "--kid", "--proof", "--sign-anyway"],
        "verify": ["--json", "--allow-host", "--map", "--now", "--recipient"],
    }.items():
        with pytest.raises(SystemExit):
            main([sub, "--help"])
        text = capsys.readouterr().out
        for option in options:
            assert option in text, (sub, option)


def test_demo_creates_its_key_once_and_issues_a_valid_badge(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", "--data", str(tmp_path), "--learner", "ona@example.org")
    assert code == 0 and "Created the demo school's key" in out and "VALID" in out
    key_file = tmp_path / "keys" / "demo-issuer.jwk"
    first_key = key_file.read_text()
    code, out, _ = run(capsys, "demo", "--data", str(tmp_path))
    assert code == 0 and "Using the demo school's key" in out
    assert key_file.read_text() == first_key, "the key made on first start is kept"
    code, out, _ = run(
        capsys, "verify", str(tmp_path / "demo" / "badge.jwt"), "--recipient", "learner@example.org"
    )
    assert code == 0
    assert "ona@example.org" not in (tmp_path / "demo" / "badge.json").read_text()
