"""Mutation testing of the security core with mutmut: the score per module and every survivor.

    .venv/bin/python -m tests.mutation.run                  # every target
    .venv/bin/python -m tests.mutation.run identity fetch   # some (names: --list)
    .venv/bin/python -m tests.mutation.run --list
    .venv/bin/python -m tests.mutation.run --again fetch    # only the last survivors
    .venv/bin/python -m tests.mutation.run --summary --markdown MUTATION_REPORT.md
    .venv/bin/python -m tests.mutation.run --database-url postgresql://... issuer-bulk

mutmut (the ``mutation`` extra: ``pip install -e '.[test,mutation]'``) changes one small
thing at a time in the code (``==`` to ``!=``, ``and`` to ``or``, a constant, a deleted
call...) and runs the tests that reach the changed function. A mutant the tests do not
notice ("survived") is a change that would pass the suite: a missing test, or an
equivalent mutant, one that changes nothing a caller can see. Each target below names the
code (files, optionally some functions of a file) and only the tests that check it, so a
run takes minutes, not hours.

Each target runs in a copy of the repository under ``.mutation/TARGET/`` (git-ignored),
with a ``[tool.mutmut]`` section added to the copy's pyproject.toml; the working tree is
never changed. The score of a target is killed / (mutants - equivalent): a timeout counts
as killed (the mutant made the code loop), "no tests" and "suspicious" as survivors.
Equivalent mutants are listed, each with its reason, in tests/mutation/equivalent.toml;
an entry whose mutant no longer makes the change it records is reported as stale (the
code moved) and counts as a survivor until it is checked again.

Prints, per target: the mutants, killed, survived, equivalent, the score and the time,
then the diff of every survivor; exits 1 when a target scores under --min-score (90).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".mutation"
EQUIVALENT = Path(__file__).with_name("equivalent.toml")
# the last run of each target, committed: a mutation run takes hours on two cores, so the table
# (with each target's source hashes, which --summary compares) outlives the machine it ran on
RESULTS = Path(__file__).with_name("results")

KILLED = {1, 3, 24, -24, 36, 152, 255}  # mutmut's exit codes for killed and timed out


@dataclass(frozen=True)
class Target:
    """Files to mutate (all their functions, or only ``functions``: ``name`` or
    ``Class.method``, of the first file) and the tests that check them."""

    files: tuple[str, ...]
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()
    what: str = ""


CORE_VERIFY = ("tests/core/test_verification.py", "tests/core/test_pipeline.py")
# the verification steps on forged, altered and malformed badges, and on spent budgets
VERIFY_TESTS = (
    *CORE_VERIFY,
    "tests/core/test_bad_input.py",
    "tests/core/test_legacy.py",
    "tests/core/test_budget.py",
)
PROOF_TESTS = (
    "tests/core/test_proofs.py",
    "tests/core/test_proof_dispatch.py",
    "tests/core/test_proof_rdfc.py",
    "tests/core/test_legacy.py",
    *CORE_VERIFY,
)

TARGETS: dict[str, Target] = {
    "identity": Target(
        ("badges/identity.py",),
        ("tests/core/test_identity.py", "tests/core/test_model.py"),
        what="recipient hashes and their matching",
    ),
    "step-recipient": Target(
        ("badges/verification/steps/recipient.py",),
        ("tests/core/test_identity.py", *CORE_VERIFY),
        what="the recipient check",
    ),
    "status-1edtech": Target(
        ("badges/status/revocation_list_1edtech.py",),
        ("tests/core/test_status.py", "tests/core/test_status_1edtech.py"),
        what="1EdTech revocation lists",
    ),
    "status-bitstring": Target(
        ("badges/status/bitstring_status_list.py",),
        ("tests/core/test_status.py", "tests/core/test_status_bitstring.py"),
        what="Bitstring Status Lists",
    ),
    "proof-embedded": Target(
        ("badges/proofs/embedded.py",),
        PROOF_TESTS,
    ),
    "proof-eddsa-2022": Target(
        ("badges/proofs/eddsa_2022.py",),
        PROOF_TESTS,
    ),
    "proof-ed25519-2020": Target(
        ("badges/proofs/ed25519_signature_2020.py",),
        PROOF_TESTS,
    ),
    "proof-eddsa-rdfc-2022": Target(
        ("badges/proofs/eddsa_rdfc_2022.py",),
        PROOF_TESTS,
    ),
    "proof-vc-jwt": Target(
        ("badges/proofs/vc_jwt.py",),
        (
            *PROOF_TESTS,
            "tests/core/test_header_key.py",
            "tests/core/test_vc_jwt_header.py",
            # a record's token past a badge's limits (decode_jwt's record=True)
            "tests/core/test_clr_records.py::test_a_record_larger_than_a_badge_may_be_verifies_as_json_and_as_jwt",
        ),
    ),
    "fetch-policy": Target(
        ("badges/fetch.py",),
        ("tests/core/test_fetch.py", "tests/core/test_fetch_policy.py"),
        functions=(
            "_normalize_host",
            "_host_key",
            "_parse_host_port",
            "_is_public_address",
            "_parse_url",
            "_prefix_matches",
            "_lower_origin",
            "FetchPolicy.__post_init__",
            "Fetcher._plan",
            "Fetcher._follow",
            "Fetcher._addresses",
        ),
        what="which addresses and URLs the fetcher may reach",
    ),
    "step-dates": Target(
        ("badges/verification/steps/dates.py",), (*CORE_VERIFY, "tests/core/test_step_dates.py")
    ),
    "step-proof": Target(
        ("badges/verification/steps/proof.py",),
        (*VERIFY_TESTS, "tests/core/test_step_proof.py", "tests/core/test_header_key.py"),
    ),
    "step-issuer": Target(
        ("badges/verification/steps/issuer.py",),
        (
            *VERIFY_TESTS,
            "tests/core/test_step_issuer.py",
            "tests/core/test_header_key.py",
            "tests/core/test_resolve.py",
        ),
    ),
    # The tests of the other targets below that reach their module's code past its first
    # lines, by coverage (each test's lines of the module, coverage's dynamic contexts):
    # a test that only passes through (a badge without status, say) kills nothing the
    # kept ones do not, and mutmut runs every test that reaches a mutated function.
    "step-status": Target(
        ("badges/verification/steps/status.py",),
        (
            *CORE_VERIFY,
            "tests/core/test_bad_input.py::test_status_problems",
            "tests/core/test_bad_input.py::test_status_lists_the_specification_allows_are_read",
            "tests/core/test_bad_input.py::test_status_list_on_loopback_is_never_fetched_by_a_default_fetcher",
            "tests/core/test_budget.py",
            "tests/core/test_header_key.py::test_status_list_vc_jwt_with_a_foreign_key_in_its_header_is_not_trusted",
            "tests/core/test_header_key.py::test_status_list_vc_jwt_with_the_issuers_key_in_its_header",
            "tests/core/test_step_status.py",
            *(
                f"tests/core/test_legacy.py::{test}"
                for test in (
                    "test_a_status_entry_must_point_to_a_list_of_its_own_kind",
                    "test_a_status_list_claiming_an_issuer_whose_key_did_not_sign_it_is_not_trusted",
                    "test_a_status_list_not_valid_yet_is_not_trusted",
                    "test_a_tampered_jwt_status_list_is_not_trusted",
                    "test_a_jwt_status_list_is_read_whatever_its_content_type",
                    "test_the_digital_bazaar_vc20_credential_gets_that_warning",
                    "test_status_lists_from_other_implementations",
                    "test_a_status_list_signed_by_its_own_issuer_is_read",
                    "test_a_vc20_status_list_jwt_needs_no_registered_claims",
                )
            ),
            # an endorsement's status, in its own words
            "tests/core/test_endorsements.py::test_an_endorsement_whose_status_cannot_be_read_leaves_the_badge_valid",
            "tests/core/test_endorsements.py::test_a_withdrawn_endorsement_fails_alone_and_is_marked_on_the_badge",
        ),
    ),
    # Every verification passes through the structure check: of the forged and malformed
    # input batteries, the tests whose lines of it differ from every other kept test's (the
    # rest, forged signatures, JWT attacks, tampered copies..., take the path of a valid
    # badge there); test_schema.py reaches none of it.
    "step-structure": Target(
        ("badges/verification/steps/structure.py",),
        (
            *CORE_VERIFY,
            "tests/core/test_step_structure.py",
            "tests/core/test_clr.py",
            *(
                f"tests/core/test_bad_input.py::{test}"
                for test in (
                    "test_a_dict_nested_just_past_the_limit_fails_and_just_within_passes_format",
                    "test_a_poisoned_credential_fails_the_proof_check",
                    "test_context_problems_fail_the_context_check",
                    "test_proof_shape_problems",
                    "test_skeleton_credentials_are_invalid",
                    "test_status_problems",
                )
            ),
            "tests/core/test_budget.py::test_each_verification_has_its_own_budget",
            "tests/core/test_jsonld.py::test_ob_vector_verifies_through_the_whole_pipeline",
            *(
                f"tests/core/test_legacy.py::{test}"
                for test in (
                    "test_a_jwt_status_list_is_read_whatever_its_content_type",
                    "test_a_missing_nbf_is_refused",
                    "test_a_single_proof_object_is_a_schema_warning_not_a_failure",
                    "test_a_vc11_credential_off_the_schema_gets_a_warning_not_a_failure",
                    "test_context_and_shape_problems",
                    "test_each_older_credential_verifies",
                    "test_recipient_and_json_text_forms",
                    "test_status_lists_from_other_implementations",
                )
            ),
        ),
    ),
    # test_bad_input.py and test_legacy.py only pass a badge without endorsements through
    # it, as test_verification.py does
    "step-endorsements": Target(
        ("badges/verification/steps/endorsements.py",),
        (
            *CORE_VERIFY,
            "tests/core/test_budget.py",
            "tests/core/test_step_endorsements.py",
            "tests/core/test_endorsements.py",
        ),
    ),
    "pipeline": Target(
        ("badges/verification/pipeline.py",),
        (
            *VERIFY_TESTS,
            "tests/core/test_pipeline_contract.py",
            "tests/core/test_clr.py",
            "tests/core/test_ob2.py",
            # what the report carries from the steps: the revocation reason, and an
            # endorsement's depth (its own endorsements are not checked)
            "tests/core/test_step_status.py::test_a_badge_revoked_on_a_revocation_list_with_or_without_a_reason",
            "tests/core/test_step_endorsements.py::test_an_endorsements_own_endorsements_are_not_checked",
        ),
    ),
    "issuer-csrf": Target(
        ("issuer/web.py",),
        (
            "tests/issuer/test_csrf_json.py",
            "tests/issuer/test_forms.py::test_a_post_without_the_right_csrf_token_changes_nothing",
            "tests/issuer/test_forms.py::test_the_login_form_needs_its_token",
        ),
        functions=("_check_csrf", "csrf_token"),
        what="CSRF tokens of the staff pages",
    ),
    "issuer-access": Target(
        ("issuer/services/accounts.py",),
        ("tests/issuer/test_access.py", "tests/issuer/test_roles.py"),
        functions=("require_role", "role_in"),
        what="who may act in an organisation",
    ),
    "issuer-idempotency": Target(
        ("issuer/services/idempotency.py",),
        ("tests/issuer/test_api_idempotency.py", "tests/issuer/test_idempotency_service.py"),
        what="Idempotency-Key of the API",
    ),
    "issuer-status-index": Target(
        ("issuer/services/awards.py",),
        (
            "tests/issuer/test_status_index_retry.py",
            "tests/issuer/test_award_service.py",
            "tests/issuer/test_api_idempotency.py",
            "tests/issuer/test_crafted_inputs.py",
            # the language version awarded: chosen with the session and the school
            *(
                f"tests/issuer/test_language_versions.py::{test}"
                for test in (
                    "test_awarding_picks_the_version_in_the_language_of_the_message",
                    "test_without_a_choice_the_learner_s_account_then_the_school_decides",
                    "test_a_learner_who_holds_any_version_holds_the_badge",
                    "test_a_retried_request_for_another_version_returns_the_first_award",
                )
            ),
        ),
        functions=("award_badge", "_used_indexes", "_same_request", "find_by_request_key"),
        what="one award, its status index and its request key",
    ),
    "issuer-bulk": Target(
        # (and the look-up of a class's earlier holders: every function of lookup.py)
        ("issuer/services/awards.py", "issuer/services/lookup.py"),
        (
            "tests/issuer/test_bulk.py",  # (test_crafted_inputs reaches none of these functions)
            # the language version each learner gets, and any version counting as the badge
            *(
                f"tests/issuer/test_language_versions.py::{test}"
                for test in (
                    "test_a_class_gets_each_learner_s_version",
                    "test_a_class_without_a_language_chosen_gets_the_school_s_version",
                    "test_a_learner_who_holds_any_version_holds_the_badge",
                )
            ),
        ),
        functions=("award_many", "_earlier_batch", "earlier_awards"),
        what="awards to a class list, all or nothing",
    ),
}


@dataclass
class Result:
    name: str
    total: int = 0
    killed: int = 0
    equivalent: list[str] = field(default_factory=list)
    survivors: dict[str, str] = field(default_factory=dict)  # name -> diff
    stale: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    codes: dict[str, int | None] = field(default_factory=dict)  # mutmut's exit code each
    again: bool = False  # only the survivors of the run before were tested again
    postgresql: bool = False  # the db tests ran on PostgreSQL (--database-url)
    code: dict[str, str] = field(default_factory=dict)  # file -> sha256 of what was mutated

    def save(self) -> None:
        """Kept under tests/mutation/results/ for ``--summary`` (the table of the last runs)."""
        RESULTS.mkdir(parents=True, exist_ok=True)
        data = {
            "name": self.name,
            "total": self.total,
            "killed": self.killed,
            "equivalent": self.equivalent,
            "survivors": self.survivors,
            "stale": self.stale,
            "seconds": self.seconds,
            "error": self.error,
            "codes": self.codes,
            "again": self.again,
            "postgresql": self.postgresql,
            "code": self.code,
            "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
        (RESULTS / f"{self.name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))

    @classmethod
    def load(cls, name: str) -> tuple[Result, str] | None:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        finished = data.pop("finished", "")
        return cls(**data), finished

    @property
    def score(self) -> float:
        if self.error:
            return 0.0
        counted = self.total - len(self.equivalent)
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def code_hashes(target: Target, base: Path = ROOT) -> dict[str, str]:
    """The sha256 of each file of ``target`` under ``base``: a stored result whose code
    differs from the working tree's is out of date (--summary says so)."""
    return {
        relative: hashlib.sha256((base / relative).read_bytes()).hexdigest()
        for relative in target.files
        if (base / relative).is_file()
    }


