from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartcustoms.risk.ml import artifact
from smartcustoms.risk.ml.dataset import DatasetError, from_records
from smartcustoms.risk.ml.train import TrainedModel


def test_round_trip_gives_identical_scores(trained: TrainedModel, saved: Path, later: pd.DataFrame) -> None:
    loaded = artifact.load(saved)
    assert np.array_equal(trained.risk_model().score_frame(later), loaded.score_frame(later))
    assert loaded.version == trained.metadata["version"]
    assert loaded.metadata["training_period"]["to"] <= "2020-02-14"


def test_score_one_equals_score_frame(saved: Path, later: pd.DataFrame) -> None:
    model = artifact.load(saved)
    rows = later.iloc[:200]
    batch = model.score_frame(rows)
    for i, record in enumerate(rows.drop(columns=["fraud", "critical_fraud"]).to_dict("records")):
        assert model.score_one(record).score == pytest.approx(batch[i], abs=1e-6)
        assert model.score_one(record, explain="none").score == batch[i]


@pytest.mark.parametrize("explain", ["fast", "exact"])
def test_contributions_sum_to_the_margin(saved: Path, later: pd.DataFrame, explain: str) -> None:
    model = artifact.load(saved)
    for record in later.iloc[:30].to_dict("records"):
        result = model.score_one(record, explain=explain)  # type: ignore[arg-type]
        # All contributions (not only the top ten) + bias = log-odds; check with the full set.
        assert len(result.contributions) <= 10
        ordered = [abs(c.contribution) for c in result.contributions]
        assert ordered == sorted(ordered, reverse=True)
        margin = math.log(result.score / (1 - result.score))
        booster = model._serving[result.basis == "novel"]
        row = np.empty((1, len(model._names)), dtype=np.float32)
        from smartcustoms.risk.ml.score import normalise_record

        model.state.features_one(normalise_record(record), row[0])
        import xgboost as xgb

        full = booster.predict(xgb.DMatrix(row), pred_contribs=True, approx_contribs=explain == "fast")[0]
        assert full[-1] == pytest.approx(result.bias)
        assert float(full.sum()) == pytest.approx(margin, abs=1e-4)


def test_unseen_categories_are_scored(saved: Path) -> None:
    model = artifact.load(saved)
    record = {"declaration_id": "X", "date": "2021-06-01", "office_id": "999", "process_type": "", "import_type": "77",
              "import_use": "", "payment_type": "", "transport_mode": "", "declarant_id": "NEWDECL",
              "importer_id": "NEWIMP", "seller_id": "", "courier_id": "", "hs6": "999999", "departure_country": "ZZ",
              "origin_country": "ZZ", "tax_rate": 3.5, "tax_type": "NEW", "origin_indicator": "",
              "net_mass": 0.0, "item_price": 0.0}
    result = model.score_one(record)
    assert 0.0 <= result.score <= 1.0 and result.basis == "novel"
    frame_score = model.score_frame(from_records([record], require_labels=False))
    assert frame_score[0] == pytest.approx(result.score, abs=1e-6)
    with pytest.raises(DatasetError, match="net_mass"):
        model.score_one({**record, "net_mass": "n/a"})


def test_percentiles_are_monotone(saved: Path) -> None:
    model = artifact.load(saved)
    grid = np.linspace(0, 1, 501)
    values = [model.percentile(float(s)) for s in grid]
    assert all(a <= b for a, b in itertools.pairwise(values))
    assert values[0] >= 0.0 and values[-1] == 100.0


def test_batch_scoring_with_threads_matches_small_batches(saved: Path, later: pd.DataFrame) -> None:
    model = artifact.load(saved)
    big = later.sample(5000, replace=True, random_state=1).reset_index(drop=True)  # above BATCH_THREADS_FROM
    whole = model.score_frame(big)
    parts = np.concatenate([model.score_frame(big.iloc[i : i + 1000]) for i in range(0, len(big), 1000)])
    assert np.array_equal(whole, parts)


def test_priority_ranks_by_odds_then_duty(saved: Path, later: pd.DataFrame) -> None:
    from smartcustoms.risk.ml.score import priority, revenue_at_stake

    assert priority(0.9, 100.0) > priority(0.8, 100.0)  # likelier first at equal duty
    assert priority(0.9, 1000.0) > priority(0.9, 100.0)  # more duty first at equal odds
    assert priority(0.99, 0.0) > priority(0.5, 1e6)  # a much likelier fraud beats a merely richer one
    assert priority(0.9, 100.0, 0.3) > priority(0.9, 100.0, 0.01)  # combinations with critical frauds first
    assert revenue_at_stake(8.0, 1000.0) == pytest.approx(80.0)
    model = artifact.load(saved)
    rows = later.iloc[:50]
    scores = model.score_frame(rows)
    ranked = model.priority_frame(rows)
    both = model.score_and_priority(rows)
    assert np.array_equal(both[0], scores) and np.array_equal(both[1], ranked)
    for i, record in enumerate(rows.drop(columns=["fraud", "critical_fraud"]).to_dict("records")):
        result = model.score_one(record, explain="none")
        assert result.priority == pytest.approx(ranked[i], abs=1e-6)
    assert len(model.priority_frame(rows.iloc[:0])) == 0
