"""What a running server shares between requests: its settings, engine and session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mira.db import make_engine, make_session_factory
from mira.settings import Settings

RUNTIME_SCOPE_KEY = "mira.runtime"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))
