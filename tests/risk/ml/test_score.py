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
