"""Importers on files shaped like real Zoom/Teams/Meet exports, and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mira.coach.transcripts import (
    LONGEST_SECONDS,
    MOST_SEGMENTS,
    TranscriptError,
    assign_roles,
    parse_srt,
    parse_text,
    parse_transcript,
    parse_vtt,
    sniff_format,
)

ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.500
Dana Rep: Thanks for making the time today.

2
00:00:05.200 --> 00:00:09.000
Sam Buyer: Sure. We keep losing deals in the handoff.
"""

TEAMS_VTT = """\ufeffWEBVTT

NOTE exported by Teams

3f2a-1
00:01:02.120 --> 00:01:05.000
<v Dana Rep>What happens today when a lead comes in?</v>

3f2a-2
01:00:00.000 --> 01:00:03.250
<v.loud Sam Buyer>Honestly, <i>chaos</i>.</v>
"""

SRT = """1
00:00:00,500 --> 00:00:03,000
Dana Rep: Hi Sam.

2
00:00:03,400 --> 00:00:06,000
Sam Buyer: Hello,
good to meet you.
"""


def test_zoom_vtt_speakers_from_prefixes() -> None:
    assert parse_vtt(ZOOM_VTT) == [
        {
            "speaker": "Dana Rep",
            "start": 1.0,
            "end": 4.5,
            "text": "Thanks for making the time today.",
        },
        {
            "speaker": "Sam Buyer",
            "start": 5.2,
            "end": 9.0,
            "text": "Sure. We keep losing deals in the handoff.",
        },
    ]


def test_teams_vtt_voice_tags_bom_notes_and_hours() -> None:
    cues = parse_vtt(TEAMS_VTT)
    assert [(c["speaker"], c["start"], c["end"], c["text"]) for c in cues] == [
        ("Dana Rep", 62.12, 65.0, "What happens today when a lead comes in?"),
        ("Sam Buyer", 3600.0, 3603.25, "Honestly, chaos."),
    ]


def test_srt_with_comma_millis_and_multiline_text() -> None:
    cues = parse_srt(SRT)
    assert cues[1] == {
        "speaker": "Sam Buyer",
        "start": 3.4,
        "end": 6.0,
        "text": "Hello, good to meet you.",
    }


def test_plain_lines_timed_by_stamp_or_length() -> None:
    cues = parse_text("[00:00:10] Dana: How are you?\nSam: Fine.\n\n[00:01:00] Dana: Great.\n")
    assert [(c["speaker"], c["start"]) for c in cues] == [
        ("Dana", 10.0),
        ("Sam", 11.654),
        ("Dana", 60.0),
    ]
    assert all(c["end"] > c["start"] for c in cues)


@pytest.mark.parametrize(
    ("parser", "content", "line", "words"),
    [
        (parse_vtt, "WEBVT\n\n00:00:01.000 --> 00:00:02.000\nA: hi\n", 1, "WEBVTT"),
        (
            parse_vtt,
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nA: hi\n\nfree text\n",
            7,
            "timing",
        ),
        (parse_vtt, "WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nA: hi\n", 3, "malformed"),
        (parse_vtt, "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nA: hi\n", 3, "ends before"),
        (parse_vtt, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", 3, "no text"),
        (parse_srt, "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n2\n00:00:03,000 -> 4\nB\n", 5, ""),
        (parse_text, "Dana: hi\nno speaker here\n", 2, "Speaker: text"),
        (parse_vtt, "WEBVTT\n\n23:59:59.000 --> 24:00:00.001\nA: hi\n", 3, "86400 s"),
        (
            parse_srt,
            "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n2\n99:00:00,000 --> 99:00:01,000\nB\n",
            6,
            "86400 s",
        ),
        (parse_text, "Dana: hi\n[24:00:00] Sam: hello\n", 2, "86400 s"),
    ],
)
def test_broken_files_name_the_line(parser, content: str, line: int, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TranscriptError) as caught:
        parser(content)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"transcript line {line}: ")
    assert words in str(caught.value)


def test_a_file_without_speech_is_refused() -> None:
    with pytest.raises(TranscriptError, match="no speech"):
        parse_transcript("WEBVTT\n\nNOTE nothing said\n", "vtt")


def test_roles_from_the_reps_name_else_the_first_speaker() -> None:
    cues = parse_vtt(ZOOM_VTT)
    assert [s["role"] for s in assign_roles(cues, ["sam buyer"])] == ["prospect", "rep"]
    assert [s["role"] for s in assign_roles(cues, ["Someone Else"])] == ["rep", "prospect"]
    assert assign_roles([], ["x"]) == []


def test_sniff_format_by_extension_then_content() -> None:
    assert sniff_format("call.VTT", "") == "vtt"
    assert sniff_format("call.srt", "") == "srt"
    assert sniff_format("call.txt", ZOOM_VTT) == "vtt"
    assert sniff_format("export", SRT) == "srt"
    assert sniff_format("notes.txt", "Dana: hi") == "text"


def _many(fmt: str, cues: int) -> str:
    """A file of `fmt` with `cues` one-second cues."""
    if fmt == "text":
        return "".join(f"Dana: line {n}\n" for n in range(cues))
    stamp = "{:02d}:{:02d}:{:02d}" + ("." if fmt == "vtt" else ",") + "000"
    body = "".join(
        f"{n + 1}\n{stamp.format(n // 3600, n // 60 % 60, n % 60)} --> "
        f"{stamp.format(n // 3600, n // 60 % 60, n % 60)}\nDana: line {n}\n\n"
        for n in range(cues)
    )
    return ("WEBVTT\n\n" if fmt == "vtt" else "") + body


@pytest.mark.parametrize("fmt", ["vtt", "srt", "text"])
def test_every_format_holds_at_most_the_json_cap_and_stops_reading_past_it(fmt: str) -> None:
    assert len(parse_transcript(_many(fmt, MOST_SEGMENTS), fmt)) == MOST_SEGMENTS
    # A broken line after the cap is never reached: the cap is the error.
    over = _many(fmt, MOST_SEGMENTS + 1) + "this line is broken\n"
    with pytest.raises(TranscriptError, match=f"more than {MOST_SEGMENTS} segments"):
        parse_transcript(over, fmt)


def test_the_file_bounds_are_the_specs_bounds_on_json_transcripts() -> None:
    spec = json.loads((Path(__file__).parents[2] / "spec" / "coaching.openapi.json").read_text())
    schemas = spec["components"]["schemas"]
    assert schemas["TranscriptInput"]["maxItems"] == MOST_SEGMENTS
    assert schemas["TranscriptSegmentInput"]["properties"]["end"]["maximum"] == LONGEST_SECONDS
