"""Marketing insights: filtered by when they were said and, partially, by who said them."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, func
from sqlalchemy.orm import Session

from mira.pagination import Page
from mira.tallies import ListQueries, Window, tallied_page
from mira.timestamps import to_wire
from models import Insight, InsightTally
from models.tallies import ALL

INSIGHTS = Insight.__table__.c
INSIGHT_COLUMNS = (
    INSIGHTS.id,
    INSIGHTS.meeting_id,
    INSIGHTS.category,
    INSIGHTS.quote,
    INSIGHTS.timestamp_seconds,
    INSIGHTS.occurred_at,
    INSIGHTS.industry,
    INSIGHTS.prospect_title,
    INSIGHTS.prospect_company,
)


def insight_to_wire(insight: Insight | Row[*tuple[Any, ...]]) -> dict[str, Any]:
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


def _contains(column: Any, name: str) -> ColumnElement[bool]:
    """Case-insensitive partial match against the pattern parameter `name` (see `_pattern`)."""
    return func.lower(column).like(func.lower(bindparam(name)), escape="/")


def _pattern(text: str) -> str:
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


@functools.cache
def _listing(industry: bool, prospect_title: bool) -> ListQueries:
    cells = InsightTally.__table__.c
    rows = [INSIGHTS.organization_id == bindparam("organization_id")]
    cell_conditions = [cells.organization_id == bindparam("organization_id")]
    for given, column, cell, name in (
        (industry, INSIGHTS.industry, cells.industry, "industry"),
        (prospect_title, INSIGHTS.prospect_title, cells.prospect_title, "prospect_title"),
    ):
        if given:
            rows.append(_contains(column, name))
            cell_conditions.append(_contains(cell, name))
        else:
            cell_conditions.append(cell == ALL)
    return ListQueries(
        INSIGHT_COLUMNS,
        INSIGHTS.occurred_at,
        (INSIGHTS.occurred_at.desc(), INSIGHTS.id.desc()),
        rows,
        cells.month,
        cells.insights,
        cell_conditions,
    )


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
    params = {
        "organization_id": organization_id,
        "industry": None if industry is None else _pattern(industry),
        "prospect_title": None if prospect_title is None else _pattern(prospect_title),
    }
    return tallied_page(
        session,
        _listing(industry is not None, prospect_title is not None),
        params,
        Window.inclusive(date_from, date_to),
        page,
        limit,
        insight_to_wire,
    )
