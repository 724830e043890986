"""Tariff schedule table: duty rates per HS or statistical code, date-effective."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, DecimalText


class TariffRate(Base):
    """The duty rate for codes starting with hs_code (6-9 digits), valid_from..valid_to inclusive."""

    __tablename__ = "tariff_rates"
    __table_args__ = (UniqueConstraint("hs_code", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hs_code: Mapped[str] = mapped_column(String(9), index=True)
    ad_valorem: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    specific_jpy: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    specific_unit: Mapped[str | None] = mapped_column(String(3), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(300))
