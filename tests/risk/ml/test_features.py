from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.risk.ml import features as F
from smartcustoms.risk.ml.history import HistoryState, asof_features


def _asof(frame: pd.DataFrame) -> np.ndarray:
    state = HistoryState.from_frame(frame)
    # Priors and vocabulary fixed from the first rows so only the history itself can move.
    return asof_features(frame, 0.2, 0.01, state.vocab)


@settings(max_examples=15, deadline=None)
@given(cut=st.integers(min_value=5, max_value=55), seed=st.integers(0, 2**16))
def test_history_features_ignore_later_outcomes(declarations: pd.DataFrame, cut: int, seed: int) -> None:
    frame = declarations.iloc[:1500].reset_index(drop=True)
    day = frame["date"].min() + pd.Timedelta(days=cut)
    flipped = frame.copy()
    later = flipped["date"] >= day
    rng = np.random.default_rng(seed)
    flipped.loc[later, "fraud"] = rng.integers(0, 2, later.sum()).astype("int8")
    flipped.loc[later, "critical_fraud"] = rng.integers(0, 3, later.sum()).astype("int8")
    before = ~later.to_numpy()
    assert np.array_equal(_asof(frame)[before], _asof(flipped)[before], equal_nan=True)


def test_a_declaration_never_sees_its_own_day() -> None:
    frame = pd.DataFrame({c: ["x"] * 3 for c in F.CODED_FIELDS})
    for c in ("declaration_id", "declarant_id", "importer_id", "seller_id", "courier_id", "hs6"):
        frame[c] = ["1", "2", "3"] if c == "declaration_id" else "010101"
    frame["date"] = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-02"])
    frame["tax_rate"], frame["net_mass"], frame["item_price"] = 8.0, 10.0, 100.0
    frame["fraud"] = np.array([1, 1, 0], dtype="int8")
    frame["critical_fraud"] = np.array([2, 0, 0], dtype="int8")
    x = asof_features(frame, 0.5, 0.1, HistoryState.from_frame(frame).vocab)
    count = x[:, F.FEATURE_NAMES.index("combination_log_count")]
    assert np.allclose(count, np.log1p([0, 1, 1]))  # same-day rows only see the earlier day
    rate = x[:, F.FEATURE_NAMES.index("combination_fraud_rate")]
    assert rate[1] == rate[2] > rate[0]


def test_features_for_new_rows_match_single_record_path(declarations: pd.DataFrame) -> None:
    state = HistoryState.from_frame(declarations.iloc[:2000]).prepare()
    new = declarations.iloc[2000:2300].reset_index(drop=True)
    batch = state.features(new)
    from smartcustoms.risk.ml.score import normalise_record

    for i, record in enumerate(new.to_dict("records")[:100]):
        row = np.empty(len(F.FEATURE_NAMES), dtype=np.float32)
        state.features_one(normalise_record(record), row)
        assert np.array_equal(row, batch[i], equal_nan=True), i


def test_schema_hash_is_stable() -> None:
    assert F.schema_hash() == F.schema_hash() and len(F.schema_hash()) == 16
    assert len(set(F.FEATURE_NAMES)) == len(F.FEATURE_NAMES)
