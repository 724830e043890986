"""Passenger allowances and the tax on the excess (pure: plain data in, plain data out, no database).

Japan Customs rules (docs/travellers.md, japan-customs-rules.md §4):
- alcohol: 3 bottles of about 760 ml per adult; the part of a bigger bottle above 760 ml is taxed;
- tobacco: ONE category; each kind's allowance (200 cigarettes, 10 packs heated, 50 cigars, 250 g other) is the
  whole allowance if only that kind is carried, so kinds share it pro rata;
- perfume: 2 oz (56 ml) per person;
- other goods: ¥200,000 overseas market value per person; a kind whose items total ≤ ¥10,000 is free and left
  out; an item above ¥200,000 is taxed whole; the items that use the allowance are chosen to minimise the tax;
- under-20s have no alcohol or tobacco allowance;
- family members travelling together on one declaration pool their allowances (per-person amounts added up),
  but no single item can use more than one person's ¥200,000.
The tax is chosen optimally: alcohol by ranking bottles (uniform slots), tobacco by an exact bounded-knapsack over
the shared allowance, other goods by an exact subset-sum (bitset dynamic programme) with a bounded greedy fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from math import lcm
from typing import Any

from smartcustoms.travellers.tables import ALCOHOL_KINDS, TOBACCO_ALLOWANCE, TOBACCO_KINDS, RuleSet

# Above this many bits of dynamic-programme state (items × capacity) the greedy fallback is used (~8 MB).
EXACT_STATE_BITS = 64_000_000


@dataclass(frozen=True)
class Bottle:
    """One bottle of an alcoholic drink."""

    kind: str = "other"
    ml: int = 760


@dataclass(frozen=True)
class Item:
    """One article of other goods at its overseas market value in yen; ``kind`` groups articles of a kind."""

    description: str
    value_jpy: int
    kind: str = ""

    @property
    def kind_key(self) -> str:
        return " ".join((self.kind or self.description).casefold().split())


@dataclass(frozen=True)
class Goods:
    """What a declaration (accompanied and unaccompanied baggage together) brings in."""

    bottles: tuple[Bottle, ...] = ()
    tobacco: dict[str, int] = field(default_factory=dict)  # cigarettes/cigars pieces, heated packs, other grams
    perfume_ml: int = 0
    perfume_value_jpy: int = 0
    items: tuple[Item, ...] = ()


def age_on(born: date, on: date) -> int:
    """Completed years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _yen(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def floor_to(value: int, step: int) -> int:
    return value - value % step if value > 0 else 0


# --- alcohol ----------------------------------------------------------------------------------------------------


def alcohol(bottles: Sequence[Bottle], adults: int, rules: RuleSet) -> dict[str, Any]:
    """Free the bottles whose allowance saves the most tax (each free bottle covers at most 760 ml)."""
    slots = rules.amount("alcohol_bottles") * adults
    cap_ml = rules.amount("alcohol_bottle_ml")

    def per_ml(b: Bottle) -> Decimal:
        return (rules.rate("alcohol", b.kind).specific_jpy or Decimal(0)) / 1000

    order = sorted(range(len(bottles)), key=lambda i: per_ml(bottles[i]) * min(bottles[i].ml, cap_ml), reverse=True)
    free = set(order[:slots])
    taxed_ml: dict[str, int] = {}
    tax = Decimal(0)
    for i, b in enumerate(bottles):
        ml = max(b.ml - cap_ml, 0) if i in free else b.ml
        if ml:
            taxed_ml[b.kind] = taxed_ml.get(b.kind, 0) + ml
            tax += per_ml(b) * ml
    return {
        "declared_bottles": len(bottles), "allowance_bottles": slots, "free_bottles": len(free),
        "over_bottles": len(bottles) - len(free), "taxed_ml": dict(sorted(taxed_ml.items())),
        "tax_jpy": _yen(tax), "exceeded": bool(taxed_ml),
    }


# --- tobacco ----------------------------------------------------------------------------------------------------


def _bounded_knapsack(weights: list[int], values: list[int], counts: list[int], capacity: int) -> list[int]:
    """How many of each kind to take (weight ≤ capacity, value maximal): exact, via binary splitting."""
    pieces: list[tuple[int, int, int]] = []  # (kind, multiplicity, ...)
    for k, n in enumerate(counts):
        n = min(n, capacity // weights[k]) if weights[k] else n
        m = 1
        while n > 0:
            take = min(m, n)
            pieces.append((k, take, 0))
            n -= take
            m *= 2
    best = [0] * (capacity + 1)
    keep: list[list[bool]] = []
    for k, take, _ in pieces:
        w, v = weights[k] * take, values[k] * take
        row = [False] * (capacity + 1)
        for c in range(capacity, w - 1, -1):
            cand = best[c - w] + v
            if cand > best[c]:
                best[c], row[c] = cand, True
        keep.append(row)
    chosen = [0] * len(counts)
    c = capacity
    for idx in range(len(pieces) - 1, -1, -1):
        if keep[idx][c]:
            k, take, _ = pieces[idx]
            chosen[k] += take
            c -= weights[k] * take
    return chosen


def tobacco(quantities: dict[str, int], adults: int, rules: RuleSet) -> dict[str, Any]:
    """Share the one tobacco allowance between kinds so that the tax on the rest is smallest."""
    kinds = list(TOBACCO_KINDS)
    allow = [rules.amount(TOBACCO_ALLOWANCE[k]) for k in kinds]
    unit = lcm(*allow)  # one person's allowance in common units: a piece of kind k weighs unit / allow[k]
    weights = [unit // a for a in allow]
    declared = [max(int(quantities.get(k, 0)), 0) for k in kinds]
    # yen per piece in hundredths, so the knapsack runs on integers
    values = [int((rules.rate("tobacco", k).specific_jpy or Decimal(0)) * 100) for k in kinds]
    capacity = unit * adults
    if sum(w * q for w, q in zip(weights, declared, strict=True)) <= capacity:
        free = declared
    else:
        free = _bounded_knapsack(weights, values, declared, capacity)
    over = [q - f for q, f in zip(declared, free, strict=True)]
    tax = sum((Decimal(v) * o for v, o in zip(values, over, strict=True)), Decimal(0)) / 100
    return {
        "declared": {k: q for k, q in zip(kinds, declared, strict=True) if q},
        "allowance_if_only": {k: a * adults for k, a in zip(kinds, allow, strict=True)},
        "free": {k: f for k, f in zip(kinds, free, strict=True) if f},
        "over": {k: o for k, o in zip(kinds, over, strict=True) if o},
        "tax_jpy": _yen(tax), "exceeded": any(over),
    }


# --- perfume ----------------------------------------------------------------------------------------------------


def _ad_valorem_tax(value_jpy: int, rate: Decimal | None, rules: RuleSet) -> tuple[int, int]:
    """(taxable value rounded down to ¥1,000, tax) of an overseas market value."""
    ratio = rules.personal_use_ratio if rules.personal_use_ratio is not None else Decimal(1)
    taxable = floor_to(_yen(Decimal(value_jpy) * ratio), 1000)
    return taxable, _yen(taxable * (rate or Decimal(0)))


def perfume(ml: int, value_jpy: int, people: int, rules: RuleSet) -> dict[str, Any]:
    """Perfume over 2 oz a person: the excess share of its value is taxed."""
    allowance = rules.amount("perfume_ml") * people
    over = max(ml - allowance, 0)
    over_value = value_jpy * over // ml if ml else 0
    taxable, tax = _ad_valorem_tax(over_value, rules.rate("perfume", "perfume").ad_valorem, rules)
    return {"declared_ml": ml, "allowance_ml": allowance, "over_ml": over, "over_value_jpy": over_value,
            "taxable_value_jpy": taxable, "tax_jpy": tax, "exceeded": over > 0}


# --- other goods ------------------------------------------------------------------------------------------------


def best_subset(values: Sequence[int], capacity: int) -> tuple[list[int], str]:
    """Indices of values whose sum is the largest not above capacity: exact subset-sum on a bitset when the state
    fits EXACT_STATE_BITS, else first-fit decreasing (within a factor 1/2 of optimal, documented)."""
    if sum(values) <= capacity:
        return list(range(len(values))), "exact"
    if len(values) * (capacity + 1) > EXACT_STATE_BITS:
        chosen, room = [], capacity
        for i in sorted(range(len(values)), key=lambda j: values[j], reverse=True):
            if values[i] <= room:
                chosen.append(i)
                room -= values[i]
        return sorted(chosen), "greedy"
    mask = (1 << (capacity + 1)) - 1
    states = [1]
    for v in values:
        states.append((states[-1] | (states[-1] << v)) & mask)
    s = states[-1].bit_length() - 1
    chosen = []
    for i in range(len(values) - 1, -1, -1):
        if (states[i] >> s) & 1:
            continue  # this sum was reachable without item i
        chosen.append(i)
        s -= values[i]
    return sorted(chosen), "exact"


def other_goods_tax(taxed_jpy: int, rules: RuleSet) -> tuple[int, int]:
    """(taxable value, tax) of the other goods left over the allowance."""
    return _ad_valorem_tax(taxed_jpy, rules.rate("other_goods", "other").ad_valorem, rules)


def other_goods(items: Sequence[Item], people: int, rules: RuleSet) -> dict[str, Any]:
    """Apply the ≤ ¥10,000-per-kind exclusion, then fill the pooled allowance to minimise the tax."""
    small_max = rules.amount("small_kind_jpy")
    per_person = rules.amount("other_goods_jpy")
    by_kind: dict[str, int] = {}
    for it in items:
        by_kind[it.kind_key] = by_kind.get(it.kind_key, 0) + it.value_jpy
    treatment = ["small_kind" if by_kind[it.kind_key] <= small_max else "" for it in items]
    for i, it in enumerate(items):
        if not treatment[i] and it.value_jpy > per_person:
            treatment[i] = "taxed_whole"
    candidates = [i for i, t in enumerate(treatment) if not t]
    capacity = per_person * people
    chosen, method = best_subset([items[i].value_jpy for i in candidates], capacity)
    for j in chosen:
        treatment[candidates[j]] = "allowance"
    for i in candidates:
        treatment[i] = treatment[i] or "taxed"
    small = sum(it.value_jpy for it, t in zip(items, treatment, strict=True) if t == "small_kind")
    free = sum(it.value_jpy for it, t in zip(items, treatment, strict=True) if t == "allowance")
    taxed = sum(it.value_jpy for it, t in zip(items, treatment, strict=True) if t.startswith("taxed"))
    taxable, tax = other_goods_tax(taxed, rules)
    return {
        "declared_jpy": small + free + taxed, "small_kinds_jpy": small, "counted_jpy": free + taxed,
        "allowance_jpy": capacity, "free_jpy": free, "taxed_jpy": taxed, "taxable_value_jpy": taxable,
        "tax_jpy": tax, "exceeded": taxed > 0, "method": method,
        "items": [{"index": i, "description": it.description, "kind": it.kind_key, "value_jpy": it.value_jpy,
                   "treatment": t} for i, (it, t) in enumerate(zip(items, treatment, strict=True))],
    }


# --- the whole declaration --------------------------------------------------------------------------------------


def assess(goods: Goods, birth_dates: Sequence[date], rules: RuleSet) -> dict[str, Any]:
    """Allowances and estimated tax of a declaration for the people travelling together (declarant first)."""
    people = max(len(birth_dates), 1)
    adult_age = rules.amount("adult_age")
    adults = sum(1 for b in birth_dates if age_on(b, rules.on) >= adult_age)
    parts = {
        "alcohol": alcohol(goods.bottles, adults, rules),
        "tobacco": tobacco(goods.tobacco, adults, rules),
        "perfume": perfume(goods.perfume_ml, goods.perfume_value_jpy, people, rules),
        "other_goods": other_goods(goods.items, people, rules),
    }
    raw = sum(int(p["tax_jpy"]) for p in parts.values())
    used = [("alcohol", k) for k in ALCOHOL_KINDS if any(b.kind == k for b in goods.bottles)]
    used += [("tobacco", k) for k in TOBACCO_KINDS if goods.tobacco.get(k)]
    if goods.perfume_ml:
        used.append(("perfume", "perfume"))
    if goods.items:
        used.append(("other_goods", "other"))
    rates = [rules.rate(*key).describe() for key in used]
    return {
        "on": rules.on.isoformat(), "people": people, "adults": adults, **parts,
        "over": [name for name, p in parts.items() if p["exceeded"]],
        "exceeded": any(p["exceeded"] for p in parts.values()),
        # nothing is collected below ¥100; the total is rounded down to ¥100
        "estimated_tax_jpy": floor_to(raw, 100),
        "rates": rates, "unverified_rates": any(not r["verified"] for r in rates),
        "personal_use_ratio": None if rules.personal_use_ratio is None else str(rules.personal_use_ratio),
    }
