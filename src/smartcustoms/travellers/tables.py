"""Date-effective passenger allowances and simplified rates, read from the CSV files shipped in ``data/``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from smartcustoms.tariff.tables import NoEffectiveRule
from smartcustoms.tariff.tables import load_tables as load_tariff_tables

ALCOHOL_KINDS = ("whisky_brandy", "rum_gin_vodka", "liqueur", "shochu", "other")
TOBACCO_KINDS = ("cigarettes", "heated", "cigars", "other")
# The allowance row that sizes each tobacco kind's share of the one tobacco allowance.
TOBACCO_ALLOWANCE = {"cigarettes": "tobacco_cigarettes", "heated": "tobacco_heated", "cigars": "tobacco_cigars",
                     "other": "tobacco_other_g"}


class PassengerDataError(ValueError):
    """A data file is malformed."""


@dataclass(frozen=True, kw_only=True)
class Allowance:
    """One allowance figure (bottles, pieces, yen ...) with its validity and source."""

    name: str
    amount: int
    unit: str
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool
    note: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True, kw_only=True)
class PassengerRate:
    """A passenger simplified rate: ad valorem (on the taxable value) or yen per unit."""

    category: str
    kind: str
    ad_valorem: Decimal | None
    specific_jpy: Decimal | None
    unit: str
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool
    note: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def describe(self) -> dict[str, object]:
        """The rate as shown to travellers and officers, with its provenance."""
        return {"category": self.category, "kind": self.kind,
                "ad_valorem": None if self.ad_valorem is None else str(self.ad_valorem),
                "specific_jpy": None if self.specific_jpy is None else str(self.specific_jpy),
                "unit": self.unit, "source": self.source, "verified": self.verified}


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    """Every figure the pure rules need on one date (plain data, so rules.py stays free of file access)."""

    on: date
    allowances: dict[str, Allowance]
    rates: dict[tuple[str, str], PassengerRate]
    personal_use_ratio: Decimal | None  # None: the 60% rule is abolished on this date

    def amount(self, name: str) -> int:
        return self.allowances[name].amount

    def rate(self, category: str, kind: str) -> PassengerRate:
        return self.rates[(category, kind)]


@dataclass(frozen=True)
class PassengerTables:
    allowances: tuple[Allowance, ...]
    rates: tuple[PassengerRate, ...]

    def rule_set(self, on: date) -> RuleSet:
        """The allowances and rates in force on a date; a missing row raises NoEffectiveRule."""
        allowances: dict[str, Allowance] = {}
        for a in self.allowances:
            if a.in_force(on):
                allowances[a.name] = a
        rates: dict[tuple[str, str], PassengerRate] = {}
        for r in self.rates:
            if r.in_force(on):
                rates[(r.category, r.kind)] = r
        needed = ["alcohol_bottles", "alcohol_bottle_ml", "perfume_ml", "other_goods_jpy", "small_kind_jpy",
                  "adult_age", *TOBACCO_ALLOWANCE.values()]
        for name in needed:
            if name not in allowances:
                raise NoEffectiveRule(name, on)
        for key in [*(("alcohol", k) for k in ALCOHOL_KINDS), *(("tobacco", k) for k in TOBACCO_KINDS),
                    ("perfume", "perfume"), ("other_goods", "other")]:
            if key not in rates:
                raise NoEffectiveRule(f"passenger rate {key[0]}/{key[1]}", on)
        return RuleSet(on=on, allowances=allowances, rates=rates,
                       personal_use_ratio=load_tariff_tables().personal_use_ratio(on))


def _rows(directory: Traversable, name: str) -> list[dict[str, str]]:
    text = directory.joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value.strip() else None


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value.strip() else None


def _flag(value: str, where: str) -> bool:
    if value not in ("true", "false"):
        raise PassengerDataError(f"{where}: verified must be true or false")
    return value == "true"


def read_tables(directory: Traversable) -> PassengerTables:
    """Parse both CSV files of a data directory."""
    allowances = []
    for i, r in enumerate(_rows(directory, "passenger-allowances.csv"), start=2):
        where = f"passenger-allowances.csv line {i}"
        start = _day(r["valid_from"])
        if start is None:
            raise PassengerDataError(f"{where}: valid_from is required")
        allowances.append(Allowance(name=r["name"], amount=int(r["amount"]), unit=r["unit"], valid_from=start,
                                    valid_to=_day(r["valid_to"]), source=r["source"],
                                    verified=_flag(r["verified"], where), note=r["note"]))
    rates = []
    for i, r in enumerate(_rows(directory, "passenger-rates.csv"), start=2):
        where = f"passenger-rates.csv line {i}"
        start = _day(r["valid_from"])
        ad, sp = _dec(r["ad_valorem"]), _dec(r["specific_jpy"])
        if start is None or (ad is None) == (sp is None):
            raise PassengerDataError(f"{where}: valid_from and exactly one of ad_valorem/specific_jpy required")
        rates.append(PassengerRate(category=r["category"], kind=r["kind"], ad_valorem=ad, specific_jpy=sp,
                                   unit=r["unit"], valid_from=start, valid_to=_day(r["valid_to"]),
                                   source=r["source"], verified=_flag(r["verified"], where), note=r["note"]))
    return PassengerTables(tuple(allowances), tuple(rates))


@cache
def load_tables() -> PassengerTables:
    """The shipped tables (parsed once per process)."""
    return read_tables(files("smartcustoms.travellers") / "data")
