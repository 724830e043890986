"""Selectivity profiles and the risk model as the intake applies them to consignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.ecommerce import screening
from smartcustoms.ecommerce.assess import Valuation
from smartcustoms.ecommerce.records import check_record
from smartcustoms.risk import rules
from tests.ecommerce.conftest import consignment, goods

ON = date(2026, 11, 20)
VAL = Valuation(5000, 3000, 0, 0, 0, True, None, ())


def _rec(**kw: Any) -> Any:
    rec, problems = check_record(consignment("P1", **kw), 1, 100)
    assert rec is not None, problems
    return rec


def test_profiles_see_seller_consignee_goods_and_value() -> None:
    profiles = [rules.Profile(1, "leather", 2, "leather bags", hs_prefix="4202"),
                rules.Profile(2, "seller", 3, "watched seller", consignor_name="yiwu direct"),
                rules.Profile(3, "big", 2, "big", min_value_jpy=50_000)]
    hits = screening.profile_hits(profiles, "s", "C1", ON, _rec(goods=[goods("10", hs="420221")]), VAL)
    assert [(h.profile_id, h.lane) for h in hits] == [(1, 2), (2, 3)]
    assert rules.decide_lane(hits).lane == 3


def test_random_sampling_is_reproducible_per_consignment() -> None:
    p = [rules.Profile(9, "sample", 3, "random", random_rate=Decimal("0.5"))]
    draws = [bool(screening.profile_hits(p, "secret", f"C{i}", ON, _rec(), VAL)) for i in range(200)]
    again = [bool(screening.profile_hits(p, "secret", f"C{i}", ON, _rec(), VAL)) for i in range(200)]
    assert draws == again and 60 < sum(draws) < 140


@dataclass
class _Version:
    version: str = "m1"
    lane3_share: Decimal = Decimal("0.01")
    lane2_share: Decimal = Decimal("0.09")


class _Model:
    def __init__(self, scores: list[float]) -> None:
        self.scores = scores
        self.frames: list[pd.DataFrame] = []

    def score_frame(self, frame: pd.DataFrame) -> Any:
        self.frames.append(frame)
        return np.array(self.scores)

    def percentile(self, score: float) -> float:
        return score * 100


def test_model_scores_a_chunk_in_one_batch_and_maps_percentiles_to_lanes() -> None:
    model = _Model([0.5, 0.95, 0.999])
    recs = [screening.model_record(f"C{i}", ON, "CAR", _rec(), VAL) for i in range(3)]
    signals = screening.model_signals(model, _Version(), recs)
    assert len(model.frames) == 1 and list(model.frames[0]["hs6"]) == ["392690"] * 3
    assert [s.lane if s else None for s in signals] == [1, 2, 3]


def test_a_failing_model_leaves_the_rules_to_decide() -> None:
    class Broken(_Model):
        def score_frame(self, frame: pd.DataFrame) -> Any:
            raise RuntimeError("corrupt artifact")

    assert screening.model_signals(Broken([]), _Version(), [{"a": 1}]) == [None]


def test_the_intakes_sampling_draw_is_the_rules_draw() -> None:
    for secret in ("s3cret", "another key"):
        for cid in ("M1-1", "M20261122-99", "X"):
            for pid in (1, 7, 123):
                assert screening.sampling_draw(secret, cid, pid) == rules.sampling_draw(secret, cid, pid)


_hit_lists = st.lists(st.builds(rules.RuleHit, st.one_of(st.none(), st.integers(1, 9)), st.sampled_from(["a", "b"]),
                                st.integers(1, 3), st.text(max_size=5), st.just({"x": 1}),
                                st.lists(st.integers(1, 4), max_size=2).map(tuple), st.booleans(),
                                st.sampled_from(["profile", "split", "assessment"])), max_size=4)
_signals = st.one_of(st.none(), st.builds(rules.ScoreSignal, st.just("v1"), st.floats(0, 1), st.integers(1, 3),
                                          st.text(max_size=5)))


@given(hits=_hit_lists, signal=_signals)
def test_the_intakes_lane_decision_on_stored_hits_is_decide_lane(hits: list[rules.RuleHit],
                                                                 signal: rules.ScoreSignal | None) -> None:
    from smartcustoms.ecommerce.pipeline import decide

    decision = rules.decide_lane(hits, signal)
    assert decide([h.to_dict() for h in hits], signal) == (decision.lane, [h.to_dict() for h in decision.hits])


def test_the_no_rate_hit_names_the_codes_and_sends_to_lane_2() -> None:
    from smartcustoms.ecommerce.pipeline import no_rate_hit

    assert no_rate_hit(()) is None
    hit = no_rate_hit(("950300", "392690"))
    assert hit is not None and hit["lane"] == rules.LANE_DOCUMENTS and hit["kind"] == "assessment"
    assert "950300, 392690" in hit["reason"] and hit["matched"] == {"hs_code": ["950300", "392690"]}


def _mostly_none(*values: Any) -> Any:
    """None three times in four: profiles with few conditions, so that many of them hit."""
    return st.one_of(st.none(), st.none(), st.none(), st.sampled_from(values))


_profiles = st.lists(st.builds(
    rules.Profile, st.integers(1, 50), st.just("p"), st.integers(1, 3), st.just("r"),
    hs_prefix=st.sampled_from([None, "", "42", "4202", "3926", "9"]),
    origin_country=st.sampled_from([None, "CN", "US"]),
    importer_code=_mostly_none("JC-9", "jc-9", "X"), consignor_name=_mostly_none("yiwu", "nobody"),
    min_value_jpy=_mostly_none(0, 3000, 9000), max_value_jpy=_mostly_none(2000, 3000),
    aeo=_mostly_none(False, True), rate_mismatch=st.sampled_from([False, False, False, True]),
    random_rate=st.sampled_from([None, Decimal(0), Decimal("0.3"), Decimal("0.7"), Decimal(1)]),
    aeo_random_rate=_mostly_none(Decimal("0.9")),
    valid_from=_mostly_none(date(2026, 11, 21), date(2020, 1, 1)),
    valid_to=_mostly_none(date(2026, 11, 19), date(2030, 1, 1))), max_size=4)


@settings(max_examples=250)
@given(profiles=_profiles, hs=st.sampled_from(["420221", "392690", None]),
       origin=st.sampled_from(["CN", "US", None]), consignee_id=st.sampled_from(["JC-9", None]),
       cid=st.sampled_from(["C1", "C2", "C3", "C4"]))
def test_profile_hits_are_every_profiles_evaluation(profiles: list[rules.Profile], hs: str | None,
                                                    origin: str | None, consignee_id: str | None, cid: str) -> None:
    line = {"description": "bag", "value": "10", "currency": "USD", "hs_code": hs, "origin_country": origin}
    rec = _rec(goods=[goods("5", hs="950300"), line],
               seller={"id": "S-1", "name": "Yiwu Direct Store", "country": "CN"},
               consignee={"name": "Sato Yui", "address": "Tokyo", "id": consignee_id})
    ctx = screening.lane_context(cid, ON, rec, VAL)
    every = [h for p in profiles
             if (h := rules.evaluate(p, ctx, lambda pid: rules.sampling_draw("k", cid, pid))) is not None]
    assert screening.profile_hits(profiles, "k", cid, ON, rec, VAL) == every


@pytest.mark.parametrize("rate", ["0", "0.5", "0.05", "0.3", "0.123456789012345678901234567", "1"])
def test_the_integer_cut_agrees_with_the_decimal_draw_next_to_the_rate(rate: str) -> None:
    """A draw numerator below the cut is below the rate, one above it is not; those between are left to the draw."""
    r = Decimal(rate)
    lo, hi = screening._cut(r)
    assert 0 <= hi - lo <= 1
    for n in range(max(lo - 3, 0), hi + 4):
        below = Decimal(n) / Decimal(2**64) < r  # rules.sampling_draw's arithmetic on the same numerator
        if n < lo:
            assert below
        elif n > hi:
            assert not below


def test_a_screen_set_up_once_gives_each_consignment_its_own_draw() -> None:
    """The screen a manifest sets up once gives the hits profile_hits gives, consignment by consignment."""
    profiles = [rules.Profile(3, "sample", 3, "random", random_rate=Decimal("0.3")),
                rules.Profile(4, "leather", 2, "leather bags", hs_prefix="4202", random_rate=Decimal("0.7")),
                rules.Profile(5, "expired", 2, "old", valid_to=date(2026, 1, 1))]
    screen = screening.Screen(profiles, "secret", ON)
    rec = _rec(goods=[goods("10", hs="420221")])
    got = [screen.hits(f"C{i}", rec, VAL) for i in range(300)]
    assert got == [screening.profile_hits(profiles, "secret", f"C{i}", ON, rec, VAL) for i in range(300)]
    ids = [{h.profile_id for h in hits} for hits in got]
    assert 50 < sum(3 in x for x in ids) < 130 and 170 < sum(4 in x for x in ids) < 250
    assert not any(5 in x for x in ids)
