"""How the lists and team statistics grow with the data: 10k, 100k and 1M meetings.

    MIRA_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000]

Each size is loaded into a fresh PostgreSQL database of its own (bench.dataset: 50 organizations,
three years of calls, so each size is denser than the last) and served by its own server under
the shipped gunicorn.conf.py. `wrk` loads them with few connections, endpoint by endpoint, the
sizes in turn within each round and in alternating order from round to round, so that this
machine's drift from minute to minute falls on every size alike; each figure (requests/s, p50,
p99) is its own median over `--rounds` rounds. A deep page is the middle page of each
organization's list, at least its second. Then every statement each endpoint runs is EXPLAINed
(ANALYZE) with the parameters it ran with, and its scans are printed: a list must be read
through indexes, never scanned. Last, each endpoint's p50 and p99 at the largest size against
each smaller one, with the rows its pages hold at each.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
from sqlalchemy import event
from starlette.testclient import TestClient

from bench.coach import machine, table
from bench.dataset import Fixture, load
from bench.http import every_filter
from bench.wrk import Endpoint, Figures, Request, cannot_run, medians, run_wrk, serving
from mira.app import MiraApp, create_app
from mira.db import throwaway_database
from mira.migrations import upgrade_database
from mira.runtime import Runtime
from mira.settings import Settings

SEQUENTIAL = ("Seq Scan", "Parallel Seq Scan")
# What grows with the data: a list must read these through an index. The keys and reps are a
# few rows per organization, which PostgreSQL rightly reads whole.
GROWING = {"meetings", "transcripts", "reports", "criterion_scores", "insights", "calls"}


def endpoints(client: TestClient, fixture: Fixture) -> list[Endpoint]:
    keys = [{"Authorization": f"Bearer {key}"} for key in fixture.coaching_keys]

    def each(path: str) -> list[Request]:
        return [Request("GET", path, key) for key in keys]

    def middle_pages(path: str) -> list[Request]:
        """Each organization's middle page of `path`, at least its second: a deep page at every
        size (page 1 only where there is one)."""
        found = []
        for key in keys:
            pages = client.get(f"{path}&limit=20", headers=key).json()["meta"]["total_pages"]
            middle = max(min(2, pages), pages // 2, 1)
            found.append(Request("GET", f"{path}&limit=20&page={middle}", key))
        return found

    filtered = every_filter(fixture)
    # At 10k meetings a rep's filtered year holds about three: two a page fill every size's.
    short = [replace(r, path=r.path.replace("limit=20", "limit=2")) for r in filtered.requests]

    return [
        Endpoint("GET /meetings?limit=20", each("/api/v1/meetings?limit=20")),
        Endpoint("GET /meetings, middle page", middle_pages("/api/v1/meetings?status=completed")),
        filtered,
        Endpoint(f"{filtered.name}, 2 a page", short),
        Endpoint("GET /reports?min_score=7", each("/api/v1/reports?min_score=7")),
        Endpoint("GET /reports, middle page", middle_pages("/api/v1/reports?min_score=7")),
        Endpoint(
            "GET /team/stats?time_range=quarter", each("/api/v1/team/stats?time_range=quarter")
        ),
        Endpoint("GET /insights?industry=health", each("/api/v1/insights?industry=health")),
        Endpoint("GET /insights, middle page", middle_pages("/api/v1/insights?industry=health")),
    ]


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Any


@contextmanager
def recorded(runtime: Runtime) -> Iterator[list[Statement]]:
    """The SELECTs the application runs meanwhile, with their parameters."""
    found: list[Statement] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT") and sql.strip() != "SELECT 1":
            found.append(Statement(sql, params))

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


def _scans(plan: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    relation = plan.get("Relation Name")
    if relation is not None:
        index = plan.get("Index Name")
        yield (
            plan["Node Type"] + (f" using {index}" if index else ""),
            relation,
            plan["Actual Rows"],
        )
    for child in plan.get("Plans", []):
        yield from _scans(child)


def explain(runtime: Runtime, client: TestClient, endpoint: Endpoint) -> tuple[list[str], bool]:
    """Each statement of the endpoint's first request: its scans and time. False if a table
    that grows with the data was read sequentially."""
    request = endpoint.requests[0]
    with recorded(runtime) as statements:
        assert client.get(request.path, headers=request.headers).status_code == 200
    lines, indexed = [], True
    with runtime.engine.connect() as connection:
        for statement in statements:
            found = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement.sql, statement.params
            ).scalar_one()
            plan = found[0]
            scans = list(_scans(plan["Plan"]))
            indexed = indexed and not any(
                node in SEQUENTIAL and (table in GROWING or table.endswith("_tallies"))
                for node, table, _ in scans
            )
            described = "; ".join(f"{node} on {table} ({rows} rows)" for node, table, rows in scans)
            lines.append(f"{plan['Execution Time']:7.2f} ms  {described}")
    return lines, indexed


@dataclass
class Size:
    """One size's database, server and endpoints, and what was measured of it."""

    meetings: int
    url: str
    endpoints: list[Endpoint]
    items: dict[str, float]
    runs: dict[str, list[Figures]]


