"""Pure rules of payment: the callback signature, the order state machine, what one callback does.

No database here: service.py loads and stores, this decides.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

OPEN = "open"
PAID = "paid"
CANCELLED = "cancelled"
REFUNDED = "refunded"
STATUSES = (OPEN, PAID, CANCELLED, REFUNDED)
KINDS = ("passenger", "import")
EVENT_TYPES = ("paid", "refunded", "failed")

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
# A callback whose timestamp is further than this from the platform's clock is refused (replay window);
# inside the window a replay carries an event id already seen and changes nothing.
MAX_SKEW_S = 300


def signed_material(timestamp: str, body: bytes) -> bytes:
    """What the HMAC covers: the timestamp header, a dot, the raw body bytes."""
    return timestamp.encode("ascii") + b"." + body


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Signature header value: `sha256=<hex HMAC-SHA256 of timestamp.body>`."""
    digest = hmac.new(secret.encode("utf-8"), signed_material(timestamp, body), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_problem(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float) -> str | None:
    """Why a callback's signature is not acceptable, or None when it is (constant-time comparison)."""
    if not secret:
        return "no payment agent secret is configured"
    if not signature:
        return f"missing {SIGNATURE_HEADER} header"
    if not timestamp:
        return f"missing {TIMESTAMP_HEADER} header"
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return f"{TIMESTAMP_HEADER} must be whole seconds since 1970"
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        return f"{TIMESTAMP_HEADER} is more than {MAX_SKEW_S} s away from the platform's clock"
    # Bytes on both sides: a header with non-ASCII characters is a mismatch, not a TypeError (500).
    if not hmac.compare_digest(sign(secret, timestamp, body).encode("ascii"), signature.strip().encode("utf-8")):
        return "signature does not match the body"
    return None


@dataclass(frozen=True)
class OrderState:
    status: str
    amount_jpy: int
    paid_amount_jpy: int | None
    agent_transaction_id: str | None
    refunded_amount_jpy: int


@dataclass(frozen=True)
class Effect:
    """What a callback does to an order: its outcome, the new state (None: unchanged), why."""

    outcome: str  # applied | discrepancy | parked | recorded
    detail: str
    state: OrderState | None = None


def apply_event(order: OrderState, event_type: str, amount_jpy: int, transaction_id: str) -> Effect:
    """The effect of one (new, authentic) callback on an order.

    - paid on an open order for exactly the amount: paid. A different amount: a discrepancy, not a payment.
    - paid again under the agent transaction already recorded: nothing (the agent re-sent under a new event id).
    - paid on a paid, cancelled or refunded order under another transaction: a discrepancy (double payment).
    - refunded before the order is paid: parked, applied when the payment arrives.
    - refunded up to what is paid and not yet refunded: applied; fully refunded orders become `refunded`.
    - failed: recorded; the order stays as it is (the payer may try again).
    """
    if event_type == "failed":
        return Effect("recorded", "the agent reports a failed payment attempt; the order is unchanged")
    if event_type == "paid":
        if order.status == OPEN:
            if amount_jpy != order.amount_jpy:
                return Effect("discrepancy", f"paid {amount_jpy} yen against an order of {order.amount_jpy} yen")
            return Effect("applied", "paid", OrderState(PAID, order.amount_jpy, amount_jpy, transaction_id, 0))
        if order.agent_transaction_id == transaction_id and order.status in (PAID, REFUNDED):
            return Effect("recorded", "payment already recorded under this agent transaction")
        return Effect("discrepancy", f"payment received for an order that is {order.status}")
    if event_type == "refunded":
        if order.status == OPEN:
            return Effect("parked", "refund before payment: parked until the payment arrives")
        if order.status == CANCELLED:
            return Effect("discrepancy", "refund for a cancelled order that was never paid")
        paid = order.paid_amount_jpy or 0
        left = paid - order.refunded_amount_jpy
        if amount_jpy <= 0 or amount_jpy > left:
            return Effect("discrepancy", f"refund of {amount_jpy} yen but {left} yen is refundable")
        refunded = order.refunded_amount_jpy + amount_jpy
        status = REFUNDED if refunded == paid else PAID
        return Effect("applied", "refunded" if status == REFUNDED else "partially refunded",
                      OrderState(status, order.amount_jpy, paid, order.agent_transaction_id, refunded))
    raise ValueError(f"unknown event type {event_type!r}")


def can_cancel(status: str) -> bool:
    return status == OPEN


def refundable(order: OrderState) -> int:
    """Yen that can still be refunded."""
    if order.status not in (PAID,):
        return 0
    return (order.paid_amount_jpy or 0) - order.refunded_amount_jpy
