"""Hostile and bursty traffic against `mira serve`, printed (issue 15): slow bodies, slow heads,
header bombs, duplicate credentials, bursts of writes, a PostgreSQL restart and SIGKILLs of a web
worker and of a `mira worker`, each under load while a canary GET runs.

    MIRA_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.hostile [--only 1,4] [--seconds 15]

Every scenario gets a fresh gunicorn (gunicorn.conf.py, 2 workers, access log off) on
127.0.0.1 over one throwaway database; the PostgreSQL restart gets a private instance (initdb,
pg_ctl) on a free port. For each: requests tried, answered by status, failed on the wire,
worker restarts (gunicorn's "Booting worker" beyond the first ones, and WORKER TIMEOUTs), the
canary's latency (a GET every 20 ms, from a process of its own, each timed from when it was due)
and rows lost or doubled: every write carries a marker (a template's name, a call's
Idempotency-Key) and every write answered 2xx must be stored exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx
import orjson
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from bench.clients import (
    Bomb,
    Sample,
    Tally,
    canary,
    dribble,
    exchange,
    header_bomb,
    request_head,
)
from bench.coach import machine, table
from bench.postgres import PrivatePostgres, private_postgres
from bench.wrk import Request, Server, serving
from mira.app import create_app
from mira.db import session_scope, throwaway_database
from mira.dialer.attempts import RING_TIMED_OUT
from mira.migrations import upgrade_database
from mira.runtime import Runtime
from mira.settings import Settings
from mira.voice.keys import create_key_pair
from models import Call, CallAttempt, CallEvent, Organization, Template, WebhookDelivery
from tests.factories import make_tenant
from tests.receivers import Receiver
from tests.voice import test_dialer_workers as harness
from tests.voice.calling import CUSTOM_REQUEST, ORDER_VARIABLES, open_shop, request_for
from tests.voice.dialing import set_call_settings

Row = tuple[str, str, str]
SECRET_KEY = "mira-bench-hostile"
CANARY = "/api/v1/meetings?limit=5"
CANARY_EVERY = 0.02
# The canary's process and the first clients get this long before the scenario's clock starts,
# then the canary runs alone this long: the machine's own noise, to read the rest against.
WARM_UP = 2.0
BASELINE = 3.0
ASSISTANTS = 10
LIMIT = 100


@dataclass(frozen=True)
class Tenants:
    """What the scenarios send as: a coaching organization and a shop in another."""

    user_id: str
    write_key: str
    read_key: str
    # Scenario 4: each kind of request spends its own key's budget.
    spare_keys: list[str]
    voice: dict[str, str]
    spare_pair: dict[str, str]
    assistants: list[str]


def seed(runtime: Runtime) -> Tenants:
    """Keys with mira's own code; the store, its assistants and a few meetings through the APIs."""
    client = TestClient(create_app(runtime.settings))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the app's logging says every request
    tenant = make_tenant(runtime, "write")
    shop = open_shop(client, runtime)
    assistants = [shop.assistant(variables=ORDER_VARIABLES) for _ in range(ASSISTANTS)]
    for assistant in assistants:
        set_call_settings(shop, assistant, harness.SETTINGS)
    with session_scope(runtime.sessions) as session:
        organization = session.get_one(Organization, shop.tenant.organization_id)
        public, private = create_key_pair(session, organization, "admin", SECRET_KEY)
    for n in range(20):
        meeting = {
            "user_id": str(tenant.users[0]),
            "title": f"Seeded call {n}",
            "call_type": "discovery",
            "started_at": "2026-01-05T10:00:00Z",
            "prospect": {"name": "Pat"},
        }
        response = client.post("/api/v1/meetings", json=meeting, headers=tenant.headers)
        assert response.status_code == 200, response.text
    return Tenants(
        user_id=str(tenant.users[0]),
        write_key=tenant.key,
        read_key=tenant.key_with("read")["Authorization"].split()[1],
        spare_keys=[tenant.key_with("read")["Authorization"].split()[1] for _ in range(3)],
        voice=shop.headers,
        spare_pair={"x-public-key": public, "x-private-key": private},
        assistants=assistants,
    )


