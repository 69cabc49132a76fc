"""An assistant's concurrency slots (`concurrentCallCount`), counted on its row.

Taking a slot is one conditional UPDATE, so workers on many machines never pass the cap: on
PostgreSQL a second taker waits for the first's row lock and re-reads the count. Callers take and
release slots of several assistants in ascending id order, so two transactions never wait for
each other in a cycle.
"""

from __future__ import annotations

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from models import Assistant


def _change(session: Session, assistant_id: str, step: int) -> bool:
    guard = Assistant.active_calls < Assistant.call_cap if step > 0 else Assistant.active_calls > 0
    result = session.execute(
        update(Assistant)
        .where(Assistant.id == assistant_id, guard)
        # updated_at is the assistant's configuration time: a dial does not change it.
        .values(active_calls=Assistant.active_calls + step, updated_at=Assistant.updated_at)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def take_slot(session: Session, assistant_id: str) -> bool:
    """Whether the assistant was below its cap; it now counts one more call."""
    return _change(session, assistant_id, 1)


def release_slot(session: Session, assistant_id: str) -> None:
    _change(session, assistant_id, -1)
