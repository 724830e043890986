"""Payment orders and agent callbacks in the database (the caller owns the transaction: nothing commits here)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    SmartCustomsError,
    Unauthorized,
    ValidationFailed,
)
from smartcustoms.identity.models import ROLE_RANK
from smartcustoms.payments import protocol
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentEvent, PaymentOrder, RefundRequest

MAX_AMOUNT_JPY = 10**13
SETTLED_YEARS = (2000, 2999)
PaidHandler = Callable[[Session, PaymentOrder], None]
_handlers: dict[str, list[PaidHandler]] = {}


def on_paid(kind: str, handler: PaidHandler) -> None:
    """Register handler(session, order), called in the paying transaction when an order of KIND is paid."""
    if kind not in protocol.KINDS:
        raise ValueError(f"kind must be one of {protocol.KINDS}")
    handlers = _handlers.setdefault(kind, [])
    if handler not in handlers:
        handlers.append(handler)


CancelCheck = Callable[[Session, PaymentOrder], str | None]
_cancel_checks: dict[str, list[CancelCheck]] = {}


def on_cancel_check(kind: str, check: CancelCheck) -> None:
    """Register check(session, order) -> why the order may not be cancelled (None: it may), asked on each cancel."""
    if kind not in protocol.KINDS:
        raise ValueError(f"kind must be one of {protocol.KINDS}")
    checks = _cancel_checks.setdefault(kind, [])
    if check not in checks:
        checks.append(check)


def _run_paid_handlers(session: Session, order: PaymentOrder) -> None:
    for handler in _handlers.get(order.kind, []):
        handler(session, order)


def _state(o: PaymentOrder) -> protocol.OrderState:
    return protocol.OrderState(o.status, o.amount_jpy, o.paid_amount_jpy, o.agent_transaction_id,
                               o.refunded_amount_jpy)


def to_out(o: PaymentOrder) -> dict[str, Any]:
    """The API shape of an order."""
    return {
        "id": o.id, "kind": o.kind, "reference": o.reference, "amount_jpy": o.amount_jpy,
        "due_date": o.due_date.isoformat(), "payer_name": o.payer_name, "status": o.status, "pay_url": o.pay_url,
        "paid_amount_jpy": o.paid_amount_jpy, "paid_at": o.paid_at.isoformat() if o.paid_at else None,
        "refunded_amount_jpy": o.refunded_amount_jpy, "created_at": o.created_at.isoformat(),
    }


def _check_order_input(kind: str, reference: str, amount_jpy: int, due_date: date, payer_name: str,
                       idempotency_key: str | None) -> None:
    errors: list[FieldError] = []
    if kind not in protocol.KINDS:
        errors.append(FieldError("kind", f"one of {', '.join(protocol.KINDS)}", "unknown_kind"))
    if not reference or len(reference) > 100:
        errors.append(FieldError("reference", "1 to 100 characters"))
    if isinstance(amount_jpy, bool) or not isinstance(amount_jpy, int) or not 0 < amount_jpy <= MAX_AMOUNT_JPY:
        errors.append(FieldError("amount_jpy", f"whole yen, 1 to {MAX_AMOUNT_JPY}", "bad_amount"))
    if not isinstance(due_date, date):
        errors.append(FieldError("due_date", "a date"))
    if not payer_name or not payer_name.strip() or len(payer_name) > 200:
        errors.append(FieldError("payer_name", "1 to 200 characters"))
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        errors.append(FieldError("Idempotency-Key", "1 to 255 characters"))
    if errors:
        raise ValidationFailed(errors)


def create_order(
    session: Session, *, kind: str, reference: str, amount_jpy: int, due_date: date, payer_name: str, actor: str,
    idempotency_key: str | None = None,
) -> PaymentOrder:
    """A new open payment order; with an idempotency key, a retry returns the first order and creates nothing."""
    _check_order_input(kind, reference, amount_jpy, due_date, payer_name, idempotency_key)
    if idempotency_key is not None:
        existing = _by_key(session, kind, idempotency_key)
        if existing is not None:
            return _same_or_conflict(existing, reference, amount_jpy, payer_name)
    order_id = str(uuid.uuid4())
    now = utcnow()
    order = PaymentOrder(
        id=order_id, kind=kind, reference=reference, amount_jpy=amount_jpy, due_date=due_date,
        payer_name=payer_name.strip(), status=protocol.OPEN, idempotency_key=idempotency_key, created_by=actor,
        pay_url=f"{get_payment_settings().payment_agent_url.rstrip('/')}/pay/{order_id}", created_at=now,
        updated_at=now, refunded_amount_jpy=0,
    )
    try:
        with session.begin_nested():
            session.add(order)
    except IntegrityError:
        # A concurrent request with the same key committed first.
        winner = _by_key(session, kind, idempotency_key or "")
        if winner is None:
            raise
        return _same_or_conflict(winner, reference, amount_jpy, payer_name)
    audit.append(session, actor=actor, action="payment_order.created", entity_type="payment_order",
                 entity_id=order.id, data={"kind": kind, "reference": reference, "amount_jpy": amount_jpy,
                                           "due_date": due_date.isoformat(), "payer_name": order.payer_name})
    return order


def _by_key(session: Session, kind: str, key: str) -> PaymentOrder | None:
    return session.scalar(select(PaymentOrder).where(PaymentOrder.kind == kind, PaymentOrder.idempotency_key == key))


def _same_or_conflict(order: PaymentOrder, reference: str, amount_jpy: int, payer_name: str) -> PaymentOrder:
    # The due date is left out on purpose: a retry on a later day computes a later due date for the same order.
    if order.reference != reference or order.amount_jpy != amount_jpy or order.payer_name != payer_name.strip():
        raise Conflict("Idempotency-Key was already used for another payment order", "Idempotency-Key",
                       "idempotency_key_reused")
    return order


def _order_id(order_id: str) -> str | None:
    """Order ids are UUIDs; anything else (a NUL byte, which PostgreSQL refuses in a query) is simply not found."""
    try:
        return str(uuid.UUID(order_id)) if len(order_id) == 36 else None
    except ValueError:
        return None


def get_order(session: Session, order_id: str, for_update: bool = False) -> PaymentOrder:
    if _order_id(order_id) is None:
        raise NotFound(f"payment order {order_id[:40]!r}")
    stmt = select(PaymentOrder).where(PaymentOrder.id == order_id)
    if for_update:
        stmt = stmt.with_for_update()
    order = session.scalar(stmt)
    if order is None:
        raise NotFound(f"payment order {order_id}")
    return order


def orders_for(session: Session, kind: str, reference: str) -> list[PaymentOrder]:
    """Orders of one reference, newest first."""
    return list(session.scalars(select(PaymentOrder).where(PaymentOrder.kind == kind,
                                                           PaymentOrder.reference == reference)
                                .order_by(PaymentOrder.created_at.desc(), PaymentOrder.id)))


def list_orders(session: Session, *, status: str | None = None, kind: str | None = None, limit: int = 100,
                offset: int = 0) -> tuple[list[PaymentOrder], int]:
    where = []
    if status:
        where.append(PaymentOrder.status == status)
    if kind:
        where.append(PaymentOrder.kind == kind)
    total = session.scalar(select(func.count()).select_from(PaymentOrder).where(*where)) or 0
    rows = session.scalars(select(PaymentOrder).where(*where)
                           .order_by(PaymentOrder.created_at.desc(), PaymentOrder.id).limit(limit).offset(offset))
    return list(rows), total


def events_for(session: Session, order_id: str) -> list[PaymentEvent]:
    return list(session.scalars(select(PaymentEvent).where(PaymentEvent.order_id == order_id)
                                .order_by(PaymentEvent.id)))


def _check_reason(reason: str | None) -> str:
    """An officer's reason: 1 to 1000 characters, no control characters but line breaks and tabs (PostgreSQL
    refuses NUL in text; the audit entry and pages must not carry invisible characters)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000:
        raise ValidationFailed([FieldError("reason", "a reason of 1 to 1000 characters")])
    if any(not (c.isprintable() or c in "\r\n\t") for c in reason):
        raise ValidationFailed([FieldError("reason", "control characters are not allowed", "control_character")])
    return reason