@dataclass
class Stage:
    """One server over the seeded database, and every write sent to it by marker."""

    server: Server
    log: Path
    runtime: Runtime
    tenants: Tenants
    canaries: Executor
    prefix: str = field(default_factory=lambda: f"hostile-{uuid.uuid4().hex[:8]}-")
    templates: dict[str, int | None] = field(default_factory=dict)
    calls: dict[str, int | None] = field(default_factory=dict)
    callback: str | None = None
    # When the last `watch` started its load (monotonic): canary samples before it are alone.
    started: float = 0.0

    def marker(self) -> str:
        return f"{self.prefix}{uuid.uuid4().hex[:12]}"

    async def template(self, tally: Tally, expect: bool = False) -> None:
        marker = self.marker()
        body = orjson.dumps(
            {
                "name": marker,
                "prompt_template": "Score it.",
                "grading_criteria": [{"name": "Questions", "weight": 100}],
                "call_type": "discovery",
            }
        )
        headers = [("authorization", f"Bearer {self.tenants.write_key}")]
        headers += [("content-type", "application/json")]
        headers += [("expect", "100-continue")] if expect else []
        head = request_head("POST", "/api/v1/templates", headers, len(body))
        self.templates[marker] = status = await exchange(self.server.port, head, body, expect)
        tally.record(status)

    async def initiate(self, tally: Tally) -> None:
        marker = self.marker()
        call = request_for(CUSTOM_REQUEST, self.tenants.assistants[len(self.calls) % ASSISTANTS])
        call.pop("callbackUrl")
        if self.callback:
            call["callbackUrl"] = self.callback
        body = orjson.dumps(call)
        headers = [*self.tenants.voice.items(), ("content-type", "application/json")]
        headers += [("idempotency-key", marker)]
        head = request_head("POST", "/v2/call/initiate", headers, len(body))
        self.calls[marker] = status = await exchange(self.server.port, head, body)
        tally.record(status)

    async def watch(
        self,
        seconds: float,
        loads: Callable[[float, float], list[Awaitable[object]]],
        path: str = CANARY,
    ) -> list[Sample]:
        """Run `loads(start, stop)` while the canary GETs `path`, from WARM_UP seconds from now:
        BASELINE seconds alone, then `seconds` with the load; the canary's samples."""
        start = time.monotonic() + WARM_UP + BASELINE
        stop = start + seconds
        headers = {"Authorization": f"Bearer {self.tenants.read_key}"}
        samples = asyncio.get_running_loop().run_in_executor(
            self.canaries,
            canary,
            self.server.port,
            path,
            headers,
            start - BASELINE,
            stop,
            CANARY_EVERY,
        )
        await asyncio.gather(*loads(start, stop))
        self.started = start
        return await samples

    def restarts(self) -> tuple[int, int]:
        """Workers booted beyond the first ones, and WORKER TIMEOUTs, so far."""
        text = self.log.read_text(errors="replace")
        return text.count("Booting worker") - len(self.server.workers()), text.count(
            "WORKER TIMEOUT"
        )


@dataclass(frozen=True)
class Rows:
    """Writes answered 2xx and not stored, stored more than once, and stored though not 2xx."""

    acknowledged: int
    lost: int
    doubled: int
    unacknowledged: int


def stored(stage: Stage) -> Rows:
    with stage.runtime.sessions.begin() as session:
        counts = Counter(
            dict(
                session.execute(
                    select(Template.name, func.count())
                    .where(Template.name.startswith(stage.prefix))
                    .group_by(Template.name)
                ).all()
            )
        ) + Counter(
            dict(
                session.execute(
                    select(Call.idempotency_key, func.count())
                    .where(Call.idempotency_key.startswith(stage.prefix))
                    .group_by(Call.idempotency_key)
                ).all()
            )
        )
    answers = stage.templates | stage.calls
    acked = {marker for marker, status in answers.items() if status and 200 <= status < 300}
    return Rows(
        acknowledged=len(acked),
        lost=sum(1 for marker in acked if counts[marker] == 0),
        doubled=sum(1 for count in counts.values() if count > 1),
        unacknowledged=sum(1 for marker in counts if marker not in acked),
    )


