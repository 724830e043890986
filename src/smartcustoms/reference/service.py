"""Load weekly exchange rates from CSV and find the rate in force on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.csvfile import Cells, parse_rows
from smartcustoms.reference.codes import is_currency
from smartcustoms.reference.models import ExchangeRate

RATE_COLUMNS = ("currency", "valid_from", "valid_to", "rate_jpy", "source")


@dataclass(frozen=True)
class RateRow:
    currency: str
    valid_from: date
    valid_to: date
    rate_jpy: Decimal
    source: str


def parse_rates_csv(path: Path) -> list[RateRow]:
    """Parse and check a rates file; any bad row refuses the whole file, naming row and column.

    Columns: currency, valid_from, valid_to (empty = valid_from + 6 days, one customs week),
    rate_jpy (yen per unit), source.

    Each row is one customs week, Sunday to Saturday, as Japan Customs publishes the rates (docs/decisions.md): a
    row that starts on another day or spans more or less than a week is refused, so that a mistyped row cannot keep
    a rate in force for months once the weekly rows stop coming.
    """
    def parse(raw: dict[str, str]) -> RateRow:
        cells = Cells(raw)  # every problem of the row is reported, not the first only
        cur = cells.text("currency").upper()
        if not is_currency(cur) or cur == "JPY":
            cells.problem("currency", f"unknown or JPY: {cur!r}")
        vf = cells.date("valid_from")
        vt = cells.date("valid_to", required=False)
        if vf is not None:
            if vf.weekday() != 6:
                cells.problem("valid_from", f"a customs week starts on a Sunday; {vf.isoformat()} is a {vf:%A}")
            if vt is not None and vt != vf + timedelta(6):
                cells.problem("valid_to", f"a customs week ends on the Saturday six days after valid_from "
                                          f"({(vf + timedelta(6)).isoformat()}), not {vt.isoformat()}; leave it "
                                          "empty for that")
        rate = cells.decimal("rate_jpy")
        if rate is None and not cells.text("rate_jpy"):
            cells.problem("rate_jpy", "required: yen per unit of the currency")
        elif rate is not None and rate <= 0:
            cells.problem("rate_jpy", "must be a positive number")
        source = cells.text("source")
        if not source:
            cells.problem("source", "required (name the publication)")
        cells.check()
        assert vf is not None and rate is not None  # noted above otherwise
        return RateRow(cur, vf, vt or vf + timedelta(6), rate, source)

    return parse_rows(path, RATE_COLUMNS, parse)


def load_rates(session: Session, rows: list[RateRow], actor: str = "cli") -> int:
    """Insert or replace the rates (same currency and week start replaces); returns rows written."""
    for r in rows:
        existing = session.scalar(
            select(ExchangeRate).where(ExchangeRate.currency == r.currency, ExchangeRate.valid_from == r.valid_from)
        )
        if existing:
            existing.valid_to, existing.rate_jpy, existing.source = r.valid_to, r.rate_jpy, r.source
        else:
            session.add(ExchangeRate(currency=r.currency, valid_from=r.valid_from, valid_to=r.valid_to,
                                     rate_jpy=r.rate_jpy, source=r.source))
    if rows:
        audit.append(session, actor=actor, action="exchange_rates.loaded", entity_type="exchange_rates",
                     entity_id=f"{min(r.valid_from for r in rows)}..{max(r.valid_to for r in rows)}",
                     data={"rows": len(rows), "currencies": sorted({r.currency for r in rows})})
    return len(rows)


def rate_on(session: Session, currency: str, on: date) -> ExchangeRate | None:
    """The weekly rate applicable on a date (latest week start wins if weeks overlap)."""
    return session.scalar(
        select(ExchangeRate)
        .where(ExchangeRate.currency == currency, ExchangeRate.valid_from <= on, ExchangeRate.valid_to >= on)
        .order_by(ExchangeRate.valid_from.desc())
        .limit(1)
    )


def rates_on(session: Session, on: date) -> dict[str, Decimal]:
    """Every currency's weekly rate applicable on a date, in one query (the same answer as `rate_on` for each
    currency: the latest week start wins if weeks overlap). For callers that convert many currencies at once
    (an e-commerce manifest meets a dozen; one query each cost ~0.6 ms per manifest and currency)."""
    found: dict[str, tuple[date, Decimal]] = {}
    rows = session.execute(select(ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.rate_jpy)
                           .where(ExchangeRate.valid_from <= on, ExchangeRate.valid_to >= on))
    for currency, valid_from, rate in rows:
        if currency not in found or valid_from > found[currency][0]:
            found[currency] = (valid_from, rate)
    return {c: rate for c, (_, rate) in found.items()}