def cancel_order(session: Session, order_id: str, *, actor: str, reason: str) -> PaymentOrder:
    """Cancel an open order (a paid one is refunded instead)."""
    reason = _check_reason(reason)
    order = get_order(session, order_id, for_update=True)
    if not protocol.can_cancel(order.status):
        raise Conflict(f"only an open order can be cancelled; this one is {order.status}", "status", "wrong_state")
    for check in _cancel_checks.get(order.kind, []):
        why = check(session, order)
        if why:
            raise Conflict(why, "reference", "reference_awaits_payment")
    order.status = protocol.CANCELLED
    order.cancelled_at = order.updated_at = utcnow()
    audit.append(session, actor=actor, action="payment_order.cancelled", entity_type="payment_order",
                 entity_id=order.id, data={"reason": reason})
    return order


# Refund requests: requested (not yet accepted by the agent) -> sent -> settled by the agent's `refunded` callback;
# a requested one can be withdrawn. A `refunded` callback naming a withdrawn request still settles it (the agent
# did refund: the request had reached it although the platform saw no answer).
REFUND_PENDING = ("requested", "sent")


def require_refund_role(role: str) -> None:
    """Money going back out needs a second pair of eyes: refunds are asked for and withdrawn by a supervisor (or an
    administrator); any officer can cancel an order that nobody has paid."""
    if ROLE_RANK.get(role, 0) < ROLE_RANK["supervisor"]:
        raise Forbidden("a refund needs the supervisor role")


