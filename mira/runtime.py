"""What a running server shares between requests: its settings, engine and session factories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mira.db import make_engine, make_session_factory
from mira.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # Sessions for requests that only read: without BEGIN and COMMIT, which at READ COMMITTED
    # give a read nothing (each statement reads the latest commits either way) but round trips.
    readers: sessionmaker[Session]

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            readers=make_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT")),
        )
