from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from smartcustoms.risk.ml.metrics import auc, evaluate, precision_recall_at, recall_at


def test_precision_recall_at_share() -> None:
    scores = np.arange(10, 0, -1, dtype=float)  # 10 .. 1
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    assert precision_recall_at(scores, labels, 0.2) == (0.5, pytest.approx(1 / 3))
    assert precision_recall_at(scores, labels, 0.3) == (pytest.approx(2 / 3), pytest.approx(2 / 3))


def test_ties_at_the_cut_are_shared() -> None:
    scores = np.array([1.0, 1.0, 1.0, 1.0])
    labels = np.array([1, 0, 0, 0])
    precision, recall = precision_recall_at(scores, labels, 0.5)
    assert precision == pytest.approx(0.25) and recall == pytest.approx(0.5)


def test_auc_handles_ties_and_one_class() -> None:
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    assert auc(np.array([0.5, 0.5]), np.array([0, 1])) == pytest.approx(0.5)
    assert math.isnan(auc(np.array([0.5, 0.6]), np.array([1, 1])))


def test_weighted_recall() -> None:
    assert recall_at(np.array([3.0, 2.0, 1.0, 0.0]), np.array([0.0, 5.0, 5.0, 0.0]), 0.5) == pytest.approx(0.5)


def test_evaluate_reports_every_figure() -> None:
    frame = pd.DataFrame({"fraud": [1, 1, 0, 0] * 25, "critical_fraud": [2, 1, 0, 0] * 25,
                          "tax_rate": [10.0] * 100, "item_price": [100.0] * 100})
    scores = np.array([0.9, 0.8, 0.1, 0.2] * 25)
    figures = evaluate(scores, frame, unseen=np.arange(100) < 40)
    assert figures["precision@10%"] == 1.0 and figures["auc"] == 1.0 and figures["auc_unseen"] == 1.0
    assert figures["critical_recall@10%"] == pytest.approx(10 / 25)
    assert figures["revenue@10%"] == pytest.approx(10 / 50)
