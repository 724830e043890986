"""Lane selection from selectivity profiles (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from smartcustoms.risk.rules import (
    LaneContext,
    LineFacts,
    Profile,
    RuleHit,
    ScoreSignal,
    decide_lane,
    sampling_draw,
    select_lane,
)

ON = date(2026, 11, 22)


def ctx(**kw: object) -> LaneContext:
    base: dict[str, object] = dict(
        declaration_id="d1", on=ON, importer_code="IMP", consignor_name="Shenzhen Audio Co., Ltd.", aeo=False,
        total_value_jpy=500_000,
        lines=[LineFacts(1, "851830000", "CN", False), LineFacts(2, "930200", "US", True)],
    )
    base.update(kw)
    return LaneContext(**base)  # type: ignore[arg-type]


def never(_pid: int) -> Decimal:
    return Decimal("0.999999")


def always(_pid: int) -> Decimal:
    return Decimal(0)


def test_no_profile_gives_lane_1_with_a_reason() -> None:
    d = select_lane([], ctx(), never)
    assert d.lane == 1
    assert d.reasons()[0]["kind"] == "default"


def test_every_hit_kept_strictest_lane_wins() -> None:
    profiles = [
        Profile(1, "arms", 3, "weapons", hs_prefix="93"),
        Profile(2, "mismatch", 2, "rate", rate_mismatch=True),
        Profile(3, "china audio", 2, "audio", hs_prefix="8518", origin_country="CN"),
        Profile(4, "japan origin", 3, "never", origin_country="JP"),
    ]
    d = select_lane(profiles, ctx(), never)
    assert d.lane == 3
    assert [h.profile_id for h in d.hits] == [1, 2, 3]
    assert d.hits[0].lines == (2,)
    assert d.hits[1].lines == (2,)
    assert d.hits[2].matched == {"hs_prefix": "8518", "origin_country": "CN"}


def test_line_criteria_must_hold_on_the_same_line() -> None:
    # hs 93 is on the US line, origin CN on the other: no single line satisfies both.
    p = Profile(1, "cn arms", 3, "x", hs_prefix="93", origin_country="CN")
    assert select_lane([p], ctx(), never).lane == 1


def test_declaration_criteria() -> None:
    assert select_lane([Profile(1, "imp", 2, "x", importer_code="imp")], ctx(), never).lane == 2
    assert select_lane([Profile(1, "imp", 2, "x", importer_code="OTHER")], ctx(), never).lane == 1
    assert select_lane([Profile(1, "c", 2, "x", consignor_name="audio co")], ctx(), never).lane == 2
    assert select_lane([Profile(1, "v", 2, "x", min_value_jpy=500_000)], ctx(), never).lane == 2
    assert select_lane([Profile(1, "v", 2, "x", min_value_jpy=500_001)], ctx(), never).lane == 1
    assert select_lane([Profile(1, "v", 2, "x", max_value_jpy=499_999)], ctx(), never).lane == 1
    assert select_lane([Profile(1, "a", 2, "x", aeo=False)], ctx(), never).lane == 2
    assert select_lane([Profile(1, "a", 2, "x", aeo=True)], ctx(), never).lane == 1


def test_profiles_are_date_effective() -> None:
    p = Profile(1, "later", 3, "x", hs_prefix="93", valid_from=date(2027, 1, 1))
    assert select_lane([p], ctx(), never).lane == 1
    p = Profile(1, "ended", 3, "x", hs_prefix="93", valid_to=date(2026, 11, 21))
    assert select_lane([p], ctx(), never).lane == 1


def test_random_sampling_hits_below_rate_only() -> None:
    p = Profile(7, "random", 3, "sample", random_rate=Decimal("0.10"))
    assert select_lane([p], ctx(), lambda _: Decimal("0.0999")).lane == 3
    assert select_lane([p], ctx(), lambda _: Decimal("0.10")).lane == 1


def test_aeo_uses_lower_rate_and_is_never_lane_3_from_random_alone() -> None:
    p = Profile(7, "random", 3, "sample", random_rate=Decimal("0.10"), aeo_random_rate=Decimal("0.02"))
    aeo = ctx(aeo=True)
    assert select_lane([p], aeo, lambda _: Decimal("0.05")).lane == 1  # above the AEO rate
    hit = select_lane([p], aeo, always)
    assert hit.lane == 2
    assert hit.hits[0].matched["aeo_capped"] is True
    # A non-random lane-3 rule still sends an AEO importer to inspection.
    both = select_lane([p, Profile(1, "arms", 3, "weapons", hs_prefix="93")], aeo, always)
    assert both.lane == 3


def test_sampling_draw_is_reproducible_and_uniform() -> None:
    a = sampling_draw("s", "decl-1", 1)
    assert a == sampling_draw("s", "decl-1", 1)
    assert a != sampling_draw("s", "decl-1", 2)
    assert a != sampling_draw("other-secret", "decl-1", 1)
    draws = [sampling_draw("s", f"decl-{i}", 1) for i in range(4000)]
    share = sum(1 for d in draws if d < Decimal("0.05")) / len(draws)
    assert 0.035 < share < 0.065
    assert all(Decimal(0) <= d < Decimal(1) for d in draws)


def test_model_score_joins_and_can_only_raise() -> None:
    hits = [RuleHit(1, "arms", 3, "weapons")]
    assert decide_lane(hits, ScoreSignal("m1", 0.1, 1, "low")).lane == 3
    raised = decide_lane([], ScoreSignal("m1", 0.97, 2, "score above lane-2 threshold"))
    assert raised.lane == 2
    assert raised.hits[0].kind == "model"


@given(st.lists(st.integers(min_value=1, max_value=3), max_size=8))
def test_lane_is_max_of_hits(lanes: list[int]) -> None:
    hits = [RuleHit(i, f"p{i}", lane, "r") for i, lane in enumerate(lanes)]
    assert decide_lane(hits).lane == max(lanes, default=1)
