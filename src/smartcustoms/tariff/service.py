"""Load the tariff schedule from CSV and resolve a line's rate on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.csvfile import parse_rows
from smartcustoms.reference.codes import hs_problem, normalise_hs
from smartcustoms.tariff.calc import DutyRate
from smartcustoms.tariff.models import TariffRate

TARIFF_COLUMNS = ("hs_code", "duty_rate", "valid_from", "valid_to", "source")
SPECIFIC_UNITS = ("LTR", "KGM")


@dataclass(frozen=True)
class TariffRow:
    hs_code: str
    ad_valorem: Decimal | None
    specific_jpy: Decimal | None
    specific_unit: str | None
    valid_from: date
    valid_to: date | None
    source: str


def _opt_decimal(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def parse_tariff_csv(path: Path) -> list[TariffRow]:
    """Parse a tariff file; any bad row refuses the whole file.

    Columns: hs_code (6 or 9 digits), duty_rate (ad valorem fraction, may be empty when a specific
    rate is given), valid_from, valid_to (empty = open), source; optional specific_jpy and
    specific_unit (LTR or KGM) for yen-per-unit duties.
    """
    def parse(raw: dict[str, str]) -> TariffRow:
        code = normalise_hs(raw["hs_code"])
        problem = hs_problem(code)
        if problem:
            raise ValueError(f"hs_code: {problem}")
        adv = _opt_decimal(raw["duty_rate"])
        spec = _opt_decimal(raw.get("specific_jpy"))
        unit = (raw.get("specific_unit") or "").strip().upper() or None
        if adv is None and spec is None:
            raise ValueError("duty_rate: give an ad valorem rate or specific_jpy")
        if adv is not None and not (Decimal(0) <= adv <= Decimal(10)):
            raise ValueError("duty_rate: a fraction between 0 and 10 (e.g. 0.14 for 14%)")
        if spec is not None and (spec < 0 or unit not in SPECIFIC_UNITS):
            raise ValueError(f"specific_jpy/specific_unit: non-negative yen per {'/'.join(SPECIFIC_UNITS)}")
        vf = date.fromisoformat(raw["valid_from"].strip())
        vt = date.fromisoformat(raw["valid_to"].strip()) if raw["valid_to"].strip() else None
        if vt and vt < vf:
            raise ValueError("valid_to: before valid_from")
        source = raw["source"].strip()
        if not source:
            raise ValueError("source: required")
        return TariffRow(code, adv, spec, unit if spec is not None else None, vf, vt, source)

    return parse_rows(path, TARIFF_COLUMNS, parse)


def load_tariff(session: Session, rows: list[TariffRow], actor: str = "cli") -> int:
    """Insert or replace tariff rows (same code and valid_from replaces)."""
    for r in rows:
        existing = session.scalar(
            select(TariffRate).where(TariffRate.hs_code == r.hs_code, TariffRate.valid_from == r.valid_from)
        )
        target = existing or TariffRate(hs_code=r.hs_code, valid_from=r.valid_from)
        target.ad_valorem, target.specific_jpy, target.specific_unit = r.ad_valorem, r.specific_jpy, r.specific_unit
        target.valid_to, target.source = r.valid_to, r.source
        if existing is None:
            session.add(target)
    if rows:
        audit.append(session, actor=actor, action="tariff.loaded", entity_type="tariff", entity_id=str(len(rows)),
                     data={"rows": len(rows), "codes": len({r.hs_code for r in rows})})
    return len(rows)


def rates_for(session: Session, hs_codes: list[str], on: date) -> dict[str, tuple[DutyRate, TariffRate]]:
    """The schedule's rate for each code on a date, in one query; the longest matching code wins
    (a 9-digit statistical code row before its 6-digit subheading). Codes with no rate are absent."""
    codes = {normalise_hs(c) for c in hs_codes}
    candidates = {c[:9] for c in codes if len(c) == 9} | {c[:6] for c in codes}
    if not candidates:
        return {}
    stmt = select(TariffRate).where(
        TariffRate.hs_code.in_(sorted(candidates)),
        TariffRate.valid_from <= on,
        or_(TariffRate.valid_to.is_(None), TariffRate.valid_to >= on),
    )
    by_code: dict[str, TariffRate] = {}
    for t in session.scalars(stmt):
        # Overlapping rows for one code: the latest valid_from is the one in force.
        if t.hs_code not in by_code or t.valid_from > by_code[t.hs_code].valid_from:
            by_code[t.hs_code] = t
    out: dict[str, tuple[DutyRate, TariffRate]] = {}
    for c in codes:
        found = (by_code.get(c[:9]) if len(c) == 9 else None) or by_code.get(c[:6])
        if found is not None:
            rate = DutyRate(ad_valorem=found.ad_valorem, specific_jpy=found.specific_jpy,
                            specific_unit=found.specific_unit)
            out[c] = (rate, found)
    return out


def rate_for(session: Session, hs_code: str, on: date) -> tuple[DutyRate, TariffRate] | None:
    """The schedule's rate for one code on a date."""
    return rates_for(session, [hs_code], on).get(normalise_hs(hs_code))
