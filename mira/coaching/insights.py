"""Marketing insights: filtered by when they were said and, partially, by who said them."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, func, select
from sqlalchemy.orm import Session

from mira.pagination import Page
from mira.tallies import AnySelect, ListQueries, Window, tallied_page
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


def _cell_conditions(industry: bool, prospect_title: bool) -> list[ColumnElement[bool]]:
    """The cells of the searched insights: each search matched like the rows, or `ALL`."""
    cells = InsightTally.__table__.c
    found = [cells.organization_id == bindparam("organization_id")]
    for given, cell, name in (
        (industry, cells.industry, "industry"),
        (prospect_title, cells.prospect_title, "prospect_title"),
    ):
        found.append(_contains(cell, name) if given else cell == ALL)
    return found


@functools.cache
def _searched_values(industry: bool, prospect_title: bool) -> AnySelect:
    """The industries and titles the search matches, as the cells name them."""
    cells = InsightTally.__table__.c
    conditions = _cell_conditions(industry, prospect_title)
    return select(cells.industry, cells.prospect_title).where(*conditions).distinct()


@functools.cache
def _listing(industry: bool, prospect_title: bool) -> ListQueries:
    """A search reads its rows and cells by the values it matches, through an index on each
    column: a partial match on the rows themselves would read every insight of the months in
    view, and on the cells every value's. Every pair of matched values is a matched cell."""
    cells = InsightTally.__table__.c
    rows = [INSIGHTS.organization_id == bindparam("organization_id")]
    if industry:
        rows.append(INSIGHTS.industry.in_(bindparam("industries", expanding=True)))
    if prospect_title:
        rows.append(INSIGHTS.prospect_title.in_(bindparam("prospect_titles", expanding=True)))
    matched = [cells.organization_id == bindparam("organization_id")]
    for given, cell, values in (
        (industry, cells.industry, "industries"),
        (prospect_title, cells.prospect_title, "prospect_titles"),
    ):
        matched.append(cell.in_(bindparam(values, expanding=True)) if given else cell == ALL)
    return ListQueries(
        INSIGHT_COLUMNS,
        INSIGHTS.occurred_at,
        INSIGHTS.id,
        rows,
        cells.month,
        cells.insights,
        matched,
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
    are matched by the same partial, case-insensitive comparison as the insights would be."""
    params: dict[str, Any] = {
        "organization_id": organization_id,
        "industry": None if industry is None else _pattern(industry),
        "prospect_title": None if prospect_title is None else _pattern(prospect_title),
    }
    searched = (industry is not None, prospect_title is not None)
    if any(searched):
        values = session.connection().execute(_searched_values(*searched), params).all()
        params["industries"] = sorted({value.industry for value in values})
        params["prospect_titles"] = sorted({value.prospect_title for value in values})
    return tallied_page(
        session,
        _listing(*searched),
        params,
        Window.inclusive(date_from, date_to),
        page,
        limit,
        insight_to_wire,
    )
