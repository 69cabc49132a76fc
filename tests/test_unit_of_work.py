"""Where a request's unit of work runs: on the event loop, but a write on SQLite in a thread,
so that a write waiting for SQLite's one writer holds up no other request of its worker."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import httpx
import pytest
from sqlalchemy import make_url

from mira.app import MiraApp
from tests.coaching.test_templates import BODY
from tests.factories import Tenant


async def _read_while_a_write_waits(app: MiraApp, tenant: Tenant, database: str) -> None:
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the one writer, as a busy worker would hold it
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mira") as client:
        try:
            write = asyncio.create_task(
                client.post("/api/v1/templates", json=BODY, headers=tenant.headers)
            )
            await asyncio.sleep(0.3)
            started = time.monotonic()
            read = await client.get("/api/v1/templates", headers=tenant.headers)
            assert read.status_code == 200
            assert time.monotonic() - started < 2
            assert not write.done()  # still waiting for the writer
        finally:
            holder.rollback()
        written = await asyncio.wait_for(write, 15)
    assert written.status_code == 200, written.text
    holder.close()


def test_a_write_waiting_for_sqlite_holds_up_no_read(
    app: MiraApp, tenant: Tenant, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows, for as long as short transactions hold them")
    database = make_url(database_url).database
    assert database
    asyncio.run(_read_while_a_write_waits(app, tenant, database))