def changed_since(result: Result) -> list[str]:
    """The files of ``result``'s target that changed since it ran ([] when unknown)."""
    if not result.code:
        return []
    now = code_hashes(TARGETS[result.name])
    return [f for f, digest in result.code.items() if now.get(f) != digest]


def mutant_patterns(target: Target) -> list[str]:
    """mutmut's names for the mutants of ``target.functions`` (fnmatch patterns)."""
    module = target.files[0].removesuffix(".py").replace("/", ".")
    patterns = []
    for function in target.functions:
        cls, _, method = function.rpartition(".")
        if cls:
            patterns.append(f"{module}.xǁ{cls}ǁ{method}__mutmut_*")
        else:
            patterns.append(f"{module}.x_{method}__mutmut_*")
    return patterns


def copy_repository(dest: Path) -> None:
    """The tracked and new (not ignored) files of the working tree, as they are now."""
    if dest.exists():
        shutil.rmtree(dest)
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if not source.is_file() or relative.startswith(".mutation/"):
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def configure(dest: Path, target: Target) -> None:
    quoted = lambda items: "[" + ", ".join(json.dumps(i) for i in items) + "]"  # noqa: E731
    section = f"""

[tool.mutmut]
source_paths = ["badges", "issuer", "verifier"]
only_mutate = {quoted(target.files)}
also_copy = ["templates"]
pytest_add_cli_args = {quoted(["-p", "no:randomly", "-p", "no:cacheprovider", "-n", "0", "-q", "-m", "not slow and not interop and not e2e"])}
pytest_add_cli_args_test_selection = {quoted(target.tests)}
use_git_change_detection = false
# a mutant's tests may take this many times their measured time (plus a few seconds for a
# machine shared with other work) before it counts as a timeout (killed: it made the code
# loop or wait); mutmut's default of 15 x (time + 1 s) let a waiting mutant hold a worker
# for minutes
timeout_multiplier = 6.0
timeout_constant = 4.0
"""
    pyproject = dest / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + section)


