"""Date-effective duty and consumption-tax rule data, read from the CSV files shipped in ``data/``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Literal, TypedDict, TypeVar, cast

CtKind = Literal["standard", "reduced"]
Purpose = Literal["exemption", "simplified"]
AppliesTo = Literal["exemption", "simplified", "both"]
ExciseTax = Literal["liquor", "tobacco"]

LOW_VALUE_EXEMPTION_MAX = "low_value_exemption_max_jpy"
SIMPLIFIED_TARIFF_MAX = "simplified_tariff_max_jpy"
PERSONAL_USE_RATIO = "personal_use_valuation_ratio"

_HS_PREFIX = re.compile(r"[0-9]{2,9}")


class TariffDataError(ValueError):
    """A data file is malformed or its rows contradict each other."""


class NoEffectiveRule(LookupError):
    """No row of a rule is in force on the requested date."""

    def __init__(self, name: str, on: date) -> None:
        super().__init__(f"no effective rule {name!r} on {on.isoformat()}")
        self.name = name
        self.on = on


@dataclass(frozen=True, kw_only=True)
class Effective:
    """Validity period and provenance shared by every rule row."""

    valid_from: date
    valid_to: date | None  # None: open-ended
    source: str
    verified: bool

    def in_force(self, on: date) -> bool:
        """Whether this row applies on ``on`` (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True, kw_only=True)
class CtRate(Effective):
    """Import consumption tax: national rate plus local tax as a fraction of the national tax."""

    kind: CtKind
    national_rate: Decimal
    local_numerator: int
    local_denominator: int


@dataclass(frozen=True, kw_only=True)
class Threshold(Effective):
    """A yen amount that switches a rule on or off."""

    name: str
    amount_jpy: int
    note: str


@dataclass(frozen=True, kw_only=True)
class Ratio(Effective):
    """A valuation ratio; ``ratio`` None means the rule is abolished during this period."""

    name: str
    ratio: Decimal | None
    note: str


@dataclass(frozen=True, kw_only=True)
class ExcludedGoods(Effective):
    """Goods (by HS prefix) left out of the low-value exemption and/or the simplified rates."""

    hs_prefix: str
    description: str
    applies_to: AppliesTo


@dataclass(frozen=True, kw_only=True)
class ExciseGoods(Effective):
    """Goods (by HS prefix) on which an excise tax the platform does not compute is due at import (liquor tax,
    tobacco tax), also within the low-value exemption."""

    hs_prefix: str
    tax: ExciseTax
    description: str


@dataclass(frozen=True, kw_only=True)
class ReducedCtGoods(Effective):
    """Goods (by HS prefix) that take the reduced consumption-tax rate: food and non-alcoholic beverages."""

    hs_prefix: str
    description: str


@dataclass(frozen=True, kw_only=True)
class SimplifiedRate(Effective):
    """A simplified-tariff band (簡易税率) for an HS prefix, minus ``exclude_prefixes``."""

    hs_prefix: str
    exclude_prefixes: tuple[str, ...]
    ad_valorem: Decimal | None
    specific_jpy: Decimal | None
    specific_unit: str | None
    description: str


_R = TypeVar("_R", bound=Effective)


def _in_force(rows: Iterable[_R], on: date, where: Callable[[_R], bool]) -> _R | None:
    found = [r for r in rows if where(r) and r.in_force(on)]
    # Loading rejects overlapping periods, so at most one row can match.
    return found[0] if found else None


def _check_coverage(rows: Sequence[Effective], table: str, on: date) -> None:
    # A lookup table answers "none" for codes it does not list; before its first row it knows nothing at all.
    if not rows or on < min(r.valid_from for r in rows):
        raise NoEffectiveRule(table, on)


