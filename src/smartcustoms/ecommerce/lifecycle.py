"""Pure release lifecycle of a consignment: statuses by lane, and what officers may do from each."""

from __future__ import annotations

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
