"""The staffed counter: adjust a declaration after inspection, issue its payment order, settle it when paid."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.errors import Conflict, FieldError, ValidationFailed
from smartcustoms.travellers import service
from smartcustoms.travellers.models import PassengerDeclaration
from smartcustoms.travellers.schemas import GoodsIn, OtherGoodsIn

PAYMENT_DUE_DAYS = 7
CLOSED = ("settled", "released")


def tax_due(d: PassengerDeclaration) -> int:
    """The officer's figure once adjusted, else the traveller's estimate."""
    return d.final_tax_jpy if d.final_tax_jpy is not None else d.estimated_tax_jpy


def adjust(session: Session, d: PassengerDeclaration, goods: GoodsIn, unaccompanied: list[OtherGoodsIn],
           reason: str, officer: str) -> dict[str, Any]:
    """Re-assess with the goods the officer found; the traveller's declaration is kept beside it."""
    payment_order(session, d)
    if d.status in CLOSED or d.status == "awaiting_payment":
        raise Conflict(f"declaration is {d.status}: cancel the payment order first or leave it as it is")
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", "say why the declaration is adjusted", "required")])
    if any(not c.isprintable() for c in reason):
        raise ValidationFailed([FieldError("reason", "control characters are not allowed", "control_character")])
    rules_goods, stored = service.normalise_goods(session, goods, unaccompanied, d.arrival_date)
    births = [d.date_of_birth, *(date.fromisoformat(m["date_of_birth"])
                                 for m in d.content.get("family_members", []))]
    assessment = service.assess_goods(rules_goods, births, d.arrival_date)
    before = tax_due(d)
    d.adjustment = {"goods": stored, "assessment": assessment, "reason": reason.strip(), "officer": officer,
                    "at": utcnow().isoformat()}
    d.final_tax_jpy = assessment["estimated_tax_jpy"]
    if d.status in ("declared", "cleared"):
        d.status = "counter"
    audit.append(session, actor=officer, action="passenger_declaration.adjusted", entity_type="passenger_declaration",
                 entity_id=d.id, data={"reason": reason.strip(), "tax_before_jpy": before,
                                       "tax_after_jpy": d.final_tax_jpy})
    return assessment


def issue_payment_order(session: Session, d: PassengerDeclaration, officer: str) -> Any:
    """A payment order for the tax due, through the payments domain (idempotent per declaration and amount)."""
    from smartcustoms.payments import service as payments

    payment_order(session, d)
    if d.status in CLOSED:
        raise Conflict(f"declaration is already {d.status}")
    amount = tax_due(d)
    if amount <= 0:
        raise Conflict("no tax is due on this declaration: release it instead", "amount_jpy", "nothing_due")
    if d.payment_order_id and d.payment_status == "open":
        raise Conflict("a payment order is already open for this declaration", "payment_order_id", "order_open")
    order = payments.create_order(
        session, kind="passenger", reference=d.id, amount_jpy=amount,
        due_date=utcnow().date() + timedelta(days=PAYMENT_DUE_DAYS),
        payer_name=f"{d.family_name} {d.given_name}", actor=officer,
        # a double click gets the same order; after a cancelled order (its id in the key) a new one can be issued
        idempotency_key=f"{d.id}:{amount}:{d.payment_order_id or 'first'}")
    d.payment_order_id, d.payment_status, d.status = order.id, order.status, "awaiting_payment"
    audit.append(session, actor=officer, action="passenger_declaration.payment_ordered",
                 entity_type="passenger_declaration", entity_id=d.id,
                 data={"payment_order_id": order.id, "amount_jpy": amount})
    return order


def release(session: Session, d: PassengerDeclaration, officer: str) -> None:
    """Let the traveller go with nothing to pay."""
    payment_order(session, d)
    if d.status in CLOSED or d.status == "awaiting_payment":
        raise Conflict(f"declaration is {d.status}")
    if tax_due(d) > 0:
        raise Conflict("tax is due: issue a payment order", "amount_jpy", "tax_due")
    d.status = "released"
    audit.append(session, actor=officer, action="passenger_declaration.released",
                 entity_type="passenger_declaration", entity_id=d.id, data={})


def payment_order(session: Session, d: PassengerDeclaration) -> Any:
    """The declaration's payment order as the payments domain has it now (None without one)."""
    if not d.payment_order_id:
        return None
    from smartcustoms.payments.models import PaymentOrder

    order = session.get(PaymentOrder, d.payment_order_id)
    if order is not None and order.status != d.payment_status and d.status != "settled":
        d.payment_status = order.status  # cancelled or refunded orders show as such
        if order.status == "cancelled" and d.status == "awaiting_payment":
            # the order is gone: the declaration is back with the counter (adjust, issue a new order, release)
            d.status = "counter"
            audit.append(session, actor="payments", action="passenger_declaration.payment_cancelled",
                         entity_type="passenger_declaration", entity_id=d.id,
                         data={"payment_order_id": order.id, "amount_jpy": order.amount_jpy})
    return order


def on_paid(session: Session, order: Any) -> None:
    """Payments calls this in the paying transaction: the declaration is settled."""
    d = session.scalar(select(PassengerDeclaration).where(PassengerDeclaration.payment_order_id == order.id))
    if d is None or d.status == "settled":
        return
    d.status, d.payment_status, d.settled_at = "settled", "paid", utcnow()
    audit.append(session, actor="payments", action="passenger_declaration.settled",
                 entity_type="passenger_declaration", entity_id=d.id,
                 data={"payment_order_id": order.id, "amount_jpy": order.amount_jpy})


def register() -> None:
    """Hook the counter into payments (idempotent; called when the app is built)."""
    try:
        from smartcustoms.payments import service as payments
    except ImportError:  # pragma: no cover - payments is part of the platform; kept optional for partial installs
        return
    payments.on_paid("passenger", on_paid)
