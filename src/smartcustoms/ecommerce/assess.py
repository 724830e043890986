"""Pure valuation and assessment of a low-value consignment.

The common case (dutiable total ≤ the exemption threshold and no goods excluded from the exemption) is settled
here without building calc's objects: every line is exempt, so duty and consumption tax are nil, exactly what
`tariff.calc.assess` gives for it. Every other consignment goes through `calc.assess` itself, so the figures are
the platform's one calculation (tests check the fast path against calc on generated data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

import orjson

from smartcustoms.ecommerce.records import Problem, Record, problem
from smartcustoms.tariff import calc
from smartcustoms.tariff.tables import (
    LOW_VALUE_EXEMPTION_MAX,
    SIMPLIFIED_TARIFF_MAX,
    CtKind,
    CtRate,
    ExcludedGoods,
    NoEffectiveRule,
    Purpose,
    Ratio,
    SimplifiedRate,
    TariffTables,
    Threshold,
)

# Goods lines of parcels carry no claimed duty rate; calc needs one only as the last fallback (see docs).
NO_CLAIM = Decimal(0)


@dataclass(frozen=True)
class CachedTables(TariffTables):
    """The same rule tables with their lookups memoised: a manifest asks the same questions thousands of times."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", {})

    def _cached(self, key: tuple[object, ...], compute: Callable[[], object]) -> Any:
        memo: dict[tuple[object, ...], object] = self._memo  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def consumption_tax(self, kind: CtKind, on: date) -> CtRate:
        return cast(CtRate, self._cached(("ct", kind, on), lambda: super(CachedTables, self).consumption_tax(kind, on)))

    def threshold_rule(self, name: str, on: date) -> Threshold:
        return cast(Threshold, self._cached(("th", name, on),
                                            lambda: super(CachedTables, self).threshold_rule(name, on)))

    def ratio_rule(self, name: str, on: date) -> Ratio:
        return cast(Ratio, self._cached(("ra", name, on), lambda: super(CachedTables, self).ratio_rule(name, on)))

    def excluded(self, hs_code: str, purpose: Purpose, on: date) -> ExcludedGoods | None:
        return cast(ExcludedGoods | None, self._cached(
            ("ex", hs_code, purpose, on), lambda: super(CachedTables, self).excluded(hs_code, purpose, on)))

    def simplified_rate(self, hs_code: str, on: date) -> SimplifiedRate | None:
        return cast(SimplifiedRate | None, self._cached(
            ("si", hs_code, on), lambda: super(CachedTables, self).simplified_rate(hs_code, on)))


def cached(t: TariffTables) -> CachedTables:
    """Memoising view of the rule tables."""
    return CachedTables(t.ct_rates, t.thresholds, t.ratios, t.excluded_goods, t.simplified_rates)


def assessment_json(a: calc.Assessment) -> str:
    """The assessment as stored on a taxed consignment (the figures and notes of each line, the rules applied)."""
    return orjson.dumps({
        "customs_value_jpy": a.customs_value_jpy, "duty_jpy": a.duty_jpy,
        "consumption_tax_national_jpy": a.consumption_tax_national_jpy,
        "consumption_tax_local_jpy": a.consumption_tax_local_jpy, "total_jpy": a.total_jpy,
        "low_value_exempt": a.low_value_exempt, "simplified_applied": a.simplified_applied,
        "personal_use_ratio": None if a.personal_use_ratio is None else str(a.personal_use_ratio),
        "assessed_on": a.assessed_on.isoformat(),
        "rules_applied": [{"rule": r.rule, "source": r.source, "verified": r.verified} for r in a.rules_applied],
        "lines": [{"line_no": x.line_no, "value_jpy": x.value_jpy, "dutiable_value_jpy": x.dutiable_value_jpy,
                   "rate_source": x.rate_source, "ad_valorem": None if x.applied_rate.ad_valorem is None
                   else str(x.applied_rate.ad_valorem), "specific_jpy": None if x.applied_rate.specific_jpy is None
                   else str(x.applied_rate.specific_jpy), "specific_unit": x.applied_rate.specific_unit,
                   "duty_jpy": x.duty_jpy, "ct_base_jpy": x.ct_base_jpy,
                   "consumption_tax_national_jpy": x.consumption_tax_national_jpy,
                   "consumption_tax_local_jpy": x.consumption_tax_local_jpy, "exempt": x.exempt,
                   "notes": [n for n in x.notes if not n.startswith("rate mismatch")]} for x in a.lines],
    }).decode()


@dataclass(slots=True)
class Valuation:
    """What the assessment found for one consignment (yen)."""

    value_jpy: int
    dutiable_value_jpy: int
    duty_jpy: int
    ct_national_jpy: int
    ct_local_jpy: int
    exempt: bool  # the dutiable total is within the low-value exemption threshold
    assessment_json: str | None  # calc's full assessment when anything was taxed
    no_rate_hs: tuple[str, ...]  # codes taxed without a simplified band or tariff rate (officer confirms)

    @property
    def total_tax_jpy(self) -> int:
        return self.duty_jpy + self.ct_national_jpy + self.ct_local_jpy


