"""The server against its floor, over HTTP, on a large PostgreSQL database.

    MIRA_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.http [--meetings 1000000] [--rounds 3] [--seconds 5]

Loads a fresh database (bench.dataset: 1,000,000 meetings of 50 organizations, 20,000 assistants'
calls), then starts on 127.0.0.1, side by side, the server under the shipped gunicorn.conf.py and
the floor (bench.floor: bare Flask, the same SQL and JSON) under the same settings but the thread
worker Flask runs best in. Each endpoint is first asked of both, which must answer alike; then
`wrk` loads each server in turn, rotating over the organizations' keys, for `--rounds`
alternating rounds (this machine's speed varies from one round to the next), and prints the
median round: requests/s, p50/p99 latency, errors, the largest worker's resident memory, and
ours ÷ floor. `--database` reuses an already loaded database.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click
import httpx
from sqlalchemy import make_url, text

from bench.coach import machine, table
from bench.dataset import Fixture, stored_fixture
from bench.dataset import load as load_dataset
from bench.wrk import Endpoint, Figures, Request, ask, cannot_run, median, run_wrk, serving
from mira.db import throwaway_database
from mira.migrations import upgrade_database
from mira.runtime import Runtime
from mira.settings import Settings
from mira.voice.contract import request_example
from models.base import utcnow


def same(ours: httpx.Response, floor: httpx.Response, endpoint: str) -> None:
    """The floor is a floor only while it does the server's work: the same status and JSON."""
    if ours.status_code != floor.status_code:
        raise click.ClickException(
            f"{endpoint}: ours {ours.status_code}, floor {floor.status_code}: {floor.text[:300]}"
        )
    a, b = ours.json(), floor.json()
    if endpoint.startswith("POST"):  # a new call each: the same shape, another id
        a, b = (sorted(a), a["status"]), (sorted(b), b["status"])
    if a != b:
        raise click.ClickException(f"{endpoint}: the floor answers otherwise than the server")


def every_filter(fixture: Fixture) -> Endpoint:
    """Organization 0's meetings of each rep, completed, started 12 to 1 months ago."""
    now = utcnow()
    since, until = (now - timedelta(days=365)).date(), (now - timedelta(days=30)).date()
    return Endpoint(
        "GET /meetings, every filter",
        [
            Request(
                "GET",
                f"/api/v1/meetings?limit=20&status=completed&user_id={user}"
                f"&from={since}T00:00:00Z&to={until}T00:00:00Z",
                {"Authorization": f"Bearer {fixture.coaching_keys[0]}"},
            )
            for user in fixture.user_ids
        ],
    )


def endpoints(runtime: Runtime, fixture: Fixture) -> list[Endpoint]:
    keys = [{"Authorization": f"Bearer {key}"} for key in fixture.coaching_keys]
    first = keys[0]
    with runtime.engine.connect() as connection:
        long_calls = connection.execute(
            text(
                "SELECT t.meeting_id FROM transcripts t JOIN meetings m ON m.id = t.meeting_id"
                " WHERE m.organization_id = :org AND m.duration_seconds > 1800 LIMIT 200"
            ),
            {"org": fixture.organization_ids[0]},
        ).scalars()
        long_ids = [str(meeting_id) for meeting_id in long_calls]
    call = request_example("/v2/call/initiate", "custom") | {"assistant": fixture.assistant}
    call.pop("callbackUrl", None)
    voice = {
        "x-public-key": fixture.voice_public_key,
        "x-private-key": fixture.voice_private_key,
        "workspace": fixture.workspace,
        "Content-Type": "application/json",
    }

    def each(path: str) -> list[Request]:
        return [Request("GET", path, key) for key in keys]

    return [
        Endpoint("GET /meetings?limit=20", each("/api/v1/meetings?limit=20")),
        every_filter(fixture),
        Endpoint(
            "GET /meetings/{id} (46-minute call)",
            [Request("GET", f"/api/v1/meetings/{meeting_id}", first) for meeting_id in long_ids],
        ),
        Endpoint("GET /reports?min_score=7", each("/api/v1/reports?min_score=7")),
        Endpoint(
            "GET /team/stats?time_range=quarter", each("/api/v1/team/stats?time_range=quarter")
        ),
        Endpoint("GET /insights?industry=health", each("/api/v1/insights?industry=health")),
        Endpoint(
            "POST /v2/call/initiate",
            [Request("POST", "/v2/call/initiate", voice, json.dumps(call))],
        ),
    ]


