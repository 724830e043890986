"""Pure valuation and assessment of a low-value consignment.

The common case (dutiable total ≤ the exemption threshold and no goods excluded from the exemption) is settled
here without building calc's objects: every line is exempt, so duty and consumption tax are nil, exactly what
`tariff.calc.assess` gives for it. A taxed consignment whose lines all have ad valorem rates (simplified band,
tariff schedule or the nil claim) is assessed by `_Taxed`, which follows calc's rules step by step in integer yen
with the per-code table lookups memoised and writes the same assessment JSON; anything else (specific duties, a
rule not in force, an abolished personal-use ratio) goes through `calc.assess` itself. calc stays the reference:
tests compare both paths, figure by figure and byte for byte, on generated and on random consignments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple, cast

import orjson

from smartcustoms.ecommerce.records import Problem, Record, problem
from smartcustoms.tariff import calc
from smartcustoms.tariff.tables import (
    LOW_VALUE_EXEMPTION_MAX,
    PERSONAL_USE_RATIO,
    SIMPLIFIED_TARIFF_MAX,
    CtKind,
    CtRate,
    ExciseGoods,
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

    def ct_kind(self, hs_code: str, on: date) -> CtKind:
        return cast(CtKind, self._cached(("ck", hs_code, on), lambda: super(CachedTables, self).ct_kind(hs_code, on)))

    def excise(self, hs_code: str, on: date) -> ExciseGoods | None:
        return cast(ExciseGoods | None, self._cached(
            ("xc", hs_code, on), lambda: super(CachedTables, self).excise(hs_code, on)))

    def simplified_rate(self, hs_code: str, on: date) -> SimplifiedRate | None:
        return cast(SimplifiedRate | None, self._cached(
            ("si", hs_code, on), lambda: super(CachedTables, self).simplified_rate(hs_code, on)))


def cached(t: TariffTables) -> CachedTables:
    """Memoising view of the rule tables."""
    return CachedTables(t.ct_rates, t.thresholds, t.ratios, t.excluded_goods, t.simplified_rates, t.excise_goods,
                        t.reduced_ct_goods)


@lru_cache(maxsize=8)
def _shared(tables: TariffTables, on: date, fast: bool) -> tuple[CachedTables, _Taxed | None]:
    """The memoised tables and the fast path for one date, shared by the manifests of a process.

    Both answer from the packaged rule tables alone (the tariff schedule's rates, read from the database, are
    passed in per line and never kept here), so a manifest finds them warm (filling the memo again for every
    manifest was ~4 % of a 200-line manifest's CPU in a profile). Keyed by the tables' contents (frozen), so other
    tables never share."""
    memo = cached(tables)
    return memo, (_Taxed.build(memo, on) if fast else None)


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
    # The low-value exemption relieves the whole consignment: its dutiable total is within the threshold and no
    # line is excluded from the exemption, so nothing is due. A consignment within the threshold with excluded
    # goods (a leather bag) is not exempt: those lines are taxed (split detection reads the threshold itself).
    exempt: bool
    assessment_json: str | None  # calc's full assessment when anything was taxed
    no_rate_hs: tuple[str, ...]  # codes taxed without a simplified band or tariff rate (officer confirms)
    # Codes of goods on which liquor or tobacco tax is due, which the platform does not compute (also when exempt).
    excise_hs: tuple[str, ...] = ()
    # The dutiable total is within the exemption threshold (whether or not goods in it are excluded): what the risk
    # model's `tax_type` was fed before `exempt` meant "relieved of all of it", kept so the model's input is stable.
    within_exemption: bool = False

    @property
    def total_tax_jpy(self) -> int:
        return self.duty_jpy + self.ct_national_jpy + self.ct_local_jpy


class Assessor:
    """Assesses the consignments of one manifest date; lookups are computed once and cached."""

    def __init__(self, tables: TariffTables, on: date, rate: Callable[[str], Decimal | None],
                 tariff: Callable[[str], tuple[calc.DutyRate | None, str | None]], fast: bool = True) -> None:
        if isinstance(tables, CachedTables):
            self.tables, taxed = tables, (_Taxed.build(tables, on) if fast else None)
        else:
            self.tables, taxed = _shared(tables, on, fast)
        self.on, self._rate, self._tariff = on, rate, tariff
        self.exemption_max = tables.threshold(LOW_VALUE_EXEMPTION_MAX, on)
        self.simplified_max = tables.threshold(SIMPLIFIED_TARIFF_MAX, on)
        self.ratio = tables.personal_use_ratio(on)
        self._rates: dict[str, Decimal | None] = {"JPY": Decimal(1)}
        self._excluded: dict[str, bool] = {}
        self._excise: dict[str, bool] = {}
        # fast=False sends every taxed consignment through calc.assess (the reference the tests compare with).
        self._taxed = taxed

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

    def is_excise(self, hs: str) -> bool:
        """Whether liquor or tobacco tax is due on goods of this code (cached per code)."""
        found = self._excise.get(hs)
        if found is None:
            found = self._excise[hs] = self.tables.excise(hs, self.on) is not None
        return found

    def assess(self, rec: Record) -> tuple[Valuation | None, list[Problem]]:
        """The consignment's valuation, or the problems that keep it from being assessed."""
        val, problems = self._assess(rec)
        if val is not None:
            val.within_exemption = val.dutiable_value_jpy <= self.exemption_max
            known = self._excise
            for g in rec.goods:
                hs = g.hs_code
                if hs is not None and (known[hs] if hs in known else self.is_excise(hs)):
                    val.excise_hs = tuple(dict.fromkeys(
                        g.hs_code for g in rec.goods if g.hs_code and self.is_excise(g.hs_code)))
                    break
        return val, problems

    def _assess(self, rec: Record) -> tuple[Valuation | None, list[Problem]]:
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
        lines: list[_Line] = []
        no_rate: list[str] = []
        for i, (g, v) in enumerate(zip(rec.goods, yen, strict=True)):
            if g.hs_code is None:
                why = (f"the dutiable value ¥{dutiable:,} is above ¥{self.exemption_max:,}" if not exempt else
                       "other goods in it are excluded from the low-value exemption")
                problems.append(problem(f"goods[{i}].hs_code", f"required to assess duty: {why}", "hs_code_required"))
                continue
            tariff_rate, unsettled = self._tariff(g.hs_code)
            if unsettled:
                if not self._schedule_decides(g.hs_code, exempt):
                    # The line is exempt, or a simplified band gives its rate: the schedule's rate decides nothing,
                    # so a 6-digit code with several tariff lines under it is no reason to refuse the consignment
                    # (an exempt line then shows the nil rate; nothing is due on it).
                    tariff_rate = None
                else:
                    problems.append(problem(f"goods[{i}].hs_code", unsettled, "ambiguous_tariff_line"))
                    continue
            lines.append(_Line(i + 1, g.hs_code, v, tariff_rate))
        if problems:
            return None, problems
        if self._taxed is not None:
            quick = self._taxed.assess(lines, rec.personal_use, value)
            if quick is not None:
                return quick, []
        # calc's own input (checked as it is built): only for what the fast path leaves to calc.
        inputs = [calc.LineInput(
            line_no=x.line_no, hs_code=x.hs_code, value_jpy=x.value_jpy, quantity=rec.goods[x.line_no - 1].quantity,
            unit=rec.goods[x.line_no - 1].unit, net_mass_kg=rec.goods[x.line_no - 1].net_mass_kg,
            claimed_rate=NO_CLAIM, tariff_rate=x.tariff_rate, ct_kind=self.tables.ct_kind(x.hs_code, self.on))
            for x in lines]
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
                         a.consumption_tax_local_jpy, all(x.exempt for x in a.lines), assessment_json(a),
                         tuple(no_rate)), []

    def _schedule_decides(self, hs: str, within_exemption: bool) -> bool:
        """Whether the tariff schedule's rate sets this line's duty (calc's rules 2 and 3): not when the line is
        exempt (within the threshold and not excluded), nor when a simplified band it is not excluded from applies
        (the consignment is within the simplified threshold here, since a larger one is refused before)."""
        if within_exemption and not self.excluded_from_exemption(hs):
            return False
        return (self.tables.simplified_rate(hs, self.on) is None
                or self.tables.excluded(hs, "simplified", self.on) is not None)


