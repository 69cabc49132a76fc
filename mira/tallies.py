"""Counting and paging lists by month from their tallies (models/tallies.py), not row by row.

A list is ordered by a timestamp, newest first, and may be cut to a window of it. The window is
read as spans, newest first: the month its end cuts, the whole months inside it, the month its
start cuts. A whole month's count is its tally cell; a cut month's rows are counted one by one.
`total` is the sum of the spans, and a deep page skips whole spans and offsets only within one.
Both cost a query over at most one cell per month, whatever the number of rows.

Each list's statements are built once per combination of filters (`ListQueries`), with bound
parameters: building a statement costs more than running it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from mira.pagination import Page
from models.base import UTCDateTime

ONE_MICROSECOND = timedelta(microseconds=1)
# The last moment Python can hold. December 9999 ends there, not at a 10000-01-01 it cannot hold;
# that leaves out only this one microsecond, in which no meeting starts (mira.coaching.meetings).
END_OF_TIME = datetime.max.replace(tzinfo=UTC)
Params = dict[str, Any]
# A select of any columns.
AnySelect = Select[*tuple[Any, ...]]


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(month: datetime) -> datetime:
    if month.month == 12:
        return END_OF_TIME if month.year == MAXYEAR else month.replace(year=month.year + 1, month=1)
    return month.replace(month=month.month + 1)


def day_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


class month_of(FunctionElement[datetime]):  # noqa: N801 (an SQL function)
    """The first moment (UTC) of the month of a timestamp, as the tallies key it."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(month_of, "postgresql")
def _month_of_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('month', {compiler.process(element.clauses, **kw)}, 'UTC')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text.
    return f"strftime('%Y-%m-01 00:00:00.000000', {compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class Window:
    """Moments `start <= t < end`; None leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def inclusive(cls, start: datetime | None, end: datetime | None) -> Window:
        """The API's `from`/`to`: both ends included (timestamps have microseconds)."""
        return cls(start, None if end is None or end == END_OF_TIME else end + ONE_MICROSECOND)

    def params(self, prefix: str) -> Params:
        return {f"{prefix}start": self.start, f"{prefix}end": self.end}

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


def within(column: Any, prefix: str, start: bool, end: bool) -> list[ColumnElement[bool]]:
    """`column` in a window whose open sides have no condition; its bounds are parameters."""
    found = []
    if start:
        found.append(column >= bindparam(f"{prefix}start"))
    if end:
        found.append(column < bindparam(f"{prefix}end"))
    return found


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


def locate(
    found: Sequence[Span], offset: int, limit: int
) -> tuple[datetime | None, int, datetime | None]:
    """Where the rows `offset` to `offset + limit` (0 = newest) are: before which moment, how
    many rows after it they start, and from which moment on (None: to the window's start).

    Bounding a page on both sides makes it read only the months its rows are in, whatever plan
    the database would choose for a filter it cannot estimate (a partial text match)."""
    before, skipped, seen = None, 0, 0
    for span in found:
        if skipped + span.count > offset:
            break
        skipped += span.count
        before = span.start
    after = None
    for span in found:
        seen += span.count
        if seen >= offset + limit:
            after = span.start
            break
    return before, offset - skipped, after


