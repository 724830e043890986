"""Means-of-payment declaration tables: the declaration and its items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcustoms.db import Base, DecimalText, JSONText, UTCDateTime, utcnow


class MeansOfPaymentDeclaration(Base):
    """A traveller's declaration of cash, cheques, securities, promissory notes or gold bullion carried."""

    __tablename__ = "mop_declarations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    nationality: Mapped[str] = mapped_column(String(2))
    passport_number: Mapped[str] = mapped_column(String(20), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(10))
    travel_date: Mapped[date] = mapped_column(Date, index=True)
    flight: Mapped[str] = mapped_column(String(10))
    origin_country: Mapped[str] = mapped_column(String(2))
    destination_country: Mapped[str] = mapped_column(String(2))
    total_jpy: Mapped[int] = mapped_column(BigInteger)
    gold_bullion_g: Mapped[Decimal] = mapped_column(DecimalText)
    limit_jpy: Mapped[int] = mapped_column(BigInteger)
    declaration_required: Mapped[bool] = mapped_column(Boolean, index=True)
    required_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONText)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    items: Mapped[list[MeansOfPaymentItem]] = relationship(lazy="selectin", order_by="MeansOfPaymentItem.item_no",
                                                           cascade="all, delete-orphan")


class MeansOfPaymentItem(Base):
    """One item: an amount in a currency (converted at the weekly rate) or a weight of gold bullion."""

    __tablename__ = "mop_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("mop_declarations.id", ondelete="CASCADE"), index=True)
    item_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    amount_jpy: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    weight_g: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    purity: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    description: Mapped[str] = mapped_column(String(200), default="")
