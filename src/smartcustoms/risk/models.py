"""Selectivity profiles stored in the database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, DecimalText, JSONText, UTCDateTime, utcnow


class SelectivityProfile(Base):
    """One targeting profile: criteria, the lane it sends to, and the reason shown to officers."""

    __tablename__ = "selectivity_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    lane: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    hs_prefix: Mapped[str | None] = mapped_column(String(9), nullable=True)
    origin_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    importer_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consignor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    min_value_jpy: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    max_value_jpy: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    aeo: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    rate_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    random_rate: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    aeo_random_rate: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskModelVersion(Base):
    """A registered model version: its artifact directory, papers and lane thresholds; one is active."""

    __tablename__ = "risk_model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(80), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    model_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONText)
    # Target inspection rates: a score in the top `lane3_share` of the training distribution sends the
    # declaration to lane 3, the next `lane2_share` to lane 2 (fractions, e.g. 0.02 and 0.08).
    lane3_share: Mapped[Decimal] = mapped_column(DecimalText)
    lane2_share: Mapped[Decimal] = mapped_column(DecimalText)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    registered_by: Mapped[str] = mapped_column(String(120))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
