"""Pure choice of declarations to inspect: exploit the top scores, explore with a configurable share.

After Kim et al., "Take a chance: managing the exploitation-exploration dilemma in customs fraud detection via
online active learning": a model trained only on what was inspected never learns about what it never picks, so a
share of the budget goes to declarations chosen for what they teach rather than for their score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

Exploration = Literal["random", "uncertainty", "diversity"]
EXPLORATIONS: tuple[str, ...] = get_args(Exploration)
_EPS = 1e-9  # 0.29 * 100 is 28.999999999999996 in floating point; a share must not lose a whole declaration


@dataclass(frozen=True)
class Selection:
    """Chosen indices: the exploitation part (best score first) and the exploration part (disjoint)."""

    exploit: npt.NDArray[np.int64]
    explore: npt.NDArray[np.int64]

    @property
    def chosen(self) -> npt.NDArray[np.int64]:
        return np.concatenate([self.exploit, self.explore])


def budget_size(n: int, budget_share: float) -> int:
    """How many of n declarations a budget share allows (rounded down: the budget is a ceiling)."""
    return min(n, math.floor(budget_share * n + _EPS))


def exploration_size(budget: int, exploration_share: float) -> int:
    """How many of the budget go to exploration (rounded half up, so a 10% share of 5 explores one)."""
    return min(budget, math.floor(exploration_share * budget + 0.5))


def _check_share(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")


def _uncertainty(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # p(1-p) peaks at the decision boundary 0.5: the labels that would move the model most.
    p = np.clip(scores, 0.0, 1.0)
    return p * (1.0 - p)


def _random_order(n: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    return rng.permutation(n).astype(np.int64)


def _by_uncertainty(
    pool: npt.NDArray[np.int64], scores: npt.NDArray[np.float64], uncertainty: npt.NDArray[np.float64] | None,
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    u = uncertainty[pool] if uncertainty is not None else _uncertainty(scores[pool])
    tiebreak = rng.random(len(pool))  # equal uncertainty is common (lookup scores repeat): draw, don't favour order
    order: npt.NDArray[np.int64] = pool[np.lexsort((tiebreak, -u))]
    return order


def _by_diversity(
    pool: npt.NDArray[np.int64], groups: npt.NDArray[np.str_], covered: set[str], rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    # Round robin over groups: one declaration from each group per round, groups the exploitation part left
    # untouched before the others, groups and members in random order.
    names, code = np.unique(groups[pool], return_inverse=True)
    group_rank = rng.permutation(len(names))[code]
    is_covered = np.array([name in covered for name in names], dtype=np.int64)[code]
    member_draw = rng.random(len(pool))
    by_group = np.lexsort((member_draw, code))
    rank_in_group = np.empty(len(pool), dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(code[by_group])) + 1]
    sizes = np.diff(np.r_[starts, len(pool)])
    rank_in_group[by_group] = np.arange(len(pool)) - np.repeat(starts, sizes)
    order: npt.NDArray[np.int64] = pool[np.lexsort((group_rank, is_covered, rank_in_group))]
    return order


def plan(
    scores: npt.ArrayLike, budget_share: float, *, exploration_share: float, exploration: Exploration,
    rng: np.random.Generator, groups: npt.ArrayLike | None = None, uncertainty: npt.ArrayLike | None = None,
) -> Selection:
    """Split a budget between the top scores and an exploration method; deterministic for a seeded rng.

    `uncertainty` (optional, e.g. disagreement between models) replaces p(1-p) for the uncertainty method;
    `groups` (e.g. HS chapter × origin per declaration) is required for the diversity method.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError("scores must be one-dimensional")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers (no NaN or infinity)")
    _check_share("budget_share", budget_share)
    _check_share("exploration_share", exploration_share)
    if exploration not in EXPLORATIONS:
        raise ValueError(f"exploration must be one of {', '.join(EXPLORATIONS)}, got {exploration!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy Generator (np.random.default_rng(seed))")
    g = None if groups is None else np.asarray(groups).astype(str)
    if g is not None and g.shape != s.shape:
        raise ValueError(f"groups has {g.shape[0] if g.ndim else 0} entries for {len(s)} scores")
    if exploration == "diversity" and g is None:
        raise ValueError("diversity exploration needs groups (e.g. HS chapter × origin per declaration)")
    u = None if uncertainty is None else np.asarray(uncertainty, dtype=np.float64)
    if u is not None and u.shape != s.shape:
        raise ValueError("uncertainty must have one value per score")

    budget = budget_size(len(s), budget_share)
    n_explore = exploration_size(budget, exploration_share)
    # Ties at the cut are drawn, not given to the earlier row: lookup scores repeat a lot and file order is not
    # neutral. The draw comes from the seeded rng, so the same input and seed pick the same rows.
    ranked = np.lexsort((rng.random(len(s)), -s)).astype(np.int64)
    exploit = ranked[: budget - n_explore]
    pool = ranked[budget - n_explore:]
    if n_explore == 0:
        return Selection(exploit, np.empty(0, dtype=np.int64))
    if exploration == "random":
        order = pool[_random_order(len(pool), rng)]
    elif exploration == "uncertainty":
        order = _by_uncertainty(pool, s, u, rng)
    else:
        assert g is not None
        order = _by_diversity(pool, g, set(g[exploit].tolist()), rng)
    return Selection(exploit, order[:n_explore])


def select(
    scores: npt.ArrayLike, budget_share: float, *, exploration_share: float, exploration: Exploration,
    rng: np.random.Generator, groups: npt.ArrayLike | None = None, uncertainty: npt.ArrayLike | None = None,
) -> npt.NDArray[np.int64]:
    """Indices to inspect: the exploitation part first (best score first), then the exploration part."""
    return plan(scores, budget_share, exploration_share=exploration_share, exploration=exploration, rng=rng,
                groups=groups, uncertainty=uncertainty).chosen