def mutmut() -> str:
    found = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or shutil.which("mutmut")
    if found is None:
        sys.exit("mutmut is not installed: pip install -e '.[test,mutation]'")
    return found


@dataclass(frozen=True)
class Equivalents:
    """tests/mutation/equivalent.toml: mutants by name, and rules for kinds of mutant."""

    by_name: dict[str, dict[str, str]]
    rules: list[dict[str, Any]]

    def rule_for(self, diff: str) -> dict[str, Any] | None:
        """The ``[[same_when]]`` rule that makes this change no change, if any."""
        lines = changed_lines(diff).splitlines()
        removed = [line[1:] for line in lines if line.startswith("-")]
        added = [line[1:] for line in lines if line.startswith("+")]
        for rule in self.rules:
            old, new = rule["replace"]
            if removed and [line.replace(old, new) for line in added] == removed:
                return rule
        return None


def load_equivalent() -> Equivalents:
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8")) if EQUIVALENT.exists() else {}
    return Equivalents(
        {entry["mutant"]: entry for entry in data.get("equivalent", [])},
        list(data.get("same_when", [])),
    )


def changed_lines(diff: str) -> str:
    """What a mutant changes, as recorded in equivalent.toml: the removed ("-") and added
    ("+") lines of its diff, stripped, one a line."""
    return "\n".join(
        line[0] + line[1:].strip()
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def toml_entry(mutant: str, diff: str) -> str:
    change = changed_lines(diff).replace("\\", "\\\\").replace('"""', '\\"""')
    return f'[[equivalent]]\nmutant = "{mutant}"\nchange = """\n{change}"""\nreason = "TODO"\n'


_SHOW = """
import json, sys
from mutmut.__main__ import status_by_exit_code
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
shown = {}
for name in json.loads(sys.stdin.read()):
    m = find_mutant(name)
    status = status_by_exit_code[m.exit_code_by_key[name]]
    shown[name] = f"# {name}: {status}\\n" + get_diff_for_mutant(name, path=m.path)
print(json.dumps(shown))
"""


def show_all(dest: Path, names: list[str]) -> dict[str, str]:
    """What ``mutmut show`` prints for each of ``names``, in one process (not one each)."""
    if not names:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", _SHOW],
        cwd=dest,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if shown.returncode != 0:
        raise RuntimeError(f"showing the mutants failed:\n{shown.stderr[-2000:]}")
    result: dict[str, str] = json.loads(shown.stdout.strip().splitlines()[-1])
    return result


def update_repository(dest: Path) -> None:
    """Bring a target's copy up to the working tree: the files that differ, with a new
    modification time (mutmut regenerates the mutants of a source file newer than them,
    and copies the tests again on every run)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if not source.is_file() or relative.startswith(".mutation/"):
            continue
        target = dest / relative
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def last_survivors(dest: Path, target: Target, last: Result | None) -> list[str] | None:
    """For ``--again``: the mutants the last run of this target left alive (not those it
    found equivalent), or None when there is no last run to go on or the code it mutates
    has changed since (then a full run)."""
    if last is None or last.error or not last.codes or not (dest / "mutants").is_dir():
        return None
    for relative in target.files:
        copied = dest / relative
        if not copied.is_file() or copied.read_bytes() != (ROOT / relative).read_bytes():
            return None
    return [
        mutant
        for mutant, exit_code in last.codes.items()
        if exit_code not in KILLED and mutant not in last.equivalent
    ]


def run_target(
    name: str,
    target: Target,
    jobs: int,
    equivalent: Equivalents,
    again: bool = False,
    database_url: str | None = None,
) -> Result:
    dest = WORK / name
    start = time.monotonic()
    loaded = Result.load(name) if again else None
    last = reclassify(loaded[0], equivalent) if loaded else None  # not tested again
    survivors = last_survivors(dest, target, last)
    if survivors is None:
        copy_repository(dest)
        configure(dest, target)
        command = [mutmut(), "run", "--max-children", str(jobs), *mutant_patterns(target)]
    else:
        update_repository(dest)
        configure(dest, target)
        command = [mutmut(), "run", "--max-children", str(jobs), *survivors]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_ADDOPTS")}
    if database_url:
        env["DATABASE_URL"] = database_url  # the db tests on PostgreSQL (see --database-url)
    log = dest / "mutmut.log"
    code = 0
    if survivors != []:  # nothing to test again: the last run killed them all
        with log.open("w") as out:
            code = subprocess.run(
                command, cwd=dest, stdout=out, stderr=subprocess.STDOUT, env=env
            ).returncode
    result = Result(
        name,
        seconds=time.monotonic() - start,
        again=survivors is not None,
        postgresql=bool(database_url),
        code=code_hashes(target, dest),
    )
    if code != 0:
        lines = log.read_text(errors="replace").replace("\r", "\n").splitlines()
        said = [line for line in lines if line.strip() and not is_spinner(line)]
        result.error = f"mutmut failed (exit {code}); {log}:\n" + "\n".join(said[-12:])
        return result
    patterns = mutant_patterns(target)
    alive: dict[str, int | None] = {}
    for meta in sorted((dest / "mutants").rglob("*.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for mutant, exit_code in sorted(codes.items(), key=lambda kv: natural(kv[0])):
            if patterns and not any(fnmatch.fnmatchcase(mutant, p) for p in patterns):
                continue
            if survivors is not None and last is not None and mutant not in survivors:
                # --again: mutmut forgets what it did not test again; the last run killed it
                # (or found it equivalent), and neither the code nor, by the rules, any test
                # got weaker since
                exit_code = last.codes.get(mutant, exit_code)
            result.codes[mutant] = exit_code
            result.total += 1
            if exit_code in KILLED:
                result.killed += 1
            else:
                alive[mutant] = exit_code
    diffs = show_all(dest, list(alive))
    for mutant, exit_code in alive.items():
        diff = diffs[mutant]
        known = equivalent.by_name.get(mutant)
        if known is not None and changed_lines(diff) == known.get("change", "").strip():
            result.equivalent.append(mutant)
            continue
        if equivalent.rule_for(diff) is not None:
            result.equivalent.append(mutant)
            continue
        if known is not None:
            result.stale.append(mutant)
        status = "not checked" if exit_code is None else f"exit {exit_code}"
        result.survivors[mutant] = f"({status})\n{diff}"
    return result


def reclassify(result: Result, equivalent: Equivalents) -> Result:
    """``result`` with its survivors that equivalent.toml now lists (entries added after
    the run, judged by the stored diff exactly as a run judges it) counted as equivalent."""
    for mutant, shown in list(result.survivors.items()):
        diff = shown.split("\n", 1)[1] if "\n" in shown else ""
        known = equivalent.by_name.get(mutant)
        if (
            known is not None and changed_lines(diff) == known.get("change", "").strip()
        ) or equivalent.rule_for(diff) is not None:
            del result.survivors[mutant]
            result.equivalent.append(mutant)
            if mutant in result.stale:
                result.stale.remove(mutant)
    return result


def is_spinner(line: str) -> bool:
    """mutmut's progress lines start with a braille spinner character."""
    first = line.lstrip()[:1]
    return "\u2800" <= first <= "\u28ff"


def natural(name: str) -> tuple[str, int]:
    base, _, number = name.rpartition("__mutmut_")
    return (base, int(number) if number.isdigit() else 0)


def in_progress(name: str) -> str | None:
    """A run of ``name`` begun after its last saved result and not finished: how far it is
    (mutmut's verdicts so far), or None."""
    dest = WORK / name
    saved = RESULTS / f"{name}.json"
    log = dest / "mutmut.log"
    if not log.exists() or (saved.exists() and saved.stat().st_mtime >= log.stat().st_mtime):
        return None
    patterns = mutant_patterns(TARGETS[name])
    total = killed = alive = 0
    for meta in sorted((dest / "mutants").rglob("*.meta")):
        try:
            codes = json.loads(meta.read_text())["exit_code_by_key"]
        except (OSError, ValueError, KeyError):
            continue  # being written
        for mutant, exit_code in codes.items():
            if patterns and not any(fnmatch.fnmatchcase(mutant, p) for p in patterns):
                continue
            total += 1
            if exit_code in KILLED:
                killed += 1
            elif exit_code is not None:
                alive += 1
    tested = killed + alive
    share = f"{100.0 * killed / tested:5.1f}% of those tested" if tested else "none tested yet"
    return (
        f"RUNNING: {tested} of {total} mutants tested, {killed} killed, {alive} alive "
        f"(equivalents not yet counted): {share}"
    )


def line(result: Result) -> str:
    if result.error:
        return f"{result.name:24} {result.error}"
    return (
        f"{result.name:24} mutants {result.total:4}  killed {result.killed:4}  "
        f"survived {len(result.survivors):3}  equivalent {len(result.equivalent):3}  "
        f"score {result.score:5.1f}%  {result.seconds:6.0f}s"
        + ("  (the last run's survivors tested again)" if result.again else "")
        + ("  (db tests on PostgreSQL)" if result.postgresql else "")
    )


def report(results: list[Result], min_score: float, suggest: bool = False) -> bool:
    """Prints every survivor, then the score of each target; True when all reach min_score."""
    passed = True
    for result in results:
        for mutant, diff in result.survivors.items():
            stale = " (STALE entry in equivalent.toml)" if mutant in result.stale else ""
            print(f"\n--- {result.name}: survived {mutant}{stale}\n{diff}")
            if suggest:
                print(toml_entry(mutant, diff.split("\n", 1)[1]))
        if result.score < min_score:
            passed = False
    print()
    for result in results:
        if result.error == "not run":
            print(f"--  {result.name:24} not run")
            continue
        mark = "ok " if result.score >= min_score else "LOW"
        print(f"{mark} {result.name:24} {result.score:5.1f}%")
    return passed


def markdown(min_score: float) -> str:
    """The table of the last run of every target (from tests/mutation/results/), its survivors
    and the equivalent mutants with their reasons: the closing note of a mutation run."""
    equivalent = load_equivalent()
    rows = [
        "| target | code | mutants | killed | survived | equivalent | score | run (UTC) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    survivors: list[str] = []
    reasons: list[str] = []
    for name, target in TARGETS.items():
        code = " ".join(target.files)
        loaded = Result.load(name)
        running = in_progress(name)
        if running is not None:
            rows.append(f"| {name} | {code} | | | | | {running} | |")
        if loaded is None:
            if running is None:
                rows.append(f"| {name} | {code} | | | | | not run | |")
            continue
        result, finished = reclassify(loaded[0], equivalent), loaded[1]
        score = "error" if result.error else f"{result.score:.1f}%"
        if result.score < min_score:
            score = f"**{score}**"
        if changed_since(result):
            finished += " (code changed since: run again)"
        rows.append(
            f"| {name} | {code} | {result.total} | {result.killed} | {len(result.survivors)} "
            f"| {len(result.equivalent)} | {score} | {finished}{' (again)' if result.again else ''}"
            f"{' (PostgreSQL)' if result.postgresql else ''} |"
        )
        for mutant, diff in result.survivors.items():
            survivors.append(f"- `{mutant}` ({name})\n\n```diff\n{diff}\n```")
        for mutant in result.equivalent:
            entry = equivalent.by_name.get(mutant)
            reason = entry["reason"] if entry else "a [[same_when]] rule of equivalent.toml"
            reasons.append(f"- `{mutant}` ({name}): {' '.join(reason.split())}")
    return "\n".join(
        [
            "# Mutation scores (tests/mutation/run.py)",
            "",
            "Score = killed / (mutants - equivalent); a timeout counts as killed. A run marked",
            "(again) tested only the survivors of the full run before it (`--again`).",
            "",
            *rows,
            "",
            "## Surviving mutants",
            "",
            *(survivors or ["None."]),
            "",
            "## Equivalent mutants (tests/mutation/equivalent.toml)",
            "",
            *(reasons or ["None."]),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    parser.add_argument(
        "--list", action="store_true", help="list the targets and their tests, and stop"
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print the last run of each target (kept in tests/mutation/results/) and stop",
    )
    parser.add_argument(
        "--markdown", metavar="FILE", help="with --summary: also write it as Markdown to FILE"
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (2)")
    parser.add_argument(
        "--again",
        action="store_true",
        help="test again only the survivors of the last run (new tests count; a change to "
        "the code mutated means a full run)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="run the db tests on this PostgreSQL database (emptied by each test) instead of "
        "SQLite: some mutants only PostgreSQL tells apart (row order without ORDER BY); "
        "one mutant at a time, as its tests share the database",
    )
    parser.add_argument("--min-score", type=float, default=90.0)
    parser.add_argument(
        "--suggest", action="store_true", help="print an equivalent.toml entry per survivor"
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, target in TARGETS.items():
            functions = f" ({', '.join(target.functions)})" if target.functions else ""
            print(f"{name:24} {' '.join(target.files)}{functions}")
            for test in target.tests:
                print(f"{'':26}{test}")
        return 0
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"no such target: {', '.join(unknown)} (see --list)")
    if args.summary:
        results = []
        equivalents = load_equivalent()
        for name in args.targets or list(TARGETS):
            loaded = Result.load(name)
            if loaded is not None:
                loaded = (reclassify(loaded[0], equivalents), loaded[1])
            running = in_progress(name)
            if running is not None:
                print(f"{name:24} {running}")
            if loaded is None:
                if running is None:
                    print(f"{name:24} not run")
                results.append(Result(name, error="not run"))
                continue
            results.append(loaded[0])
            changed = changed_since(loaded[0])
            stale = f"  OUT OF DATE: {', '.join(changed)} changed since" if changed else ""
            print(f"{line(loaded[0])}  ({loaded[1]}){stale}")
        passed = report(results, args.min_score)
        if args.markdown:
            Path(args.markdown).write_text(markdown(args.min_score), encoding="utf-8")
        return 0 if passed else 1
    equivalent = load_equivalent()
    results = []
    for name in args.targets or list(TARGETS):
        jobs = 1 if args.database_url else args.jobs
        result = run_target(name, TARGETS[name], jobs, equivalent, args.again, args.database_url)
        result.save()
        results.append(result)
        print(line(result), flush=True)
    return 0 if report(results, args.min_score, args.suggest) else 1


if __name__ == "__main__":
    sys.exit(main())
