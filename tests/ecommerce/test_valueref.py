"""The value references' arithmetic: bands, the sample, and which goods lines fall far below their band."""

from __future__ import annotations

import math
import random
import statistics
from decimal import Decimal

from smartcustoms.ecommerce import valueref
from smartcustoms.ecommerce.records import Goods


def _line(value: str, hs: str | None = "610910", quantity: str = "1", unit: str = "PCE",
          currency: str = "JPY") -> Goods:
    return Goods("cotton T-shirt", hs, Decimal(quantity), unit, Decimal("0.2"), Decimal(value), currency, "CN")


def _rate(currency: str) -> Decimal | None:
    """The weekly rates, as `reference.rates_on` gives them: no row for the yen."""
    return {"USD": Decimal(150)}.get(currency)


def test_a_band_is_the_median_and_the_scaled_mad_of_the_logs() -> None:
    rng = random.Random(3)
    logs = [math.log(1800) + rng.gauss(0, 0.5) for _ in range(2001)]
    b = valueref.band("610910", "PCE", logs)
    assert b.lines == 2001 and b.median_log == statistics.median(logs)
    assert b.spread == valueref.MAD_TO_SD * statistics.median(abs(x - b.median_log) for x in logs)
    assert 0.45 < b.spread < 0.55  # the MAD scaled to a standard deviation estimates the sigma drawn
    assert 1600 < b.median_jpy < 2000


def test_a_band_of_one_price_keeps_the_floor_so_a_small_discount_is_not_flagged() -> None:
    b = valueref.band("610910", "PCE", [math.log(1000)] * 50)
    assert b.spread == valueref.SPREAD_FLOOR
    bands = {valueref.key("610910", "PCE"): b}
    assert valueref.undervalued([_line("800")], _rate, bands, -3.0) == []  # 80 % of the price
    assert [f.line_no for f in valueref.undervalued([_line("400")], _rate, bands, -3.0)] == [1]  # 40 %


def test_only_lines_far_below_their_own_band_are_found() -> None:
    bands = {valueref.key("610910", "PCE"): valueref.Band("610910", "PCE", 500, math.log(1800), 0.5),
             valueref.key("640411", "PCE"): valueref.Band("640411", "PCE", 500, math.log(6000), 0.5)}
    goods = [_line("1800"), _line("150", quantity="1"), _line("3600", quantity="2"), _line("450", quantity="3"),
             _line("100", hs="640411"), _line("100", hs="950300"), _line("100", hs=None),
             _line("1", unit="KGM"), _line("1", currency="USD"), _line("0")]
    found = valueref.undervalued(goods, _rate, bands, -3.0)
    # line 2: ¥150 against ¥1,800 (z −5.0); line 4: ¥150 a unit; line 5 against the shoes' band; a T-shirt at
    # $1 = ¥150; a nil value at the floor. Not: at the median, ¥1,800 a unit of two, no band (a toy, no code, a
    # unit of its own).
    assert [f.line_no for f in found] == [2, 4, 5, 9, 10]
    by_line = {f.line_no: f for f in found}
    assert by_line[2].z == (math.log(150) - math.log(1800)) / 0.5
    assert by_line[4].unit_yen == 150 and by_line[9].unit_yen == 150
    assert by_line[10].z == valueref.Z_FLOOR
    hit = valueref.value_hit(found[:2])
    assert (hit["kind"], hit["lane"], hit["lines"]) == ("value", 2, [2, 4])
    assert hit["matched"]["median_jpy"] == [1800, 1800] and hit["matched"]["unit_value_jpy"] == [150, 150]
    assert "line 2 HS 610910: ¥150 a unit against a median of ¥1,800 (a sample of 500 stored lines" in hit["reason"]


def test_the_cut_is_the_setting() -> None:
    bands = {valueref.key("610910", "PCE"): valueref.Band("610910", "PCE", 500, math.log(1000), 0.5)}
    z = (math.log(300) - math.log(1000)) / 0.5  # −2.4
    assert valueref.undervalued([_line("300")], _rate, bands, -3.0) == []
    assert [f.z for f in valueref.undervalued([_line("300")], _rate, bands, -2.0)] == [z]


