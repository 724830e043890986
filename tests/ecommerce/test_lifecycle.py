"""What a decision needs to end a parcel's inspection (pure)."""

from __future__ import annotations

import pytest

from smartcustoms.ecommerce import lifecycle


@pytest.mark.parametrize(("lane", "recorded", "pending"), [
    (3, None, True), (3, "discrepancy", False), (3, "no_discrepancy", False), (2, None, False), (1, None, False)])
def test_a_parcel_is_pending_inspection_in_lane_3_until_a_result_is_recorded(lane: int, recorded: str | None,
                                                                            pending: bool) -> None:
    assert lifecycle.pending_inspection(lane, recorded) is pending


def test_a_release_records_no_discrepancy_a_hold_either_and_an_order_to_inspect_none() -> None:
    assert lifecycle.result_problem("release", None) is None
    assert lifecycle.result_problem("release", "no_discrepancy") is None
    assert "hold" in (lifecycle.result_problem("release", "discrepancy") or "")
    assert lifecycle.result_problem("hold", "discrepancy") is None
    assert lifecycle.result_problem("hold", "no_discrepancy") is None
    assert lifecycle.result_problem("inspect", "no_discrepancy") is not None
    assert lifecycle.result_problem("hold", "found") == "one of no_discrepancy, discrepancy"


def test_only_a_release_of_a_parcel_pending_inspection_needs_a_result() -> None:
    assert lifecycle.needs_result("release", 3, None, None)
    assert not lifecycle.needs_result("release", 3, None, "no_discrepancy")
    assert not lifecycle.needs_result("release", 3, "discrepancy", None)  # recorded with a hold before
    assert not lifecycle.needs_result("release", 2, None, None)
    assert not lifecycle.needs_result("hold", 3, None, None)
    assert not lifecycle.needs_result("inspect", 3, None, None)