@dataclass(frozen=True)
class TariffTables:
    """All rule tables, with date-effective lookups."""

    ct_rates: tuple[CtRate, ...]
    thresholds: tuple[Threshold, ...]
    ratios: tuple[Ratio, ...]
    excluded_goods: tuple[ExcludedGoods, ...]
    simplified_rates: tuple[SimplifiedRate, ...]
    excise_goods: tuple[ExciseGoods, ...] = ()
    reduced_ct_goods: tuple[ReducedCtGoods, ...] = ()

    def consumption_tax(self, kind: CtKind, on: date) -> CtRate:
        """The ``kind`` consumption-tax rate on ``on``; reduced falls back to standard where none exists."""
        rate = _in_force(self.ct_rates, on, lambda r: r.kind == kind)
        if rate is None and kind == "reduced":
            # Before 2019-10-01 Japan had one rate: goods now reduced-rated (food) paid the standard rate.
            rate = _in_force(self.ct_rates, on, lambda r: r.kind == "standard")
        if rate is None:
            raise NoEffectiveRule(f"consumption_tax:{kind}", on)
        return rate

    def threshold_rule(self, name: str, on: date) -> Threshold:
        """The threshold row ``name`` in force on ``on``."""
        row = _in_force(self.thresholds, on, lambda r: r.name == name)
        if row is None:
            raise NoEffectiveRule(name, on)
        return row

    def threshold(self, name: str, on: date) -> int:
        """The yen amount of threshold ``name`` on ``on``."""
        return self.threshold_rule(name, on).amount_jpy

    def ratio_rule(self, name: str, on: date) -> Ratio:
        """The ratio row ``name`` in force on ``on`` (its ratio is None once abolished)."""
        row = _in_force(self.ratios, on, lambda r: r.name == name)
        if row is None:
            raise NoEffectiveRule(name, on)
        return row

    def personal_use_ratio(self, on: date) -> Decimal | None:
        """The personal-use valuation ratio on ``on``, or None once abolished."""
        return self.ratio_rule(PERSONAL_USE_RATIO, on).ratio

    def excluded(self, hs_code: str, purpose: Purpose, on: date) -> ExcludedGoods | None:
        """The most specific exclusion of ``hs_code`` from ``purpose`` on ``on``, if any."""
        _check_coverage(self.excluded_goods, "low_value_excluded_hs", on)
        rows = [
            r
            for r in self.excluded_goods
            if r.applies_to in (purpose, "both") and r.in_force(on) and hs_code.startswith(r.hs_prefix)
        ]
        return max(rows, key=lambda r: len(r.hs_prefix)) if rows else None

    def ct_kind(self, hs_code: str, on: date) -> CtKind:
        """The consumption-tax kind of goods of ``hs_code`` on ``on``: reduced for the food and beverages that
        `reduced-ct-goods.csv` lists, else standard (an empty table: standard for all)."""
        found = any(r.in_force(on) and hs_code.startswith(r.hs_prefix) for r in self.reduced_ct_goods)
        return "reduced" if found else "standard"

    def excise(self, hs_code: str, on: date) -> ExciseGoods | None:
        """The most specific excise row of ``hs_code`` on ``on``, if any (an empty table knows of none)."""
        rows = [r for r in self.excise_goods if r.in_force(on) and hs_code.startswith(r.hs_prefix)]
        return max(rows, key=lambda r: len(r.hs_prefix)) if rows else None

    def simplified_rate(self, hs_code: str, on: date) -> SimplifiedRate | None:
        """The longest-prefix simplified rate for ``hs_code`` on ``on``, honouring exclude_prefixes."""
        _check_coverage(self.simplified_rates, "simplified_rates", on)
        rows = [
            r
            for r in self.simplified_rates
            if r.in_force(on)
            and hs_code.startswith(r.hs_prefix)
            and not any(hs_code.startswith(x) for x in r.exclude_prefixes)
        ]
        return max(rows, key=lambda r: len(r.hs_prefix)) if rows else None


# --- reading the CSV files ---------------------------------------------------------------------------------

