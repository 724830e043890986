"""Pure assessment of customs duty and import consumption tax for one declaration, with Japan's rounding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Literal, TypeAlias

from smartcustoms.tariff.tables import (
    LOW_VALUE_EXEMPTION_MAX,
    PERSONAL_USE_RATIO,
    SIMPLIFIED_TARIFF_MAX,
    CtKind,
    Effective,
    TariffTables,
    Threshold,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RateSource = Literal["simplified", "tariff", "claimed"]
Json: TypeAlias = str | int | bool | None | list["Json"] | dict[str, "Json"]

_HS_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3})?")


class UnitMismatch(ValueError):
    """A specific duty is per a unit that the line does not declare its quantity in."""

    def __init__(self, line_no: int, expected_unit: str, got_unit: str) -> None:
        super().__init__(f"line {line_no}: the duty is per {expected_unit} but the quantity is in {got_unit}")
        self.line_no, self.expected_unit, self.got_unit = line_no, expected_unit, got_unit


@dataclass(frozen=True)
class DutyRate:
    """A duty rate: ad valorem fraction, yen per unit, or both (compound)."""

    ad_valorem: Decimal | None = None
    specific_jpy: Decimal | None = None
    specific_unit: str | None = None

    def __post_init__(self) -> None:
        if self.ad_valorem is None and self.specific_jpy is None:
            raise ValueError("a duty rate needs ad_valorem or specific_jpy")
        if (self.specific_jpy is None) != (self.specific_unit is None):
            raise ValueError("specific_jpy and specific_unit go together")
        amounts = [x for x in (self.ad_valorem, self.specific_jpy) if x is not None]
        if not all(x.is_finite() and x >= 0 for x in amounts):
            raise ValueError("duty rates must be finite and non-negative")

    def to_dict(self) -> dict[str, Json]:
        """JSON-ready form: Decimals as strings."""
        return _record(self)


@dataclass(frozen=True)
class LineInput:
    """One declaration line as the assessment needs it (values already in yen)."""

    line_no: int
    hs_code: str
    value_jpy: int
    quantity: Decimal
    unit: str
    net_mass_kg: Decimal
    claimed_rate: Decimal
    tariff_rate: DutyRate | None
    ct_kind: CtKind

    def __post_init__(self) -> None:
        if not _HS_CODE.fullmatch(self.hs_code):
            raise ValueError(f"line {self.line_no}: hs_code must be 6 or 9 digits: {self.hs_code!r}")
        if self.value_jpy < 0:
            raise ValueError(f"line {self.line_no}: value_jpy must not be negative")
        for name in ("quantity", "net_mass_kg", "claimed_rate"):
            value: Decimal = getattr(self, name)
            if not (value.is_finite() and value >= 0):
                raise ValueError(f"line {self.line_no}: {name} must be finite and non-negative")
        if self.ct_kind not in ("standard", "reduced"):
            raise ValueError(f"line {self.line_no}: ct_kind must be standard or reduced")


@dataclass(frozen=True)
class RuleApplied:
    """A rule that decided part of the assessment, with its legal source."""

    rule: str
    source: str
    verified: bool


@dataclass(frozen=True)
class LineAssessment:
    """Duty and consumption tax of one line, with the rules that produced them."""

    line_no: int
    value_jpy: int
    dutiable_value_jpy: int
    duty_base_jpy: int
    rate_source: RateSource
    applied_rate: DutyRate
    claimed_rate: Decimal
    rate_mismatch: bool
    duty_jpy: int
    ct_kind: CtKind
    ct_national_rate: Decimal
    ct_base_jpy: int
    consumption_tax_national_jpy: int
    consumption_tax_local_jpy: int
    exempt: bool
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Json]:
        """JSON-ready form: ints for yen, strings for Decimals."""
        return _record(self)


@dataclass(frozen=True)
class Assessment:
    """The assessed declaration: lines, totals (rounded per Japan's rules) and every rule applied."""

    lines: tuple[LineAssessment, ...]
    customs_value_jpy: int
    duty_jpy: int
    consumption_tax_national_jpy: int
    consumption_tax_local_jpy: int
    total_jpy: int
    low_value_exempt: bool  # at least one line was exempted under the ≤ threshold rule
    simplified_applied: bool  # at least one line not exempt was assessed at a simplified rate
    personal_use_ratio: Decimal | None  # the ratio applied, None when not applied
    rules_applied: tuple[RuleApplied, ...]
    assessed_on: date

    def to_dict(self) -> dict[str, Json]:
        """JSON-ready form: ints for yen, strings for Decimals, ISO date."""
        return _record(self)


def _json(value: object) -> Json:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _record(value)
    if value is None or isinstance(value, str | int):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _record(obj: DataclassInstance) -> dict[str, Json]:
    return {f.name: _json(getattr(obj, f.name)) for f in fields(obj)}


# Per-line rounding as in Customs Answer 1111; for the consumption tax: 国税通則法 第118条・第119条.
_ROUNDING = RuleApplied("rounding", "Customs Answer 1111; 国税通則法 第118条第1項・第119条第1項", True)


def _yen(amount: Decimal) -> int:
    """Drop the fraction of a yen (amounts here are never negative)."""
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def _floor_to(amount: int, step: int) -> int:
    return amount // step * step


def _tag(row: Effective) -> str:
    return row.source if row.verified else f"{row.source}; unverified"


def _rate_text(rate: DutyRate) -> str:
    parts = [f"{(rate.ad_valorem * 100).normalize():f}%"] if rate.ad_valorem is not None else []
    if rate.specific_jpy is not None:
        parts.append(f"¥{rate.specific_jpy}/{rate.specific_unit}")
    return " + ".join(parts)


def _specific_quantity(line: LineInput, unit: str) -> Decimal:
    # Duty per kilogram is levied on net mass, whatever unit the quantity is declared in.
    if unit == "KGM":
        return line.net_mass_kg
    if line.unit != unit:
        raise UnitMismatch(line.line_no, unit, line.unit)
    return line.quantity


def _duty(line: LineInput, base_jpy: int, rate: DutyRate) -> int:
    duty = _yen(base_jpy * rate.ad_valorem) if rate.ad_valorem is not None else 0
    if rate.specific_jpy is not None and rate.specific_unit is not None:
        duty += _yen(rate.specific_jpy * _specific_quantity(line, rate.specific_unit))
    return duty


class _Log:
    """Collects the rules applied, once each, in the order first used."""

    def __init__(self) -> None:
        self.rules: dict[str, RuleApplied] = {}

    def add(self, rule: str, row: Effective) -> None:
        self.rules.setdefault(rule, RuleApplied(rule, row.source, row.verified))


@dataclass(frozen=True)
class _Context:
    """What every line's assessment needs to know about the whole declaration."""

    on: date
    tables: TariffTables
    log: _Log
    total_value: int
    exemption: Threshold | None  # the threshold row when the declaration is under it
    simplified_ok: bool


def _choose_rate(ctx: _Context, line: LineInput, notes: list[str]) -> tuple[DutyRate, RateSource]:
    """Rule 3: simplified rate, else the schedule's rate, else the declarant's claimed rate."""
    if ctx.simplified_ok:
        excluded = ctx.tables.excluded(line.hs_code, "simplified", ctx.on)
        band = ctx.tables.simplified_rate(line.hs_code, ctx.on)
        if excluded is not None:
            ctx.log.add(f"simplified_excluded:{excluded.hs_prefix}", excluded)
            notes.append(f"no simplified rate: {excluded.description} (HS {excluded.hs_prefix}) is excluded "
                         f"({_tag(excluded)})")
        elif band is not None:
            ctx.log.add(f"simplified_rate:{band.hs_prefix}", band)
            rate = DutyRate(band.ad_valorem, band.specific_jpy, band.specific_unit)
            notes.append(f"simplified rate {_rate_text(rate)} for {band.description} ({_tag(band)})")
            return rate, "simplified"
    if line.tariff_rate is not None:
        return line.tariff_rate, "tariff"
    notes.append("no tariff schedule rate for this code on this date: the claimed rate is used")
    return DutyRate(ad_valorem=line.claimed_rate), "claimed"


def _is_exempt(ctx: _Context, line: LineInput, notes: list[str]) -> bool:
    """Rule 2: under the low-value threshold every line not on the excluded list is exempt."""
    if ctx.exemption is None:
        return False
    excluded = ctx.tables.excluded(line.hs_code, "exemption", ctx.on)
    if excluded is not None:
        ctx.log.add(f"exemption_excluded:{excluded.hs_prefix}", excluded)
        notes.append(f"not exempt: {excluded.description} (HS {excluded.hs_prefix}) is excluded from the "
                     f"low-value exemption ({_tag(excluded)})")
        return False
    notes.append(f"low-value exemption: declaration total ¥{ctx.total_value:,} ≤ "
                 f"¥{ctx.exemption.amount_jpy:,}, no duty or consumption tax ({_tag(ctx.exemption)})")
    return True


def _assess_line(ctx: _Context, line: LineInput, value: int, notes: list[str]) -> LineAssessment:
    """Rules 2 to 4 for one line whose dutiable value is ``value``."""
    exempt = _is_exempt(ctx, line, notes)
    # An exempt line's rate is still shown (and checked against the claim) but decides no amount.
    rate, source = _choose_rate(replace(ctx, log=_Log()) if exempt else ctx, line, notes)
    mismatch = source != "claimed" and not (not rate.specific_jpy and rate.ad_valorem == line.claimed_rate)
    if mismatch:
        notes.append(f"rate mismatch: claimed {_rate_text(DutyRate(line.claimed_rate))}, "
                     f"{source} rate {_rate_text(rate)}")
    ct = ctx.tables.consumption_tax(line.ct_kind, ctx.on)
    ctx.log.add(f"consumption_tax:{ct.kind}:{ct.valid_from.isoformat()}", ct)
    if ct.kind != line.ct_kind:
        notes.append(f"no {line.ct_kind} consumption-tax rate on {ctx.on.isoformat()}: "
                     f"the {ct.kind} rate {ct.national_rate} applies ({_tag(ct)})")
    duty_base = duty = ct_base = national = local = 0
    if not exempt:
        ctx.log.rules.setdefault(_ROUNDING.rule, _ROUNDING)
        duty_base = _floor_to(value, 1000)
        duty = _duty(line, duty_base, rate)
        # The CT base adds the line's duty rounded down to ¥100, and is then rounded down to ¥1,000 itself.
        ct_base = _floor_to(value + _floor_to(duty, 100), 1000)
        national = _floor_to(_yen(ct_base * ct.national_rate), 100)
        local = national * ct.local_numerator // ct.local_denominator
    return LineAssessment(
        line_no=line.line_no, value_jpy=line.value_jpy, dutiable_value_jpy=value, duty_base_jpy=duty_base,
        rate_source=source, applied_rate=rate, claimed_rate=line.claimed_rate, rate_mismatch=mismatch,
        duty_jpy=duty, ct_kind=line.ct_kind, ct_national_rate=ct.national_rate, ct_base_jpy=ct_base,
        consumption_tax_national_jpy=national, consumption_tax_local_jpy=local, exempt=exempt,
        notes=tuple(notes),
    )


def assess(
    lines: Sequence[LineInput],
    *,
    on: date,
    personal_use: bool,
    simplified_opt_out: bool,
    tables: TariffTables,
) -> Assessment:
    """Assess duty and import consumption tax of a declaration's lines on date ``on``."""
    if not lines or len({line.line_no for line in lines}) != len(lines):
        raise ValueError("a declaration needs at least one line, each with its own line_no")
    log = _Log()
    notes: dict[int, list[str]] = {line.line_no: [] for line in lines}
    exemption = tables.threshold_rule(LOW_VALUE_EXEMPTION_MAX, on)
    simplified_max = tables.threshold_rule(SIMPLIFIED_TARIFF_MAX, on)

    # Rule 1: personal-use goods are valued at a fraction of the overseas retail price.
    ratio: Decimal | None = None
    dutiable = {line.line_no: line.value_jpy for line in lines}
    if personal_use:
        ratio_row = tables.ratio_rule(PERSONAL_USE_RATIO, on)
        log.add(PERSONAL_USE_RATIO, ratio_row)
        ratio = ratio_row.ratio
        for line in lines:
            if ratio is None:
                notes[line.line_no].append(f"personal-use ratio not in force: full value ({_tag(ratio_row)})")
                continue
            dutiable[line.line_no] = _yen(line.value_jpy * ratio)
            notes[line.line_no].append(f"personal-use valuation: ¥{line.value_jpy:,} × {ratio} = "
                                       f"¥{dutiable[line.line_no]:,} ({_tag(ratio_row)})")
    total_value = sum(dutiable.values())

    # Rules 2 and 3 compare the whole declaration's value, not each line's, with the thresholds.
    log.add(LOW_VALUE_EXEMPTION_MAX, exemption)
    if simplified_opt_out:
        for line in lines:
            notes[line.line_no].append(f"importer opted for the general tariff: no simplified rates "
                                       f"({_tag(simplified_max)})")
    else:
        log.add(SIMPLIFIED_TARIFF_MAX, simplified_max)
    ctx = _Context(
        on=on, tables=tables, log=log, total_value=total_value,
        exemption=exemption if total_value <= exemption.amount_jpy else None,
        simplified_ok=not simplified_opt_out and total_value <= simplified_max.amount_jpy,
    )
    out = tuple(_assess_line(ctx, line, dutiable[line.line_no], notes[line.line_no]) for line in lines)

    duty = _floor_to(sum(a.duty_jpy for a in out), 100)
    national = _floor_to(sum(a.consumption_tax_national_jpy for a in out), 100)
    local = _floor_to(sum(a.consumption_tax_local_jpy for a in out), 100)
    return Assessment(
        lines=out, customs_value_jpy=total_value, duty_jpy=duty, consumption_tax_national_jpy=national,
        consumption_tax_local_jpy=local, total_jpy=duty + national + local,
        low_value_exempt=any(a.exempt for a in out),
        simplified_applied=any(a.rate_source == "simplified" and not a.exempt for a in out),
        personal_use_ratio=ratio, rules_applied=tuple(log.rules.values()), assessed_on=on,
    )
