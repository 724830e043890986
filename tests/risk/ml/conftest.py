"""Shared fixtures: a small slice of the public declaration data and a quickly trained model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from smartcustoms.risk.ml.dataset import read_declarations
from smartcustoms.risk.ml.train import TrainedModel, TrainingParams, train
from tests.conftest import shared_data

FAST = TrainingParams(history_rounds=15, novel_rounds=15)


@pytest.fixture(scope="session")
def declarations() -> pd.DataFrame:
    frame = read_declarations([shared_data("customs-declarations", "train.csv")], require_labels=True)
    return frame[frame["date"] < "2020-03-01"].reset_index(drop=True)


@pytest.fixture(scope="session")
def trained(declarations: pd.DataFrame) -> TrainedModel:
    return train(declarations[declarations["date"] < "2020-02-15"], params=FAST)


@pytest.fixture(scope="session")
def later(declarations: pd.DataFrame) -> pd.DataFrame:
    return declarations[declarations["date"] >= "2020-02-15"].reset_index(drop=True)


@pytest.fixture(scope="session")
def saved(trained: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    trained.save(directory)
    return directory
