"""Declaration tables: the declaration, its lines, its status history, idempotency records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcustoms.db import Base, DecimalText, JSONText, UTCDateTime, utcnow


class ImportDeclaration(Base):
    """An import declaration as lodged (and amended), with its assessment and lane."""

    __tablename__ = "import_declarations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trader_id: Mapped[int] = mapped_column(ForeignKey("traders.id"), index=True)
    importer_code: Mapped[str] = mapped_column(String(32), index=True)
    importer_name: Mapped[str] = mapped_column(String(200))
    importer_country: Mapped[str] = mapped_column(String(2))
    consignor_name: Mapped[str] = mapped_column(String(200))
    consignor_country: Mapped[str] = mapped_column(String(2))
    transport_mode: Mapped[str] = mapped_column(String(10))
    office: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    personal_use: Mapped[bool] = mapped_column(Boolean, default=False)
    simplified_tariff_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    aeo_importer: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), index=True)
    lane: Mapped[int] = mapped_column(Integer, index=True)
    lane_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSONText)
    exchange_rate: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    customs_value_jpy: Mapped[int] = mapped_column(BigInteger)
    total_jpy: Mapped[int] = mapped_column(BigInteger)
    inspection: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    # The active risk model's view at lodgement (score, percentile, contributions), or why there is none.
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[DeclarationLine]] = relationship(
        back_populates="declaration", lazy="selectin", order_by="DeclarationLine.line_no",
        cascade="all, delete-orphan",
    )


class DeclarationLine(Base):
    """One line (column) of a declaration, as the declarant gave it."""

    __tablename__ = "import_declaration_lines"
    __table_args__ = (UniqueConstraint("declaration_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("import_declarations.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    hs_code: Mapped[str] = mapped_column(String(9), index=True)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(DecimalText)
    unit: Mapped[str] = mapped_column(String(3))
    net_mass_kg: Mapped[Decimal] = mapped_column(DecimalText)
    customs_value: Mapped[Decimal] = mapped_column(DecimalText)
    origin_country: Mapped[str] = mapped_column(String(2))
    duty_rate: Mapped[Decimal] = mapped_column(DecimalText)
    consumption_tax: Mapped[str] = mapped_column(String(10))

    declaration: Mapped[ImportDeclaration] = relationship(back_populates="lines", lazy="raise")


class StatusChange(Base):
    """One step in a declaration's status history (who, what, why)."""

    __tablename__ = "import_declaration_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("import_declarations.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    lane: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(Base):
    """The first response to a lodgement with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("trader_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trader_id: Mapped[int] = mapped_column(ForeignKey("traders.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
