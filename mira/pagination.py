"""Page/limit pagination with an exact total, the one way every list pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    page: int
    limit: int
    total: int

    @property
    def meta(self) -> dict[str, int]:
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "total_pages": -(-self.total // self.limit),
        }

    @property
    def voice_meta(self) -> dict[str, int]:
        """The same, spelt as the voice agents API spells its fields (camelCase)."""
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "totalPages": -(-self.total // self.limit),
        }


def paginate(
    session: Session,
    query: Select[Any],
    page: int,
    limit: int,
    to_wire: Callable[[Any], dict[str, Any]],
) -> Page:
    """Run `query` (filtered and ordered) for one page of wire objects, and count all its rows."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(limit).offset((page - 1) * limit)).all()
    return Page(items=[to_wire(row) for row in rows], page=page, limit=limit, total=total or 0)
