"""Transcripts as people have them — WebVTT, SRT, `Speaker: text` lines — turned into segments.

A segment is `{speaker, role, start, end, text}` with times in seconds. Parsers name the line of
anything they cannot read, and hold files to the bounds the spec puts on JSON transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mira.coach.metrics import Segment

TIMING = re.compile(
    r"^\s*(?P<start>(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+(?P<speaker>[^>]+)>(?P<text>.*?)(?:</v>)?$", re.S)
SPEAKER_PREFIX = re.compile(r"^(?P<speaker>[^:\n]{1,80}):\s+(?P<text>.+)$", re.S)
PLAIN_TIME = re.compile(r"^\[?(?P<time>(\d+:)?\d{1,2}:\d{2})\]?\s+")
TAG = re.compile(r"<[^>]+>")
WORDS_PER_SECOND = 2.6
# The spec's bounds on a JSON transcript (TranscriptInput), which JSON Schema cannot apply to files:
# so many segments, each ending at most a day in (which keeps a meeting's duration a small number).
MOST_SEGMENTS = 20_000
LONGEST_SECONDS = 86_400


class TranscriptError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"transcript line {line}: {message}")
        self.line = line


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return float(sum(float(part) * 60**power for power, part in enumerate(reversed(parts))))


def _speaker_and_text(raw: str) -> tuple[str, str]:
    voice = VOICE.match(raw)
    if voice:
        return voice["speaker"].strip(), TAG.sub("", voice["text"]).strip()
    text = TAG.sub("", raw).strip()
    prefixed = SPEAKER_PREFIX.match(text)
    if prefixed:
        return prefixed["speaker"].strip(), prefixed["text"].strip()
    return "Unknown", text


def _blocks(lines: list[str], first: int) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based number of their first line."""
    block: list[str] = []
    start = first
    for number, line in enumerate(lines[first - 1 :], start=first):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _bounded(cues: Iterator[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The cues, each with the number of its line, refused at the first past a bound: a file of
    a million cues is not read beyond its 20,001st."""
    kept: list[dict[str, Any]] = []
    for number, cue in cues:
        if len(kept) == MOST_SEGMENTS:
            raise TranscriptError(
                number,
                f"more than {MOST_SEGMENTS} segments; a transcript holds at most {MOST_SEGMENTS}",
            )
        if cue["end"] > LONGEST_SECONDS:
            raise TranscriptError(
                number,
                f"ends {cue['end']:g} s in; a transcript ends at most {LONGEST_SECONDS} s in",
            )
        kept.append(cue)
    return kept


def _cues(lines: list[str], first: int, numbered: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, block in _blocks(lines, first):
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and not numbered:
            continue
        timing_at = next((i for i, line in enumerate(block[:2]) if "-->" in line), None)
        if timing_at is None:
            raise TranscriptError(
                number,
                f"expected a cue timing like 00:00:01.000 --> 00:00:04.000, got {block[0]!r}",
            )
        timing = TIMING.match(block[timing_at])
        if timing is None:
            raise TranscriptError(number + timing_at, f"malformed cue timing {block[timing_at]!r}")
        start, end = _seconds(timing["start"]), _seconds(timing["end"])
        if end < start:
            raise TranscriptError(number + timing_at, "cue ends before it starts")
        text_lines = block[timing_at + 1 :]
        if not text_lines:
            raise TranscriptError(number + timing_at, "cue has no text")
        speaker, text = _speaker_and_text(" ".join(text_lines))
        yield (
            number + timing_at,
            {"speaker": speaker, "start": round(start, 3), "end": round(end, 3), "text": text},
        )


def parse_vtt(content: str) -> list[dict[str, Any]]:
    lines = content.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise TranscriptError(1, "a WebVTT file starts with 'WEBVTT'")
    return _bounded(_cues(lines, 2, numbered=False))


def parse_srt(content: str) -> list[dict[str, Any]]:
    return _bounded(_cues(content.lstrip("\ufeff").splitlines(), 1, numbered=True))


def parse_text(content: str) -> list[dict[str, Any]]:
    """`Speaker: text` lines, optionally led by `[hh:mm:ss]`; untimed lines are timed by length."""
    return _bounded(_text_cues(content))


def _text_cues(content: str) -> Iterator[tuple[int, dict[str, Any]]]:
    clock = 0.0
    for number, line in enumerate(content.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        stamp = PLAIN_TIME.match(line)
        if stamp:
            clock = max(clock, _seconds(stamp["time"] + ".0"))
            line = line[stamp.end() :]
        prefixed = SPEAKER_PREFIX.match(line.strip())
        if prefixed is None:
            raise TranscriptError(number, f"expected 'Speaker: text', got {line.strip()[:60]!r}")
        text = prefixed["text"].strip()
        length = max(1.0, len(text.split()) / WORDS_PER_SECOND)
        yield (
            number,
            {
                "speaker": prefixed["speaker"].strip(),
                "start": round(clock, 3),
                "end": round(clock + length, 3),
                "text": text,
            },
        )
        clock += length + 0.5


def assign_roles(cues: list[dict[str, Any]], rep_names: list[str]) -> list[Segment]:
    """The rep is the speaker named like the meeting's rep; failing that, whoever speaks first."""
    if not cues:
        return []
    names = {name.casefold() for name in rep_names}
    speakers = {cue["speaker"].casefold() for cue in cues}
    rep = names & speakers or {cues[0]["speaker"].casefold()}
    return [
        {**cue, "role": "rep" if cue["speaker"].casefold() in rep else "prospect"} for cue in cues
    ]


def parse_transcript(content: str, fmt: str) -> list[dict[str, Any]]:
    parsers = {"vtt": parse_vtt, "srt": parse_srt, "text": parse_text}
    cues = parsers[fmt](content)
    if not cues:
        raise TranscriptError(1, "no speech found")
    return cues


def sniff_format(name: str, content: str) -> str:
    """The format of a file by its extension, else by its first line."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in {"vtt", "srt"}:
        return suffix
    if content.lstrip("\ufeff").startswith("WEBVTT"):
        return "vtt"
    return "srt" if re.match(r"^\s*\d+\s*\n.*-->", content.lstrip("\ufeff")) else "text"