@dataclass
class Report:
    """What a scenario found, as printed."""

    tallies: dict[str, Tally]
    samples: list[Sample]
    restarts: int
    timeouts: int
    rows: Rows
    # The canary before the load began.
    alone: list[Sample] = field(default_factory=list)
    extras: list[Row] = field(default_factory=list)
    canary_path: str = CANARY


def report(stage: Stage, tallies: dict[str, Tally], samples: list[Sample]) -> Report:
    restarts, timeouts = stage.restarts()
    # Alone: answered before the load began (one due just before it may wait behind the load).
    alone = [(due, ms, status) for due, ms, status in samples if due + ms / 1000 < stage.started]
    loaded = [sample for sample in samples if sample[0] >= stage.started]
    return Report(tallies, loaded, restarts, timeouts, stored(stage), alone)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def printed(result: Report) -> list[Row]:
    rows = []
    for name, tally in result.tallies.items():
        note = f"answered {tally.answered()}; {tally.failed} failed"
        note += f"; {tally.open} open at the end" if tally.open else ""
        rows.append((name, f"{tally.tried} tried", note))
    latencies = [latency for _, latency, _ in result.samples]
    statuses = Counter(status for _, _, status in result.samples)
    failed = statuses.pop(None, 0)
    answered = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
    alone = [latency for _, latency, _ in result.alone]
    return [
        *rows,
        ("worker restarts", str(result.restarts), f"{result.timeouts} WORKER TIMEOUT"),
        (
            f"canary GET {result.canary_path}",
            f"p99 {percentile(latencies, 0.99):.1f} ms",
            f"p50 {statistics.median(latencies or [0]):.1f}, max {max(latencies or [0]):.0f} ms;"
            f" {len(latencies)} sent: {answered}; {failed} failed",
        ),
        (
            "  the same, alone before the load",
            f"p99 {percentile(alone, 0.99):.1f} ms",
            f"p50 {statistics.median(alone or [0]):.1f} ms over {BASELINE:g} s",
        ),
        (
            "rows lost / doubled",
            f"{result.rows.lost} / {result.rows.doubled}",
            f"of {result.rows.acknowledged} writes answered 2xx;"
            f" {result.rows.unacknowledged} stored though not answered 2xx",
        ),
        *result.extras,
        ("load average", " ".join(f"{v:.2f}" for v in os.getloadavg()), "1, 5, 15 min"),
    ]


async def bursts(
    write: Callable[[], Awaitable[None]],
    size: int,
    every: float,
    start: float,
    stop: float,
    took: list[float] | None = None,
) -> None:
    """`size` writes at once from `start`, again every `every` seconds until `stop`; how long
    each burst took to be answered whole goes to `took`."""
    tick = start
    while tick < stop:
        await asyncio.sleep(max(0.0, tick - time.monotonic()))
        began = time.monotonic()
        await asyncio.gather(*(write() for _ in range(size)))
        if took is not None:
            took.append(time.monotonic() - began)
        tick += every


def burst_row(size: int, took: list[float]) -> Row:
    spans = ", ".join(f"{seconds:.2f}" for seconds in took)
    return (f"a burst of {size} answered whole in", f"max {max(took or [0]):.2f} s", spans)


async def steady(
    write: Callable[[], Awaitable[None]], writers: int, start: float, stop: float
) -> None:
    """`writers` clients each writing one after another from `start` until `stop`."""

    async def one() -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        while time.monotonic() < stop:
            await write()

    await asyncio.gather(*(one() for _ in range(writers)))


async def at(moment: float, action: Callable[[], object]) -> object:
    """`action` run in a thread at `moment` (monotonic)."""
    await asyncio.sleep(max(0.0, moment - time.monotonic()))
    return await asyncio.to_thread(action)


# The scenarios. Each takes its stage, its length and its load, and reports.


