"""Pure lifecycle of an export declaration: statuses, hit states, and which officer step is allowed from where.

Lanes (docs/exports.md): 1 = released at lodgement; 2 = document review (any open party, goods or destination
hit, with the licence question); 3 = a selectivity profile asks for inspection (awaiting_inspection), or the export
is held: a destination where exports are prohibited, or a hit an officer confirmed as a true match (held; the
officer then refuses the export). A real match covered by a licence the officer checked is resolved
`licence_checked` and does not block release.
"""

from __future__ import annotations

RELEASED = "released"
UNDER_REVIEW = "under_review"
AWAITING_INSPECTION = "awaiting_inspection"
HELD = "held"
REJECTED = "rejected"

STATUSES = (UNDER_REVIEW, AWAITING_INSPECTION, HELD, RELEASED, REJECTED)
FINAL = frozenset({RELEASED, REJECTED})
OPEN = frozenset(STATUSES) - FINAL

HIT_OPEN = "open"
HIT_TRUE = "true_match"
HIT_FALSE = "false_positive"
HIT_REMEMBERED = "remembered_false_positive"
# A real match whose export is covered by a licence the officer checked (the hit stays on record, not remembered).
HIT_LICENSED = "licence_checked"
HIT_STATES = (HIT_OPEN, HIT_TRUE, HIT_FALSE, HIT_LICENSED, HIT_REMEMBERED)
RESOLUTIONS = (HIT_TRUE, HIT_FALSE, HIT_LICENSED)

DECISIONS = ("release", "hold", "reject")
ALLOWED_FROM: dict[str, frozenset[str]] = {
    # From held too (an officer's hold, a prohibited destination), but never while a hit is open or confirmed.
    "release": frozenset({UNDER_REVIEW, AWAITING_INSPECTION, HELD}),
    "hold": frozenset({UNDER_REVIEW, AWAITING_INSPECTION}),
    "reject": OPEN,
    "resolve": OPEN,
    "rescreen": OPEN,
    # The trader amends only before any decision: not once held, released or rejected.
    "amend": frozenset({UNDER_REVIEW, AWAITING_INSPECTION}),
}


def pending_status(lane: int, prohibited: bool = False) -> str:
    """Where a freshly lodged export waits for its lane."""
    if prohibited:
        return HELD
    return {1: RELEASED, 2: UNDER_REVIEW, 3: AWAITING_INSPECTION}[lane]


def release_blocker(status: str, hit_states: list[str], unscreened: bool = False) -> str | None:
    """Why an export cannot be released now, or None."""
    if status not in ALLOWED_FROM["release"]:
        return f"an export that is {status.replace('_', ' ')} cannot be released"
    if unscreened:
        return "the parties were never screened: screen them first"
    if HIT_OPEN in hit_states:
        return "resolve every open hit first"
    if HIT_TRUE in hit_states:
        return "a hit was confirmed as a true match: the export is held"
    return None


def after_resolution(status: str, hit_states: list[str]) -> str:
    """The status once a hit is resolved: a true match holds the export; otherwise it stays where it was."""
    if HIT_TRUE in hit_states and status in (UNDER_REVIEW, AWAITING_INSPECTION):
        return HELD
    return status
