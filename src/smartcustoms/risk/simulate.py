"""Weekly selection simulator: only inspected declarations reveal their label; strategies compared per week.

Each strategy keeps its own training history: what it inspected joins it, the rest of the week stays unknown to
it. Recall and revenue are measured against every fraud of the week, which the simulator (not the strategy)
knows. Revenue is the dataset's usual stand-in, tax rate × item price.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from smartcustoms.risk import csvout
from smartcustoms.risk.ml.dataset import LABEL_COLUMNS
from smartcustoms.risk.ml.lookup import CombinationLookup
from smartcustoms.risk.ml.score import RiskModel
from smartcustoms.risk.ml.train import TrainingParams, train
from smartcustoms.risk.selection import EXPLORATIONS, Exploration, plan

REQUIRED_COLUMNS = ("declaration_id", "date", "hs6", "origin_country", "tax_rate", "item_price", "fraud")
Progress = Callable[[str, int, int], None]  # (strategy name, week number from 1, number of weeks)


class Scorer(Protocol):
    """A fitted model: one fraud score per row of a frame (labels absent)."""

    def score(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]: ...


class Trainer(Protocol):
    """Fits a scorer on a labelled frame (the canonical frame of risk/ml/dataset.py)."""

    def fit(self, frame: pd.DataFrame) -> Scorer: ...


@dataclass(frozen=True)
class StrategySpec:
    """One selection strategy: a name, and the share of the budget spent on exploration, and how."""

    name: str
    exploration_share: float = 0.0
    exploration: Exploration = "random"


DEFAULT_STRATEGIES = (
    StrategySpec("exploit"), StrategySpec("random-10", 0.1, "random"),
    StrategySpec("uncertainty-10", 0.1, "uncertainty"), StrategySpec("diversity-10", 0.1, "diversity"),
)


def parse_strategy(text: str) -> StrategySpec:
    """A strategy from the command line: 'exploit', 'METHOD:SHARE' or 'NAME=METHOD:SHARE' (uncertainty:0.1)."""
    name, _, spec = text.strip().rpartition("=")
    if spec == "exploit":
        return StrategySpec(name or "exploit")
    method, _, share_text = spec.partition(":")
    if method not in EXPLORATIONS:
        raise ValueError(f"strategy {text!r}: 'exploit' or one of {', '.join(EXPLORATIONS)} followed by :SHARE")
    try:
        share = float(share_text)
    except ValueError:
        raise ValueError(f"strategy {text!r}: the exploration share must be a number between 0 and 1") from None
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"strategy {text!r}: the exploration share must be a number between 0 and 1")
    return StrategySpec(name or f"{method}-{share:g}", share, cast(Exploration, method))


@dataclass(frozen=True)
class WeekResult:
    """One strategy's week: what it inspected, what it found, against all that was there to find."""

    strategy: str
    week_start: date
    declarations: int
    inspected: int
    explored: int
    frauds_found: int
    frauds_total: int
    precision: float | None
    recall: float | None
    revenue_found: float
    revenue_total: float
    revenue_share: float | None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _totals(strategy: str, weeks: Sequence[WeekResult], start: date) -> WeekResult:
    found, inspected = sum(w.frauds_found for w in weeks), sum(w.inspected for w in weeks)
    total, rev_found = sum(w.frauds_total for w in weeks), sum(w.revenue_found for w in weeks)
    rev_total = sum(w.revenue_total for w in weeks)
    return WeekResult(strategy, start, sum(w.declarations for w in weeks), inspected,
                      sum(w.explored for w in weeks), found, total, _ratio(found, inspected), _ratio(found, total),
                      rev_found, rev_total, _ratio(rev_found, rev_total))


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


@dataclass
class SimulationResult:
    """Per-week results of every strategy, the chosen declaration ids, and totals."""

    weeks: list[WeekResult]
    budget_share: float
    selected: dict[tuple[str, date], tuple[str, ...]] = field(default_factory=dict)

    def strategies(self) -> list[str]:
        return list(dict.fromkeys(w.strategy for w in self.weeks))

    def totals(self) -> list[WeekResult]:
        """One row per strategy summed over the period (week_start is the first week)."""
        out = []
        for name in self.strategies():
            mine = [w for w in self.weeks if w.strategy == name]
            out.append(_totals(name, mine, min(w.week_start for w in mine)))
        return out

    def table(self, per_week: bool = True) -> str:
        """A fixed-width text table: each week of each strategy, then the totals."""
        head = ("strategy", "week", "decl.", "insp.", "expl.", "found", "frauds", "precision", "recall", "revenue")
        body = [(w.strategy, w.week_start.isoformat(), str(w.declarations), str(w.inspected), str(w.explored),
                 str(w.frauds_found), str(w.frauds_total), _fmt(w.precision), _fmt(w.recall), _fmt(w.revenue_share))
                for w in (self.weeks if per_week else [])]
        body += [(w.strategy, "total", str(w.declarations), str(w.inspected), str(w.explored), str(w.frauds_found),
                  str(w.frauds_total), _fmt(w.precision), _fmt(w.recall), _fmt(w.revenue_share))
                 for w in self.totals()]
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

        def line(r: Sequence[str]) -> str:
            return "  ".join(c.ljust(wd) if i < 2 else c.rjust(wd) for i, (c, wd) in enumerate(zip(r, widths,
                                                                                                  strict=True)))
        rule = "  ".join("-" * wd for wd in widths)
        return "\n".join([f"budget share {self.budget_share:g}", line(head), rule, *map(line, body)])

    def rows(self) -> list[WeekResult]:
        return [*self.weeks, *self.totals()]

    def to_csv(self, path: str | Path) -> Path:
        """Write every week and the totals (period = 'week' or 'total') as CSV."""
        header = ["period", *csvout.header_of(WeekResult)]
        rows = [["week", *r] for r in csvout.dataclass_rows(self.weeks, header[1:])]
        rows += [["total", *r] for r in csvout.dataclass_rows(self.totals(), header[1:])]
        return csvout.write(path, header, rows)


