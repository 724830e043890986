"""Load the tariff schedule from CSV and resolve a line's rate on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.csvfile import Cells, parse_rows
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


def parse_tariff_csv(path: Path) -> list[TariffRow]:
    """Parse a tariff file; any bad row refuses the whole file.

    Columns: hs_code (6 or 9 digits), duty_rate (ad valorem fraction, may be empty when a specific
    rate is given), valid_from, valid_to (empty = open), source; optional specific_jpy and
    specific_unit (LTR or KGM) for yen-per-unit duties.
    """
    def parse(raw: dict[str, str]) -> TariffRow:
        cells = Cells(raw)  # every problem of the row is reported, not the first only
        code = normalise_hs(raw["hs_code"])
        if problem := hs_problem(code):
            cells.problem("hs_code", problem)
        adv = cells.decimal("duty_rate")
        spec = cells.decimal("specific_jpy")
        unit = cells.text("specific_unit").upper() or None
        if adv is None and spec is None and not (cells.text("duty_rate") or cells.text("specific_jpy")):
            cells.problem("duty_rate", "give an ad valorem rate or specific_jpy")
        if adv is not None and not (Decimal(0) <= adv <= Decimal(10)):
            cells.problem("duty_rate", "a fraction between 0 and 10 (e.g. 0.14 for 14%)")
        if spec is not None and (spec < 0 or unit not in SPECIFIC_UNITS):
            cells.problem("specific_jpy/specific_unit", f"non-negative yen per {'/'.join(SPECIFIC_UNITS)}")
        vf = cells.date("valid_from")
        vt = cells.date("valid_to", required=False)
        if vf and vt and vt < vf:
            cells.problem("valid_to", "before valid_from")
        source = cells.text("source")
        if not source:
            cells.problem("source", "required")
        cells.check()
        assert vf is not None  # noted above otherwise
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


@dataclass(frozen=True)
class ScheduleLookup:
    """Rates found per declared code, and codes the schedule cannot settle (with the reason)."""

    rates: dict[str, tuple[DutyRate, TariffRate]]
    problems: dict[str, str]

    def get(self, code: str) -> tuple[DutyRate, TariffRate] | None:
        return self.rates.get(code)


def _duty_rate(t: TariffRate) -> DutyRate:
    return DutyRate(ad_valorem=t.ad_valorem, specific_jpy=t.specific_jpy, specific_unit=t.specific_unit)


def resolve(code: str, in_force: dict[str, TariffRate]) -> tuple[TariffRate | None, str | None]:
    """The schedule row for a declared code among the rows in force under its subheading, or why there is none.

    Japan's schedule is kept at 9 digits. A 9-digit code takes its own row, else its subheading's 6-digit row;
    a 9-digit code the schedule does not list, where it lists others under the same subheading, is refused. A
    6-digit code takes its own row, else its 9-digit rows when they all carry one rate; different rates
    below it are refused, because the declarant's claimed rate must not decide between them.
    """
    six = code[:6]
    nine = sorted(c for c in in_force if len(c) == 9 and c.startswith(six))
    if len(code) == 9:
        row = in_force.get(code) or in_force.get(six)
        if row is None and nine:
            return None, f"{code} is not in the tariff schedule; codes under {six}: {', '.join(nine[:10])}"
        return row, None
    if six in in_force:
        return in_force[six], None
    if nine:
        rates = {(in_force[c].ad_valorem, in_force[c].specific_jpy, in_force[c].specific_unit) for c in nine}
        if len(rates) == 1:
            return in_force[nine[0]], None
        return None, f"the tariff splits {six} into 9-digit codes with different rates ({', '.join(nine[:10])}): " \
                     "declare the 9-digit code"
    return None, None


def rates_for(session: Session, hs_codes: list[str], on: date) -> ScheduleLookup:
    """The schedule's rates for the declared codes on a date, in one query (see `resolve`)."""
    codes = {normalise_hs(c) for c in hs_codes}
    sixes = sorted({c[:6] for c in codes})
    if not sixes:
        return ScheduleLookup({}, {})
    stmt = select(TariffRate).where(
        func.substr(TariffRate.hs_code, 1, 6).in_(sixes),
        TariffRate.valid_from <= on,
        or_(TariffRate.valid_to.is_(None), TariffRate.valid_to >= on),
    )
    in_force: dict[str, TariffRate] = {}
    for t in session.scalars(stmt):
        # Overlapping rows for one code: the latest valid_from is the one in force.
        if t.hs_code not in in_force or t.valid_from > in_force[t.hs_code].valid_from:
            in_force[t.hs_code] = t
    found: dict[str, tuple[DutyRate, TariffRate]] = {}
    problems: dict[str, str] = {}
    for c in codes:
        row, problem = resolve(c, in_force)
        if row is not None:
            found[c] = (_duty_rate(row), row)
        elif problem:
            problems[c] = problem
    return ScheduleLookup(found, problems)


def rate_for(session: Session, hs_code: str, on: date) -> tuple[DutyRate, TariffRate] | None:
    """The schedule's rate for one code on a date."""
    return rates_for(session, [hs_code], on).get(normalise_hs(hs_code))
