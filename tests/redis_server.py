"""A redis-server of a test's own on a free loopback port (the machine's Redis, which other
people use, is never stopped or flushed), and a loopback proxy to it that a test cuts."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tcp_proxy import TcpProxy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[int]:
    """The port of a new redis-server (no persistence); skipped where none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    from redis import Redis

    client = Redis(port=port)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except Exception:
                time.sleep(0.05)
        yield port
    finally:
        client.close()
        process.terminate()
        process.wait(10)


@pytest.fixture
def redis_proxy(redis_server: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", redis_server)
    yield proxy
    proxy.close()