def test_the_sample_is_uniform_bounded_and_the_same_for_the_same_rows() -> None:
    def fill(seed: int) -> valueref.Sampler:
        s = valueref.Sampler(per_key=100, seed=seed)
        for i in range(1, 10_001):
            s.offer("610910:PCE", float(i))
        for i in range(1, 11):
            s.offer("950300:PCE", float(i))
        s.offer("950300:PCE", 0.0)  # no log of nothing: not a reference
        return s

    a, b = fill(0), fill(0)
    assert a.kept == b.kept and len(a.kept["610910:PCE"]) == 100 and a.seen == {"610910:PCE": 10_000,
                                                                                  "950300:PCE": 10}
    # A uniform sample of 1..10,000: its median is near the middle (a sample of the first 100 would be ~50).
    assert 3000 < math.exp(statistics.median(a.kept["610910:PCE"])) < 7000
    assert [x.hs6 for x in a.bands(min_lines=11)] == ["610910"]
    assert [(x.hs6, x.lines) for x in a.bands(min_lines=10)] == [("610910", 100), ("950300", 10)]


def test_stored_lines_give_their_unit_values_in_yen() -> None:
    stored = [{"hs_code": "610910", "quantity": "2", "unit": "PCE", "value": "12.00", "currency": "USD"},
              {"hs_code": None, "quantity": "1", "unit": "PCE", "value": "5", "currency": "JPY"},
              {"hs_code": "610910", "quantity": "1", "unit": "PCE", "value": "5", "currency": "XXX"},
              {"hs_code": "220421", "quantity": "0.75", "unit": "LTR", "value": "1500", "currency": "JPY"}]
    assert list(valueref.stored_unit_values(stored, _rate)) == [("610910:PCE", 900.0), ("220421:LTR", 2000.0)]


def test_a_counted_item_is_one_band_whatever_it_is_called_and_never_less_than_one() -> None:
    bands = {valueref.key("610910", "PCE"): valueref.Band("610910", "PCE", 500, math.log(1800), 0.5)}
    # ¥150 a T-shirt, declared as 0.1 of one, or in pieces written another way: all flagged, at ¥150 a unit.
    goods = [_line("150", quantity="0.1"), _line("150", unit="pcs"), _line("150", unit="EA"), _line("150", unit="KGM")]
    found = valueref.undervalued(goods, _rate, bands, -3.0)
    assert [(f.line_no, f.unit_yen) for f in found] == [(1, 150.0), (2, 150.0), (3, 150.0)]
    assert valueref.key("610910", " pcs ") == valueref.key("610910", "NMB") == "610910:PCE"
    assert valueref.key("220421", "ltr") == "220421:LTR"
    # Half a litre of wine is half a litre: only counted items are rounded up to one.
    assert valueref.unit_value(Decimal(600), Decimal("0.5"), "LTR") == 1200.0
    assert valueref.unit_value(Decimal(600), Decimal("0.5"), "PCS") == 600.0


def test_the_manifest_check_finds_exactly_what_undervalued_finds_on_generated_parcels() -> None:
    import json

    from smartcustoms.ecommerce.generate import GOODS, QUOTE_RATES, jsonl_lines
    from smartcustoms.ecommerce.records import check_record

    def rate(currency: str) -> Decimal | None:
        return None if currency in ("JPY", "THB") else QUOTE_RATES.get(currency)  # THB: a currency without a rate

    records = [check_record(json.loads(x), n, 100)[0] for n, x in enumerate(jsonl_lines(6000, 5), 1)]
    # Bands near the generator's medians (some lines fall below), a narrow one (many do), and one per litre.
    bands = {valueref.key(hs, "PCE"): valueref.Band(hs, "PCE", 100, math.log(median * (1.5 if n % 3 else 1)),
                                                    0.25 if n % 4 == 0 else sigma)
             for n, (hs, _, median, sigma, _) in enumerate(GOODS)}
    bands["220421:LTR"] = valueref.Band("220421", "LTR", 100, math.log(2000), 0.3)
    extra = [_line("0"), _line("150", quantity="0.5"), _line("100", unit="pcs"), _line("300", hs="220421",
                                                                                      unit="LTR", quantity="0.75")]
    flagged = 0
    for cut in (-3.0, -1.5):
        check = valueref.ValueCheck(bands, cut, rate)
        for rec in [*records, None]:
            goods = rec.goods if rec is not None else extra
            expected = valueref.undervalued(goods, rate, bands, cut)
            assert check.check(goods) == expected
            flagged += len(expected)
    assert flagged > 100


def test_the_sampler_counts_every_line_seen_and_refuses_values_a_float_cannot_carry() -> None:
    import math as _m

    from smartcustoms.ecommerce.valueref import Sampler

    s = Sampler(per_key=10)
    for i in range(25):
        assert s.offer("392690:PCE", 100.0 + i)
    assert not s.offer("392690:PCE", _m.inf) and not s.offer("392690:PCE", 0.0)
    assert not s.offer("392690:PCE", _m.nan)
    (b,) = s.bands(min_lines=20)
    assert (b.lines, b.seen, b.lines_seen) == (10, 25, 25)
