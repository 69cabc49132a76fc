"""The coaching API's `{"data", "error", "meta"}` envelope."""

from __future__ import annotations

from typing import Any

from mira.pagination import Page


def single(data: Any) -> dict[str, Any]:
    return {"data": data, "error": None, "meta": None}


def listed(page: Page) -> dict[str, Any]:
    return {"data": list(page.items), "error": None, "meta": page.meta}


def failure(message: str) -> dict[str, Any]:
    return {"data": None, "error": message, "meta": None}
