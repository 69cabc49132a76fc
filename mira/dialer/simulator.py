"""The built-in `simulator` provider: deterministic, so every path can be tested end to end.

The last digit of the number decides what happens, like the test numbers of real carriers. Times
are simulated seconds after the dial, multiplied by `seconds` (MIRA_SIMULATOR_SECONDS: real
seconds per simulated second), and the whole timeline is returned at placement as a script.

| digit | outcome |
|---|---|
| 0, 8, 9 | answered; the conversation completes |
| 1 | answered; the customer disengages at once (low engagement) |
| 2 | busy |
| 3 | no answer |
| 4 | failed (the carrier could not connect) |
| 5 | answered; the customer asks to be called back in an hour (rescheduled) |
| 6 | answered; the customer keeps talking until `maxCallDuration` (timeout) |
| 7 | the number is on a do-not-disturb list (skip) |

Like a carrier, it keeps a log of the dials it placed (`SimulatedDial`), committed in a
transaction of its own before `place` returns, and `find_dial` answers from that log alone, so a
dial placed by a worker that was killed since is found from any process. That is all it honestly
knows: a dial whose log entry never committed never happened, as a carrier request that never
arrived. The log admits one dial per token; a second is refused, so a double dial cannot pass
unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mira.dialer.telephony import CarrierEvent, Dial, Placement
from models import SimulatedDial

RING = 5.0
# The simulated carrier's own ring timeout: every outcome is reported well before it.
ANSWER_BY = 60.0
CALLBACK_AFTER = 3600.0
# The conversation an answered call has: what the customer does, and how long it lasts.
CONVERSATIONS = {"completed": 60.0, "disengaged": 8.0, "callback": 30.0}
BY_DIGIT = {
    "0": "completed",
    "1": "disengaged",
    "2": "busy",
    "3": "no-answer",
    "4": "failed",
    "5": "callback",
    "6": "long",
    "7": "dnd",
    "8": "completed",
    "9": "completed",
}
RING_TIMES = {"busy": 3.0, "no-answer": 30.0, "failed": 1.0, "dnd": 0.0}
REASONS = {
    "busy": "line busy",
    "no-answer": "no answer after 30 s of ringing",
    "failed": "carrier could not connect",
    "dnd": "number is on a do-not-disturb list",
}


def first_name(dial: Dial) -> str:
    payload = dial.payload or {}
    customer = payload.get("customer")
    name = customer.get("firstName") if isinstance(customer, dict) else payload.get("customerName")
    return str(name).strip() if name else "there"


def transcript(dial: Dial, conversation: str) -> list[dict[str, Any]]:
    """What was said: the agent's opening, then the customer's turn the outcome calls for."""
    said = [("agent", f"Hello {first_name(dial)}, I'm calling from the store about your order.")]
    if conversation == "disengaged":
        said.append(("customer", "I'm busy, not now."))
    elif conversation == "callback":
        said += [("customer", "Can you call me back in an hour?"), ("agent", "Of course.")]
    else:
        offered = (dial.metadata or {}).get("discount")
        if offered:
            said += [
                ("customer", "It's a bit expensive."),
                ("agent", f"I can offer you {offered.get('code', 'a discount')}."),
            ]
        said += [("customer", "Alright, please place the order."), ("agent", "Done, thank you!")]
    step = 5.0
    return [
        {"role": role, "text": text, "secondsFromStart": index * step}
        for index, (role, text) in enumerate(said)
    ]


@dataclass(frozen=True)
class Simulator:
    # Its call log's connections; the dialer's transactions are never the log's.
    sessions: sessionmaker[Session]
    seconds: float = 1.0

    def place(self, dial: Dial) -> Placement:
        placement = self._timeline(dial)
        with self.sessions.begin() as session:
            session.add(
                SimulatedDial(
                    token=dial.token,
                    reference=placement.reference,
                    placed_at=dial.placed_at,
                    script=[event.to_json() for event in placement.script],
                    answer_by=placement.answer_by,
                )
            )
        return placement

    def find_dial(self, token: str) -> Placement | None:
        with self.sessions.begin() as session:
            placed = session.get(SimulatedDial, token)
            if placed is None:
                return None
            script = [CarrierEvent.from_json(event) for event in placed.script]
            return Placement(placed.reference, script, placed.answer_by)

    def _timeline(self, dial: Dial) -> Placement:
        outcome = BY_DIGIT[dial.phone_number[-1]]
        reference = f"sim-{dial.call_id}-{dial.attempt_number}"

        def at(offset: float) -> Any:
            return dial.placed_at + timedelta(seconds=offset * self.seconds)

        if outcome in RING_TIMES:
            event = CarrierEvent(outcome, at(RING_TIMES[outcome]), {"reason": REASONS[outcome]})
            return Placement(reference, [event], at(ANSWER_BY))
        answered = CarrierEvent("answered", at(RING))
        if outcome == "long":  # no end: the dialer hangs up at maxCallDuration
            return Placement(reference, [answered], at(ANSWER_BY))
        details: dict[str, Any] = {
            "conversation": outcome,
            "transcript": transcript(dial, outcome),
        }
        if outcome == "callback":
            details["callbackAfterSeconds"] = CALLBACK_AFTER * self.seconds
        ended = CarrierEvent("ended", at(RING + CONVERSATIONS[outcome]), details)
        return Placement(reference, [answered, ended], at(ANSWER_BY))
