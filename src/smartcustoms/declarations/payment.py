"""Duty and tax payment of import declarations: awaiting payment, the payment order, release once paid.

A permitted declaration (officer release or lane 1) with tax due and no deferred-payment arrangement waits in
`awaiting_payment` with a payment order; the payments domain calls `released_on_payment` in the paying transaction.
AEO importers pay on a deferred basis (monthly, under their security): they are released at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.declarations import lifecycle
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.declarations.service import get, record_change
from smartcustoms.errors import NotFound
from smartcustoms.payments import protocol as pay_protocol
from smartcustoms.payments import service as payments
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentOrder

KIND = "import"


def is_deferred(d: ImportDeclaration) -> bool:
    """Deferred payment: AEO importers (special declarants pay monthly under security)."""
    return d.aeo_importer


def current_order(session: Session, d: ImportDeclaration) -> PaymentOrder | None:
    """The declaration's live order: a paid one (not refunded) first, else an open one."""
    orders = payments.orders_for(session, KIND, d.id)
    for status in (pay_protocol.PAID, pay_protocol.OPEN):
        for o in orders:
            if o.status == status and o.amount_jpy == d.total_jpy:
                return o
    return None


def permit(session: Session, d: ImportDeclaration, actor: str) -> PaymentOrder | None:
    """Set a permitted declaration's status: released, or awaiting payment with its (new or reused) order."""
    deferred = is_deferred(d)
    order = current_order(session, d) if lifecycle.needs_payment(d.total_jpy, deferred) else None
    d.status = lifecycle.permitted_status(d.total_jpy, deferred,
                                          already_paid=order is not None and order.status == pay_protocol.PAID)
    if d.status != lifecycle.AWAITING_PAYMENT:
        return order
    if order is None:
        from smartcustoms.declarations.flows import declaration_date

        order = payments.create_order(
            session, kind=KIND, reference=d.id, amount_jpy=d.total_jpy,
            due_date=declaration_date(utcnow()) + timedelta(days=get_payment_settings().payment_due_days),
            payer_name=d.importer_name, actor=actor,
        )
    return order


def permit_note(d: ImportDeclaration, order: PaymentOrder | None) -> str:
    """What the status history says about payment when a declaration is permitted."""
    if d.status == lifecycle.AWAITING_PAYMENT and order is not None:
        return f"; awaiting payment of {d.total_jpy} yen (payment order {order.id})"
    if d.total_jpy > 0 and is_deferred(d):
        return "; duty and tax on deferred payment (AEO importer)"
    if order is not None and order.status == pay_protocol.PAID:
        return f"; duty and tax already paid (payment order {order.id})"
    return ""


def cancel_open_order(session: Session, d: ImportDeclaration, actor: str, reason: str) -> None:
    """A rejected declaration owes nothing: its open order is cancelled."""
    for o in payments.orders_for(session, KIND, d.id):
        if o.status == pay_protocol.OPEN:
            # The officer's reason may use the whole 1,000 characters (or carry a character the order refuses):
            # the order's note is cut to fit so that the rejection never fails on it.
            note = "".join(c if c.isprintable() or c in "\r\n\t" else " " for c in f"declaration rejected: {reason}")
            payments.cancel_order(session, o.id, actor=actor, reason=note[:1000])


def released_on_payment(session: Session, order: PaymentOrder) -> None:
    """on_paid handler: release the declaration the order is for, if it still waits for this payment."""
    d = get(session, order.reference, for_update=True)
    if d.status != lifecycle.AWAITING_PAYMENT or order.amount_jpy != d.total_jpy:
        # Paid while held (or after the amount changed): the money is kept on the order; an officer refunds or
        # releases. Recorded so that nobody has to guess.
        audit.append(session, actor="payment-agent", action="payment_order.paid_not_released",
                     entity_type="payment_order", entity_id=order.id,
                     data={"declaration_id": d.id, "declaration_status": d.status, "total_jpy": d.total_jpy})
        return
    d.status = lifecycle.RELEASED
    d.updated_at = utcnow()
    record_change(session, d, "paid", lifecycle.AWAITING_PAYMENT,
                  f"duty and tax of {order.amount_jpy} yen paid (payment order {order.id})", "payment-agent",
                  {"payment_order": order.id, "transaction_id": order.agent_transaction_id})


def payment_view(session: Session, d: ImportDeclaration) -> dict[str, Any] | None:
    """The payment order as the trader API shows it."""
    orders = payments.orders_for(session, KIND, d.id)
    if not orders:
        return None
    o = current_order(session, d) or orders[0]
    return {"id": o.id, "amount_jpy": o.amount_jpy, "pay_url": o.pay_url, "status": o.status,
            "due_date": o.due_date.isoformat(), "paid_at": o.paid_at.isoformat() if o.paid_at else None}


def cancel_check(session: Session, order: PaymentOrder) -> str | None:
    """An order the declaration still waits for is not cancelled on its own (that would strand the declaration in
    awaiting_payment with nothing to pay): the officer rejects (which cancels it) or holds the declaration."""
    try:
        d = get(session, order.reference)
    except NotFound:
        return None
    if d.status == lifecycle.AWAITING_PAYMENT and order.amount_jpy == d.total_jpy:
        return f"import declaration {d.id} awaits this payment: reject or hold the declaration instead"
    return None


payments.on_paid(KIND, released_on_payment)
payments.on_cancel_check(KIND, cancel_check)
