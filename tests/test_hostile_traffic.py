"""Hostile and careless clients against a live `mira serve` (gunicorn, our uvicorn worker):
heads bounded in size and time, bodies bounded in time, and no slow client holding what the
fast ones need."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest

from mira.runtime import Runtime
from tests.cli.test_serve import free_port, wait_until_up
from tests.factories import Tenant

MIRA = Path(sys.executable).with_name("mira")
TIMEOUT = 1.0
# Long enough for the fast requests of a loaded CI machine to finish inside it.
BODY_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def server(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One web worker with a pool of 2 + 2 connections, limits off, 1 s for heads, 5 for bodies."""
    port = free_port()
    env = os.environ | {
        "MIRA_DATABASE_URL": runtime.settings.database_url,
        "MIRA_SECRET_KEY": runtime.settings.secret_key,
        "MIRA_RATE_LIMIT": "off",
        "MIRA_DB_POOL_SIZE": "2",
        "MIRA_HEADER_TIMEOUT": str(TIMEOUT),
        "MIRA_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "WEB_CONCURRENCY": "1",
        "MIRA_ACCESS_LOG": "",
    }
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    process = subprocess.Popen(
        [str(MIRA), "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/health", log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "WORKER TIMEOUT" not in log.read_text()


def _raw(base: str, request: bytes, timeout: float = 5) -> tuple[int, dict[str, object]]:
    """Sends `request` as it is; the status and JSON body the server answers with."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        return _answer(sock)


def _answer(sock: socket.socket) -> tuple[int, dict[str, object]]:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), orjson.loads(body)


def test_a_head_past_16_kib_is_431_in_the_apis_shape(server: str) -> None:
    headers = b"".join(b"x-filler-%d: %s\r\n" % (n, b"a" * 1000) for n in range(20))
    status, body = _raw(server, b"GET /api/v1/meetings HTTP/1.1\r\nhost: x\r\n" + headers + b"\r\n")
    assert status == 431
    assert body == {
        "data": None,
        "error": "Request line and headers are larger than 16384 bytes",
        "meta": None,
    }
    status, body = _raw(server, b"GET /v2/call/list HTTP/1.1\r\nhost: x\r\n" + headers + b"\r\n")
    assert (status, body["code"]) == (431, 431)


def test_one_header_past_8_kib_is_431(server: str) -> None:
    request = b"GET /health HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 9000 + b"\r\n\r\n"
    status, body = _raw(server, request)
    assert (status, body) == (
        431,
        {"code": 431, "message": "Header 'x-big' is larger than 8192 bytes"},
    )


def test_a_header_bomb_is_cut_off_after_its_first_kibibytes(server: str) -> None:
    """A 64 MB header once held a worker for 16 s; the server closes the connection after its
    first 16 KiB (what the client got out before that is the kernel's buffers, a few MiB)."""
    host, port = server.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\nx-bomb: ")
        chunk = b"a" * 65536
        with pytest.raises(OSError):  # the server closed the connection
            while sent < 64 * 1024 * 1024:
                sock.sendall(chunk)
                sent += len(chunk)
    assert sent < 16 * 1024 * 1024
    assert httpx.get(f"{server}/health").status_code == 200


def test_a_head_that_never_ends_is_408(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /api/v1/meetings HTTP/1.1\r\nhost: x\r\n")
        status, body = _answer(sock)
    assert status == 408
    assert body["error"] == "The request's headers did not arrive within 1 s"
    assert TIMEOUT - 0.2 <= time.monotonic() - started < TIMEOUT + 2


def _slow_body(base: str, headers: dict[str, str]) -> int:
    """A write whose body never arrives in full: the server answers 408 at its deadline."""
    host, port = base.removeprefix("http://").split(":")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /api/v1/templates HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            f"content-length: 1000\r\n{head}\r\n{{".encode()
        )
        return _answer(sock)[0]


def test_slow_bodies_hold_no_connection_a_fast_request_needs(server: str, tenant: Tenant) -> None:
    """Before, each client still sending its body held a pooled connection: 20 of them left
    nothing for anyone else (here the pool is 2 + 2) until gunicorn killed the worker."""
    with ThreadPoolExecutor(40) as pool:
        slow = [pool.submit(_slow_body, server, tenant.headers) for _ in range(20)]
        time.sleep(0.3)
        fast = list(
            pool.map(
                lambda _: httpx.get(f"{server}/api/v1/templates", headers=tenant.headers),
                range(20),
            )
        )
        assert [response.status_code for response in fast] == [200] * 20
        assert not any(future.done() for future in slow), "the fast requests waited for the slow"
        assert [future.result() for future in slow] == [408] * 20