_EFF = ("valid_from", "valid_to", "source", "verified")
_COLUMNS = {
    "consumption-tax-rates.csv": ("kind", "national_rate", "local_numerator", "local_denominator", *_EFF),
    "low-value-thresholds.csv": ("name", "amount_jpy", *_EFF, "note"),
    "valuation-ratios.csv": ("name", "ratio", *_EFF, "note"),
    "low-value-excluded-hs.csv": ("hs_prefix", "description", "applies_to", *_EFF),
    "simplified-rates.csv": ("hs_prefix", "exclude_prefixes", "ad_valorem", "specific_jpy", "specific_unit",
                             "description", *_EFF),
    "excise-goods.csv": ("hs_prefix", "tax", "description", *_EFF),
    "reduced-ct-goods.csv": ("hs_prefix", "description", *_EFF),
}


class _EffectiveFields(TypedDict):
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool


class _Row:
    """One CSV row with typed accessors whose errors name the file and line."""

    def __init__(self, where: str, values: dict[str, str]) -> None:
        self.where, self.values = where, values

    def fail(self, message: str) -> TariffDataError:
        return TariffDataError(f"{self.where}: {message}")

    def text(self, column: str, allowed: tuple[str, ...] | None = None) -> str:
        value = self.values[column]
        if not value or (allowed is not None and value not in allowed):
            raise self.fail(f"{column} must be {allowed or 'non-empty'}: {value!r}")
        return value

    def day(self, column: str) -> date | None:
        value = self.values[column]
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise self.fail(f"{column} is not an ISO date: {value!r}") from None

    def decimal(self, column: str) -> Decimal | None:
        value = self.values[column]
        try:
            number = Decimal(value) if value else None
        except InvalidOperation:
            raise self.fail(f"{column} is not a decimal: {value!r}") from None
        if number is not None and (not number.is_finite() or number < 0):
            raise self.fail(f"{column} must be a finite non-negative decimal: {value!r}")
        return number

    def integer(self, column: str) -> int:
        value = self.text(column)
        if not value.isascii() or not value.isdigit():
            raise self.fail(f"{column} is not a non-negative integer: {value!r}")
        return int(value)

    def hs_prefix(self, value: str) -> str:
        if not _HS_PREFIX.fullmatch(value):
            raise self.fail(f"not an HS prefix of 2-9 digits: {value!r}")
        return value

    def effective(self) -> _EffectiveFields:
        valid_from, valid_to = self.day("valid_from"), self.day("valid_to")
        if valid_from is None or (valid_to is not None and valid_to < valid_from):
            raise self.fail("valid_from is required and must not follow valid_to")
        verified = self.text("verified", ("true", "false")) == "true"
        source = self.text("source")
        return {"valid_from": valid_from, "valid_to": valid_to, "source": source, "verified": verified}


def _read(directory: Traversable, name: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO((directory / name).read_text(encoding="utf-8")))
    if reader.fieldnames != list(_COLUMNS[name]):
        raise TariffDataError(f"{name}: columns {reader.fieldnames} != expected {list(_COLUMNS[name])}")
    rows = []
    for values in reader:
        if None in values or None in values.values():
            raise TariffDataError(f"{name}:{reader.line_num}: wrong number of fields")
        rows.append(_Row(f"{name}:{reader.line_num}", {k: v.strip() for k, v in values.items()}))
    return rows


def _no_overlap(rows: Sequence[_R], key: Callable[[_R], object], name: str) -> tuple[_R, ...]:
    # Two rows for the same key in force on the same day would make lookups ambiguous.
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            a_to, b_to = a.valid_to or date.max, b.valid_to or date.max
            if key(a) == key(b) and a.valid_from <= b_to and b.valid_from <= a_to:
                raise TariffDataError(f"{name}: overlapping periods for {key(a)!r}")
    return tuple(rows)