class ListQueries:
    """A list's statements for one combination of its filters, each built once per shape of
    window. `rows` and `cells` are conditions with bound parameters, whose values a request
    gives; the window's are `start`, `end` (of the page), `month_start`, `month_end` (of the
    whole months) and `count_start`, `count_end` (of a cut month), besides `before`, `after`,
    `limit` and `offset`. Rows are ordered by `time`, then `key`, newest first."""

    def __init__(
        self,
        columns: Sequence[Any],
        time: Any,
        key: Any,
        rows: Sequence[ColumnElement[bool]],
        month: Any,
        count: Any,
        cells: Sequence[ColumnElement[bool]],
    ) -> None:
        self.columns, self.time, self.key = tuple(columns), time, key
        self.rows, self.month, self.count, self.cells = tuple(rows), month, count, tuple(cells)
        self._built: dict[tuple[Any, ...], AnySelect] = {}

    def _once(self, key: tuple[Any, ...], build: Callable[[], AnySelect]) -> AnySelect:
        statement = self._built.get(key)
        if statement is None:
            statement = self._built[key] = build()
        return statement

    def page(self, start: bool, end: bool, before: bool, after: bool, seek: bool) -> AnySelect:
        """`limit` rows from `offset` on (`seek`) or from the first. Seeking reads the page's
        keys first, by time and key alone, which an index holds: the rows skipped within a
        month are never read from the table, and only the page's own rows are."""

        def build() -> AnySelect:
            conditions = [*self.rows, *within(self.time, "", start, end)]
            if before:
                conditions.append(self.time < bindparam("before"))
            if after:
                conditions.append(self.time >= bindparam("after"))
            order = (self.time.desc(), self.key.desc())
            if not seek:
                return (
                    select(*self.columns)
                    .where(*conditions)
                    .order_by(*order)
                    .limit(bindparam("limit"))
                )
            keys = (
                select(self.time, self.key)
                .where(*conditions)
                .order_by(*order)
                .limit(bindparam("limit"))
                .offset(bindparam("offset"))
                .subquery("page")
            )
            time, key = keys.c
            return (
                select(*self.columns)
                .join_from(self.key.table, keys, self.key == key)
                .order_by(time.desc(), key.desc())
            )

        return self._once(("page", start, end, before, after, seek), build)

    def month_counts(self, start: bool, end: bool) -> AnySelect:
        def build() -> AnySelect:
            conditions = [*self.cells, *within(self.month, "month_", start, end)]
            return select(self.month, func.sum(self.count)).where(*conditions).group_by(self.month)

        return self._once(("cells", start, end), build)

    def row_count(self, start: bool, end: bool) -> AnySelect:
        def build() -> AnySelect:
            conditions = [*self.rows, *within(self.time, "count_", start, end)]
            return select(func.count()).where(*conditions)

        return self._once(("count", start, end), build)


def counted_months(session: Session, statement: AnySelect, params: Params) -> dict[datetime, int]:
    return {row[0]: int(row[1]) for row in session.connection().execute(statement, params)}


def tallied_page(
    session: Session,
    queries: ListQueries,
    params: Params,
    window: Window,
    page: int,
    limit: int,
    to_wire: Callable[[Any], dict[str, Any]],
    more_months: MonthCounts | None = None,
) -> Page:
    """One page of a list with its exact total, both found from its tallies. `params` are the
    filters' values; `more_months` adds to the months' counts what their cells do not hold."""
    connection = session.connection()

    def month_counts(months: Window) -> dict[datetime, int]:
        statement = queries.month_counts(months.start is not None, months.end is not None)
        counts = counted_months(session, statement, params | months.params("month_"))
        for month, count in (more_months(months) if more_months else {}).items():
            counts[month] = counts.get(month, 0) + count
        return counts

    def row_count(cut: Window) -> int:
        statement = queries.row_count(cut.start is not None, cut.end is not None)
        return int(connection.execute(statement, params | cut.params("count_")).scalar_one())

    found = spans(window, month_counts, row_count)
    total = sum(span.count for span in found)
    offset = (page - 1) * limit
    items: list[dict[str, Any]] = []
    if offset < total:
        before, skip, after = locate(found, offset, limit)
        statement = queries.page(
            window.start is not None, window.end is not None, bool(before), bool(after), skip > 0
        )
        values = params | window.params("")
        values |= {"before": before, "after": after, "limit": limit, "offset": skip}
        items = [to_wire(row) for row in connection.execute(statement, values)]
    return Page(items=items, page=page, limit=limit, total=total)
