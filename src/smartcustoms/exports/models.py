"""Export declaration tables: the declaration, its lines, screening and goods hits, status history, and the
remembered false-positive decisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcustoms.db import Base, DecimalText, JSONText, UTCDateTime, utcnow


class ExportDeclaration(Base):
    """An export declaration as lodged, with its lane, screening record and hits."""

    __tablename__ = "export_declarations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trader_id: Mapped[int] = mapped_column(ForeignKey("traders.id"), index=True)
    exporter_code: Mapped[str] = mapped_column(String(32), index=True)
    exporter_name: Mapped[str] = mapped_column(String(200))
    exporter_address: Mapped[str] = mapped_column(String(500))
    exporter_country: Mapped[str] = mapped_column(String(2))
    consignee_name: Mapped[str] = mapped_column(String(200))
    consignee_address: Mapped[str] = mapped_column(String(500))
    consignee_country: Mapped[str] = mapped_column(String(2))
    end_user_name: Mapped[str] = mapped_column(String(200))
    end_user_country: Mapped[str] = mapped_column(String(2))
    destination_country: Mapped[str] = mapped_column(String(2), index=True)
    transport_mode: Mapped[str] = mapped_column(String(10))
    office: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    declared_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), index=True)
    lane: Mapped[int] = mapped_column(Integer, index=True)
    lane_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    # List versions used, parties screened, counts of hits by state (what the trader sees of the screening).
    screening: Mapped[dict[str, Any]] = mapped_column(JSONText)
    exchange_rate: Mapped[dict[str, Any] | None] = mapped_column(JSONText, nullable=True)
    total_value_jpy: Mapped[int] = mapped_column(BigInteger)
    open_hits: Mapped[int] = mapped_column(Integer, index=True, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[ExportDeclarationLine]] = relationship(
        back_populates="declaration", lazy="selectin", order_by="ExportDeclarationLine.line_no",
        cascade="all, delete-orphan",
    )
    hits: Mapped[list[ExportHit]] = relationship(
        back_populates="declaration", lazy="selectin", order_by="ExportHit.id", cascade="all, delete-orphan",
    )


class ExportDeclarationLine(Base):
    """One line of an export declaration."""

    __tablename__ = "export_declaration_lines"
    __table_args__ = (UniqueConstraint("declaration_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("export_declarations.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    hs_code: Mapped[str] = mapped_column(String(9), index=True)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(DecimalText)
    unit: Mapped[str] = mapped_column(String(3))
    value: Mapped[Decimal] = mapped_column(DecimalText)
    value_jpy: Mapped[int] = mapped_column(BigInteger)
    licences: Mapped[list[str]] = mapped_column(JSONText)

    declaration: Mapped[ExportDeclaration] = relationship(back_populates="lines", lazy="raise")


class ExportHit(Base):
    """One reason an export needs an officer: a party hit on a watch list, a goods rule or a destination rule."""

    __tablename__ = "export_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("export_declarations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # party | goods | destination
    party_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    party_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    party_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    list_code: Mapped[str] = mapped_column(String(80))
    list_version: Mapped[str] = mapped_column(String(120))
    entry_id: Mapped[str] = mapped_column(String(200))
    entry_name: Mapped[str] = mapped_column(String(500))
    entry_digest: Mapped[str] = mapped_column(String(64))
    matched_name: Mapped[str] = mapped_column(String(500))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    licence_question: Mapped[str] = mapped_column(Text)
    licences: Mapped[list[str]] = mapped_column(JSONText)
    # open | true_match | false_positive | remembered_false_positive
    state: Mapped[str] = mapped_column(String(30), index=True)
    resolution_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    declaration: Mapped[ExportDeclaration] = relationship(back_populates="hits", lazy="raise")


class ExportStatusChange(Base):
    """One step in an export declaration's status history."""

    __tablename__ = "export_declaration_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("export_declarations.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    lane: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FalsePositiveDecision(Base):
    """An officer's false-positive decision for a party against one list entry, as the entry then stood.

    A later screening of the same party (normalised name + country) against the same entry with the same digest
    is not flagged again; when the list entry changes (new digest) the party is flagged afresh.
    """

    __tablename__ = "screening_false_positives"
    __table_args__ = (UniqueConstraint("party_key", "party_country", "list_code", "entry_id", "entry_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_key: Mapped[str] = mapped_column(String(200), index=True)
    party_country: Mapped[str] = mapped_column(String(2))
    list_code: Mapped[str] = mapped_column(String(80))
    entry_id: Mapped[str] = mapped_column(String(200))
    entry_digest: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    declaration_id: Mapped[str] = mapped_column(String(36))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
