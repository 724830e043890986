"""Selection of declarations to inspect: budget, exploitation, exploration, determinism, argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.risk.selection import EXPLORATIONS, budget_size, exploration_size, plan, select

scores_st = st.lists(st.floats(0, 1, allow_nan=False), min_size=0, max_size=200)
share_st = st.floats(0, 1)


def groups_for(n: int) -> np.ndarray:
    return np.array([f"{i % 7:02d}|{'CN' if i % 3 else 'US'}" for i in range(n)])


@settings(max_examples=150, deadline=None)
@given(scores=scores_st, budget=share_st, explore=share_st, method=st.sampled_from(EXPLORATIONS),
       seed=st.integers(0, 2**32 - 1))
def test_selection_properties(scores: list[float], budget: float, explore: float, method: str, seed: int) -> None:
    s = np.array(scores)
    sel = plan(s, budget, exploration_share=explore, exploration=method,  # type: ignore[arg-type]
               rng=np.random.default_rng(seed), groups=groups_for(len(s)))
    k = budget_size(len(s), budget)
    chosen = sel.chosen
    # the budget is respected exactly, and never exceeded
    assert len(chosen) == k <= budget * len(s) + 1e-6
    assert len(set(chosen.tolist())) == len(chosen)
    assert len(sel.explore) == exploration_size(k, explore)
    # exploitation and exploration are disjoint
    assert not set(sel.exploit.tolist()) & set(sel.explore.tolist())
    # the exploitation part is the top scores: nothing left out scores higher than anything taken
    if len(sel.exploit):
        rest = np.setdiff1d(np.arange(len(s)), sel.exploit)
        assert len(rest) == 0 or s[rest].max() <= s[sel.exploit].min()
        assert np.all(np.diff(s[sel.exploit]) <= 0)
    # the same seed gives the same choice
    again = select(s, budget, exploration_share=explore, exploration=method,  # type: ignore[arg-type]
                   rng=np.random.default_rng(seed), groups=groups_for(len(s)))
    assert np.array_equal(chosen, again)


def test_exploitation_only_is_top_k() -> None:
    s = np.array([0.1, 0.9, 0.5, 0.7, 0.2, 0.95])
    chosen = select(s, 0.5, exploration_share=0.0, exploration="random", rng=np.random.default_rng(0))
    assert chosen.tolist() == [5, 1, 3]


def test_uncertainty_explores_near_the_boundary() -> None:
    s = np.array([0.99, 0.98, 0.97, 0.01, 0.02, 0.5, 0.45, 0.03, 0.04, 0.05])
    sel = plan(s, 0.5, exploration_share=0.4, exploration="uncertainty", rng=np.random.default_rng(1))
    assert sel.exploit.tolist() == [0, 1, 2]
    assert sorted(sel.explore.tolist()) == [5, 6]


def test_uncertainty_can_be_model_disagreement() -> None:
    s = np.array([0.9, 0.1, 0.1, 0.1, 0.1])
    disagreement = np.array([0.0, 0.0, 0.0, 0.3, 0.0])
    sel = plan(s, 0.4, exploration_share=0.5, exploration="uncertainty", rng=np.random.default_rng(1),
               uncertainty=disagreement)
    assert sel.explore.tolist() == [3]


def test_diversity_prefers_groups_not_yet_covered() -> None:
    s = np.array([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1])
    groups = np.array(["A", "A", "A", "A", "B", "B", "C", "C"])
    sel = plan(s, 0.5, exploration_share=0.5, exploration="diversity", rng=np.random.default_rng(3), groups=groups)
    assert sel.exploit.tolist() == [0, 1]
    assert sorted(groups[sel.explore].tolist()) == ["B", "C"]


def test_random_exploration_varies_with_seed_not_within() -> None:
    s = np.linspace(0, 1, 100)
    picks = {tuple(select(s, 0.2, exploration_share=1.0, exploration="random",
                          rng=np.random.default_rng(seed)).tolist()) for seed in range(5)}
    assert len(picks) > 1


def test_budget_rounding_keeps_whole_declarations() -> None:
    assert budget_size(100, 0.29) == 29
    assert budget_size(5, 0.1) == 0
    assert exploration_size(5, 0.1) == 1


@pytest.mark.parametrize(("kw", "message"), [
    ({"budget_share": 1.5}, "budget_share"),
    ({"budget_share": -0.1}, "budget_share"),
    ({"exploration_share": 2.0}, "exploration_share"),
    ({"exploration_share": float("nan")}, "exploration_share"),
    ({"exploration": "greedy"}, "exploration must be one of"),
    ({"exploration": "diversity"}, "needs groups"),
    ({"rng": 42}, "rng"),
    ({"scores": [0.1, float("nan")]}, "finite"),
    ({"groups": ["a"]}, "groups"),
])
def test_arguments_are_validated(kw: dict, message: str) -> None:
    args = {"scores": [0.1, 0.2, 0.3], "budget_share": 0.5, "exploration_share": 0.5, "exploration": "random",
            "rng": np.random.default_rng(0), **kw}
    with pytest.raises(ValueError, match=message):
        select(args.pop("scores"), args.pop("budget_share"), **args)
