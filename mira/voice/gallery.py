"""The voice gallery: the catalogue of voices an assistant may speak with, shipped as data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).with_name("voices.json")
VOICES: list[dict[str, Any]] = json.loads(CATALOGUE.read_text())


def list_voices() -> list[dict[str, Any]]:
    return [{key: voice[key] for key in ("_id", "slug", "sampleAudio")} for voice in VOICES]
