"""GET /v1/admin/voice-gallery."""

from __future__ import annotations

from typing import Any

from mira.voice.gallery import list_voices


def get_voice_gallery(token_info: dict[str, Any]) -> tuple[dict[str, Any], int]:
    message = "Voices fetched successfully."
    return {"status_code": 200, "message": message, "data": list_voices()}, 200
