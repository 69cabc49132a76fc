"""Schemathesis hooks, shared by the in-process tests and the live run in CI (SCHEMATHESIS_HOOKS).

The spec states every rule JSON Schema can express. The ones it cannot, each documented in the
spec's descriptions, are applied here to positive cases only, so that "schema-valid" generated data
is valid data: a template's weights sum to 100; a segment does not end before it starts, nor a
meeting, which starts before 9999-12-31; a transcript file is a readable file of its format.
Negative cases are left alone.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import GenerationMode

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
TRANSCRIPT_FILES = {
    "text/vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Rep>How do you do this today?</v>\n\n"
    "00:00:05.000 --> 00:00:09.000\n<v Pat>By hand, and it's slow.</v>\n",
    "application/x-subrip": "1\n00:00:01,000 --> 00:00:04,000\nRep: Hello?\n\n"
    "2\n00:00:05,000 --> 00:00:07,000\nPat: Hi.\n",
    "text/plain": "Rep: How is the quarter going?\nPat: Busy.\n",
}
TEMPLATE_WRITES = {
    "handlers.coaching.templates.create_template",
    "handlers.coaching.templates.update_template",
}


def even_weights(criteria: list[dict[str, Any]]) -> None:
    share = round(100 / len(criteria), 6)
    for criterion in criteria:
        criterion["weight"] = share
    criteria[-1]["weight"] = round(100 - share * (len(criteria) - 1), 6)


@schemathesis.hook
def map_case(context, case):  # type: ignore[no-untyped-def]
    operation_id = case.operation.definition.raw.get("operationId")
    if (
        operation_id in TEMPLATE_WRITES
        and case.meta is not None
        and case.meta.generation.mode == GenerationMode.POSITIVE
        and isinstance(case.body, dict)
        and isinstance(case.body.get("grading_criteria"), list)
        and case.body["grading_criteria"]
    ):
        even_weights(case.body["grading_criteria"])
    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict):
        for segment in [*case.body.get("transcript", []), *case.body.get("segments", [])]:
            if isinstance(segment, dict) and {"start", "end"} <= segment.keys():
                segment["end"] = max(segment["start"], segment["end"])
        if str(case.body.get("started_at")).startswith("9999"):
            case.body["started_at"] = "9998" + case.body["started_at"][4:]
        if "ended_at" in case.body and "started_at" in case.body:
            case.body["ended_at"] = case.body["started_at"]
    if positive and case.media_type in TRANSCRIPT_FILES:
        case.body = TRANSCRIPT_FILES[case.media_type]
    # Dependency analysis links a report's `meeting_id` to `/meetings/{id}`; a roleplay report's
    # `meeting_id` is documented as null, which would be sent as the path segment "None".
    for name, value in (case.path_parameters or {}).items():
        if value is None:
            case.path_parameters[name] = NO_SUCH_ID
    return case
