"""Hit rates of the inspections per selection, against the random sample (pure)."""

from __future__ import annotations

from typing import Any

import orjson

from smartcustoms.ecommerce import hitrate


def _reason(profile: str, lane: int, *, pid: int | None = 1, random: bool = False) -> dict[str, Any]:
    return {"kind": "rule", "profile_id": pid, "profile": profile, "lane": lane, "reason": "r", "matched": {},
            "lines": [], "random": random}


def _parcel(result: str, *reasons: dict[str, Any]) -> tuple[str, str]:
    return orjson.dumps(list(reasons)).decode(), result


def test_each_parcel_counts_for_every_reason_that_sent_it_to_inspection_and_once_in_the_totals() -> None:
    bags, sample, docs = _reason("Bags", 3, pid=1), _reason("Sample", 3, pid=2, random=True), _reason("Docs", 2, pid=3)
    rates = hitrate.hit_rates([
        _parcel("discrepancy", bags),
        _parcel("discrepancy", bags, sample),  # selected twice: counts for both
        _parcel("no_discrepancy", sample),
        _parcel("no_discrepancy", sample, docs),  # a lane-2 reason asked for documents, not an inspection
        _parcel("discrepancy", docs),  # lane raised by an officer's order
        _parcel("no_discrepancy"),
    ])
    rows = {r.key: r for r in rates.rows}
    assert (rates.inspected, rates.discrepancies) == (6, 3)
    assert (rows[("rule", 1, "Bags")].inspected, rows[("rule", 1, "Bags")].discrepancies) == (2, 2)
    assert (rows[("random", 2, "Sample")].inspected, rows[("random", 2, "Sample")].discrepancies) == (3, 1)
    assert (rows[hitrate.ORDER].inspected, rows[hitrate.ORDER].discrepancies) == (2, 1)
    assert ("rule", 3, "Docs") not in rows
    assert rates.baseline is not None and abs(rates.baseline.rate - 1 / 3) < 1e-9
    assert [r.inspected for r in rates.rows] == sorted((r.inspected for r in rates.rows), reverse=True)


def test_random_draws_of_several_profiles_pool_into_one_baseline_and_none_without_draws() -> None:
    a, b = _reason("Sample A", 3, pid=7, random=True), _reason("Sample B", 3, pid=8, random=True)
    rates = hitrate.hit_rates([_parcel("discrepancy", a), _parcel("no_discrepancy", b), _parcel("no_discrepancy", b)])
    assert rates.baseline is not None and (rates.baseline.inspected, rates.baseline.discrepancies) == (3, 1)
    assert hitrate.hit_rates([_parcel("discrepancy", _reason("Bags", 3))]).baseline is None
    assert hitrate.hit_rates([]).rate == 0.0


def test_the_same_profile_matched_by_its_criteria_and_drawn_at_random_is_two_selections() -> None:
    hit, drawn = _reason("Bags", 3, pid=4), _reason("Bags", 3, pid=4, random=True)
    rates = hitrate.hit_rates([_parcel("discrepancy", hit), _parcel("no_discrepancy", drawn)])
    assert {r.key: r.rate for r in rates.rows} == {("rule", 4, "Bags"): 1.0, ("random", 4, "Bags"): 0.0}


def test_reasons_stored_in_another_shape_count_as_an_officers_order_rather_than_failing() -> None:
    rates = hitrate.hit_rates([("not json", "discrepancy"), ('{"a": 1}', "no_discrepancy"), (None, "discrepancy"),
                               ('[1, "x", {"lane": "3"}]', "no_discrepancy")])
    assert [(r.key, r.inspected, r.discrepancies) for r in rates.rows] == [(hitrate.ORDER, 4, 2)]


def test_a_parcel_drawn_by_two_samples_counts_once_and_a_sampled_targeted_profile_is_no_baseline() -> None:
    def drawn(profile: str, pid: int, **criteria: Any) -> dict[str, Any]:
        return {**_reason(profile, 3, pid=pid, random=True),
                "matched": {"random_rate": "0.1", "draw": "0.05", **criteria}}

    a, b = drawn("Sample A", 1), drawn("Sample B", 2)
    bags = drawn("Handbags 10% sample", 3, hs_prefix="4202")  # samples the parcels its criteria match
    rates = hitrate.hit_rates([_parcel("discrepancy", a, b), _parcel("no_discrepancy", a),
                               _parcel("discrepancy", bags), _parcel("discrepancy", bags)])
    assert rates.baseline is not None and (rates.baseline.inspected, rates.baseline.discrepancies) == (2, 1)
    rows = {r.key: r for r in rates.rows}
    assert not rows[("rule", 3, "Handbags 10% sample")].baseline and rows[("rule", 3, "Handbags 10% sample")].rate == 1
    assert (rows[("random", 1, "Sample A")].inspected, rows[("random", 2, "Sample B")].inspected) == (2, 1)


def test_a_selection_is_said_to_find_more_only_when_the_difference_is_clear() -> None:
    def row(found: int, inspected: int) -> hitrate.HitRow:
        return hitrate.HitRow(("rule", 1, "P"), None, inspected, found)

    base = row(10, 200)  # the random sample finds 5 %
    assert hitrate.against(row(1, 3), base) == hitrate.UNCLEAR  # 33 % of three: says little
    assert hitrate.against(row(3, 3), base) == hitrate.HIGHER  # three of three at a 5 % base rate: it does
    assert hitrate.against(row(40, 200), base) == hitrate.HIGHER  # 20 % of 200
    assert hitrate.against(row(0, 400), base) == hitrate.LOWER
    assert hitrate.against(row(12, 200), base) == hitrate.UNCLEAR  # 6 % against 5 %
    assert hitrate.against(row(0, 0), base) == hitrate.UNCLEAR
    assert hitrate.against(row(0, 50), row(0, 80)) == hitrate.UNCLEAR
    lo, hi = row(2, 3).interval
    assert lo < 2 / 3 < hi and hi - lo > 0.5  # wide: three inspections
    lo, hi = row(40, 200).interval
    assert 0.14 < lo < 0.2 < hi < 0.27
    assert row(0, 0).interval == (0.0, 1.0)
