"""Marketing insights: filtered by when they were said and, partially, by who said them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from models import Insight


def insight_to_wire(insight: Insight) -> dict[str, Any]:
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
    query = select(Insight).where(Insight.organization_id == organization_id)
    if date_from is not None:
        query = query.where(Insight.occurred_at >= date_from)
    if date_to is not None:
        query = query.where(Insight.occurred_at <= date_to)
    if industry is not None:
        query = query.where(Insight.industry.icontains(industry, autoescape=True))
    if prospect_title is not None:
        query = query.where(Insight.prospect_title.icontains(prospect_title, autoescape=True))
    query = query.order_by(Insight.occurred_at.desc(), Insight.id.desc())
    return paginate(session, query, page, limit, insight_to_wire)
