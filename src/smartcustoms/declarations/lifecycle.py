"""Pure lifecycle of an import declaration: statuses, which decision is allowed from where."""

from __future__ import annotations

from dataclasses import dataclass

RELEASED = "released"
UNDER_REVIEW = "under_review"
AWAITING_INSPECTION = "awaiting_inspection"
DOCUMENTS_REQUESTED = "documents_requested"
INSPECTED = "inspected"
HELD = "held"
REJECTED = "rejected"
# Permitted but not yet released: duty and tax are due and the payment order is open (payment releases it).
AWAITING_PAYMENT = "awaiting_payment"

STATUSES = (UNDER_REVIEW, AWAITING_INSPECTION, DOCUMENTS_REQUESTED, INSPECTED, HELD, AWAITING_PAYMENT, RELEASED,
            REJECTED)
FINAL = frozenset({RELEASED, REJECTED})
OPEN = frozenset(STATUSES) - FINAL
# Open and waiting for an officer (queues, dashboard, inspection candidates): a declaration awaiting payment was
# already permitted, so it is open but nobody's work until the payment lands or the due date passes.
AWAITING_OFFICER = OPEN - {AWAITING_PAYMENT}

# Decision -> statuses it may be taken from. Releasing a declaration awaiting inspection needs the
# inspection result in the same decision (see service.decide).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "release": frozenset({UNDER_REVIEW, DOCUMENTS_REQUESTED, INSPECTED, HELD, AWAITING_INSPECTION}),
    "request_documents": frozenset({UNDER_REVIEW, AWAITING_INSPECTION, INSPECTED, HELD}),
    "order_inspection": frozenset({UNDER_REVIEW, DOCUMENTS_REQUESTED, HELD}),
    "record_inspection": frozenset({AWAITING_INSPECTION}),
    "hold": OPEN - {HELD},
    "reject": OPEN,
    # Awaiting payment the officer's review is done: hold or reject, never a re-route round the payment.
    "reroute": OPEN - {AWAITING_PAYMENT},
    # Not after an inspection: the officer asks for documents first (inspected -> documents_requested), so a
    # trader cannot quietly lower the values an inspection has just found wrong.
    "amend": frozenset({UNDER_REVIEW, AWAITING_INSPECTION, DOCUMENTS_REQUESTED}),
}
DECISIONS = ("release", "request_documents", "order_inspection", "record_inspection", "hold", "reject", "reroute")
SUPERVISOR_DECISIONS = frozenset({"reroute"})
INSPECTION_RESULTS = ("no_discrepancy", "discrepancy")


def needs_payment(total_tax_jpy: int, deferred: bool) -> bool:
    """Whether a permitted declaration waits for payment before release.

    Duty and tax above zero must be paid before release unless the importer pays on a deferred basis
    (AEO importers, see docs/payments.md); nothing due means release at once.
    """
    return total_tax_jpy > 0 and not deferred


def permitted_status(total_tax_jpy: int, deferred: bool, already_paid: bool = False) -> str:
    """Where a declaration goes when it is permitted (officer release or lane 1)."""
    if needs_payment(total_tax_jpy, deferred) and not already_paid:
        return AWAITING_PAYMENT
    return RELEASED


def pending_status(lane: int) -> str:
    """The status a declaration waits in for its lane (lane 1 is released at once)."""
    return {1: RELEASED, 2: UNDER_REVIEW, 3: AWAITING_INSPECTION}[lane]


@dataclass(frozen=True)
class Transition:
    to_status: str
    lane: int


def next_state(action: str, status: str, lane: int, new_lane: int | None = None) -> Transition | None:
    """Where a decision takes a declaration, or None when it is not allowed from this status."""
    if status not in ALLOWED_FROM.get(action, frozenset()):
        return None
    match action:
        case "release":
            return Transition(RELEASED, lane)
        case "request_documents":
            return Transition(DOCUMENTS_REQUESTED, lane)
        case "order_inspection":
            return Transition(AWAITING_INSPECTION, 3)
        case "record_inspection":
            return Transition(INSPECTED, lane)
        case "hold":
            return Transition(HELD, lane)
        case "reject":
            return Transition(REJECTED, lane)
        case "reroute":
            if new_lane not in (1, 2, 3):
                return None
            # Lane 1 releases at once: never a way round an inspection still to be done.
            if new_lane == 1 and status == AWAITING_INSPECTION:
                return None
            return Transition(pending_status(new_lane), new_lane)
    return None
