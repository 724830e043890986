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


# The result of a parcel's inspection (as for declarations), recorded by the decision that ends it.
NO_DISCREPANCY, DISCREPANCY = "no_discrepancy", "discrepancy"
INSPECTION_RESULTS = (NO_DISCREPANCY, DISCREPANCY)


def pending_inspection(lane: int, result: str | None) -> bool:
    """Whether a consignment waits for its inspection's result: lane 3 (at intake, or an officer's order) and none
    recorded yet. Decision: it stays pending while held, so a lane-3 parcel cannot leave by way of a hold without
    a result; once recorded the result stays (a later order to inspect again does not clear it: the first finding
    is what the hit rates count, and the audit log keeps every decision)."""
    return lane == 3 and result is None


def result_problem(action: str, result: str | None) -> str | None:
    """Why `result` cannot go with `action` (None: it can). A release records no discrepancy only (a discrepancy is
    recorded with a hold and decided after, as declarations do); an order to inspect records none."""
    if result is None:
        return None
    if result not in INSPECTION_RESULTS:
        return f"one of {', '.join(INSPECTION_RESULTS)}"
    if action == "inspect":
        return "an order to inspect records no result: record it when the inspection is done (release or hold)"
    if action == "release" and result != NO_DISCREPANCY:
        return "a release records no_discrepancy: record a discrepancy with a hold, then decide"
    return None


def needs_result(action: str, lane: int, recorded: str | None, given: str | None) -> bool:
    """Whether `action` on a consignment needs an inspection result it was not given: a release of one pending
    inspection (lane 3 goods leave only inspected, as a declaration awaiting inspection does)."""
    return action == "release" and given is None and pending_inspection(lane, recorded)


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