class Assessor:
    """Assesses the consignments of one manifest date; lookups are computed once and cached."""

    def __init__(self, tables: TariffTables, on: date, rate: Callable[[str], Decimal | None],
                 tariff: Callable[[str], tuple[calc.DutyRate | None, str | None]]) -> None:
        self.tables = tables if isinstance(tables, CachedTables) else cached(tables)
        self.on, self._rate, self._tariff = on, rate, tariff
        self.exemption_max = tables.threshold(LOW_VALUE_EXEMPTION_MAX, on)
        self.simplified_max = tables.threshold(SIMPLIFIED_TARIFF_MAX, on)
        self.ratio = tables.personal_use_ratio(on)
        self._rates: dict[str, Decimal | None] = {"JPY": Decimal(1)}
        self._excluded: dict[str, bool] = {}

    def rate(self, currency: str) -> Decimal | None:
        """Yen per unit of `currency` this week (cached)."""
        if currency not in self._rates:
            self._rates[currency] = self._rate(currency)
        return self._rates[currency]

    def excluded_from_exemption(self, hs: str) -> bool:
        """Whether goods of this code never get the low-value exemption (cached per code)."""
        found = self._excluded.get(hs)
        if found is None:
            found = self._excluded[hs] = self.tables.excluded(hs, "exemption", self.on) is not None
        return found

    def assess(self, rec: Record) -> tuple[Valuation | None, list[Problem]]:
        """The consignment's valuation, or the problems that keep it from being assessed."""
        problems: list[Problem] = []
        yen: list[int] = []
        for i, g in enumerate(rec.goods):
            rate = self.rate(g.currency)
            if rate is None:
                problems.append(problem(f"goods[{i}].currency", f"no customs weekly exchange rate for {g.currency} "
                                        f"in force on {self.on.isoformat()}", "no_exchange_rate"))
                continue
            # Conversion to yen drops fractions of a yen (円未満切捨て); values are never negative.
            yen.append(int(g.value * rate))
        if problems:
            return None, problems
        ratio = self.ratio if rec.personal_use else None
        dutiable = sum(int(v * ratio) for v in yen) if ratio is not None else sum(yen)
        value = sum(yen)
        if dutiable > self.simplified_max:
            return None, [problem("goods", f"dutiable value ¥{dutiable:,} is above ¥{self.simplified_max:,}: not a "
                                           "low-value consignment, lodge an import declaration", "not_low_value")]
        exempt = dutiable <= self.exemption_max
        if exempt and all(g.hs_code is None or not self.excluded_from_exemption(g.hs_code) for g in rec.goods):
            return Valuation(value, dutiable, 0, 0, 0, True, None, ()), []
        return self._full(rec, yen, value, dutiable, exempt)

    def _full(self, rec: Record, yen: list[int], value: int, dutiable: int,
              exempt: bool) -> tuple[Valuation | None, list[Problem]]:
        problems: list[Problem] = []
        inputs: list[calc.LineInput] = []
        no_rate: list[str] = []
        for i, (g, v) in enumerate(zip(rec.goods, yen, strict=True)):
            if g.hs_code is None:
                why = (f"the dutiable value ¥{dutiable:,} is above ¥{self.exemption_max:,}" if not exempt else
                       "other goods in it are excluded from the low-value exemption")
                problems.append(problem(f"goods[{i}].hs_code", f"required to assess duty: {why}", "hs_code_required"))
                continue
            tariff_rate, unsettled = self._tariff(g.hs_code)
            if unsettled:
                problems.append(problem(f"goods[{i}].hs_code", unsettled, "ambiguous_tariff_line"))
                continue
            inputs.append(calc.LineInput(
                line_no=i + 1, hs_code=g.hs_code, value_jpy=v, quantity=g.quantity, unit=g.unit,
                net_mass_kg=g.net_mass_kg, claimed_rate=NO_CLAIM, tariff_rate=tariff_rate, ct_kind="standard"))
        if problems:
            return None, problems
        try:
            a = calc.assess(inputs, on=self.on, personal_use=rec.personal_use, simplified_opt_out=False,
                            tables=self.tables)
        except calc.UnitMismatch as exc:
            return None, [problem(f"goods[{exc.line_no - 1}].unit", str(exc), "unit_mismatch")]
        except NoEffectiveRule as exc:
            return None, [problem("received_at", str(exc), "no_rule_in_force")]
        for line in a.lines:
            if line.rate_source == "claimed" and not line.exempt:
                no_rate.append(inputs[line.line_no - 1].hs_code)
        return Valuation(value, a.customs_value_jpy, a.duty_jpy, a.consumption_tax_national_jpy,
                         a.consumption_tax_local_jpy, exempt, assessment_json(a),
                         tuple(no_rate)), []
