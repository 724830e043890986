"""Allowance and tax rules: worked cases and properties (hypothesis), brute force on small cases."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.travellers import rules
from smartcustoms.travellers.rules import Bottle, Goods, Item
from smartcustoms.travellers.tables import TOBACCO_KINDS, load_tables

ON = date(2026, 11, 22)
RULES = load_tables().rule_set(ON)
ADULT = date(1980, 5, 1)
CHILD = date(2010, 5, 1)  # 16 on ON


def tax(goods: Goods, people: list[date] | None = None) -> int:
    return int(rules.assess(goods, people or [ADULT], RULES)["estimated_tax_jpy"])


def test_figures_come_from_the_data() -> None:
    assert RULES.amount("alcohol_bottles") == 3 and RULES.amount("alcohol_bottle_ml") == 760
    assert RULES.amount("tobacco_cigarettes") == 200 and RULES.amount("tobacco_heated") == 10
    assert RULES.amount("tobacco_cigars") == 50 and RULES.amount("tobacco_other_g") == 250
    assert RULES.amount("other_goods_jpy") == 200_000 and RULES.amount("small_kind_jpy") == 10_000
    # per-litre and per-piece passenger rates are not confirmed against the current official page
    assert not RULES.rate("tobacco", "cigarettes").verified


def test_within_every_allowance_is_free() -> None:
    g = Goods(bottles=(Bottle(),) * 3, tobacco={"cigarettes": 200}, perfume_ml=56, perfume_value_jpy=15000,
              items=(Item("Bag", 120_000), Item("Scarf", 80_000)))
    out = rules.assess(g, [ADULT], RULES)
    assert out["estimated_tax_jpy"] == 0 and out["over"] == [] and not out["exceeded"]


def test_alcohol_over_taxed_per_litre() -> None:
    per_l = RULES.rate("alcohol", "whisky_brandy").specific_jpy
    assert per_l is not None
    out = rules.alcohol((Bottle("whisky_brandy", 700),) * 4, 1, RULES)
    assert out["over_bottles"] == 1 and out["taxed_ml"] == {"whisky_brandy": 700}
    assert out["tax_jpy"] == int(per_l * 700 / 1000)


def test_alcohol_allowance_goes_to_the_dearest_bottles() -> None:
    out = rules.alcohol((Bottle("other", 750),) + (Bottle("whisky_brandy", 750),) * 3, 1, RULES)
    assert out["taxed_ml"] == {"other": 750}


def test_big_bottle_taxed_above_760_ml() -> None:
    out = rules.alcohol((Bottle("other", 1000),), 1, RULES)
    assert out["taxed_ml"] == {"other": 240}


def test_under_20_has_no_alcohol_or_tobacco_allowance() -> None:
    g = Goods(bottles=(Bottle(),), tobacco={"cigarettes": 20})
    out = rules.assess(g, [CHILD], RULES)
    assert out["adults"] == 0 and set(out["over"]) == {"alcohol", "tobacco"}
    assert rules.assess(g, [ADULT], RULES)["over"] == []


def test_tobacco_is_one_category() -> None:
    # 200 cigarettes alone are free; 200 cigarettes AND 10 heated packs use the allowance twice over
    assert rules.tobacco({"cigarettes": 200}, 1, RULES)["over"] == {}
    both = rules.tobacco({"cigarettes": 200, "heated": 10}, 1, RULES)
    assert both["exceeded"]
    # 100 cigarettes (half) + 5 packs (half) fit together
    assert rules.tobacco({"cigarettes": 100, "heated": 5}, 1, RULES)["over"] == {}


def test_small_kinds_left_out_and_big_item_taxed_whole() -> None:
    items = (Item("T-shirt", 4000, "clothes"), Item("T-shirt", 5000, "clothes"), Item("Watch", 250_000))
    out = rules.other_goods(items, 1, RULES)
    assert [i["treatment"] for i in out["items"]] == ["small_kind", "small_kind", "taxed_whole"]
    assert out["small_kinds_jpy"] == 9000 and out["taxed_jpy"] == 250_000
    # one more T-shirt takes the kind over ¥10,000: all three now count against the allowance
    more = rules.other_goods((*items, Item("T-shirt", 2000, "clothes")), 1, RULES)
    assert more["small_kinds_jpy"] == 0 and more["free_jpy"] == 11_000


def test_most_favourable_combination() -> None:
    # greedy by value would free 150,000 and tax 120,000 + 80,000; the best frees 120,000 + 80,000
    items = (Item("A", 150_000), Item("B", 120_000), Item("C", 80_000))
    out = rules.other_goods(items, 1, RULES)
    assert out["free_jpy"] == 200_000 and out["taxed_jpy"] == 150_000


def test_family_pools_allowances_but_not_one_item() -> None:
    items = (Item("Bag", 180_000), Item("Coat", 190_000))
    assert rules.other_goods(items, 1, RULES)["taxed_jpy"] == 180_000
    assert rules.other_goods(items, 2, RULES)["taxed_jpy"] == 0
    assert rules.other_goods((Item("Ring", 300_000),), 2, RULES)["taxed_jpy"] == 300_000


def test_other_goods_tax_uses_personal_use_value_and_rounding() -> None:
    ratio, rate = RULES.personal_use_ratio, RULES.rate("other_goods", "other").ad_valorem
    assert ratio is not None and rate is not None
    out = rules.other_goods((Item("Watch", 250_000),), 1, RULES)
    taxable = int(250_000 * ratio) // 1000 * 1000
    assert out["taxable_value_jpy"] == taxable and out["tax_jpy"] == int(taxable * rate)


def test_greedy_fallback_is_bounded() -> None:
    chosen, method = rules.best_subset([3, 3, 4], 6)
    assert method == "exact" and sorted(chosen) == [0, 1]
    old = rules.EXACT_STATE_BITS
    try:
        rules.EXACT_STATE_BITS = 1
        chosen, method = rules.best_subset([3, 3, 4], 6)
        assert method == "greedy" and sum([3, 3, 4][i] for i in chosen) <= 6
    finally:
        rules.EXACT_STATE_BITS = old


# --- properties ---------------------------------------------------------------------------------------------

values = st.integers(min_value=0, max_value=400_000)
kinds = st.sampled_from(["bag", "watch", "clothes", "cosmetics", "toy"])
item_st = st.builds(Item, description=st.just("item"), value_jpy=values, kind=kinds)
bottle_st = st.builds(Bottle, kind=st.sampled_from(["whisky_brandy", "shochu", "other"]),
                      ml=st.integers(min_value=100, max_value=1500))
goods_st = st.builds(
    Goods, bottles=st.lists(bottle_st, max_size=6).map(tuple),
    tobacco=st.fixed_dictionaries({k: st.integers(min_value=0, max_value=400) for k in TOBACCO_KINDS}),
    perfume_ml=st.integers(min_value=0, max_value=200), perfume_value_jpy=st.integers(min_value=0, max_value=50_000),
    items=st.lists(item_st, max_size=7).map(tuple),
)
people_st = st.lists(st.sampled_from([ADULT, CHILD]), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(goods_st, people_st)
def test_tax_never_negative(goods: Goods, people: list[date]) -> None:
    out = rules.assess(goods, people, RULES)
    assert out["estimated_tax_jpy"] >= 0
    assert all(out[c]["tax_jpy"] >= 0 for c in ("alcohol", "tobacco", "perfume", "other_goods"))


@settings(max_examples=150, deadline=None)
@given(goods_st, people_st, item_st, bottle_st, st.sampled_from(TOBACCO_KINDS))
def test_adding_an_item_never_lowers_tax(goods: Goods, people: list[date], item: Item, bottle: Bottle,
                                         kind: str) -> None:
    base = tax(goods, people)
    assert tax(Goods(goods.bottles, goods.tobacco, goods.perfume_ml, goods.perfume_value_jpy,
                     (*goods.items, item)), people) >= base
    assert tax(Goods((*goods.bottles, bottle), goods.tobacco, goods.perfume_ml, goods.perfume_value_jpy,
                     goods.items), people) >= base
    more = {**goods.tobacco, kind: goods.tobacco.get(kind, 0) + 1}
    assert tax(Goods(goods.bottles, more, goods.perfume_ml, goods.perfume_value_jpy, goods.items), people) >= base


@settings(max_examples=200, deadline=None)
@given(st.lists(item_st, max_size=8), st.integers(min_value=1, max_value=2))
def test_chosen_combination_no_worse_than_any_other(items: list[Item], people: int) -> None:
    out = rules.other_goods(tuple(items), people, RULES)
    counted = [i for i, it in enumerate(out["items"]) if it["treatment"] != "small_kind"]
    per_person, cap = RULES.amount("other_goods_jpy"), RULES.amount("other_goods_jpy") * people
    best = None
    for mask in product([False, True], repeat=len(counted)):
        free = [items[i].value_jpy for i, m in zip(counted, mask, strict=True) if m]
        if sum(free) > cap or any(v > per_person for v in free):
            continue
        taxed = sum(items[i].value_jpy for i in counted) - sum(free)
        t = rules.other_goods_tax(taxed, RULES)[1]
        best = t if best is None else min(best, t)
    assert best is not None and out["tax_jpy"] == best


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({"cigarettes": st.integers(0, 260), "heated": st.integers(0, 13),
                              "cigars": st.integers(0, 60), "other": st.integers(0, 300)}))
def test_tobacco_share_is_optimal(q: dict[str, int]) -> None:
    out = rules.tobacco(q, 1, RULES)
    names = {"cigarettes": "tobacco_cigarettes", "heated": "tobacco_heated", "cigars": "tobacco_cigars",
             "other": "tobacco_other_g"}
    allow = {k: RULES.amount(f) for k, f in names.items()}
    rate = {k: RULES.rate("tobacco", k).specific_jpy or 0 for k in TOBACCO_KINDS}
    unit = 1
    for a in allow.values():
        unit = unit * a // __import__("math").gcd(unit, a)
    w = {k: unit // a for k, a in allow.items()}
    # brute force: every split of heated, cigars and cigarettes, the rest of the allowance to other tobacco
    best = None
    for h in range(min(q["heated"], allow["heated"]) + 1):
        for c in range(min(q["cigars"], allow["cigars"]) + 1):
            for g in range(min(q["cigarettes"], allow["cigarettes"]) + 1):
                room = unit - h * w["heated"] - c * w["cigars"] - g * w["cigarettes"]
                if room < 0:
                    break
                o = min(q["other"], room // w["other"])
                free = {"heated": h, "cigars": c, "cigarettes": g, "other": o}
                t = sum(rate[k] * (q[k] - free[k]) for k in TOBACCO_KINDS)
                best = t if best is None else min(best, t)
    assert best is not None and out["tax_jpy"] == int(best)


@pytest.mark.parametrize("n", [30, 120])
def test_many_items_stay_exact(n: int) -> None:
    items = tuple(Item(f"item{i}", 7_000 + 1_337 * i) for i in range(n))
    assert rules.other_goods(items, 1, RULES)["method"] == "exact"
