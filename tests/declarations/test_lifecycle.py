"""Declaration lifecycle (pure)."""

from __future__ import annotations

import pytest

from smartcustoms.declarations import lifecycle as lc


@pytest.mark.parametrize("lane,status", [(1, lc.RELEASED), (2, lc.UNDER_REVIEW), (3, lc.AWAITING_INSPECTION)])
def test_pending_status(lane: int, status: str) -> None:
    assert lc.pending_status(lane) == status


def test_final_states_allow_nothing() -> None:
    for final in lc.FINAL:
        for action in (*lc.DECISIONS, "amend"):
            assert lc.next_state(action, final, 2, 3) is None


def test_order_inspection_moves_to_lane_3() -> None:
    t = lc.next_state("order_inspection", lc.UNDER_REVIEW, 2)
    assert t is not None and (t.to_status, t.lane) == (lc.AWAITING_INSPECTION, 3)


def test_record_inspection_only_when_awaiting() -> None:
    assert lc.next_state("record_inspection", lc.UNDER_REVIEW, 2) is None
    t = lc.next_state("record_inspection", lc.AWAITING_INSPECTION, 3)
    assert t is not None and t.to_status == lc.INSPECTED


def test_reroute_sets_pending_status_of_new_lane() -> None:
    t = lc.next_state("reroute", lc.UNDER_REVIEW, 2, 3)
    assert t is not None and (t.to_status, t.lane) == (lc.AWAITING_INSPECTION, 3)
    t = lc.next_state("reroute", lc.UNDER_REVIEW, 2, 1)
    assert t is not None and t.to_status == lc.RELEASED
    assert lc.next_state("reroute", lc.AWAITING_INSPECTION, 3, 1) is None  # no release round an inspection
    assert lc.next_state("reroute", lc.UNDER_REVIEW, 2, 4) is None


def test_hold_not_twice() -> None:
    assert lc.next_state("hold", lc.HELD, 2) is None
    t = lc.next_state("hold", lc.UNDER_REVIEW, 2)
    assert t is not None and t.to_status == lc.HELD


def test_no_amendment_after_inspection() -> None:
    assert lc.next_state("amend", lc.INSPECTED, 3) is None
    assert "amend" in lc.ALLOWED_FROM and lc.INSPECTED not in lc.ALLOWED_FROM["amend"]
