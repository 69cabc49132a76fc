"""What a running server shares between requests: its settings, engines and session factories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, sessionmaker

from mira.db import make_engine, make_request_engine, make_session_factory
from mira.settings import Settings


@dataclass(frozen=True)
class RequestDatabase:
    """Sessions for requests, over the asyncio engine: used only inside a request's greenlet
    (mira.request_scope), where every wait on the database is the event loop's."""

    engine: AsyncEngine
    sessions: sessionmaker[Session]
    # Sessions for requests that only read: without BEGIN and COMMIT, which at READ COMMITTED
    # give a read nothing (each statement reads the latest commits either way) but round trips.
    readers: sessionmaker[Session]

    @classmethod
    def start(cls, settings: Settings) -> RequestDatabase:
        engine = make_request_engine(settings)
        return cls(
            engine=engine,
            sessions=make_session_factory(engine.sync_engine),
            readers=make_session_factory(
                engine.sync_engine.execution_options(isolation_level="AUTOCOMMIT")
            ),
        )


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    # Blocking sessions, for processes without an event loop: the worker, the CLI, tests.
    engine: Engine
    sessions: sessionmaker[Session]
    requests: RequestDatabase

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            requests=RequestDatabase.start(settings),
        )
