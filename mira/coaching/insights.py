"""Marketing insights: filtered by when they were said and, partially, by who said them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from mira.pagination import Page
from mira.tallies import Window, row_count, summed_cells, tallied_page
from mira.timestamps import to_wire
from models import Insight, InsightTally
from models.tallies import ALL

INSIGHT_COLUMNS = (
    Insight.id,
    Insight.meeting_id,
    Insight.category,
    Insight.quote,
    Insight.timestamp_seconds,
    Insight.occurred_at,
    Insight.industry,
    Insight.prospect_title,
    Insight.prospect_company,
)


def insight_to_wire(insight: Insight | Row[Any]) -> dict[str, Any]:
    return {
        "id": str(insight.id),
        "meeting_id": str(insight.meeting_id),
        "category": insight.category,
        "quote": insight.quote,
        "timestamp": insight.timestamp_seconds,
        "occurred_at": to_wire(insight.occurred_at),
        "industry": insight.industry,
        "prospect_title": insight.prospect_title,
        "prospect_company": insight.prospect_company,
    }


def list_insights(
    session: Session,
    organization_id: uuid.UUID,
    *,
    page: int,
    limit: int,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    industry: str | None = None,
    prospect_title: str | None = None,
) -> Page:
    """Newest first; counted and paged by month from the tallies (mira.tallies), whose cells
    are matched by the same partial, case-insensitive comparison as the insights."""
    conditions = [Insight.organization_id == organization_id]
    cells = [InsightTally.organization_id == organization_id]
    for value, column, cell in (
        (industry, Insight.industry, InsightTally.industry),
        (prospect_title, Insight.prospect_title, InsightTally.prospect_title),
    ):
        if value is None:
            cells.append(cell == ALL)
        else:
            conditions.append(column.icontains(value, autoescape=True))
            cells.append(cell.icontains(value, autoescape=True))
    return tallied_page(
        session,
        select(*INSIGHT_COLUMNS)
        .where(*conditions)
        .order_by(Insight.occurred_at.desc(), Insight.id.desc()),
        Insight.occurred_at,
        Window.inclusive(date_from, date_to),
        lambda months: summed_cells(
            session, InsightTally.month, InsightTally.insights, cells, months
        ),
        row_count(session, conditions, Insight.occurred_at),
        page,
        limit,
        insight_to_wire,
    )
