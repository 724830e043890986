"""Weekly selection simulator on a slice of the public customs declarations, with the combination lookup."""

from __future__ import annotations

import csv
from functools import cache

import numpy as np
import pandas as pd
import pytest

from smartcustoms.risk import simulate
from smartcustoms.risk.ml.dataset import read_declarations
from smartcustoms.risk.ml.train import TrainingParams
from smartcustoms.risk.selection import budget_size
from smartcustoms.risk.simulate import LookupTrainer, ModelTrainer, StrategySpec
from tests.conftest import shared_data

STRATEGIES = [StrategySpec("exploit"), StrategySpec("explore-random", 0.2, "random"),
              StrategySpec("explore-uncertainty", 0.2, "uncertainty"),
              StrategySpec("explore-diversity", 0.2, "diversity")]

@cache
def _slices() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = read_declarations([shared_data("customs-declarations", "train.csv")], require_labels=True)
    history = frame[(frame["date"] >= "2020-02-01") & (frame["date"] < "2020-04-01")]
    period = frame[(frame["date"] >= "2020-04-06") & (frame["date"] < "2020-04-27")]
    return history.reset_index(drop=True), period.reset_index(drop=True)


def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    history, period = _slices()
    return history.copy(), period.copy()


def test_strategies_compared_week_by_week(tmp_path) -> None:  # type: ignore[no-untyped-def]
    history, period = data()
    seen: list[tuple[str, int, int]] = []
    result = simulate.run(history, period, STRATEGIES, budget_share=0.1, trainer=LookupTrainer(), seed=7,
                          progress=lambda name, n, of: seen.append((name, n, of)))
    assert result.strategies() == [s.name for s in STRATEGIES]
    assert len(result.weeks) == 3 * len(STRATEGIES) and len(seen) == 3 * len(STRATEGIES)
    starts = simulate.week_starts(period)
    for w in result.weeks:
        week = period[starts.dt.date == w.week_start]
        assert w.declarations == len(week)
        assert w.inspected == budget_size(len(week), 0.1)
        assert w.frauds_total == int(week["fraud"].sum())
        assert 0 <= w.frauds_found <= min(w.inspected, w.frauds_total)
        assert w.precision == pytest.approx(w.frauds_found / w.inspected)
        assert w.recall == pytest.approx(w.frauds_found / w.frauds_total)
        assert w.revenue_share is not None and 0.0 <= w.revenue_share <= 1.0
        assert w.explored == (0 if w.strategy == "exploit" else round(0.2 * w.inspected))
    totals = {t.strategy: t for t in result.totals()}
    base_rate = period["fraud"].mean()
    # the lookup is a real signal here: exploiting it beats inspecting at random by far
    assert totals["exploit"].precision is not None and totals["exploit"].precision > 2 * base_rate
    assert totals["exploit"].inspected == sum(w.inspected for w in result.weeks if w.strategy == "exploit")
    table = result.table()
    assert all(s.name in table for s in STRATEGIES) and "total" in table and "precision" in table
    path = result.to_csv(tmp_path / "sim.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == len(result.weeks) + len(STRATEGIES)
    assert rows[0]["week_start"] == result.weeks[0].week_start.isoformat()
    assert {r["period"] for r in rows} == {"week", "total"}
    assert float(rows[-1]["precision"]) == pytest.approx(result.totals()[-1].precision, rel=1e-5)


@pytest.mark.parametrize("spec", [STRATEGIES[0], STRATEGIES[2]], ids=lambda s: s.name)
def test_only_inspected_declarations_reveal_their_label(spec: StrategySpec) -> None:
    history, period = data()
    first = simulate.run(history, period, [spec], budget_share=0.1, trainer=LookupTrainer(), weeks=2, seed=3)
    week1, week2 = sorted({w.week_start for w in first.weeks})
    picked = set(first.selected[(spec.name, week1)])
    in_week1 = simulate.week_starts(period).dt.date == week1
    unpicked = in_week1 & ~period["declaration_id"].isin(picked)
    flipped = period.copy()
    flipped.loc[unpicked, "fraud"] = 1 - flipped.loc[unpicked, "fraud"]
    flipped.loc[unpicked, "critical_fraud"] = 0
    again = simulate.run(history, flipped, [spec], budget_share=0.1, trainer=LookupTrainer(), weeks=2, seed=3)
    assert again.selected[(spec.name, week1)] == first.selected[(spec.name, week1)]
    assert again.selected[(spec.name, week2)] == first.selected[(spec.name, week2)]
    # ... while the labels of what was inspected do steer the next week (the test would notice a leak's absence)
    revealed = in_week1 & period["declaration_id"].isin(picked)
    steered = period.copy()
    steered.loc[revealed, "fraud"] = 1 - steered.loc[revealed, "fraud"]
    other = simulate.run(history, steered, [spec], budget_share=0.1, trainer=LookupTrainer(), weeks=2, seed=3)
    assert other.selected[(spec.name, week2)] != first.selected[(spec.name, week2)]


def test_runs_are_reproducible_and_strategies_independent() -> None:
    history, period = data()
    a = simulate.run(history, period, STRATEGIES[:2], budget_share=0.05, trainer=LookupTrainer(), weeks=1, seed=11)
    b = simulate.run(history, period, STRATEGIES[1:2], budget_share=0.05, trainer=LookupTrainer(), weeks=1, seed=11)
    key = next(k for k in a.selected if k[0] == "explore-random")
    assert a.selected[key] == b.selected[key]


def test_scorer_never_sees_labels() -> None:
    history, period = data()

    class Spy:
        def fit(self, frame: pd.DataFrame) -> Spy:
            return self

        def score(self, frame: pd.DataFrame) -> np.ndarray:
            assert "fraud" not in frame.columns and "critical_fraud" not in frame.columns
            return np.zeros(len(frame))

    result = simulate.run(history, period, [StrategySpec("spy")], budget_share=0.1, trainer=Spy(), weeks=1)
    assert result.weeks[0].inspected > 0


@pytest.mark.parametrize(("kw", "message"), [
    ({"strategies": []}, "at least one strategy"),
    ({"strategies": [StrategySpec("a"), StrategySpec("a")]}, "unique"),
    ({"budget_share": 1.2}, "budget_share"),
    ({"weeks": 0}, "weeks"),
])
def test_arguments_are_validated(kw: dict, message: str) -> None:
    history, period = data()
    args = {"strategies": [StrategySpec("a")], "budget_share": 0.1, "trainer": LookupTrainer(), **kw}
    with pytest.raises(ValueError, match=message):
        simulate.run(history, period, **args)


def test_missing_columns_are_named() -> None:
    history, period = data()
    with pytest.raises(ValueError, match="item_price"):
        simulate.run(history, period.drop(columns=["item_price"]), [StrategySpec("a")], budget_share=0.1,
                     trainer=LookupTrainer())


def test_model_trainer_runs_a_week() -> None:
    history, period = data()
    small = TrainingParams(history_rounds=5, novel_rounds=5, threads=1)
    result = simulate.run(history, period, [StrategySpec("model", 0.1, "uncertainty")], budget_share=0.1,
                          trainer=ModelTrainer(seed=1, params=small), weeks=1)
    [week] = result.weeks
    assert week.inspected == budget_size(week.declarations, 0.1) and week.frauds_found > 0


def test_strategies_from_the_command_line() -> None:
    assert simulate.parse_strategy("exploit") == StrategySpec("exploit")
    assert simulate.parse_strategy("uncertainty:0.1") == StrategySpec("uncertainty-0.1", 0.1, "uncertainty")
    assert simulate.parse_strategy("div=diversity:0.25") == StrategySpec("div", 0.25, "diversity")
    for bad in ("greedy:0.1", "random:x", "random:1.5", "random"):
        with pytest.raises(ValueError, match="strategy"):
            simulate.parse_strategy(bad)
    assert len({s.name for s in simulate.DEFAULT_STRATEGIES}) == 4
