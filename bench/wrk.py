"""Servers on 127.0.0.1 under gunicorn.conf.py, and `wrk` loading them: what the HTTP benchmarks
share. `wrk` is Debian's package (`apt install wrk`); it runs outside the servers' processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


@dataclass(frozen=True)
class Endpoint:
    name: str
    requests: list[Request]


def cannot_run(server_url: str) -> str | None:
    """Why the HTTP benchmarks cannot run here, or None when they can."""
    missing = [
        note
        for absent, note in (
            (not server_url, "set MIRA_BENCH_POSTGRES_URL"),
            (shutil.which("wrk") is None, "install wrk (Debian: apt install wrk)"),
        )
        if absent
    ]
    return "; ".join(missing) or None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        found = []
        for child in Path("/proc").glob("[0-9]*"):
            try:
                status = (child / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{self.process.pid}\n" in status:
                found.append(int(child.name))
        return found

    def worker_rss_mib(self) -> float:
        """The largest worker's resident set."""
        found = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            found.append(int(rss.split()[1]) / 1024)
        return max(found, default=0.0)

    def connections_per_worker(self) -> list[int]:
        """How the clients' open connections are spread over the workers."""
        established = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                port = int(fields[1].rsplit(":", 1)[1], 16)
                if port == self.port and fields[3] == "01":
                    established.add(fields[9])
        counts = []
        for pid in self.workers():
            inodes = set()
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
            counts.append(len(inodes & established))
        return counts


@contextmanager
def serving(
    name: str,
    url: str,
    args: list[str],
    log: Path,
    ready: Request,
    workers: int,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """gunicorn under gunicorn.conf.py on a free port, limits and access log off unless `env`
    says otherwise, once `ready` is answered below 500; stopped with SIGTERM."""
    port = free_port()
    environment = (
        os.environ
        | {
            "WEB_CONCURRENCY": str(workers),
            "MIRA_DATABASE_URL": url,
            "MIRA_BIND": f"127.0.0.1:{port}",
            "MIRA_RATE_LIMIT": "off",
            "MIRA_ACCESS_LOG": "",
            "MIRA_LOG_LEVEL": "warning",
        }
        | (env or {})
    )
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", *args]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=output)
    server = Server(name, port, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if ask(server, ready).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise click.ClickException(f"{name} did not start; see {log}")
            time.sleep(0.3)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def ask(server: Server, request: Request) -> httpx.Response:
    return httpx.request(
        request.method,
        server.base + request.path,
        headers=request.headers,
        content=request.body,
        timeout=30,
    )


LUA = """
local requests = %s
local i = 0
request = function()
  i = i + 1
  local r = requests[(i %% #requests) + 1]
  return wrk.format(r.method, r.path, r.headers, r.body)
end
"""


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    rss_mib: float


def milliseconds(value: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def run_wrk(
    server: Server, endpoint: Endpoint, seconds: float, connections: int, work: Path
) -> Figures:
    """One round of `wrk` against the server, in which the connections are spread over its
    workers. A gunicorn worker accepts every connection it can: wrk opens all of its at once,
    and now and then one worker takes most of them, which halves what the round measures; such
    a round is started again (at most ten times)."""
    script = work / f"{uuid.uuid4().hex}.lua"
    requests = [
        {"method": r.method, "path": r.path, "headers": r.headers, "body": r.body}
        for r in endpoint.requests
    ]
    script.write_text(LUA % lua(requests))
    base = ["wrk", "-t1", f"-c{connections}", "-s", str(script), "--latency", server.base]
    subprocess.run([*base[:1], "-d2s", *base[1:]], capture_output=True, check=True)  # warm up
    fair = connections / len(server.workers()) * 0.75
    for attempt in range(10):
        process = subprocess.Popen(
            [*base[:1], f"-d{seconds:g}s", "--timeout", "10s", *base[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(min(0.5, seconds / 4))
        if min(server.connections_per_worker()) >= fair or attempt == 9:
            break
        process.kill()
        process.wait()
    out, _ = process.communicate()
    lines = out.splitlines()

    def after(label: str) -> list[str]:
        return next(line.split() for line in lines if line.strip().startswith(label))

    errors = 0
    for line in lines:
        if "Non-2xx or 3xx responses" in line:
            errors += int(line.split(":")[1])
        if line.strip().startswith("Socket errors"):
            errors += sum(int(part.split()[-1]) for part in line.split(":", 1)[1].split(","))
    return Figures(
        rps=float(after("Requests/sec:")[1]),
        p50_ms=milliseconds(after("50%")[1]),
        p99_ms=milliseconds(after("99%")[1]),
        errors=errors,
        rss_mib=server.worker_rss_mib(),
    )


def lua(value: Any) -> str:
    """A Lua literal of JSON-like data."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if value is None:
        return "nil"
    return json.dumps(value)


def median(runs: list[Figures]) -> Figures:
    """The run of median requests/s (its latencies and memory go with it), errors summed."""
    middle = sorted(runs, key=lambda run: run.rps)[len(runs) // 2]
    return Figures(
        middle.rps, middle.p50_ms, middle.p99_ms, sum(run.errors for run in runs), middle.rss_mib
    )


def medians(runs: list[Figures]) -> Figures:
    """Each figure's own median over the runs, errors summed: a tail latency measured over a
    few seconds is noisy, and the round of median requests/s need not hold the median tail."""

    def middle(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    return Figures(
        middle([run.rps for run in runs]),
        middle([run.p50_ms for run in runs]),
        middle([run.p99_ms for run in runs]),
        sum(run.errors for run in runs),
        middle([run.rss_mib for run in runs]),
    )
