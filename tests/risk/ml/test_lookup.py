from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from smartcustoms.risk.ml.lookup import CombinationLookup


def test_lookup_scores_known_and_unseen(declarations: pd.DataFrame, tmp_path: Path) -> None:
    history, new = declarations.iloc[:3000], declarations.iloc[3000:]
    lookup = CombinationLookup.fit(history)
    scores = lookup.score(new)
    seen = lookup.seen(new)
    assert np.allclose(scores[~seen], lookup.prior)
    assert seen.any() and (scores[seen] != lookup.prior).any()
    lookup.save(tmp_path / "lookup.csv")
    assert np.array_equal(CombinationLookup.load(tmp_path / "lookup.csv").score(new), scores)