class _Line(NamedTuple):
    """A goods line as the fast path reads it: calc's LineInput with the parcels' constant left out (the nil
    claimed rate; the consumption-tax kind follows from the code) and no checks (the record's were made);
    LineInput itself, which checks every field as it is built, is made only for consignments left to calc."""

    line_no: int
    hs_code: str
    value_jpy: int
    tariff_rate: calc.DutyRate | None


@dataclass(frozen=True, slots=True)
class _CodeRule:
    """What the rule tables say about one HS code on the manifest date, with calc's note texts."""

    exemption_excluded: ExcludedGoods | None
    exemption_note: str | None  # calc's note when the code is excluded from the exemption
    rate: calc.DutyRate | None  # the simplified band (ad valorem) or None: the tariff or claimed rate decides
    rule: tuple[str, ExcludedGoods | SimplifiedRate] | None  # the rule logged while choosing the rate
    rate_note: str | None
    fallback: bool  # a specific-duty band: leave the consignment to calc
    reduced: bool  # food and non-alcoholic beverages: the reduced consumption tax


_CLAIMED_NOTE = "no tariff schedule rate for this code on this date: the claimed rate is used"
_NIL_RATE = calc.DutyRate(ad_valorem=NO_CLAIM)  # parcels claim no rate: calc's fallback (frozen, so shared)
_ROUNDING = calc._ROUNDING  # calc's own rule row, so the JSON is the same