def request_refund(session: Session, order_id: str, *, amount_jpy: int | None, actor: str,
                   reason: str, role: str) -> RefundRequest:
    """Ask for a refund of a paid order (whole or part); the agent's `refunded` callback settles it."""
    require_refund_role(role)
    reason = _check_reason(reason)
    order = get_order(session, order_id, for_update=True)
    left = protocol.refundable(_state(order))
    pending = session.scalar(select(func.coalesce(func.sum(RefundRequest.amount_jpy), 0)).where(
        RefundRequest.order_id == order.id, RefundRequest.status.in_(REFUND_PENDING))) or 0
    left -= int(pending)
    if left <= 0:
        raise Conflict(f"nothing left to refund on an order that is {order.status}", "status", "wrong_state")
    amount = left if amount_jpy is None else amount_jpy
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= left:
        raise ValidationFailed([FieldError("amount_jpy", f"whole yen, 1 to {left}", "bad_amount")])
    refund = RefundRequest(id=str(uuid.uuid4()), order_id=order.id, amount_jpy=amount, reason=reason,
                           status="requested", requested_by=actor, requested_at=utcnow())
    session.add(refund)
    session.flush()
    audit.append(session, actor=actor, action="payment_order.refund_requested", entity_type="payment_order",
                 entity_id=order.id, data={"refund_id": refund.id, "amount_jpy": amount, "reason": reason})
    return refund


def get_refund(session: Session, order_id: str, refund_id: str) -> RefundRequest:
    """A refund request of an order, the order's row locked (a withdrawal and a resend wait for each other).
    Refund ids are UUIDs: anything else (a NUL byte, which PostgreSQL refuses in a query) is simply not found."""
    order = get_order(session, order_id, for_update=True)
    refund = session.get(RefundRequest, refund_id) if _order_id(refund_id) is not None else None
    if refund is None or refund.order_id != order.id:
        raise NotFound(f"refund request {refund_id[:40]!r}")
    return refund


def withdraw_refund(session: Session, order_id: str, refund_id: str, *, actor: str, reason: str,
                    role: str) -> RefundRequest:
    """Withdraw a refund request the agent never accepted (still `requested`, e.g. the agent was unreachable);
    its amount can be asked for again. One the agent accepted (`sent`) is settled by its callback only."""
    require_refund_role(role)
    reason = _check_reason(reason)
    refund = get_refund(session, order_id, refund_id)
    if refund.status != "requested":
        raise Conflict(f"a refund request that is {refund.status} cannot be withdrawn", "status", "wrong_state")
    refund.status = "withdrawn"
    audit.append(session, actor=actor, action="payment_order.refund_withdrawn", entity_type="payment_order",
                 entity_id=refund.order_id, data={"refund_id": refund.id, "amount_jpy": refund.amount_jpy,
                                                  "reason": reason})
    return refund