async def slow_bodies(stage: Stage, seconds: float, slow: int = 200, fast: int = 200) -> Report:
    """`slow` clients sending a 1000-byte body a byte every 3 s with a read key, and bursts of
    `fast` template writes every 5 s."""
    tallies = {"slow bodies (POST /meetings)": Tally(), "fast writes (POST /templates)": Tally()}
    slow_tally, fast_tally = tallies.values()
    headers = [("authorization", f"Bearer {stage.tenants.read_key}")]
    head = request_head("POST", "/api/v1/meetings", [*headers, ("content-type", "x")], 1000)
    head = head.replace(b"content-type: x", b"content-type: application/json")

    took: list[float] = []

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        port = stage.server.port
        drip = [dribble(port, head, lambda _n: b" ", 3.0, slow_tally, stop) for _ in range(slow)]
        writes = bursts(lambda: stage.template(fast_tally), fast, 5.0, start + 1, stop, took)
        return [*drip, writes]

    result = report(stage, tallies, await stage.watch(seconds, loads))
    result.extras.append(burst_row(fast, took))
    return result


async def slow_heads(stage: Stage, seconds: float, slow: int = 200) -> Report:
    """`slow` clients sending a header line every 2 s, and 50 template writes every 2 s."""
    tallies = {"slow heads (a line every 2 s)": Tally(), "fast writes (POST /templates)": Tally()}
    slow_tally, fast_tally = tallies.values()
    first = b"POST /api/v1/templates HTTP/1.1\r\nhost: x\r\n"

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        port = stage.server.port
        drip = [
            dribble(port, first, lambda n: b"x-slow-%d: 1\r\n" % n, 2.0, slow_tally, stop)
            for _ in range(slow)
        ]
        return [*drip, bursts(lambda: stage.template(fast_tally), 50, 2.0, start + 1, stop)]

    return report(stage, tallies, await stage.watch(seconds, loads))


async def header_bombs(stage: Stage, seconds: float, size: int = 100_000_000) -> Report:
    """Waves of 4 connections each sending a `size`-byte header until the server closes, and
    50 template writes every 2 s."""
    tallies = {"header bombs (100 MB)": Tally(), "fast writes (POST /templates)": Tally()}
    bomb_tally, fast_tally = tallies.values()
    bombs: list[Bomb] = []

    async def waves(stop: float) -> None:
        while time.monotonic() < stop:
            wave = await asyncio.gather(*(header_bomb(stage.server.port, size) for _ in range(4)))
            for bomb in wave:
                bomb_tally.record(bomb.status)
            bombs.extend(wave)

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        return [waves(stop), bursts(lambda: stage.template(fast_tally), 50, 2.0, start, stop)]

    result = report(stage, tallies, await stage.watch(seconds, loads))
    sent = [bomb.sent for bomb in bombs] or [0]
    result.extras.append(
        (
            "bytes a bomb sent before close",
            f"max {max(sent) / 2**20:.1f} MiB",
            f"median {statistics.median(sent) / 2**20:.2f} MiB of {size / 2**20:.0f} MiB",
        )
    )
    return result


def _random_pair() -> list[tuple[str, str]]:
    return [
        ("x-public-key", f"pk_{uuid.uuid4().hex}"),
        ("x-private-key", f"sk_{os.urandom(32).hex()}"),
    ]


def flood_kinds(tenants: Tenants) -> dict[str, tuple[str, Callable[[], list[tuple[str, str]]]]]:
    """Each kind of the duplicate-credential flood: its path and headers, its own budget."""
    pair = list(tenants.voice.items())
    workspace = [("workspace", tenants.voice["workspace"])]
    spare = [*tenants.spare_pair.items(), *workspace]
    key, tab_key, plain_key = tenants.spare_keys
    voice, coaching = "/v1/admin/assistant/list", CANARY
    return {
        "voice: real pair, then a random pair": (voice, lambda: [*pair, *_random_pair()]),
        "voice: the pair once (control)": (voice, lambda: spare),
        "coaching: two Authorization headers": (
            coaching,
            lambda: [
                ("authorization", f"Bearer {key}"),
                ("authorization", f"Bearer mira_live_{uuid.uuid4().hex}"),
            ],
        ),
        "coaching: Bearer<TAB>key": (coaching, lambda: [("authorization", f"Bearer\t{tab_key}")]),
        "coaching: the key once (control)": (
            coaching,
            lambda: [("authorization", f"Bearer {plain_key}")],
        ),
    }