def _row(name: str, ours: Figures, floor: Figures) -> str:
    return (
        f"  {name:<38} {ours.rps:>8,.0f} {ours.p50_ms:>7.1f} {ours.p99_ms:>7.1f}"
        f" {ours.errors:>5} {ours.rss_mib:>6.0f}  |{floor.rps:>8,.0f} {floor.p50_ms:>7.1f}"
        f" {floor.p99_ms:>7.1f} {floor.errors:>5} {floor.rss_mib:>6.0f}"
        f"  | {ours.rps / floor.rps:>5.2f}×"
    )


@dataclass(frozen=True)
class Load:
    seconds: float
    rounds: int
    connections: int
    workers: int
    threads: int


def run(url: str, load: Load, only: str | None) -> None:
    settings = Settings(database_url=url, secret_key=Settings.from_env().secret_key)
    runtime = Runtime.start(settings)
    fixture = stored_fixture(runtime.engine)
    chosen = [e for e in endpoints(runtime, fixture) if only is None or only in e.name]
    ready = chosen[0].requests[0]
    floor_args = [
        "--worker-class",
        "gthread",
        "--threads",
        str(load.threads),
        "bench.floor:create_floor()",
    ]
    with tempfile.TemporaryDirectory(prefix="mira-bench-http-") as workdir, ExitStack() as stack:
        work = Path(workdir)
        ours = stack.enter_context(serving("ours", url, [], work / "ours.log", ready, load.workers))
        floor = stack.enter_context(
            serving("floor", url, floor_args, work / "floor.log", ready, load.workers)
        )
        for endpoint in chosen:
            same(ask(ours, endpoint.requests[0]), ask(floor, endpoint.requests[0]), endpoint.name)
        click.echo(
            f"\n{load.workers} workers each (the floor: {load.threads} threads per worker),"
            f" wrk -c{load.connections}, {load.rounds} alternating rounds of {load.seconds:g} s"
            " per endpoint and server, the median round shown"
        )
        click.echo(
            f"{'endpoint':<40} {'ours req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errs':>5}"
            f" {'RSS MiB':>6}  |{'floor':>8} {'p50':>7} {'p99':>7} {'errs':>5} {'RSS':>6}  | ratio"
        )
        for endpoint in chosen:
            ours_runs, floor_runs = [], []
            for _ in range(load.rounds):
                ours_runs.append(run_wrk(ours, endpoint, load.seconds, load.connections, work))
                floor_runs.append(run_wrk(floor, endpoint, load.seconds, load.connections, work))
            click.echo(_row(endpoint.name, median(ours_runs), median(floor_runs)))
    runtime.engine.dispose()


@click.command()
@click.option("--meetings", default=1_000_000, show_default=True)
@click.option("--seconds", default=5.0, show_default=True, help="One round's load.")
@click.option("--rounds", default=3, show_default=True, help="Alternating rounds per server.")
@click.option("--connections", default=16, show_default=True, help="wrk's open connections.")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers, both servers.")
@click.option("--threads", default=4, show_default=True, help="The floor's threads per worker.")
@click.option("--only", default=None, help="Only the endpoints whose name contains this.")
@click.option("--database", default=None, help="An already loaded database on the same server.")
def main(
    meetings: int,
    seconds: float,
    rounds: int,
    connections: int,
    workers: int,
    threads: int,
    only: str | None,
    database: str | None,
) -> None:
    """Print requests/s, latency, errors and memory of the server and its floor per endpoint."""
    server_url = os.environ.get("MIRA_BENCH_POSTGRES_URL", "").strip()
    table("machine", machine())
    reason = cannot_run(server_url)
    if reason:
        table("HTTP, the server against its floor", [("skipped", "", reason)])
        return
    load = Load(seconds, rounds, connections, workers, threads)
    if database is not None:
        url = make_url(server_url).set(database=database).render_as_string(hide_password=False)
        run(url, load, only)
        return
    with throwaway_database(server_url, "mira_bench_http") as url:
        settings = Settings(database_url=url, secret_key=Settings.from_env().secret_key)
        upgrade_database(settings)
        runtime = Runtime.start(settings)
        load_dataset(runtime, meetings)
        runtime.engine.dispose()
        run(url, load, only)


if __name__ == "__main__":
    main()