def refund_message(refund: RefundRequest, order: PaymentOrder) -> dict[str, Any]:
    """What the agent is asked (plain data, so the call can be made after the transaction ended)."""
    return {"refund_id": refund.id, "order_id": order.id, "transaction_id": order.agent_transaction_id,
            "amount_jpy": refund.amount_jpy}


def mark_refund_sent(session: Session, order_id: str, refund_id: str, actor: str) -> RefundRequest:
    """The agent accepted a refund request (requested -> sent; the order's row locked); audited like every other
    state change. A request withdrawn or settled meanwhile is left as it is."""
    refund = get_refund(session, order_id, refund_id)
    if refund.status != "requested":
        return refund
    refund.status = "sent"
    audit.append(session, actor=actor, action="payment_order.refund_sent", entity_type="payment_order",
                 entity_id=refund.order_id, data={"refund_id": refund.id, "amount_jpy": refund.amount_jpy})
    return refund


# --- callbacks -------------------------------------------------------------------------------------------------


class BadCallback(SmartCustomsError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors), errors, 422, "validation_failed")


def _parse_callback(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested too deeply for the parser (signed, yet still the sender's mistake, not a 500).
        raise BadCallback([FieldError("body", "malformed JSON", "malformed_json")]) from None
    if not isinstance(body, dict):
        raise BadCallback([FieldError("body", "a JSON object")])
    errors: list[FieldError] = []

    def text(name: str, limit: int, required: bool = True) -> str | None:
        v = body.get(name)
        if v is None and not required:
            return None
        if not isinstance(v, str) or not 1 <= len(v) <= limit or not v.isprintable():
            errors.append(FieldError(name, f"text of 1 to {limit} printable characters"))
            return None
        return v

    event_id, order_id = text("event_id", 100), text("order_id", 36)
    transaction_id, refund_id = text("transaction_id", 100), text("refund_id", 36, required=False)
    event_type = body.get("type")
    if event_type not in protocol.EVENT_TYPES:
        errors.append(FieldError("type", f"one of {', '.join(protocol.EVENT_TYPES)}", "unknown_event_type"))
    amount = body.get("amount_jpy")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT_JPY:
        errors.append(FieldError("amount_jpy", f"whole yen, 0 to {MAX_AMOUNT_JPY}", "bad_amount"))
    settled_at: datetime | None = None
    raw_at = body.get("settled_at")
    try:
        settled_at = (datetime.fromisoformat(raw_at) if isinstance(raw_at, str) and len(raw_at) <= 40
                      and raw_at.isascii() and raw_at.isprintable() else None)
    except ValueError:
        settled_at = None
    if settled_at is None or settled_at.tzinfo is None:
        errors.append(FieldError("settled_at", "ISO 8601 time with a UTC offset"))
    else:
        try:
            settled_at = settled_at.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+14:00 has no UTC time
            settled_at = None
        if settled_at is None or not SETTLED_YEARS[0] <= settled_at.year <= SETTLED_YEARS[1]:
            errors.append(FieldError("settled_at", f"a time between the years {SETTLED_YEARS[0]} and "
                                                   f"{SETTLED_YEARS[1]}", "out_of_range"))
    if errors:
        raise BadCallback(errors)
    return {"event_id": event_id, "order_id": order_id, "type": event_type, "amount_jpy": amount,
            "settled_at": settled_at, "transaction_id": transaction_id, "refund_id": refund_id}


def verify_signature(raw: bytes, timestamp: str | None, signature: str | None, now: float | None = None) -> None:
    """Raise Unauthorized (401) unless the agent signed this body with the shared secret."""
    problem = protocol.signature_problem(get_payment_settings().payment_agent_secret, timestamp, signature, raw,
                                         time.time() if now is None else now)
    if problem:
        err = Unauthorized(f"callback refused: {problem}")
        header = protocol.TIMESTAMP_HEADER if protocol.TIMESTAMP_HEADER in problem else protocol.SIGNATURE_HEADER
        err.errors = [FieldError(header, problem, "bad_signature")]
        raise err


def event_seen(session: Session, event_id: str) -> bool:
    return session.scalar(select(PaymentEvent.id).where(PaymentEvent.event_id == event_id)) is not None


def handle_callback(session: Session, raw: bytes, timestamp: str | None, signature: str | None) -> dict[str, Any]:
    """Verify and process one agent callback exactly once; returns what came of it."""
    verify_signature(raw, timestamp, signature)
    ev = _parse_callback(raw)
    seen = session.scalar(select(PaymentEvent).where(PaymentEvent.event_id == ev["event_id"]))
    if seen is not None:
        return {"event_id": seen.event_id, "duplicate": True, "outcome": seen.outcome}
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.id == ev["order_id"]).with_for_update())
    # The order's row lock (or SQLite's write lock) serialises callbacks on one order; check again under it.
    seen = session.scalar(select(PaymentEvent).where(PaymentEvent.event_id == ev["event_id"]))
    if seen is not None:
        return {"event_id": seen.event_id, "duplicate": True, "outcome": seen.outcome}
    event = PaymentEvent(event_id=ev["event_id"], order_id=ev["order_id"], event_type=ev["type"],
                         amount_jpy=ev["amount_jpy"], settled_at=ev["settled_at"],
                         transaction_id=ev["transaction_id"], refund_id=ev["refund_id"], outcome="recorded",
                         received_at=utcnow())
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        return {"event_id": ev["event_id"], "duplicate": True, "outcome": "duplicate"}
    if order is None:
        event.outcome, event.detail = "unknown_order", "no payment order with this id"
        event.processed_at = utcnow()
        _audit_event(session, event)
        return {"event_id": event.event_id, "duplicate": False, "outcome": event.outcome, "detail": event.detail}
    _apply(session, order, event)
    if order.status == protocol.PAID and event.outcome == "applied" and event.event_type == "paid":
        _apply_parked(session, order)
    return {"event_id": event.event_id, "duplicate": False, "outcome": event.outcome, "detail": event.detail,
            "order_status": order.status}


