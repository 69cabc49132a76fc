"""`mira serve` for real: migrations, gunicorn with gunicorn.conf.py, HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

MIRA = Path(sys.executable).with_name("mira")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, log: Path, seconds: float = 30) -> None:
    """Until `url` answers; a server that does not come up fails the test with its log."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"server did not come up: {log.read_text()}"
            time.sleep(0.2)


def test_serve_answers_over_http(tmp_path: Path) -> None:
    env = os.environ | {
        "MIRA_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "WEB_CONCURRENCY": "1",
    }
    port = free_port()
    server = subprocess.Popen(
        [str(MIRA), "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=(tmp_path / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        wait_until_up(f"{base}/openapi.json", tmp_path / "serve.log")
        key = subprocess.run(
            [str(MIRA), "keys", "create", "--org", "served"],
            env=env,
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        response = httpx.get(f"{base}/meetings", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200
        assert response.json() == {
            "data": [],
            "error": None,
            "meta": {"page": 1, "limit": 20, "total": 0, "total_pages": 0},
        }
        assert response.headers["RateLimit-Limit"] == "100"
    finally:
        server.terminate()
        server.wait(timeout=20)
