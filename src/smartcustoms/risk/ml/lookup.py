"""The combination-lookup baseline: a declaration's risk is its exact combination's past fraud rate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smartcustoms.risk.ml.arrays import Array
from smartcustoms.risk.ml.features import COMBINATION

NUMERIC = ("tax_rate", "net_mass")


def _probe(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([frame[c] for c in COMBINATION])


@dataclass
class CombinationLookup:
    """Past fraud rate per combination (hs6, countries, tax type/rate, net mass), smoothed to the overall rate."""

    table: pd.DataFrame  # COMBINATION columns + n, fraud
    prior: float
    prior_weight: float = 1.0

    @classmethod
    def fit(cls, frame: pd.DataFrame, prior_weight: float = 1.0) -> CombinationLookup:
        """Count declarations and frauds per combination in labelled history."""
        t = frame[list(COMBINATION)].copy()
        t["n"] = 1.0
        t["fraud"] = frame["fraud"].to_numpy(np.float64)
        table = t.groupby(list(COMBINATION), sort=True).sum().reset_index()
        return cls(table, float(frame["fraud"].mean()) if len(frame) else 0.0, prior_weight)

    def seen(self, frame: pd.DataFrame) -> Array:
        """True where the declaration's combination occurred in the history."""
        return np.asarray(pd.MultiIndex.from_frame(self.table[list(COMBINATION)]).get_indexer(_probe(frame)) >= 0)

    def score(self, frame: pd.DataFrame) -> Array:
        """(frauds + w·prior) / (n + w) for known combinations, the prior for unseen ones."""
        pos = pd.MultiIndex.from_frame(self.table[list(COMBINATION)]).get_indexer(_probe(frame))
        hit = pos >= 0
        n = np.where(hit, self.table["n"].to_numpy()[np.where(hit, pos, 0)], 0.0)
        f = np.where(hit, self.table["fraud"].to_numpy()[np.where(hit, pos, 0)], 0.0)
        return (f + self.prior_weight * self.prior) / (n + self.prior_weight)

    def save(self, path: Path) -> None:
        """Write the table as CSV (the prior is the first row's comment-free companion column)."""
        out = self.table.copy()
        out["prior"] = self.prior
        out["prior_weight"] = self.prior_weight
        out.to_csv(path, index=False)

    @classmethod
    def load(cls, path: Path) -> CombinationLookup:
        """Read a table written by `save`."""
        dtypes = {c: (np.float64 if c in NUMERIC else str) for c in COMBINATION}
        t = pd.read_csv(path, dtype=dtypes, keep_default_na=False,
                        float_precision="round_trip")
        prior = float(t["prior"].iloc[0]) if len(t) else 0.0
        weight = float(t["prior_weight"].iloc[0]) if len(t) else 1.0
        return cls(t.drop(columns=["prior", "prior_weight"]), prior, weight)