def _apply(session: Session, order: PaymentOrder, event: PaymentEvent) -> None:
    effect = protocol.apply_event(_state(order), event.event_type, event.amount_jpy, event.transaction_id)
    if effect.outcome == "applied" and event.event_type == "paid":
        _serialise_transaction(session, event.transaction_id)
        other = session.scalar(select(PaymentOrder.id).where(PaymentOrder.agent_transaction_id == event.transaction_id,
                                                             PaymentOrder.id != order.id).limit(1))
        if other is not None:  # one agent transaction is one payment: it cannot settle a second order
            effect = protocol.Effect("discrepancy", f"agent transaction {event.transaction_id} already paid order "
                                                    f"{other}")
    if effect.outcome == "applied" and event.event_type == "refunded" and event.refund_id:
        settled = session.scalar(select(RefundRequest.id).where(
            RefundRequest.id == event.refund_id, RefundRequest.order_id == order.id,
            RefundRequest.status == "settled"))
        if settled is not None:  # a request sent again after a lost answer, refunded twice by the agent
            effect = protocol.Effect("discrepancy", f"refund request {event.refund_id} was already refunded: a "
                                                    "second refund of it is not booked")
    event.outcome, event.detail, event.processed_at = effect.outcome, effect.detail, utcnow()
    if effect.state is not None:
        was = order.status
        order.status = effect.state.status
        order.paid_amount_jpy = effect.state.paid_amount_jpy
        order.agent_transaction_id = effect.state.agent_transaction_id
        order.refunded_amount_jpy = effect.state.refunded_amount_jpy
        order.updated_at = utcnow()
        if event.event_type == "paid":
            order.paid_at = event.settled_at
        if event.event_type == "refunded":
            _settle_refund_request(session, order, event)
        session.flush()
        _audit_event(session, event)
        if was == protocol.OPEN and order.status == protocol.PAID:
            _run_paid_handlers(session, order)
        return
    session.flush()
    _audit_event(session, event)


