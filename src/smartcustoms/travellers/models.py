"""Passenger baggage declarations and the e-gate decisions taken on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, JSONText, UTCDateTime, utcnow

STATUSES = ("declared", "cleared", "counter", "awaiting_payment", "settled", "released")


class PassengerDeclaration(Base):
    """One baggage declaration (携帯品・別送品申告書), for the declarant and family members travelling along."""

    __tablename__ = "passenger_declarations"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    nationality: Mapped[str] = mapped_column(String(2))
    passport_number: Mapped[str] = mapped_column(String(20), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    flight: Mapped[str] = mapped_column(String(10))
    arrival_date: Mapped[date] = mapped_column(Date)
    # The declaration as normalised (goods in yen with their conversions, family, answers).
    content: Mapped[dict[str, Any]] = mapped_column(JSONText)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSONText)
    estimated_tax_jpy: Mapped[int] = mapped_column(BigInteger)
    counter_reasons: Mapped[list[str]] = mapped_column(JSONText)
    screening: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    watchlist_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    key_id: Mapped[str] = mapped_column(String(16))
    qr_payload: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), index=True, default="declared")
    # Set once, atomically, by the first gate that presents it (UPDATE ... WHERE used_at IS NULL).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_gate: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Officer's assessment after inspection at the counter: goods, assessment, reason, officer, time.
    adjustment: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    final_tax_jpy: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    payment_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    payment_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class GateDecision(Base):
    """One decision of an e-gate: green (walk through) or red (to the counter) with reasons."""

    __tablename__ = "gate_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str | None] = mapped_column(ForeignKey("passenger_declarations.id"), nullable=True,
                                                       index=True)
    gate_id: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(5))
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSONText)
    face_match: Mapped[bool] = mapped_column(Boolean)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
