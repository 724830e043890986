"""Tests for the duty and consumption-tax assessment; expected figures are worked out by hand in comments."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.tariff.calc import Assessment, DutyRate, LineInput, UnitMismatch, assess
from smartcustoms.tariff.tables import NoEffectiveRule, TariffTables, load_tables, read_tables

from .test_tables import append_row, copy_data

ON = date(2025, 6, 1)
LAPTOP = "847130"  # no simplified band, not excluded: the schedule's rate always applies


def line(
    value: int,
    *,
    hs: str = LAPTOP,
    rate: str | DutyRate | None = "0",
    claimed: str = "0",
    ct: str = "standard",
    no: int = 1,
    quantity: str = "1",
    unit: str = "PCE",
    net_mass: str = "1",
) -> LineInput:
    tariff = DutyRate(ad_valorem=Decimal(rate)) if isinstance(rate, str) else rate
    return LineInput(
        line_no=no, hs_code=hs, value_jpy=value, quantity=Decimal(quantity), unit=unit,
        net_mass_kg=Decimal(net_mass), claimed_rate=Decimal(claimed), tariff_rate=tariff,
        ct_kind=ct,  # type: ignore[arg-type]
    )


def run(
    *lines: LineInput,
    on: date = ON,
    personal_use: bool = False,
    opt_out: bool = False,
    tables: TariffTables | None = None,
) -> Assessment:
    return assess(lines, on=on, personal_use=personal_use, simplified_opt_out=opt_out,
                  tables=tables or load_tables())


def test_customs_answer_1111_vector() -> None:
    a = run(
        line(534_795, rate="0.14", claimed="0.14", ct="standard", no=1),
        line(126_258, rate="0.14", claimed="0.14", ct="reduced", no=2),
    )
    first, second = a.lines
    # A: 534,000 x 14% = 74,760; (534,795 + 74,700) -> 609,000 x 7.8% = 47,502 -> 47,500; x 22/78 = 13,397.4
    assert (first.duty_base_jpy, first.duty_jpy, first.ct_base_jpy) == (534_000, 74_760, 609_000)
    assert (first.consumption_tax_national_jpy, first.consumption_tax_local_jpy) == (47_500, 13_397)
    # B: 126,000 x 14% = 17,640; (126,258 + 17,600) -> 143,000 x 6.24% = 8,923.2 -> 8,900; x 22/78 = 2,510.3
    assert (second.duty_base_jpy, second.duty_jpy, second.ct_base_jpy) == (126_000, 17_640, 143_000)
    assert (second.consumption_tax_national_jpy, second.consumption_tax_local_jpy) == (8_900, 2_510)
    assert (a.duty_jpy, a.consumption_tax_national_jpy, a.consumption_tax_local_jpy) == (92_400, 56_400, 15_900)
    assert a.total_jpy == 92_400 + 56_400 + 15_900
    assert a.customs_value_jpy == 534_795 + 126_258
    assert not a.low_value_exempt and not a.simplified_applied
    assert {r.rule for r in a.rules_applied} >= {"rounding", "consumption_tax:standard:2019-10-01",
                                                 "consumption_tax:reduced:2019-10-01"}


def test_rates_change_on_2019_10_01() -> None:
    # Duty-free line of ¥100,000: CT base 100,000.
    before = run(line(100_000), on=date(2019, 9, 30))
    assert (before.consumption_tax_national_jpy, before.consumption_tax_local_jpy) == (6_300, 1_700)
    reduced_before = run(line(100_000, ct="reduced"), on=date(2019, 9, 30))
    assert reduced_before.consumption_tax_national_jpy == 6_300
    assert any("standard rate" in n for n in reduced_before.lines[0].notes)
    after = run(line(100_000), on=date(2019, 10, 1))
    assert (after.consumption_tax_national_jpy, after.consumption_tax_local_jpy) == (7_800, 2_200)
    reduced_after = run(line(100_000, ct="reduced"), on=date(2019, 10, 1))
    # 6,240 -> 6,200; 6,200 x 22/78 = 1,748.7 -> 1,748 -> 1,700
    assert (reduced_after.consumption_tax_national_jpy, reduced_after.consumption_tax_local_jpy) == (6_200, 1_700)


def test_date_before_any_rule_raises() -> None:
    with pytest.raises(NoEffectiveRule):
        run(line(100_000), on=date(2014, 3, 31))


@pytest.mark.parametrize(
    ("retail", "dutiable", "exempt"),
    [(16_666, 9_999, True), (16_667, 10_000, True), (16_670, 10_002, False)],
)
def test_personal_use_sixty_percent(retail: int, dutiable: int, exempt: bool) -> None:
    a = run(line(retail), personal_use=True)
    assert a.lines[0].dutiable_value_jpy == dutiable
    assert a.customs_value_jpy == dutiable
    assert a.lines[0].exempt is exempt and a.low_value_exempt is exempt
    assert a.personal_use_ratio == Decimal("0.6")
    assert a.to_dict()["personal_use_ratio"] == "0.6"
    assert any(r.rule == "personal_use_valuation_ratio" for r in a.rules_applied)


def test_personal_use_taxed_line_is_valued_at_sixty_percent() -> None:
    # Trousers: simplified 10%. 16,670 x 0.6 = 10,002; duty 10,000 x 10% = 1,000;
    # CT base 10,002 + 1,000 -> 11,000 x 7.8% = 858 -> 800; 800 x 22/78 = 225.6 -> 225 -> 200.
    a = run(line(16_670, hs="620342"), personal_use=True)
    assert (a.duty_jpy, a.consumption_tax_national_jpy, a.consumption_tax_local_jpy) == (1_000, 800, 200)
    assert a.total_jpy == 2_000


def test_without_personal_use_the_full_value_counts() -> None:
    a = run(line(16_667))
    assert a.lines[0].dutiable_value_jpy == 16_667 and not a.low_value_exempt and a.personal_use_ratio is None


def test_low_value_boundary() -> None:
    at = run(line(10_000, rate="0.1"))
    assert at.low_value_exempt and at.lines[0].exempt and at.total_jpy == 0
    assert at.lines[0].duty_jpy == at.lines[0].consumption_tax_national_jpy == 0
    over = run(line(10_001))
    # Duty free; CT base 10,001 -> 10,000 x 7.8% = 780 -> 700; 700 x 22/78 = 197.4 -> 197 -> 100.
    assert not over.low_value_exempt and not over.lines[0].exempt
    assert (over.consumption_tax_national_jpy, over.consumption_tax_local_jpy, over.total_jpy) == (700, 100, 800)


def test_low_value_threshold_is_per_declaration() -> None:
    together = run(line(6_000, no=1), line(4_000, no=2))
    assert all(a.exempt for a in together.lines)
    split = run(line(6_000, no=1), line(4_001, no=2))
    assert not any(a.exempt for a in split.lines) and split.total_jpy > 0


def test_excluded_goods_are_taxed_under_the_threshold() -> None:
    # Leather handbag ¥5,000 at a 10% tariff rate (excluded from simplified rates too):
    # duty 5,000 x 10% = 500; CT base 5,000 + 500 -> 5,000 x 7.8% = 390 -> 300; 300 x 22/78 = 84.6 -> 84 -> 0.
    a = run(line(5_000, hs="420221", rate="0.1", no=1), line(3_000, no=2))
    bag, laptop = a.lines
    assert not bag.exempt and bag.rate_source == "tariff"
    assert (bag.duty_jpy, bag.consumption_tax_national_jpy, bag.consumption_tax_local_jpy) == (500, 300, 84)
    assert laptop.exempt and laptop.duty_jpy == 0
    assert (a.duty_jpy, a.consumption_tax_national_jpy, a.consumption_tax_local_jpy) == (500, 300, 0)
    assert a.low_value_exempt and a.customs_value_jpy == 8_000
    assert any("excluded" in n for n in bag.notes)
    assert any(r.rule == "exemption_excluded:420221" and not r.verified for r in a.rules_applied)


def test_simplified_rate_under_200000_and_not_above() -> None:
    # Roasted coffee, schedule rate 12% claimed; reduced CT.
    # 100,000: simplified 15% = 15,000; CT base 115,000 x 6.24% = 7,176 -> 7,100; x 22/78 = 2,002.5 -> 2,000.
    under = run(line(100_000, hs="090121", rate="0.12", claimed="0.12", ct="reduced"))
    coffee = under.lines[0]
    assert coffee.rate_source == "simplified" and coffee.applied_rate.ad_valorem == Decimal("0.15")
    assert coffee.rate_mismatch and under.simplified_applied
    assert (under.duty_jpy, under.consumption_tax_national_jpy, under.consumption_tax_local_jpy) == (
        15_000, 7_100, 2_000)
    at_limit = run(line(200_000, hs="090121", rate="0.12", claimed="0.12", ct="reduced"))
    assert at_limit.lines[0].rate_source == "simplified"
    # 200,001: schedule 12% of 200,000 = 24,000; CT base 224,001 -> 224,000 x 6.24% = 13,977.6 -> 13,900;
    # 13,900 x 22/78 = 3,920.5 -> 3,920 -> 3,900.
    over = run(line(200_001, hs="090121", rate="0.12", claimed="0.12", ct="reduced"))
    assert over.lines[0].rate_source == "tariff" and not over.lines[0].rate_mismatch
    assert (over.duty_jpy, over.consumption_tax_national_jpy, over.consumption_tax_local_jpy) == (
        24_000, 13_900, 3_900)


def test_simplified_threshold_counts_the_whole_declaration() -> None:
    a = run(line(150_000, hs="090121", rate="0.12", no=1), line(60_000, no=2))
    assert a.lines[0].rate_source == "tariff" and not a.simplified_applied


def test_opt_out_takes_the_general_tariff() -> None:
    a = run(line(100_000, hs="090121", rate="0.12", claimed="0.12"), opt_out=True)
    assert a.lines[0].rate_source == "tariff" and a.duty_jpy == 12_000 and not a.simplified_applied
    assert any("opted" in n for n in a.lines[0].notes)
    assert "simplified_tariff_max_jpy" not in {r.rule for r in a.rules_applied}


def test_goods_excluded_from_simplified_rates(tmp_path: Path) -> None:
    # Knitted T-shirt: chapter 61 is excluded; no band applies.
    knitted = run(line(50_000, hs="610910", rate="0.1"))
    assert knitted.lines[0].rate_source == "tariff" and knitted.duty_jpy == 5_000
    assert any("no simplified rate" in n for n in knitted.lines[0].notes)
    # An exclusion beats a band that would otherwise match.
    d = copy_data(tmp_path)
    append_row(d, "low-value-excluded-hs.csv", "620342,cotton trousers,simplified,2014-04-01,,test,false")
    tables = read_tables(d)
    trousers = run(line(50_000, hs="620342", rate="0.091"), tables=tables)
    assert trousers.lines[0].rate_source == "tariff" and trousers.duty_jpy == 4_500  # 4,550 -> 4,500
    assert run(line(50_000, hs="620349", rate="0.091"), tables=tables).lines[0].rate_source == "simplified"


def test_wine_is_taxed_per_litre() -> None:
    # 7.5 L at ¥70 = 525 -> duty total 500; CT base 30,000 + 500 -> 30,000 x 7.8% = 2,340 -> 2,300;
    # 2,300 x 22/78 = 648.7 -> 648 -> 600.
    a = run(line(30_000, hs="220421", quantity="7.5", unit="LTR", claimed="0"))
    wine = a.lines[0]
    assert wine.rate_source == "simplified" and wine.applied_rate.specific_jpy == Decimal(70)
    assert wine.duty_jpy == 525 and wine.rate_mismatch
    assert (a.duty_jpy, a.consumption_tax_national_jpy, a.consumption_tax_local_jpy) == (500, 2_300, 600)
    small = run(line(30_000, hs="220421", quantity="0.75", unit="LTR"))
    assert small.lines[0].duty_jpy == 52 and small.duty_jpy == 0  # 52.5 -> 52, and nothing below ¥100


def test_specific_duty_unit_mismatch() -> None:
    with pytest.raises(UnitMismatch) as err:
        run(line(30_000, hs="220421", quantity="6", unit="PCE", no=3))
    assert (err.value.line_no, err.value.expected_unit, err.value.got_unit) == (3, "LTR", "PCE")
    per_piece = DutyRate(specific_jpy=Decimal(100), specific_unit="NAR")
    with pytest.raises(UnitMismatch):
        run(line(300_000, rate=per_piece, unit="PCE"))


def test_specific_duty_per_kilogram_uses_net_mass() -> None:
    # Compound 10% + ¥100/kg on 2.5 kg net: 30,000 + 250.
    rate = DutyRate(ad_valorem=Decimal("0.1"), specific_jpy=Decimal(100), specific_unit="KGM")
    a = run(line(300_000, rate=rate, unit="PCE", quantity="10", net_mass="2.5"))
    assert a.lines[0].duty_jpy == 30_250 and a.duty_jpy == 30_200 and a.lines[0].rate_mismatch


def test_claimed_rate_when_the_schedule_has_no_rate() -> None:
    a = run(line(300_000, rate=None, claimed="0.05"))
    only = a.lines[0]
    assert only.rate_source == "claimed" and only.applied_rate == DutyRate(ad_valorem=Decimal("0.05"))
    assert only.duty_jpy == 15_000 and not only.rate_mismatch


@pytest.mark.parametrize(
    ("tariff", "claimed", "mismatch"),
    [
        (DutyRate(ad_valorem=Decimal("0.14")), "0.14", False),
        (DutyRate(ad_valorem=Decimal("0.140")), "0.14", False),
        (DutyRate(ad_valorem=Decimal("0.14")), "0.10", True),
        (DutyRate(specific_jpy=Decimal(10), specific_unit="KGM"), "0", True),
    ],
)
def test_rate_mismatch_flag(tariff: DutyRate, claimed: str, mismatch: bool) -> None:
    a = run(line(300_000, rate=tariff, claimed=claimed))
    assert a.lines[0].rate_mismatch is mismatch
    assert any("mismatch" in n for n in a.lines[0].notes) is mismatch


def test_line_below_1000_pays_no_duty() -> None:
    a = run(line(999, rate="0.2", no=1), line(20_000, no=2))
    small = a.lines[0]
    assert (small.duty_base_jpy, small.duty_jpy, small.ct_base_jpy, small.consumption_tax_national_jpy) == (0, 0, 0, 0)


def test_to_dict_is_json_ready() -> None:
    a = run(line(534_795, rate="0.14", claimed="0.14"))
    d: Any = a.to_dict()
    assert json.loads(json.dumps(d)) == d
    first = d["lines"][0]
    assert first["duty_jpy"] == 74_760 and first["claimed_rate"] == "0.14" and first["ct_national_rate"] == "0.078"
    assert first["applied_rate"] == {"ad_valorem": "0.14", "specific_jpy": None, "specific_unit": None}
    assert d["assessed_on"] == "2025-06-01" and d["personal_use_ratio"] is None
    assert {"rule", "source", "verified"} == set(d["rules_applied"][0])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one line"):
        run()
    with pytest.raises(ValueError, match="line_no"):
        run(line(1_000, no=1), line(1_000, no=1))
    with pytest.raises(ValueError, match="hs_code"):
        line(1_000, hs="8471.30")
    with pytest.raises(ValueError, match="value_jpy"):
        line(-1)
    with pytest.raises(ValueError):
        DutyRate()


# --- properties -------------------------------------------------------------------------------------------

CODES = ["847130", "090121", "220421", "420221", "610910", "620342", "210320", "090230"]
rates = st.decimals(min_value=0, max_value=Decimal("0.5"), places=3)
lines_strategy = st.lists(
    st.builds(
        lambda no, hs, value, rate, ct, litres: line(
            value, hs=hs, rate=None if rate is None else str(rate), claimed="0.05", ct=ct, no=no,
            quantity=str(litres), unit="LTR",
        ),
        no=st.just(0),
        hs=st.sampled_from(CODES),
        value=st.integers(min_value=0, max_value=5_000_000),
        rate=st.none() | rates,
        ct=st.sampled_from(["standard", "reduced"]),
        litres=st.decimals(min_value=0, max_value=100, places=2),
    ),
    min_size=1,
    max_size=5,
).map(lambda ls: [LineInput(**{**vars(li), "line_no": n}) for n, li in enumerate(ls, start=1)])
dates = st.dates(min_value=date(2014, 4, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(lines=lines_strategy, on=dates, personal_use=st.booleans(), opt_out=st.booleans())
def test_totals_properties(lines: list[LineInput], on: date, personal_use: bool, opt_out: bool) -> None:
    a = run(*lines, on=on, personal_use=personal_use, opt_out=opt_out)
    for total in (a.duty_jpy, a.consumption_tax_national_jpy, a.consumption_tax_local_jpy, a.total_jpy):
        assert total >= 0 and total % 100 == 0
    assert a.total_jpy == a.duty_jpy + a.consumption_tax_national_jpy + a.consumption_tax_local_jpy
    assert a.duty_jpy == sum(la.duty_jpy for la in a.lines) // 100 * 100
    assert a.customs_value_jpy == sum(la.dutiable_value_jpy for la in a.lines)
    for la in a.lines:
        assert la.duty_jpy >= 0 and la.duty_base_jpy % 1000 == 0 and la.ct_base_jpy % 1000 == 0
        assert la.consumption_tax_national_jpy % 100 == 0
        assert la.dutiable_value_jpy <= la.value_jpy
        if la.exempt:
            assert la.duty_jpy == la.consumption_tax_national_jpy == la.consumption_tax_local_jpy == 0
    json.dumps(a.to_dict())


@settings(max_examples=300, deadline=None)
@given(
    v1=st.integers(min_value=0, max_value=2_000_000),
    v2=st.integers(min_value=0, max_value=2_000_000),
    rate=rates,
    ct=st.sampled_from(["standard", "reduced"]),
    on=dates,
)
def test_national_ct_is_monotone_in_value(v1: int, v2: int, rate: Decimal, ct: str, on: date) -> None:
    low, high = sorted((v1, v2))
    a_low = run(line(low, rate=str(rate), ct=ct), on=on)
    a_high = run(line(high, rate=str(rate), ct=ct), on=on)
    assert a_low.consumption_tax_national_jpy <= a_high.consumption_tax_national_jpy
    assert a_low.duty_jpy <= a_high.duty_jpy
