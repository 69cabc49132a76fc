"""Pooled PostgreSQL connections the server has closed are replaced before a request uses them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from mira.db import make_engine
from mira.settings import Settings


def test_connections_the_server_ended_are_replaced_unseen(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file has no server to close connections")
    engine = make_engine(Settings(database_url=database_url, db_pool_size=2))
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as first, engine.connect() as second:
            pooled = {
                c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (first, second)
            }
        with admin.connect() as connection:
            for pid in pooled:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": list(pooled)},
            ).scalar_one():
                assert time.monotonic() < deadline
                time.sleep(0.05)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() not in pooled
    finally:
        engine.dispose()
        admin.dispose()
