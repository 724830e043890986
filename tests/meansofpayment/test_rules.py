"""Pure thresholds and flags of means-of-payment declarations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from smartcustoms.meansofpayment import rules

ON = date(2026, 6, 1)


@pytest.fixture()
def th() -> rules.Thresholds:
    return rules.thresholds_on(ON)


def test_thresholds_come_with_sources_and_verified_marks(th: rules.Thresholds) -> None:
    assert (th.general_limit_jpy, th.north_korea_limit_jpy) == (1_000_000, 100_000)
    assert th.sources["general_limit_jpy"]["source"] and th.sources["general_limit_jpy"]["verified"] is True
    assert th.sources["north_korea_limit_jpy"]["verified"] is False
    with pytest.raises(rules.NoThresholdInForce):
        rules.thresholds_on(date(1999, 1, 1))


@pytest.mark.parametrize(("direction", "dest", "total", "required"), [
    ("arrival", "JP", 1_000_000, False), ("arrival", "JP", 1_000_001, True),
    ("departure", "US", 1_000_000, False), ("departure", "US", 1_000_001, True),
    ("departure", "KP", 100_000, False), ("departure", "KP", 100_001, True),
    ("arrival", "JP", 500_000, False),
])
def test_money_limit_by_direction_and_destination(th: rules.Thresholds, direction: str, dest: str, total: int,
                                                  required: bool) -> None:
    req = rules.requirement(direction, dest, total, [], th)
    assert req.required is required
    if required:
        assert req.reasons[0]["code"] == "over_limit"


@pytest.mark.parametrize(("gold", "required"), [
    ([(Decimal("1000"), Decimal("0.999"))], False), ([(Decimal("1000.1"), Decimal("0.999"))], True),
    ([(Decimal("600"), Decimal("0.9")), (Decimal("500"), Decimal("0.95"))], True),
    ([(Decimal("5000"), Decimal("0.75"))], False),  # 18-carat jewellery gold is not bullion of 90%
])
def test_gold_bullion_over_one_kilogram_of_ninety_percent(th: rules.Thresholds,
                                                          gold: list[tuple[Decimal, Decimal]], required: bool) -> None:
    req = rules.requirement("arrival", "JP", 0, gold, th)
    assert req.required is required and (not required or req.reasons[0]["code"] == "gold_bullion")


def _flags(total: int, past: list[rules.PastFiling], origin: str = "US", hits: list[dict[str, object]] | None = None,
           ) -> list[str]:
    return [f["code"] for f in rules.flags(travel_date=ON, total_jpy=total, limit_jpy=1_000_000, direction="arrival",
                                           origin_country=origin, destination_country="JP", past=past,
                                           watchlist_hits=hits or [])]


def test_repeated_carrying_just_under_the_limit() -> None:
    earlier = rules.PastFiling("a", date(2026, 5, 1), 950_000, 1_000_000)
    assert "structuring" in _flags(990_000, [earlier])
    assert "structuring" not in _flags(990_000, [])  # once is not a pattern
    assert "structuring" not in _flags(500_000, [earlier])  # not just under
    old = rules.PastFiling("b", date(2025, 6, 1), 950_000, 1_000_000)
    assert "structuring" not in _flags(990_000, [old])  # outside the window


def test_route_risk_and_watchlist() -> None:
    assert "route_risk" in _flags(10_000, [], origin="KP")
    assert "route_risk" not in _flags(10_000, [], origin="US")
    hit = {"list_code": "UN", "entry_name": "X", "score": 0.97, "reason": "name"}
    assert "watchlist" in _flags(10_000, [], hits=[hit])
