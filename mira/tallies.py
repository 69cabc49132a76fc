"""Counting and paging lists by month from their tallies (models/tallies.py), not row by row.

A list is ordered by a timestamp, newest first, and may be cut to a window of it. The window is
read as spans, newest first: the month its end cuts, the whole months inside it, the month its
start cuts. A whole month's count is its tally cell; a cut month's rows are counted one by one.
`total` is the sum of the spans, and a deep page skips whole spans and offsets only within one.
Both cost a query over at most one cell per month, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, type_coerce
from sqlalchemy.orm import Session

from mira.pagination import Page
from models.base import UTCDateTime

ONE_MICROSECOND = timedelta(microseconds=1)


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(month: datetime) -> datetime:
    return (
        month.replace(year=month.year + 1, month=1)
        if month.month == 12
        else month.replace(month=month.month + 1)
    )


def month_of(session: Session, column: Any) -> ColumnElement[datetime]:
    """The first moment (UTC) of the month of a timestamp column, as the tallies keep it."""
    if session.get_bind().dialect.name == "postgresql":
        expression = func.date_trunc("month", column, "UTC")
    else:
        expression = func.strftime("%Y-%m-01 00:00:00.000000", column)
    return type_coerce(expression, UTCDateTime())


@dataclass(frozen=True)
class Window:
    """Moments `start <= t < end`; None leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def inclusive(cls, start: datetime | None, end: datetime | None) -> Window:
        """The API's `from`/`to`: both ends included (timestamps have microseconds)."""
        return cls(start, None if end is None else end + ONE_MICROSECOND)

    def conditions(self, column: Any) -> list[ColumnElement[bool]]:
        found = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column < self.end)
        return found

    def whole_months(self) -> Window:
        """The whole months inside: from the first month starting at or after `start` to the
        start of the month `end` falls in."""
        first = None
        if self.start is not None:
            first = month_start(self.start)
            if first < self.start:
                first = next_month(first)
        last = None if self.end is None else month_start(self.end)
        return Window(first, last)


@dataclass(frozen=True)
class Span:
    start: datetime | None
    end: datetime | None
    count: int


# The whole months' counts, {month: count}, for the months of a window (an open side: all).
MonthCounts = Callable[[Window], dict[datetime, int]]
# The rows in a window, counted one by one.
RowCount = Callable[[Window], int]


def spans(window: Window, month_counts: MonthCounts, row_count: RowCount) -> list[Span]:
    months = window.whole_months()
    if months.start is not None and months.end is not None and months.start >= months.end:
        return [Span(window.start, window.end, row_count(window))]
    found = []
    if window.end is not None and months.end is not None and months.end < window.end:
        found.append(Span(months.end, window.end, row_count(Window(months.end, window.end))))
    counts = month_counts(months)
    found.extend(
        Span(month, next_month(month), count)
        for month, count in sorted(counts.items(), reverse=True)
        if count
    )
    if window.start is not None and months.start is not None and window.start < months.start:
        found.append(
            Span(window.start, months.start, row_count(Window(window.start, months.start)))
        )
    return found


def locate(found: Sequence[Span], offset: int) -> tuple[datetime | None, int]:
    """Where row `offset` (0 = newest) is: before which moment, and how many rows after it."""
    before, skipped = None, 0
    for span in found:
        if skipped + span.count > offset:
            break
        skipped += span.count
        before = span.start
    return before, offset - skipped


def summed_cells(
    session: Session,
    month: Any,
    count: Any,
    conditions: Sequence[ColumnElement[bool]],
    months: Window,
) -> dict[datetime, int]:
    """The counts of the cells matching `conditions`, summed per month of `months`."""
    query = (
        select(month, func.sum(count)).where(*conditions, *months.conditions(month)).group_by(month)
    )
    return {row[0]: int(row[1]) for row in session.execute(query)}


def row_count(session: Session, conditions: Sequence[ColumnElement[bool]], column: Any) -> RowCount:
    """Counting the rows matching `conditions` whose `column` is in a window."""

    def count(window: Window) -> int:
        query = select(func.count()).where(*conditions, *window.conditions(column))
        return int(session.scalar(query) or 0)

    return count


def tallied_page(
    session: Session,
    rows: Select[*tuple[Any, ...]],
    time: Any,
    window: Window,
    month_counts: MonthCounts,
    row_count: RowCount,
    page: int,
    limit: int,
    to_wire: Callable[[Any], dict[str, Any]],
) -> Page:
    """One page of `rows` (filtered, ordered by `time` newest first, not yet cut to `window`)
    with the exact total, both found from the tallies."""
    found = spans(window, month_counts, row_count)
    total = sum(span.count for span in found)
    offset = (page - 1) * limit
    items: list[dict[str, Any]] = []
    if offset < total:
        before, skip = locate(found, offset)
        query = rows.where(*window.conditions(time))
        if before is not None:
            query = query.where(time < before)
        items = [to_wire(row) for row in session.execute(query.offset(skip).limit(limit))]
    return Page(items=items, page=page, limit=limit, total=total)
