"""What the README tells a newcomer works as written: the command-line section, run on the
example files in badges/examples/, and the demo's logins and verify command."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from issuer.cli import verify_command
from issuer.demo import DEMO_PASSWORD

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text("utf-8")
BIN = Path(sys.executable).parent  # where `badges` is installed


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _commands(text: str) -> list[str]:
    """The commands of the first sh block, continuation lines joined, comments dropped."""
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "no sh block"
    joined = block.group(1).replace("\\\n", " ")
    return [re.split(r"\s+#\s", line)[0].strip() for line in joined.splitlines() if line.strip()]


def _needs_a_school_server(command: str) -> bool:
    """verify on a school's link, or on its offline copy: those need the school's files."""
    words = shlex.split(command)
    return words[:2] == ["badges", "verify"] and (
        words[2].startswith("https://") or "--map" in words
    )


@pytest.mark.slow  # a dozen command-line runs, each a new process
def test_the_command_line_section_runs_as_written(tmp_path):
    commands = _commands(_section("The `badges` command"))
    assert any("badges/examples/unsigned-badge.json" in c for c in commands)
    (tmp_path / "badges").symlink_to(ROOT / "badges")  # "from the root of this checkout"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    ran = []
    for command in commands:
        if _needs_a_school_server(command):
            continue
        result = subprocess.run(
            command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        ran.append((command, result.stdout))
    assert len(ran) >= 9, ran
    outputs = dict(ran)
    assert outputs["badges verify badge.json --recipient ona@example.org"].startswith("VALID: ")
    assert json.loads(outputs["badges verify badge.jwt --json"])["verdict"] == "valid"
    assert outputs["badges verify baked.svg"].startswith("VALID: ")
    assert json.loads((tmp_path / "badge.json").read_text())["proof"][0]["cryptosuite"] == (
        "eddsa-rdfc-2022"
    )
    assert (tmp_path / "link.svg").read_bytes().lstrip().startswith(b"<")


def test_the_readme_gives_the_demo_logins_and_a_working_verify_command():
    assert f"`{DEMO_PASSWORD}`" in README
    for login in ("admin@demo.example", "coordinator@demo.example", "teacher@demo.example"):
        assert f"`{login}`" in README
    example = re.search(
        r"^badges verify (http://127\.0\.0\.1:5000/credentials/\S+) .*$", README, re.M
    )
    assert example, "no example of checking a demo badge"
    # the example is what `badges serve --demo` prints for that badge
    assert example.group(0) == verify_command(example.group(1), "http://127.0.0.1:5000")
