"""Fixed-window rate-limit counters shared by every worker and machine that uses the database."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    # Epoch seconds at which the window closes.
    expires_at: Mapped[float] = mapped_column(Float, index=True)