def diversity_groups(frame: pd.DataFrame) -> npt.NDArray[np.str_]:
    """HS chapter × origin per row: the groups diversity exploration spreads its picks over."""
    hs = frame["hs6"].astype(str).str.zfill(6).str[:2]
    groups: npt.NDArray[np.str_] = (hs + "|" + frame["origin_country"].astype(str)).to_numpy(dtype=str)
    return groups


def revenue(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Revenue at stake per row: tax rate × item price (the dataset has no duty column)."""
    at_stake: npt.NDArray[np.float64] = (frame["tax_rate"].astype(float) * frame["item_price"].astype(float)).to_numpy()
    return at_stake


def _check(frame: pd.DataFrame, name: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s): {', '.join(missing)}")


def week_starts(period: pd.DataFrame) -> pd.Series:
    """The Monday of each row's week."""
    d = pd.to_datetime(period["date"]).dt.normalize()
    return d - pd.to_timedelta(d.dt.weekday, unit="D")


def _rng(seed: int, name: str) -> np.random.Generator:
    # Seeded by the strategy's name, not its position, so adding a strategy does not change the others.
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def run(
    history: pd.DataFrame, period: pd.DataFrame, strategies: Sequence[StrategySpec], *, budget_share: float,
    trainer: Trainer, weeks: int | None = None, seed: int = 0, progress: Progress | None = None,
) -> SimulationResult:
    """Simulate weekly selection over `period`, starting from a model fitted on the labelled `history`."""
    _check(history, "history")
    _check(period, "period")
    if not strategies:
        raise ValueError("give at least one strategy")
    names = [s.name for s in strategies]
    if len(set(names)) != len(names):
        raise ValueError("strategy names must be unique")
    if not 0.0 <= budget_share <= 1.0:
        raise ValueError(f"budget_share must be between 0 and 1, got {budget_share!r}")
    if weeks is not None and weeks < 1:
        raise ValueError("weeks must be at least 1")
    starts = week_starts(period)
    week_list = sorted(starts.unique())[:weeks]
    result = SimulationResult([], budget_share)
    initial = trainer.fit(history)  # every strategy starts from the same model; only what it inspects differs
    for spec in strategies:
        rng = _rng(seed, spec.name)
        known = [history]
        scorer = initial
        for n, start in enumerate(week_list, start=1):
            week = period.loc[starts == start].reset_index(drop=True)
            # The strategy sees the week without its labels: nothing it has not inspected can leak into a choice.
            unlabelled = week.drop(columns=[c for c in LABEL_COLUMNS if c in week.columns])
            scores = np.asarray(scorer.score(unlabelled), dtype=np.float64)
            chosen = plan(scores, budget_share, exploration_share=spec.exploration_share,
                          exploration=spec.exploration, rng=rng, groups=diversity_groups(unlabelled))
            picked = week.iloc[chosen.chosen]
            fraud = week["fraud"].to_numpy() > 0
            rev = revenue(week)
            found = fraud[chosen.chosen]
            rev_found, rev_total = float(rev[chosen.chosen][found].sum()), float(rev[fraud].sum())
            day = pd.Timestamp(start).date()
            result.weeks.append(WeekResult(
                spec.name, day, len(week), len(picked), len(chosen.explore), int(found.sum()), int(fraud.sum()),
                _ratio(int(found.sum()), len(picked)), _ratio(int(found.sum()), int(fraud.sum())),
                rev_found, rev_total, _ratio(rev_found, rev_total),
            ))
            result.selected[(spec.name, day)] = tuple(picked["declaration_id"].astype(str))
            known.append(picked)
            if n < len(week_list):
                scorer = trainer.fit(pd.concat(known, ignore_index=True))
            if progress is not None:
                progress(spec.name, n, len(week_list))
    return result


@dataclass(frozen=True)
class LookupTrainer:
    """The ML core's combination lookup as a simulator trainer (refits in milliseconds every week)."""

    prior_weight: float = 1.0

    def fit(self, frame: pd.DataFrame) -> Scorer:
        return CombinationLookup.fit(frame, prior_weight=self.prior_weight)


@dataclass(frozen=True)
class _ModelScorer:
    model: RiskModel

    def score(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        return np.asarray(self.model.score_frame(frame), dtype=np.float64)


@dataclass(frozen=True)
class ModelTrainer:
    """The ML core's boosted-tree model as a simulator trainer, retrained from scratch each week (slow)."""

    seed: int = 0
    params: TrainingParams | None = None

    def fit(self, frame: pd.DataFrame) -> Scorer:
        return _ModelScorer(train(frame, seed=self.seed, params=self.params).risk_model())