async def duplicate_credentials(stage: Stage, seconds: float, each: int = 160) -> Report:
    """`each` requests of every flood kind, 8 at a time per kind, each from its own forwarded
    address so that only the key's window can bind; the canary asks /health (limits are on)."""
    kinds = flood_kinds(stage.tenants)
    tallies = {name: Tally() for name in kinds}

    async def flood(name: str, stop: float) -> None:
        path, headers = kinds[name]
        pause = max(0.0, (stop - time.monotonic()) / each * 8)
        for _ in range(each // 8):
            forwarded = ("x-forwarded-for", f"10.{os.urandom(1)[0]}.{os.urandom(1)[0]}.7")
            heads = [request_head("GET", path, [*headers(), forwarded], 0) for _ in range(8)]
            for status in await asyncio.gather(*(exchange(stage.server.port, h) for h in heads)):
                tallies[name].record(status)
            await asyncio.sleep(pause)

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        return [flood(name, stop) for name in kinds]

    result = report(stage, tallies, await stage.watch(seconds, loads, "/health"))
    result.canary_path = "/health"
    most = max(tally.statuses[200] for tally in tallies.values())
    result.extras.append(("most 200s for one key", str(most), f"the limit: {LIMIT}/minute"))
    return result


async def write_bursts(stage: Stage, seconds: float, calls: int = 200, expect: int = 60) -> Report:
    """Every 4 s, `calls` POST /v2/call/initiate and `expect` Expect: 100-continue template
    writes, all at once."""
    tallies = {
        "POST /v2/call/initiate": Tally(),
        "POST /templates, Expect: 100-continue": Tally(),
    }
    call_tally, expect_tally = tallies.values()
    took: list[float] = []

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        return [
            bursts(lambda: stage.initiate(call_tally), calls, 4.0, start, stop, took),
            bursts(lambda: stage.template(expect_tally, expect=True), expect, 4.0, start, stop),
        ]

    result = report(stage, tallies, await stage.watch(seconds, loads))
    result.extras.append(burst_row(calls, took))
    return result


def _writers(
    stage: Stage, tallies: dict[str, Tally], start: float, stop: float
) -> list[Awaitable[object]]:
    """Steady writes: 8 clients writing templates and 8 initiating calls, back to back."""
    templates, calls = tallies["POST /templates"], tallies["POST /v2/call/initiate"]
    return [
        steady(lambda: stage.template(templates), 8, start, stop),
        steady(lambda: stage.initiate(calls), 8, start, stop),
    ]


def _write_tallies() -> dict[str, Tally]:
    return {"POST /templates": Tally(), "POST /v2/call/initiate": Tally()}


async def postgres_restart(stage: Stage, seconds: float, postgres: PrivatePostgres) -> Report:
    """Steady writes while `pg_ctl restart -m fast` runs half-way through."""
    tallies = _write_tallies()
    took: list[float] = []

    def restart() -> None:
        began = time.monotonic()
        postgres.restart()
        took.extend([began, time.monotonic()])

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        return [*_writers(stage, tallies, start, stop), at(start + seconds / 2, restart)]

    samples = await stage.watch(seconds, loads)
    result = report(stage, tallies, samples)
    began, ended = took
    # By when each GET was answered: a backlogged canary's GET due earlier may meet the outage.
    answered = sorted((due + ms / 1000, status) for due, ms, status in samples)
    troubled = [at_ for at_, status in answered if at_ >= began and status != 200]
    recovered = next(
        (at_ for at_, status in answered if troubled and at_ > troubled[-1] and status == 200),
        began,
    )
    result.extras += [
        ("pg_ctl restart -m fast took", f"{ended - began:.2f} s", ""),
        (
            "canary not 200 from then on",
            str(len(troubled)),
            f"over {troubled[-1] - troubled[0]:.2f} s" if troubled else "",
        ),
        ("recovered (first 200 after)", f"{recovered - began:.2f} s", "from the restart's start"),
    ]
    return result


async def web_worker_kill(stage: Stage, seconds: float) -> Report:
    """Steady writes while one gunicorn worker is killed with SIGKILL half-way through."""
    tallies = _write_tallies()
    killed: list[int] = []

    def kill() -> None:
        pid = stage.server.workers()[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    def loads(start: float, stop: float) -> list[Awaitable[object]]:
        return [*_writers(stage, tallies, start, stop), at(start + seconds / 2, kill)]

    result = report(stage, tallies, await stage.watch(seconds, loads))
    result.extras.append(("killed", f"pid {killed[0]}", "1 restart is its replacement"))
    return result


def hold_other_calls(stage: Stage) -> None:
    """Calls earlier scenarios queued wait for ever: the workers dial this scenario's only."""
    with stage.runtime.sessions.begin() as session:
        session.execute(
            update(Call)
            .where(Call.idempotency_key.not_like(f"{stage.prefix}%"))
            .values(next_attempt_at=None)
        )


def dialled(stage: Stage) -> tuple[int, int, int, int]:
    """This scenario's calls ended, dialled more than once, dials that rang out (placed by a
    worker that died before recording them), and webhook deliveries not delivered."""
    mine = select(Call.id).where(Call.idempotency_key.startswith(stage.prefix))
    with stage.runtime.sessions.begin() as session:
        ended = session.scalar(
            select(func.count(func.distinct(CallEvent.call_id))).where(
                CallEvent.call_id.in_(mine), CallEvent.type == "call.lifecycle-ended"
            )
        )
        attempts = session.execute(
            select(CallAttempt.call_id, func.count())
            .where(CallAttempt.call_id.in_(mine))
            .group_by(CallAttempt.call_id)
        ).all()
        rang_out = session.scalar(
            select(func.count()).where(
                CallAttempt.call_id.in_(mine), CallAttempt.reason == RING_TIMED_OUT
            )
        )
        undelivered = session.scalar(
            select(func.count()).where(
                WebhookDelivery.call_id.in_(mine), WebhookDelivery.status != "delivered"
            )
        )
    twice = sum(1 for _, count in attempts if count > 1)
    return int(ended or 0), twice, int(rang_out or 0), int(undelivered or 0)


async def dialer_worker_kill(stage: Stage, seconds: float, log: Path) -> Report:
    """Calls initiated in bursts of 50 a second (each reporting to a receiver on 127.0.0.1)
    while 2 `mira worker` processes dial them; one is killed with SIGKILL half-way through.
    Then up to 60 s for every call to end and every delivery to arrive."""
    tallies = {"POST /v2/call/initiate (callback)": Tally()}
    (calls,) = tallies.values()
    with Receiver() as receiver, log.open("wb") as output:
        stage.callback = f"{receiver.url}/hooks/{stage.prefix}"
        hold_other_calls(stage)
        workers = harness.start_workers(stage.runtime, 2, output)

        def kill() -> None:
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)

        def loads(start: float, stop: float) -> list[Awaitable[object]]:
            writes = bursts(lambda: stage.initiate(calls), 50, 1.0, start, start + seconds / 2)
            return [writes, at(start + seconds / 2, kill)]

        try:
            samples = await stage.watch(seconds, loads)
            queued = sum(1 for status in stage.calls.values() if status == 200)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                ended, _, _, undelivered = dialled(stage)
                if ended >= queued and not undelivered:
                    break
                await asyncio.sleep(0.5)
            waited = time.monotonic() - deadline + 60
        finally:
            for worker in workers[1:]:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
        received = {request.headers["webhook-id"] for request in receiver.received}
        copies = len(receiver.received)
    result = report(stage, tallies, samples)
    ended, twice, rang_out, undelivered = dialled(stage)
    result.extras += [
        ("calls ended", f"{ended} of {queued}", f"{waited:.1f} s after the load stopped"),
        ("calls dialled twice", str(twice), f"{rang_out} dials rang out unrecorded"),
        (
            "deliveries not delivered",
            str(undelivered),
            f"the receiver saw {len(received)} events ({copies - len(received)} repeats)",
        ),
    ]
    return result


@dataclass(frozen=True)
class Scenario:
    title: str
    run: Callable[[Stage, float], Coroutine[Any, Any, Report]]
    env: dict[str, str] = field(default_factory=dict)


def scenarios(workdir: Path) -> dict[int, Scenario]:
    return {
        1: Scenario("200 slow bodies + bursts of 200 fast writes", slow_bodies),
        2: Scenario("200 slow heads + template writes", slow_heads),
        3: Scenario("header bombs, 4 at a time + template writes", header_bombs),
        4: Scenario(
            f"duplicate-credential flood, MIRA_RATE_LIMIT={LIMIT}/minute",
            duplicate_credentials,
            {"MIRA_RATE_LIMIT": f"{LIMIT}/minute"},
        ),
        5: Scenario("bursts of 200 initiates + 60 Expect: 100-continue writes", write_bursts),
        7: Scenario("SIGKILL of a web worker under steady writes", web_worker_kill),
        8: Scenario(
            "SIGKILL of one of 2 `mira worker`s while calls are initiated",
            lambda stage, seconds: dialer_worker_kill(stage, seconds, workdir / "workers.log"),
            {"MIRA_WEBHOOK_ALLOW_PRIVATE": "1"},
        ),
    }


@contextmanager
def staged(
    url: str, tenants: Tenants, runtime: Runtime, canaries: Executor, log: Path, env: dict[str, str]
) -> Iterator[Stage]:
    """A fresh server (2 workers) over the database, for one scenario."""
    ready = Request("GET", CANARY, {"Authorization": f"Bearer {tenants.read_key}"})
    env = {"MIRA_SECRET_KEY": SECRET_KEY} | env
    with serving("mira", url, [], log, ready, 2, env) as server:
        with httpx.Client(base_url=server.base, headers=ready.headers) as client:
            for _ in range(40):  # both workers past their first requests
                client.get(CANARY, headers={"connection": "close"})
        yield Stage(server, log, runtime, tenants, canaries)


@contextmanager
def seeded(url: str) -> Iterator[tuple[Runtime, Tenants]]:
    settings = Settings(
        database_url=url, rate_limit="off", secret_key=SECRET_KEY, webhook_allow_private=True
    )
    upgrade_database(settings)
    runtime = Runtime.start(settings)
    try:
        yield runtime, seed(runtime)
    finally:
        runtime.engine.dispose()


def run(url: str, chosen: list[int], seconds: float, workdir: Path) -> Iterator[tuple[str, Report]]:
    """Each chosen scenario on `url` (but the restart, on an instance of its own), in turn."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as canaries:
        canaries.submit(os.getpid).result()  # started before any scenario's clock
        shared = [n for n in chosen if n != 6]
        if shared:
            with seeded(url) as (runtime, tenants):
                for number in shared:
                    scenario = scenarios(workdir)[number]
                    log = workdir / f"serve-{number}.log"
                    with staged(url, tenants, runtime, canaries, log, scenario.env) as stage:
                        found = asyncio.run(scenario.run(stage, seconds))
                    yield f"{number}. {scenario.title}, {seconds:g} s", found
        if 6 in chosen:
            with private_postgres() as postgres, seeded(postgres.url) as (runtime, tenants):
                log = workdir / "serve-6.log"
                with staged(postgres.url, tenants, runtime, canaries, log, {}) as stage:
                    found = asyncio.run(postgres_restart(stage, seconds, postgres))
                title = "PostgreSQL (an instance of its own) restarted under steady writes"
                yield f"6. {title}, {seconds:g} s", found


@click.command()
@click.option("--only", default="1,2,3,4,5,6,7,8", show_default=True, help="Scenario numbers.")
@click.option("--seconds", default=15.0, show_default=True, help="Each scenario's load.")
def main(only: str, seconds: float) -> None:
    """Print what each hostile scenario did to the server."""
    server_url = os.environ.get("MIRA_BENCH_POSTGRES_URL", "").strip()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    table("machine", [*machine(), ("load average", load, "1, 5, 15 min, at the start")])
    if not server_url:
        table("hostile traffic", [("skipped", "", "set MIRA_BENCH_POSTGRES_URL")])
        return
    chosen = sorted(int(n) for n in only.split(","))
    with (
        throwaway_database(server_url, "mira_bench_hostile") as url,
        tempfile.TemporaryDirectory(prefix="mira-bench-hostile-") as workdir,
    ):
        for title, report in run(url, chosen, seconds, Path(workdir)):
            table(title, printed(report))


if __name__ == "__main__":
    main()