def _fraction(rate: Decimal) -> tuple[int, int]:
    f = Fraction(rate)
    return f.numerator, f.denominator


class _Taxed:
    """calc.assess for taxed low-value consignments with ad valorem rates, in integer yen (see the module doc).

    Mirrors `calc.assess` with simplified_opt_out=False, each line's consumption-tax kind from the tables
    (standard, or reduced for food) and the nil claimed rate: the same per-line rounding (duty base and CT base to
    ¥1,000, duty to ¥100 in the CT base, national CT to ¥100, local CT as a fraction of it, totals to ¥100), the
    same notes and the same rules in the same order.
    """

    def __init__(self, tables: TariffTables, on: date, exemption: Threshold, simplified: Threshold,
                 ratio_row: Ratio | None, ct: CtRate) -> None:
        self.tables, self.on = tables, on
        self.exemption, self.simplified, self.ratio_row, self.ct = exemption, simplified, ratio_row, ct
        self.ratio = _fraction(ratio_row.ratio) if ratio_row is not None and ratio_row.ratio is not None else None
        self.ct_rate = _fraction(ct.national_rate)
        self.ct_rule = f"consumption_tax:{ct.kind}:{ct.valid_from.isoformat()}"
        self.exemption_tail = f", no duty or consumption tax ({calc._tag(exemption)})"
        self.ratio_tail = "" if ratio_row is None else f" ({calc._tag(ratio_row)})"
        self.on_text = on.isoformat()
        self._codes: dict[str, _CodeRule] = {}
        self._fractions: dict[calc.DutyRate, tuple[int, int]] = {}
        self._reduced: tuple[CtRate, tuple[int, int], str] | None | bool = False  # False: not looked up yet

    @classmethod
    def build(cls, tables: TariffTables, on: date) -> _Taxed | None:
        """The fast path for `on`, or None when a rule it relies on is not in force (calc then explains)."""
        try:
            ratio_row = tables.ratio_rule(PERSONAL_USE_RATIO, on)
            ct = tables.consumption_tax("standard", on)
            return cls(tables, on, tables.threshold_rule(LOW_VALUE_EXEMPTION_MAX, on),
                       tables.threshold_rule(SIMPLIFIED_TARIFF_MAX, on),
                       ratio_row if ratio_row.ratio is not None else None, ct)
        except NoEffectiveRule:
            return None

    def _code(self, hs: str) -> _CodeRule:
        found = self._codes.get(hs)
        if found is not None:
            return found
        tag = calc._tag
        ex = self.tables.excluded(hs, "exemption", self.on)
        ex_note = None if ex is None else (f"not exempt: {ex.description} (HS {ex.hs_prefix}) is excluded from the "
                                           f"low-value exemption ({tag(ex)})")
        sx = self.tables.excluded(hs, "simplified", self.on)
        band = self.tables.simplified_rate(hs, self.on)
        rate: calc.DutyRate | None = None
        rule: tuple[str, ExcludedGoods | SimplifiedRate] | None = None
        note: str | None = None
        fallback = False
        if sx is not None:
            rule = (f"simplified_excluded:{sx.hs_prefix}", sx)
            note = f"no simplified rate: {sx.description} (HS {sx.hs_prefix}) is excluded ({tag(sx)})"
        elif band is not None:
            rate = calc.DutyRate(band.ad_valorem, band.specific_jpy, band.specific_unit)
            rule = (f"simplified_rate:{band.hs_prefix}", band)
            note = f"simplified rate {calc._rate_text(rate)} for {band.description} ({tag(band)})"
            fallback = rate.specific_jpy is not None
        reduced = self.tables.ct_kind(hs, self.on) == "reduced"
        found = self._codes[hs] = _CodeRule(ex, ex_note, rate, rule, note, fallback, reduced)
        return found

    def assess(self, lines: list[_Line], personal_use: bool, value: int) -> Valuation | None:
        """The valuation calc.assess would give, or None to leave the consignment to calc."""
        if personal_use and self.ratio is None:
            return None
        num, den = self.ratio if personal_use and self.ratio is not None else (1, 1)
        dutiable = [x.value_jpy * num // den for x in lines]
        total = sum(dutiable)
        if total > self.simplified.amount_jpy:
            return None
        exemption_applies = total <= self.exemption.amount_jpy
        rules: dict[str, tuple[str, bool]] = {}

        def log(name: str, row: Any) -> None:
            if name not in rules:
                rules[name] = (row.source, row.verified)

        if personal_use:
            log(PERSONAL_USE_RATIO, self.ratio_row)
        log(LOW_VALUE_EXEMPTION_MAX, self.exemption)
        log(SIMPLIFIED_TARIFF_MAX, self.simplified)
        out: list[dict[str, Any]] = []
        duty_sum = national_sum = local_sum = 0
        any_exempt = simplified_applied = False
        every_exempt = True
        no_rate: list[str] = []
        standard = (self.ct, self.ct_rate, self.ct_rule)
        for x, value_line in zip(lines, dutiable, strict=True):
            code = self._code(x.hs_code)
            if code.fallback:
                return None
            notes: list[str] = []
            if personal_use:
                notes.append(f"personal-use valuation: ¥{x.value_jpy:,} × {self.ratio_row.ratio} = "  # type: ignore[union-attr]
                             f"¥{value_line:,}{self.ratio_tail}")
            line_exempt = False
            if exemption_applies:
                if code.exemption_excluded is not None:
                    log(f"exemption_excluded:{code.exemption_excluded.hs_prefix}", code.exemption_excluded)
                    notes.append(code.exemption_note)  # type: ignore[arg-type]
                else:
                    notes.append(f"low-value exemption: declaration total ¥{total:,} ≤ "
                                 f"¥{self.exemption.amount_jpy:,}{self.exemption_tail}")
                    line_exempt = True
            # An exempt line's rate is still shown, but the rule it came from is not logged (as in calc).
            if code.rule is not None and not line_exempt:
                log(*code.rule)
            if code.rate_note is not None:
                notes.append(code.rate_note)
            rate = code.rate
            if rate is not None:
                source = "simplified"
            elif x.tariff_rate is not None:
                rate, source = x.tariff_rate, "tariff"
                if rate.specific_jpy is not None:
                    return None
            else:
                notes.append(_CLAIMED_NOTE)
                rate, source = _NIL_RATE, "claimed"
            if code.reduced:
                reduced = self._reduced_ct()
                if reduced is None:
                    return None
                ct, (ct_num, ct_den), ct_rule = reduced
            else:
                ct, (ct_num, ct_den), ct_rule = standard
            log(ct_rule, ct)
            duty_base = duty = ct_base = national = local = 0
            if not line_exempt:
                rules.setdefault(_ROUNDING.rule, (_ROUNDING.source, _ROUNDING.verified))
                duty_base = value_line // 1000 * 1000
                p, q = self._claim(rate)
                duty = duty_base * p // q
                ct_base = (value_line + duty // 100 * 100) // 1000 * 1000
                national = ct_base * ct_num // ct_den // 100 * 100
                local = national * ct.local_numerator // ct.local_denominator
                if source == "claimed":
                    no_rate.append(x.hs_code)
                simplified_applied = simplified_applied or source == "simplified"
            any_exempt = any_exempt or line_exempt
            every_exempt = every_exempt and line_exempt
            duty_sum += duty
            national_sum += national
            local_sum += local
            out.append({"line_no": x.line_no, "value_jpy": x.value_jpy, "dutiable_value_jpy": value_line,
                        "rate_source": source, "ad_valorem": None if rate.ad_valorem is None else str(rate.ad_valorem),
                        "specific_jpy": None, "specific_unit": None, "duty_jpy": duty, "ct_base_jpy": ct_base,
                        "consumption_tax_national_jpy": national, "consumption_tax_local_jpy": local,
                        "exempt": line_exempt, "notes": notes})
        duty_total = duty_sum // 100 * 100
        national_total = national_sum // 100 * 100
        local_total = local_sum // 100 * 100
        text = orjson.dumps({
            "customs_value_jpy": total, "duty_jpy": duty_total, "consumption_tax_national_jpy": national_total,
            "consumption_tax_local_jpy": local_total, "total_jpy": duty_total + national_total + local_total,
            "low_value_exempt": any_exempt, "simplified_applied": simplified_applied,
            "personal_use_ratio": str(self.ratio_row.ratio) if personal_use and self.ratio_row is not None else None,
            "assessed_on": self.on_text,
            "rules_applied": [{"rule": k, "source": s, "verified": v} for k, (s, v) in rules.items()],
            "lines": out,
        }).decode()
        return Valuation(value, total, duty_total, national_total, local_total, every_exempt, text, tuple(no_rate))

    def _reduced_ct(self) -> tuple[CtRate, tuple[int, int], str] | None:
        """The reduced consumption-tax row, its rate as a fraction and its rule name (memoised); None when no
        reduced rate is in force (calc then notes that the standard rate applies)."""
        if self._reduced is False:
            ct = self.tables.consumption_tax("reduced", self.on)
            self._reduced = None if ct.kind != "reduced" else (
                ct, _fraction(ct.national_rate), f"consumption_tax:{ct.kind}:{ct.valid_from.isoformat()}")
        return self._reduced  # type: ignore[return-value]

    def _claim(self, rate: calc.DutyRate) -> tuple[int, int]:
        """The ad valorem rate as an exact fraction (memoised per rate)."""
        found = self._fractions.get(rate)
        if found is None:
            assert rate.ad_valorem is not None
            found = self._fractions[rate] = _fraction(rate.ad_valorem)
        return found
