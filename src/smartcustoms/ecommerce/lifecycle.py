"""Pure release lifecycle of a consignment: statuses by lane, and what officers may do from each."""

from __future__ import annotations

from datetime import datetime, timedelta

RELEASED, REVIEW, INSPECTION, INSPECTION_ORDERED, HELD = (
    "released", "review", "inspection", "inspection_ordered", "held")
STATUSES = (RELEASED, REVIEW, INSPECTION, INSPECTION_ORDERED, HELD)
OPEN = (REVIEW, INSPECTION, INSPECTION_ORDERED, HELD)

# action → (statuses it may start from, status it leads to)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "release": ((REVIEW, INSPECTION, INSPECTION_ORDERED, HELD), RELEASED),
    "inspect": ((REVIEW, INSPECTION, HELD), INSPECTION_ORDERED),
    "hold": ((REVIEW, INSPECTION, INSPECTION_ORDERED), HELD),
}


def initial_status(lane: int) -> str:
    """Lane 1 is released at intake; lane 2 waits for a document review, lane 3 for an inspection."""
    return {1: RELEASED, 2: REVIEW}.get(lane, INSPECTION)


def next_status(action: str, status: str) -> str | None:
    """The status after `action`, or None when the action is not allowed from `status`."""
    allowed, target = ACTIONS[action]
    return target if status in allowed else None


# A manifest's intake: receiving until its last line has a result (complete), a per-file error stopped it
# (failed), or it stopped without either (interrupted: the server was killed or the connection lost mid-way).
RECEIVING, COMPLETE, FAILED, INTERRUPTED = "receiving", "complete", "failed", "interrupted"
MANIFEST_STATUSES = (RECEIVING, COMPLETE, FAILED, INTERRUPTED)


def manifest_interrupted(status: str, last_activity: datetime, now: datetime, after: timedelta) -> bool:
    """Whether a manifest still receiving has stopped: nothing committed for it (opening, a chunk) for `after`.

    A live intake commits a chunk every second or so, so a long silence means its process is gone. Decision: a
    client that really pauses that long mid-manifest sees its manifest marked interrupted, and completed again
    when its last line is committed (the status always ends where the intake ends)."""
    return status == RECEIVING and now - last_activity >= after
