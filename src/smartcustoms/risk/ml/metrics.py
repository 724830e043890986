"""Selection metrics for a risk score: what inspecting the top share of declarations would catch.

Ties at the cut are shared out in proportion (the expected value of breaking them at random), so a
score with many equal values (the combination lookup) is neither flattered nor punished by row order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from smartcustoms.risk.ml.arrays import Array

CUTS = (0.01, 0.02, 0.05, 0.10)


def _captured(scores: Array, weights: Array, k: int) -> float:
    """Expected sum of `weights` over the k highest scores, ties at the cut shared in proportion."""
    if k <= 0 or len(scores) == 0:
        return 0.0
    k = min(k, len(scores))
    order = np.argsort(-scores, kind="stable")
    s, w = scores[order], weights[order]
    cut = s[k - 1]
    above = s > cut
    tied = s == cut
    n_above = int(above.sum())
    return float(w[above].sum() + (k - n_above) * (w[tied].sum() / tied.sum()))


def inspected(n: int, share: float) -> int:
    """How many declarations inspecting `share` of n means (at least one)."""
    return max(1, math.floor(share * n + 0.5))


def precision_recall_at(scores: Array, labels: Array, share: float) -> tuple[float, float]:
    """Precision and recall when the top `share` (0..1) of declarations by score are inspected."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    k = inspected(len(s), share)
    hit = _captured(s, y, k)
    total = y.sum()
    return hit / k, (float(hit / total) if total > 0 else math.nan)


def recall_at(scores: Array, weights: Array, share: float) -> float:
    """Share of the total weight (critical frauds, revenue at stake ...) caught in the top `share`."""
    s = np.asarray(scores, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum()
    return float(_captured(s, w, inspected(len(s), share)) / total) if total > 0 else math.nan


def auc(scores: Array, labels: Array) -> float:
    """Area under the ROC curve (Mann-Whitney, tied scores count one half); NaN with one class only."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return math.nan
    ranks = pd.Series(s).rank(method="average").to_numpy()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def evaluate(scores: Array, frame: pd.DataFrame, unseen: Array | None = None) -> dict[str, Any]:
    """All figures for a scored, labelled frame; `unseen` marks rows whose combination training never saw."""
    s = np.asarray(scores, dtype=np.float64)
    y = frame["fraud"].to_numpy()
    out: dict[str, Any] = {"rows": len(s), "fraud_rate": float(y.mean()) if len(y) else math.nan}
    for cut in CUTS:
        p, r = precision_recall_at(s, y, cut)
        out[f"precision@{cut:.0%}"] = p
        out[f"recall@{cut:.0%}"] = r
    out["auc"] = auc(s, y)
    if unseen is not None:
        u = np.asarray(unseen, dtype=bool)
        out["unseen_rows"] = int(u.sum())
        out["auc_unseen"] = auc(s[u], y[u]) if u.any() else math.nan
    out["critical_recall@10%"] = recall_at(s, (frame["critical_fraud"].to_numpy() == 2).astype(float), 0.10)
    revenue = frame["tax_rate"].to_numpy(np.float64) * frame["item_price"].to_numpy(np.float64) * (y == 1)
    out["revenue@10%"] = recall_at(s, revenue, 0.10)
    return out
