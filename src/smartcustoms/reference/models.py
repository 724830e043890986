"""Exchange-rate table (customs weekly rates, date-effective)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, DecimalText


class ExchangeRate(Base):
    """Yen per unit of a currency, applicable from valid_from to valid_to inclusive (one customs week)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date, index=True)  # rates in force on a date: the few not expired
    rate_jpy: Mapped[Decimal] = mapped_column(DecimalText)
    source: Mapped[str] = mapped_column(String(300))
