"""Other people's implementations, driven by small scripts of ours, for the interop tests.

- ``verify_ob3/``: DCC verifier-core, Digital Bazaar ``vc`` (eddsa-rdfc-2022), ``jose`` and
  ``ajv`` with the 1EdTech schemas, pinned by its package-lock.json (``verify_ob3()``).
- ``bakery/``: Mozilla's openbadges-bakery, pinned the same way (``bakery()``).
- ``axe/``: Deque's axe-core, the accessibility rules engine the browser tests inject into
  every page, pinned the same way (``axe_core()``).
- ``openbadgeslib/``: the openbadgeslib package from PyPI in a venv of its own, pinned by
  its requirements.txt (``openbadgeslib()``, ``openbadgeslib_script()``).

Each is installed on first use into a cache folder named by the hash of its pins
(``$XDG_CACHE_HOME`` or ``~/.cache``, then ``aspnet-badges/``): ``npm ci`` or ``pip
install`` reach the package registries then, and never again while the pins are unchanged.
The drivers fetch nothing but the bundled standards files (badges/standards), mapped URLs
and loopback. Tests skip, saying why, only where node/npm are missing.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
import venv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import badges.standards

PEERS = Path(__file__).parent
STANDARDS = Path(badges.standards.__file__).parent
VERIFY_OB3 = PEERS / "verify_ob3"
BAKERY = PEERS / "bakery"
AXE = PEERS / "axe"
OPENBADGESLIB = PEERS / "openbadgeslib"
INSTALL_TIMEOUT = 900


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aspnet-badges"


def _pinned_folder(name: str, *pins: Path) -> Path:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()[:16]
    folder = cache_root() / f"{name}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One installer at a time, across threads and processes."""
    with open(folder / ".lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        yield


def _run_install(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
    )
    if result.returncode != 0:
        pytest.fail(
            f"installing {what} into {cwd} failed: {(result.stderr or result.stdout)[-2000:]}"
        )


def _need_node(what: str) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(f"node and npm are not installed, so {what} cannot run")


def node_modules(package: Path) -> Path:
    """The cache folder holding ``npm ci`` of PACKAGE's package.json and package-lock.json."""
    _need_node(package.name)
    folder = _pinned_folder(package.name, package / "package.json", package / "package-lock.json")
    if not (folder / ".installed").exists():
        with _locked(folder):
            if not (folder / ".installed").exists():
                for name in ("package.json", "package-lock.json"):
                    shutil.copyfile(package / name, folder / name)
                _run_install(
                    [
                        "npm",
                        "ci",
                        "--ignore-scripts",
                        "--no-audit",
                        "--no-fund",
                        "--loglevel=error",
                    ],
                    folder,
                    f"the npm packages of {package.name}",
                )
                (folder / ".installed").touch()
    return folder


def _script_beside_modules(package: Path, script: str) -> Path:
    """Node resolves an ES module's imports from the module's own folder, so the driver
    runs from a copy beside the installed node_modules. The copy is named by the hash of
    the script (the folder by the hash of the pins only), so an edited driver takes effect
    at once, and checkouts with different drivers sharing the cache never swap the copy
    under each other's running tests."""
    folder = node_modules(package)
    ours = (package / script).read_bytes()
    name = Path(script)
    copy = folder / f"{name.stem}-{hashlib.sha256(ours).hexdigest()[:16]}{name.suffix}"
    if not copy.exists() or copy.read_bytes() != ours:
        tmp = folder / f".{script}.{os.getpid()}.{threading.get_ident()}"
        tmp.write_bytes(ours)
        os.replace(tmp, copy)
    return copy


def run_json(
    command: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """Run a driver that prints its result as the last line of JSON on stdout."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise AssertionError(
            f"{command[1]} printed nothing (exit {result.returncode}): {result.stderr[-2000:]}"
        )
    return result.returncode, json.loads(lines[-1]), result.stderr


class Peer:
    """One ``verify.mjs --batch`` process kept for the test session (per pytest-xdist
    worker), answering requests as the tests send them: node's start-up and the loading of
    the verifiers' modules (most of a single run's CPU) happen once, not once a test. Each
    request carries its own options; the process keeps nothing of one credential for the
    next but the bundled contexts and schemas (see the script's head), and
    tests/core/test_interop.py checks that its reports are a single run's. Its stderr goes
    to a file (a pipe nobody reads would fill and stop it); a process that died or
    answered out of turn is replaced at the next request."""

    _lock = threading.Lock()
    _process: subprocess.Popen[bytes] | None = None
    _errors: Any = None
    _buffer = b""
    _next = 0

    @classmethod
    def ask(cls, requests: Sequence[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
        with cls._lock:
            process = cls._start()
            first = cls._next
            cls._next += len(requests)
            try:
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(
                    b"".join(
                        json.dumps({**request, "id": number}).encode() + b"\n"
                        for number, request in enumerate(requests, first)
                    )
                )
                process.stdin.flush()
                answers = [cls._answer(process, timeout) for _ in requests]
            except BaseException:
                cls._stop()
                raise
            if [a.get("id") for a in answers] != list(range(first, cls._next)):
                cls._stop()
                raise AssertionError(f"verify.mjs --batch answered out of turn: {answers}")
            return answers

    @classmethod
    def _answer(cls, process: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
        """The next line of the process's output (read here, not through a buffered file,
        so that waiting for it can have a deadline)."""
        assert process.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in cls._buffer:
            left = deadline - time.monotonic()
            ready = left > 0 and select.select([process.stdout], [], [], left)[0]
            chunk = os.read(process.stdout.fileno(), 1 << 16) if ready else b""
            if not chunk:
                errors = cls._stderr()[-2000:]
                cls._stop()
                raise AssertionError(
                    f"verify.mjs --batch gave no answer within {timeout} s "
                    f"(exit {process.poll()}): {errors}"
                )
            cls._buffer += chunk
        line, cls._buffer = cls._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    @classmethod
    def _start(cls) -> subprocess.Popen[bytes]:
        if cls._process is not None and cls._process.poll() is None:
            return cls._process
        cls._stop()
        script = _script_beside_modules(VERIFY_OB3, "verify.mjs")
        cls._errors = tempfile.TemporaryFile("w+", encoding="utf-8")
        cls._process = subprocess.Popen(
            ["node", str(script), "--batch", "--standards", str(STANDARDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=cls._errors,
        )
        if not getattr(cls, "_registered", False):
            atexit.register(cls.close)
            cls._registered = True
        return cls._process

    @classmethod
    def _stderr(cls) -> str:
        if cls._errors is None:
            return ""
        cls._errors.seek(0)
        text: str = cls._errors.read()
        return text

    @classmethod
    def close(cls) -> None:
        """Ends the process (at the end of the session: tests/conftest.py), waiting for it."""
        with cls._lock:
            cls._stop()

    @classmethod
    def _stop(cls) -> None:
        process, cls._process = cls._process, None
        cls._buffer = b""
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if cls._errors is not None:
            cls._errors.close()
            cls._errors = None


def verify_ob3(path: Path, *extra: str) -> dict[str, Any]:
    """DCC verifier-core and Digital Bazaar vc (JSON), jose (VC-JWT), ajv (schema), in the
    session's verify.mjs process (``Peer``); the report a single run of
    ``verify_ob3_alone`` gives.

    EXTRA: ``--map PREFIX=TARGET`` (repeatable), ``--no-status``, ``--now ISO``,
    ``--schema error|warn|off``. The report gets ``exit`` (0 verified, 1 not)."""
    return verify_many([path], *extra)[0]


def verify_ob3_alone(path: Path, *extra: str) -> dict[str, Any]:
    """``verify_ob3`` in a node process of its own (``node verify.mjs ... FILE``)."""
    script = _script_beside_modules(VERIFY_OB3, "verify.mjs")
    command = ["node", str(script), "--standards", str(STANDARDS), "--compact", *extra, str(path)]
    code, report, stderr = run_json(command, timeout=600)
    assert code in (0, 1), stderr[-2000:]
    report["exit"] = code
    return report


def verify_batch(
    requests: Sequence[str], *extra: str, timeout: float | None = None
) -> list[dict[str, Any]]:
    """``verify.mjs --batch``: one node process answers REQUESTS (lines of JSON, see the
    script's head) with one answer each, in order: ``{"id", "exit", "report"}`` or, for a
    bad request, ``{"id", "exit": 2, "error"}``. EXTRA: options for every request."""
    if not requests:
        return []
    script = _script_beside_modules(VERIFY_OB3, "verify.mjs")
    command = ["node", str(script), "--batch", "--standards", str(STANDARDS), *extra]
    result = subprocess.run(
        command,
        input="".join(line + "\n" for line in requests),
        capture_output=True,
        text=True,
        timeout=timeout if timeout is not None else 600 + 5 * len(requests),
    )
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or len(answers) != len(requests):
        raise AssertionError(
            f"verify.mjs --batch answered {len(answers)} of {len(requests)} requests "
            f"(exit {result.returncode}): {result.stderr[-2000:]}"
        )
    return answers


def verify_many(paths: Sequence[Path], *extra: str) -> list[dict[str, Any]]:
    """``[verify_ob3(path, *extra) for path in paths]``: the reports of single runs, from
    the session's verify.mjs process (``Peer``)."""
    if not paths:
        return []
    answers = Peer.ask(
        [{"file": str(path), "args": list(extra)} for path in paths],
        timeout=600 + 5 * len(paths),
    )
    reports = []
    for path, answer in zip(paths, answers, strict=True):
        assert answer["exit"] in (0, 1), (path, answer)
        reports.append({**answer["report"], "exit": answer["exit"]})
    return reports


def bakery(*args: str) -> dict[str, Any]:
    """Mozilla's openbadges-bakery (CommonJS: found through NODE_PATH)."""
    modules = node_modules(BAKERY) / "node_modules"
    env = {**os.environ, "NODE_PATH": str(modules)}
    _, result, _ = run_json(["node", str(BAKERY / "bakery.js"), *args], timeout=120, env=env)
    return result


def axe_core() -> str:
    """The source of axe-core's browser build (``axe.min.js``), installed on first use;
    skips, saying why, where node/npm are missing."""
    return (node_modules(AXE) / "node_modules" / "axe-core" / "axe.min.js").read_text("utf-8")


def openbadgeslib_python() -> Path:
    """The python of a venv with the pinned openbadgeslib (created on first use)."""
    folder = _pinned_folder("openbadgeslib", OPENBADGESLIB / "requirements.txt")
    python = folder / "bin" / "python"
    if not (folder / ".installed").exists():
        with _locked(folder):
            if not (folder / ".installed").exists():
                venv.EnvBuilder(with_pip=True, clear=False).create(folder)
                _run_install(
                    [
                        str(python),
                        "-m",
                        "pip",
                        "install",
                        "-q",
                        "--disable-pip-version-check",
                        "-r",
                        str(OPENBADGESLIB / "requirements.txt"),
                    ],
                    folder,
                    "openbadgeslib",
                )
                (folder / ".installed").touch()
    return python


def openbadgeslib_script(script: str, *args: str) -> tuple[int, dict[str, Any]]:
    """Run one of our scripts in openbadgeslib/ with the peer venv's python."""
    command = [str(openbadgeslib_python()), str(OPENBADGESLIB / script), *args]
    code, result, stderr = run_json(command, timeout=300)
    assert code in (0, 1), stderr[-2000:]
    return code, result


def openbadgeslib(path: Path, *extra: str) -> dict[str, Any]:
    """openbadgeslib's verdict on a credential file (JSON, JWT, baked PNG or SVG).

    EXTRA: ``--map-file FILE`` (JSON {prefix: loopback URL}), ``--no-status``."""
    return openbadgeslib_script("verify.py", *extra, str(path))[1]
