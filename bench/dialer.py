"""How fast the dialer is, printed: `mira worker` processes on PostgreSQL dialling queued calls of
50 assistants through the simulator (500 times faster than real time) while delivering every
call event to a receiver on 127.0.0.1, with 1 and with 4 workers.

    MIRA_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.dialer [--calls 1000]

It drives the same harness as the four-worker test (tests/voice/test_dialer_workers.py): each
run gets a fresh database, and the clock starts when the workers do.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
import uuid
from pathlib import Path

import click
from sqlalchemy import Select, func, select
from starlette.testclient import TestClient

from bench.coach import machine, table
from mira.app import create_app
from mira.db import throwaway_database
from mira.migrations import upgrade_database
from mira.runtime import Runtime
from mira.settings import Settings
from models import Call, CallAttempt, WebhookDelivery
from tests.receivers import Receiver
from tests.voice import test_dialer_workers as harness
from tests.voice.calling import open_shop
from tests.voice.dialing import set_call_settings

Row = tuple[str, str, str]


def _count(runtime: Runtime, query: Select[int]) -> int:
    with runtime.sessions.begin() as session:
        return int(session.scalar(query) or 0)


def run(server_url: str, workers: int, calls: int, workdir: Path) -> list[Row]:
    with throwaway_database(server_url, "mira_bench_dialer") as url:
        settings = Settings(
            database_url=url, rate_limit="off", secret_key="bench", webhook_allow_private=True
        )
        upgrade_database(settings)
        app = create_app(settings)
        runtime: Runtime = app.runtime
        shop = open_shop(TestClient(app), runtime)
        assistants = [shop.assistant() for _ in range(harness.ASSISTANTS)]
        for assistant in assistants:
            set_call_settings(shop, assistant, harness.SETTINGS)
        harness.CALLS, harness.CALLBACK_EVERY = calls, 1
        with Receiver() as receiver, (workdir / f"workers-{workers}.log").open("wb") as log:
            harness.queue_calls(shop, assistants, f"{receiver.url}/hooks/{uuid.uuid4()}")
            processes = harness.start_workers(runtime, workers, log)
            started = time.monotonic()
            calls_done = deliveries_done = 0.0
            try:
                while not deliveries_done:
                    if not calls_done and harness.finished(runtime, shop.workspace) == calls:
                        calls_done = time.monotonic() - started
                    if calls_done and harness.undelivered(runtime, shop.workspace) == 0:
                        deliveries_done = time.monotonic() - started
                    time.sleep(0.1)
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    process.wait(timeout=30)
        dials = _count(runtime, select(func.count()).select_from(CallAttempt))
        delivered = _count(
            runtime,
            select(func.count())
            .select_from(WebhookDelivery)
            .join(Call, Call.id == WebhookDelivery.call_id),
        )
    label = f"{workers} worker{'s' if workers > 1 else ''}"
    return [
        (
            f"{label}: {calls:,} calls to the end ({dials:,} dials)",
            f"{calls_done:.1f} s",
            f"{calls / calls_done:.0f} calls/s, {dials / calls_done:.0f} dials/s",
        ),
        (
            f"{label}: their {delivered:,} webhook deliveries",
            f"{deliveries_done:.1f} s",
            f"{delivered / deliveries_done:.0f} deliveries/s",
        ),
    ]


@click.command()
@click.option("--calls", default=1000, show_default=True, help="Queued calls per run.")
def main(calls: int) -> None:
    server_url = os.environ.get("MIRA_BENCH_POSTGRES_URL", "").strip()
    table("Machine", machine())
    if not server_url:
        table("Dialer", [("PostgreSQL", "skipped", "set MIRA_BENCH_POSTGRES_URL")])
        return
    with tempfile.TemporaryDirectory() as workdir:
        rows = [row for workers in (1, 4) for row in run(server_url, workers, calls, Path(workdir))]
    table("Dialer on PostgreSQL (simulator, every event delivered)", rows)


if __name__ == "__main__":
    main()
