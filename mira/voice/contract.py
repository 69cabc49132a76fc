"""The voice agents API's own spec, read once: the domain checks what only code can against the
schemas it publishes (a call's abandoned-cart payload, an assistant's built-in variables), and
the demo is made of its documented examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACT = Path(__file__).resolve().parents[2] / "spec" / "voice.openapi.json"
SPEC: dict[str, Any] = json.loads(CONTRACT.read_text())
COMPONENTS: dict[str, Any] = SPEC["components"]
SCHEMAS: dict[str, Any] = COMPONENTS["schemas"]


def request_example(path: str, name: str) -> dict[str, Any]:
    """A documented request body of a POST, as clients are shown to send it (the demo's data)."""
    examples = SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    example: dict[str, Any] = examples["examples"][name]["value"]
    return example
