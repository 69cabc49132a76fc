"""Engine and session factory: one session per request and per unit of worker work."""

from __future__ import annotations

import select
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import orjson
import psycopg
from sqlalchemy import Engine, Select, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from mira.settings import Settings

Query = TypeVar("Query", bound=Select[Any])


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web workers read while the worker writes; busy_timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _tune_postgresql(dbapi_connection: Any, _record: Any) -> None:
    # psycopg prepares a statement it has run five times, and PostgreSQL may then plan it once
    # for any parameters: a page of `min_score=7` read through the score index and sorted
    # (36 ms at a million reports) instead of the newest reports filtered (0.5 ms). Every
    # execution is planned for its parameters; JIT compiles nothing a request waits for.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET plan_cache_mode = force_custom_plan")
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()


def _drop_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server has closed (a restart, a terminated backend, an idle
    timeout) has something to read on its socket: its end of file, or the server's last error.
    Seeing that costs no round trip, where a ping would cost one on every request; the pool
    then opens another connection."""
    # The driver's own connection, behind SQLAlchemy's adapter where the driver is async.
    connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    try:
        readable, _, _ = select.select([connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError) as closed:
        raise DisconnectionError from closed
    if readable or connection.closed:
        raise DisconnectionError


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# JSON columns (transcripts, participants, documents) read and written by orjson.
JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **JSON_CODEC)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        # The web workers' limiter counts through this pool, in threads: bounded as requests are.
        pool_timeout=settings.db_pool_timeout,
        **JSON_CODEC,
    )
    event.listen(engine, "connect", _tune_postgresql)
    event.listen(engine, "checkout", _drop_if_closed)
    return engine


def make_request_engine(settings: Settings) -> AsyncEngine:
    """The engine requests use: the same database through an asyncio driver (psycopg's async
    connection, aiosqlite), so that a request waiting on a pool checkout, a statement or a
    commit leaves the event loop to every other request of its worker. Domain code stays
    synchronous: it runs in a greenlet (mira.request_scope) whose waits are the loop's.

    A checkout that waits `db_pool_timeout` seconds fails (answered 503 with Retry-After)."""
    url = make_url(settings.database_url)
    sqlite = url.get_backend_name() == "sqlite"
    engine = create_async_engine(
        url.set(drivername="sqlite+aiosqlite" if sqlite else "postgresql+psycopg"),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
        **JSON_CODEC,
    )
    if sqlite:
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
    else:
        event.listen(engine.sync_engine, "connect", _tune_postgresql)
        event.listen(engine.sync_engine, "checkout", _drop_if_closed)
    return engine


def claimable(session: Session, query: Query) -> Query:
    """`query` locking the rows it claims, skipping rows another worker holds (PostgreSQL); on
    SQLite a write transaction already excludes every other worker."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: handlers serialise after the unit of work ends.
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit if the block succeeds, roll back if it raises; always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def throwaway_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server, dropped afterwards: nobody's data is touched.

    Tests and benchmarks use it; `server_url`'s user must be allowed to create databases.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