def prepare(server_url: str, meetings: int, stack: ExitStack) -> Size:
    url = stack.enter_context(throwaway_database(server_url, f"mira_bench_scale_{meetings}"))
    settings = Settings(database_url=url, secret_key=Settings.from_env().secret_key)
    upgrade_database(settings)
    runtime = Runtime.start(settings)
    fixture = load(runtime, meetings)
    runtime.engine.dispose()
    app = _app(url)
    with TestClient(app) as client:
        chosen = endpoints(client, fixture)
        items = {endpoint.name: _items(client, endpoint) for endpoint in chosen}
    app.runtime.engine.dispose()
    return Size(meetings, url, chosen, items, {endpoint.name: [] for endpoint in chosen})


def _app(url: str) -> MiraApp:
    settings = Settings(
        database_url=url, rate_limit="off", secret_key=Settings.from_env().secret_key
    )
    return create_app(settings)


def _items(client: TestClient, endpoint: Endpoint) -> float:
    """The rows its pages hold, on average: a page of fewer rows costs less to answer."""
    found = []
    for request in endpoint.requests:
        data = client.get(request.path, headers=request.headers).json()["data"]
        found.append(len(data) if isinstance(data, list) else 1)
    return sum(found) / len(found)


def report(size: Size, connections: int) -> None:
    app = _app(size.url)
    with TestClient(app) as client:
        plans = {
            endpoint.name: explain(app.runtime, client, endpoint) for endpoint in size.endpoints
        }
    app.runtime.engine.dispose()
    click.echo(
        f"\n{size.meetings:,} meetings: p50 and p99 with {connections} connections, then EXPLAIN"
    )
    for endpoint in size.endpoints:
        f = medians(size.runs[endpoint.name])
        lines, indexed = plans[endpoint.name]
        verdict = "growing tables through indexes" if indexed else "SEQUENTIAL SCAN"
        click.echo(
            f"  {endpoint.name:<40} p50 {f.p50_ms:6.1f} ms  p99 {f.p99_ms:6.1f} ms"
            f"  {f.rps:7,.0f} req/s  errors {f.errors}  [{verdict}]"
        )
        for line in lines:
            click.echo(f"      {line}")


def _growth(label: str, small: float, large: float) -> str:
    return f"{label} {small:6.1f} → {large:6.1f} ms ({large / small:4.2f}×)"


@click.command()
@click.option("--sizes", default="10000,100000,1000000", show_default=True)
@click.option("--rounds", default=5, show_default=True)
@click.option("--seconds", default=5.0, show_default=True)
@click.option("--connections", default=4, show_default=True)
def main(sizes: str, rounds: int, seconds: float, connections: int) -> None:
    """Print p50/p99 of the lists and team statistics at each size, with their plans."""
    server_url = os.environ.get("MIRA_BENCH_POSTGRES_URL", "").strip()
    table("machine", machine())
    reason = cannot_run(server_url)
    if reason:
        table("lists and team statistics by size", [("skipped", "", reason)])
        return
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mira-bench-scale-")))
        steps = [prepare(server_url, int(meetings), stack) for meetings in sizes.split(",")]
        servers = [
            stack.enter_context(
                serving(
                    f"ours-{size.meetings}",
                    size.url,
                    [],
                    work / f"ours-{size.meetings}.log",
                    size.endpoints[0].requests[0],
                    workers=2,
                )
            )
            for size in steps
        ]
        for turn in range(rounds):
            order = list(zip(steps, servers, strict=True))
            for index in range(len(steps[0].endpoints)):
                for size, server in order if turn % 2 == 0 else order[::-1]:
                    endpoint = size.endpoints[index]
                    size.runs[endpoint.name].append(
                        run_wrk(server, endpoint, seconds, connections, work)
                    )
        for size in steps:
            report(size, connections)
    last = steps[-1]
    for first in steps[:-1]:
        click.echo(
            f"\ngrowth from {first.meetings:,} to {last.meetings:,} meetings"
            " (p99 ÷ p99, p50 ÷ p50; rows per page)"
        )
        for endpoint in first.endpoints:
            small, large = medians(first.runs[endpoint.name]), medians(last.runs[endpoint.name])
            click.echo(
                f"  {endpoint.name:<40} {_growth('p99', small.p99_ms, large.p99_ms)}"
                f"   {_growth('p50', small.p50_ms, large.p50_ms)}"
                f"   rows {first.items[endpoint.name]:4.1f} → {last.items[endpoint.name]:4.1f}"
            )


if __name__ == "__main__":
    main()
