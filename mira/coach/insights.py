"""Marketing insights: what prospects say about pain, objections, competitors, wishes and buying."""

from __future__ import annotations

import re

from mira.coach.metrics import Segment

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "competitor_mention",
        re.compile(r"\b(we (already )?use|currently using|compared to|switch(ed)? from)\b", re.I),
    ),
    (
        "objection",
        re.compile(r"too expensive|over (our|the) budget|not sure|concern|hesitant", re.I),
    ),
    (
        "feature_request",
        re.compile(r"\b(wish|would love|do you (have|support)|is there a way|integrat)", re.I),
    ),
    (
        "buying_signal",
        re.compile(r"\b(how soon|next steps?|pricing for|contract|roll (it )?out|sign)\b", re.I),
    ),
    (
        "pain_point",
        re.compile(r"\b(struggl|frustrat|takes (us )?forever|manual|losing|churn|pain)", re.I),
    ),
]


def extract_insights(segments: list[Segment]) -> list[tuple[str, Segment]]:
    """Each thing the prospect said once (its first time), under the first category it matches."""
    found = []
    said: set[str] = set()
    for segment in segments:
        if segment["role"] != "prospect" or segment["text"] in said:
            continue
        said.add(segment["text"])
        category = next((c for c, pattern in PATTERNS if pattern.search(segment["text"])), None)
        if category is not None:
            found.append((category, segment))
    return found
