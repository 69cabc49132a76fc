"""A request's waits on the database are the event loop's: a request waiting for a lock, or for
a connection of an exhausted pool, holds up no other request of its worker, and the second kind
answers 503 with Retry-After once `db_pool_timeout` has passed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
from sqlalchemy import create_engine, make_url, text

from mira.app import MiraApp, create_app
from mira.settings import Settings
from tests.coaching.test_templates import BODY
from tests.factories import Tenant


@asynccontextmanager
async def _client(app: MiraApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mira") as client:
        yield client


def _sqlite_writer_held(database_url: str) -> Callable[[], None]:
    """Takes SQLite's one writer, as a busy worker would; returns its release."""
    database = make_url(database_url).database
    assert database
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        holder.rollback()
        holder.close()

    return release


def _postgresql_table_locked(database_url: str) -> Callable[[], None]:
    engine = create_engine(database_url)
    connection = engine.connect()
    connection.execute(text("LOCK TABLE templates IN ACCESS EXCLUSIVE MODE"))

    def release() -> None:
        connection.rollback()
        connection.close()
        engine.dispose()

    return release


async def _waiting_on_a_lock(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        return  # SQLite shows no waiter: the read below is sent once the write has started
    engine = create_engine(database_url)
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    try:
        for _ in range(200):
            with engine.connect() as connection:
                if connection.execute(query).scalar_one():
                    return
            await asyncio.sleep(0.025)
        raise AssertionError("the write never waited for the lock")
    finally:
        engine.dispose()


@asynccontextmanager
async def _a_write_stuck_on_a_lock(
    app: MiraApp, tenant: Tenant, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, asyncio.Task[httpx.Response]]]:
    """A client, and a write of it waiting for a lock held elsewhere: released on leaving,
    when the write must then succeed."""
    hold = _sqlite_writer_held if database_url.startswith("sqlite") else _postgresql_table_locked
    release = hold(database_url)
    async with _client(app) as client:
        try:
            write = asyncio.create_task(
                client.post("/api/v1/templates", json=BODY, headers=tenant.headers)
            )
            await asyncio.sleep(0.1)
            await _waiting_on_a_lock(database_url)
            yield client, write
        finally:
            release()
        written = await asyncio.wait_for(write, 15)
    assert written.status_code == 200, written.text


async def _read_while_a_write_waits(app: MiraApp, tenant: Tenant, database_url: str) -> None:
    async with _a_write_stuck_on_a_lock(app, tenant, database_url) as (client, write):
        read = await client.get("/api/v1/meetings", headers=tenant.headers)
        assert read.status_code == 200
        # Had the write's wait held the loop, no read could have been answered before it.
        assert not write.done()


def test_a_write_waiting_for_a_lock_holds_up_no_read(
    app: MiraApp, tenant: Tenant, database_url: str
) -> None:
    asyncio.run(_read_while_a_write_waits(app, tenant, database_url))


async def _exhausted(app: MiraApp, tenant: Tenant) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    engine = app.runtime.requests.engine
    # The pool's one connection and its one overflow, held elsewhere.
    async with engine.connect() as first, engine.connect() as second, _client(app) as client:
        assert first is not second
        ticker = asyncio.create_task(tick())
        refused = await client.get("/api/v1/meetings", headers=tenant.headers)
        ticker.cancel()
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {
        "data": None,
        "error": "The server is busy: no database connection came free in 0.5 s. Retry shortly.",
        "meta": None,
    }
    # The loop went on while the request waited: about 50 ticks of 10 ms in 0.5 s.
    assert ticks >= 20


def test_an_exhausted_pool_answers_503_and_holds_up_nothing(
    settings: Settings, tenant: Tenant
) -> None:
    app = create_app(replace(settings, db_pool_size=1, db_pool_timeout=0.5))
    asyncio.run(_exhausted(app, tenant))


async def _writes_past_the_gate(app: MiraApp, tenant: Tenant, database_url: str) -> None:
    async with _a_write_stuck_on_a_lock(app, tenant, database_url) as (client, stuck):
        # The one write in flight holds the gate: the next waits, then is turned away.
        turned_away = await client.post("/api/v1/templates", json=BODY, headers=tenant.headers)
        read = await client.get("/api/v1/meetings", headers=tenant.headers)
        assert not stuck.done()
    assert read.status_code == 200
    assert turned_away.status_code == 503
    assert turned_away.headers["Retry-After"] == "1"
    assert turned_away.json()["error"] == (
        "The server is busy: no write could start within 0.5 s. Retry shortly."
    )


def test_writes_wait_their_turn_and_reads_go_by(
    settings: Settings, tenant: Tenant, database_url: str
) -> None:
    app = create_app(replace(settings, writes_in_flight=1, db_pool_timeout=0.5))
    asyncio.run(_writes_past_the_gate(app, tenant, database_url))
