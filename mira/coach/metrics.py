"""Conversation metrics of a transcript, measured on the rep's side of the call."""

from __future__ import annotations

from typing import Any

Segment = dict[str, Any]


def _spoken(segment: Segment) -> float:
    return max(0.0, float(segment["end"]) - float(segment["start"]))


def conversation_metrics(segments: list[Segment]) -> dict[str, float | int]:
    rep_time = sum(_spoken(s) for s in segments if s["role"] == "rep")
    all_time = sum(_spoken(s) for s in segments)
    longest = run = 0.0
    switches = 0
    pauses: list[float] = []
    previous: Segment | None = None
    for segment in segments:
        if segment["role"] == "rep":
            run = (
                run + _spoken(segment)
                if previous and previous["role"] == "rep"
                else _spoken(segment)
            )
            longest = max(longest, run)
        if previous is not None and previous["role"] != segment["role"]:
            switches += 1
            if segment["role"] == "rep":
                pauses.append(max(0.0, float(segment["start"]) - float(previous["end"])))
        previous = segment
    span = (float(segments[-1]["end"]) - float(segments[0]["start"])) if segments else 0.0
    return {
        "talk_ratio": round(rep_time / all_time, 3) if all_time else 0.0,
        "longest_monologue_seconds": round(longest, 1),
        "questions_asked": sum(s["text"].count("?") for s in segments if s["role"] == "rep"),
        "interactivity": round(switches / (span / 60), 2) if span > 0 else 0.0,
        "patience_seconds": round(sum(pauses) / len(pauses), 2) if pauses else 0.0,
    }