def _serialise_transaction(session: Session, transaction_id: str | None) -> None:
    """Callbacks naming one agent transaction run one at a time until their transactions commit.

    Without it two orders paid by the same agent transaction at once could each see no other order holding it
    (PostgreSQL, read committed) and both be paid. SQLite's one writer already serialises them. The lock is a
    transaction-scoped advisory lock keyed on the transaction id, released at commit or rollback.
    """
    if transaction_id and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"payments.agent_transaction:{transaction_id}"})


def _settle_refund_request(session: Session, order: PaymentOrder, event: PaymentEvent) -> None:
    stmt = select(RefundRequest).where(RefundRequest.order_id == order.id, RefundRequest.status != "settled")
    if event.refund_id:
        stmt = stmt.where(RefundRequest.id == event.refund_id)
    else:
        stmt = stmt.where(RefundRequest.amount_jpy == event.amount_jpy)
    # By amount only: a request the agent has (sent) or may have (requested) before one that was withdrawn, which
    # is settled only when nothing else of that amount waits (the withdrawal did not reach the agent in time).
    pending_first = case((RefundRequest.status == "sent", 0), (RefundRequest.status == "requested", 1), else_=2)
    request = session.scalars(stmt.order_by(pending_first, RefundRequest.requested_at)).first()
    if request is not None:
        request.status, request.settled_at = "settled", event.settled_at


def _apply_parked(session: Session, order: PaymentOrder) -> None:
    """Refunds that arrived before the payment, applied now in the order they came."""
    parked = session.scalars(select(PaymentEvent).where(PaymentEvent.order_id == order.id,
                                                        PaymentEvent.outcome == "parked").order_by(PaymentEvent.id))
    for event in list(parked):
        _apply(session, order, event)


def _audit_event(session: Session, event: PaymentEvent) -> None:
    audit.append(session, actor="payment-agent", action=f"payment_order.callback_{event.outcome}",
                 entity_type="payment_order", entity_id=event.order_id,
                 data={"event_id": event.event_id, "type": event.event_type, "amount_jpy": event.amount_jpy,
                       "transaction_id": event.transaction_id, "settled_at": event.settled_at.isoformat(),
                       "detail": event.detail})


def discrepancies(session: Session, limit: int = 200) -> list[PaymentEvent]:
    """Callbacks that were recorded but not taken as payments or refunds (wrong amount, unknown order ...)."""
    return list(session.scalars(select(PaymentEvent).where(PaymentEvent.outcome.in_(("discrepancy", "unknown_order")))
                                .order_by(PaymentEvent.id.desc()).limit(limit)))


# --- reconciliation --------------------------------------------------------------------------------------------


def reconcile_day(session: Session, day: date, settlements_csv: str, *, actor: str) -> Any:
    """Reconcile one Japanese calendar day; stores the run (and audits it) and returns it."""
    import hashlib
    from datetime import time as dtime
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from smartcustoms.payments import reconcile
    from smartcustoms.payments.models import ReconciliationRun

    agent_rows = reconcile.parse_settlements(settlements_csv, day)
    jst = ZoneInfo("Asia/Tokyo")
    start = datetime.combine(day, dtime(0), tzinfo=jst)
    end = start + timedelta(days=1)
    events = session.scalars(select(PaymentEvent).where(
        PaymentEvent.event_type.in_(reconcile.TYPES), PaymentEvent.settled_at >= start, PaymentEvent.settled_at < end))
    platform_rows = [reconcile.PlatformRow(e.transaction_id, e.order_id, e.event_type,
                                           e.amount_jpy if e.outcome == "applied" else 0, e.outcome,
                                           e.settled_at.isoformat()) for e in events]
    report = reconcile.reconcile(agent_rows, platform_rows)
    report["day"] = day.isoformat()
    run = ReconciliationRun(day=day, file_sha256=hashlib.sha256(settlements_csv.encode("utf-8")).hexdigest(),
                            report=report, run_by=actor, run_at=utcnow())
    session.add(run)
    session.flush()
    audit.append(session, actor=actor, action="payments.reconciled", entity_type="payment_reconciliation",
                 entity_id=str(run.id), data={"day": day.isoformat(), "file_sha256": run.file_sha256,
                                              "totals": report["totals"]})
    return run
