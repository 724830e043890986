"""Payment tables: orders, the agent's callback events, refund requests, reconciliation runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, JSONText, UTCDateTime, utcnow


class PaymentOrder(Base):
    """An amount in yen that a payer owes for a reference (an import declaration, a traveller's declaration)."""

    __tablename__ = "payment_orders"
    __table_args__ = (UniqueConstraint("kind", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    reference: Mapped[str] = mapped_column(String(100), index=True)
    amount_jpy: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    payer_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), index=True)
    pay_url: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    paid_amount_jpy: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    agent_transaction_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    refunded_amount_jpy: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentEvent(Base):
    """One callback from the payment agent, kept whatever came of it (the event id makes it exactly-once)."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(12))
    amount_jpy: Mapped[int] = mapped_column(BigInteger)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    transaction_id: Mapped[str] = mapped_column(String(100), index=True)
    refund_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # applied | discrepancy | parked | recorded | unknown_order
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RefundRequest(Base):
    """A refund the platform asked the agent for; the agent's `refunded` callback settles it."""

    __tablename__ = "payment_refunds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    amount_jpy: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    # requested | sent | settled | withdrawn (see payments/service.py)
    status: Mapped[str] = mapped_column(String(12), index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReconciliationRun(Base):
    """One daily reconciliation of the agent's settlement file against the platform's records."""

    __tablename__ = "payment_reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSONText)
    run_by: Mapped[str] = mapped_column(String(120))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