def _ct_rate(r: _Row) -> CtRate:
    denominator, national = r.integer("local_denominator"), r.decimal("national_rate")
    if denominator == 0 or national is None:
        raise r.fail("national_rate and a non-zero local_denominator are required")
    kind = cast(CtKind, r.text("kind", ("standard", "reduced")))
    return CtRate(kind=kind, national_rate=national, local_numerator=r.integer("local_numerator"),
                  local_denominator=denominator, **r.effective())


def _simplified(r: _Row) -> SimplifiedRate:
    prefix = r.hs_prefix(r.values["hs_prefix"])
    excludes = tuple(r.hs_prefix(x) for x in r.values["exclude_prefixes"].split())
    if any(not x.startswith(prefix) or x == prefix for x in excludes):
        raise r.fail(f"exclude_prefixes must be longer HS prefixes under {prefix}")
    ad_valorem, specific, unit = r.decimal("ad_valorem"), r.decimal("specific_jpy"), r.values["specific_unit"]
    if (ad_valorem is None and specific is None) or (specific is None) != (not unit):
        raise r.fail("a simplified rate needs ad_valorem and/or specific_jpy with its specific_unit")
    return SimplifiedRate(
        hs_prefix=prefix, exclude_prefixes=excludes, ad_valorem=ad_valorem, specific_jpy=specific,
        specific_unit=unit or None, description=r.text("description"), **r.effective(),
    )


def _excluded(r: _Row) -> ExcludedGoods:
    applies_to = cast(AppliesTo, r.text("applies_to", ("exemption", "simplified", "both")))
    return ExcludedGoods(hs_prefix=r.hs_prefix(r.values["hs_prefix"]), description=r.text("description"),
                         applies_to=applies_to, **r.effective())


def _excise(r: _Row) -> ExciseGoods:
    tax = cast(ExciseTax, r.text("tax", ("liquor", "tobacco")))
    return ExciseGoods(hs_prefix=r.hs_prefix(r.values["hs_prefix"]), tax=tax, description=r.text("description"),
                       **r.effective())


def _reduced(r: _Row) -> ReducedCtGoods:
    return ReducedCtGoods(hs_prefix=r.hs_prefix(r.values["hs_prefix"]), description=r.text("description"),
                          **r.effective())


def _threshold(r: _Row) -> Threshold:
    amount = r.integer("amount_jpy")
    return Threshold(name=r.text("name"), amount_jpy=amount, note=r.values["note"], **r.effective())


def _ratio(r: _Row) -> Ratio:
    ratio = r.decimal("ratio")
    if ratio is not None and ratio > 1:
        raise r.fail(f"ratio must be at most 1: {ratio}")
    return Ratio(name=r.text("name"), ratio=ratio, note=r.values["note"], **r.effective())


def read_tables(directory: Traversable) -> TariffTables:
    """Read and validate every rule table from ``directory`` (a folder holding the seven CSV files)."""
    ct, th, ra, ex, si, xc, rd = _COLUMNS
    d = directory
    return TariffTables(
        ct_rates=_no_overlap([_ct_rate(r) for r in _read(d, ct)], lambda r: r.kind, ct),
        thresholds=_no_overlap([_threshold(r) for r in _read(d, th)], lambda r: r.name, th),
        ratios=_no_overlap([_ratio(r) for r in _read(d, ra)], lambda r: r.name, ra),
        excluded_goods=_no_overlap([_excluded(r) for r in _read(d, ex)], lambda r: r.hs_prefix, ex),
        simplified_rates=_no_overlap([_simplified(r) for r in _read(d, si)], lambda r: r.hs_prefix, si),
        excise_goods=_no_overlap([_excise(r) for r in _read(d, xc)], lambda r: r.hs_prefix, xc),
        reduced_ct_goods=_no_overlap([_reduced(r) for r in _read(d, rd)], lambda r: r.hs_prefix, rd),
    )


@cache
def load_tables() -> TariffTables:
    """The rule tables shipped with the package (read once, then cached)."""
    return read_tables(files("smartcustoms.tariff") / "data")
