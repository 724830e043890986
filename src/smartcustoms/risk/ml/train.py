"""Train the fraud model from labelled historical declarations (training only; serving is in score.py).

Two boosted-tree models share one feature set. The *history* model ranks every declaration and learns how
far to trust the past outcomes of its combination and traders; the *novel* model is trained only on
declarations whose combination had no history at their date, so it ranks the never-seen combinations on
what generalises (goods, traders, prices, tax). Critical frauds (critical_fraud == 2) weigh more so the
top of the ranking holds them.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from smartcustoms.errors import FieldError
from smartcustoms.risk.ml import features as F
from smartcustoms.risk.ml import metrics as M
from smartcustoms.risk.ml.arrays import Array
from smartcustoms.risk.ml.dataset import CANONICAL_COLUMNS, DatasetError
from smartcustoms.risk.ml.history import HistoryState, asof_features
from smartcustoms.risk.ml.lookup import CombinationLookup
from smartcustoms.risk.ml.score import RiskModel

Progress = Callable[[str, float], None]
MODEL_FILE = "model.ubj"
NOVEL_MODEL_FILE = "model_novel.ubj"
METADATA_FILE = "metadata.json"
HISTORY_DIR = "history"
QUANTILES = 1001
HISTORY_COUNT_FEATURE = "combination_log_count"


@dataclass(frozen=True)
class TrainingParams:
    """Settings chosen on a time split inside the 2020 training data (Jan-Sep -> Oct-Dec)."""

    history_rounds: int = 80  # few trees: batch scoring must reach ~200,000 declarations/s on 2 cores
    history_depth: int = 5
    novel_rounds: int = 100
    novel_depth: int = 3
    eta_history: float = 0.15
    eta_novel: float = 0.09
    critical_weight: float = 5.0
    novel_critical_weight: float = 3.0
    holdout_share: float = 0.15  # the latest share of declarations, kept back for the holdout figures
    threads: int = 1  # OpenMP threads oversubscribe a shared 2-core host badly; one is faster there

    def booster_params(self, novel: bool, seed: int) -> dict[str, Any]:
        """Native xgboost parameters for one of the two models."""
        return {
            "objective": "binary:logistic", "eval_metric": "auc", "tree_method": "hist", "seed": seed,
            "nthread": self.threads, "subsample": 0.8,
            "eta": self.eta_novel if novel else self.eta_history,
            "max_depth": self.novel_depth if novel else self.history_depth,
            "min_child_weight": 5 if novel else 2,
            "colsample_bytree": 0.5 if novel else 0.8,
        }  # fmt: skip


@dataclass
class TrainedModel:
    """The two boosters, the history they read, and the metadata to write beside them."""

    history_booster: xgb.Booster
    novel_booster: xgb.Booster
    state: HistoryState
    metadata: dict[str, Any] = field(default_factory=dict)

    def risk_model(self) -> RiskModel:
        """The serving object for this model, without a round trip through files."""
        return RiskModel(self.history_booster, self.novel_booster, self.state, self.metadata)

    def save(self, directory: Path) -> None:
        """Write model.ubj, model_novel.ubj, metadata.json and history/ (CSV + JSON; no pickle)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.history_booster.save_model(directory / MODEL_FILE)
        self.novel_booster.save_model(directory / NOVEL_MODEL_FILE)
        self.state.save(directory / HISTORY_DIR)
        text = json.dumps(self.metadata, indent=2, ensure_ascii=False, default=_json_default)
        (directory / METADATA_FILE).write_text(text + "\n", encoding="utf-8")


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _check(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    if missing:
        raise DatasetError([FieldError(c, "missing column", "missing") for c in missing],
                           f"training data lacks column(s): {', '.join(missing)}")
    if len(frame) < 50 or frame["fraud"].nunique() < 2:
        raise DatasetError([FieldError("fraud", "need at least 50 declarations with both outcomes")],
                           "too little training data: need at least 50 declarations, fraud and not fraud")
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


def _fit_pair(frame: pd.DataFrame, state: HistoryState, params: TrainingParams, seed: int
              ) -> tuple[xgb.Booster, xgb.Booster, Array]:
    x = asof_features(frame, state.prior_fraud, state.prior_critical, state.vocab)
    y = frame["fraud"].to_numpy(np.float32)
    critical = frame["critical_fraud"].to_numpy() == 2
    names = list(F.FEATURE_NAMES)
    novel = x[:, names.index(HISTORY_COUNT_FEATURE)] == 0
    w = 1.0 + (params.critical_weight - 1.0) * critical
    history = xgb.train(params.booster_params(False, seed), xgb.DMatrix(x, y, weight=w, feature_names=names),
                        params.history_rounds)
    wn = 1.0 + (params.novel_critical_weight - 1.0) * critical[novel]
    if novel.sum() < 20 or len(np.unique(y[novel])) < 2:  # tiny data: fall back to every row
        novel = np.ones(len(x), dtype=bool)
        wn = 1.0 + (params.novel_critical_weight - 1.0) * critical
    novel_booster = xgb.train(params.booster_params(True, seed),
                              xgb.DMatrix(x[novel], y[novel], weight=wn, feature_names=names), params.novel_rounds)
    return history, novel_booster, x


def _period(frame: pd.DataFrame) -> dict[str, str]:
    return {"from": frame["date"].min().date().isoformat(), "to": frame["date"].max().date().isoformat()}


def train(frame: pd.DataFrame, *, progress: Progress | None = None, seed: int = 0,
          params: TrainingParams | None = None) -> TrainedModel:
    """Train on labelled declarations; report figures on the latest `holdout_share` first, then refit on all."""
    p = params or TrainingParams()
    say: Progress = progress or (lambda stage, fraction: None)
    frame = _check(frame)
    say("holdout split", 0.0)
    cutoff = frame["date"].iloc[min(len(frame) - 1, int(len(frame) * (1 - p.holdout_share)))]
    fit, hold = frame[frame["date"] < cutoff], frame[frame["date"] >= cutoff]
    holdout: dict[str, Any] = {}
    if len(fit) >= 50 and fit["fraud"].nunique() == 2 and len(hold) > 0:
        fit_state = HistoryState.from_frame(fit).prepare()
        hb, nb, _ = _fit_pair(fit, fit_state, p, seed)
        say("holdout models trained", 0.4)
        scores, ranked = RiskModel(hb, nb, fit_state, {}).score_and_priority(hold)
        unseen = ~CombinationLookup.fit(fit).seen(hold)
        holdout = {"period": _period(hold), **M.evaluate(scores, hold, unseen)}
        holdout["priority"] = M.evaluate(ranked, hold, unseen)  # the same figures, ranked by priority
    say("final models", 0.5)
    state = HistoryState.from_frame(frame).prepare()
    hb, nb, x = _fit_pair(frame, state, p, seed)
    say("final models trained", 0.9)
    model = TrainedModel(hb, nb, state)
    in_sample = model.risk_model().score_features(x)
    model.metadata = _metadata(frame, p, seed, hb, nb, in_sample, holdout, cutoff)
    say("done", 1.0)
    return model


def _metadata(frame: pd.DataFrame, p: TrainingParams, seed: int, hb: xgb.Booster, nb: xgb.Booster,
              in_sample: Array, holdout: dict[str, Any], cutoff: pd.Timestamp) -> dict[str, Any]:
    created = datetime.now(UTC)
    digest = hashlib.sha256(bytes(hb.save_raw("ubj")) + bytes(nb.save_raw("ubj"))).hexdigest()[:10]
    version = f"fraud-{created:%Y%m%dT%H%M%SZ}-{digest}"
    return {
        "version": version,
        "created_at": created.isoformat(),
        "feature_schema_hash": F.schema_hash(),
        "features": list(F.FEATURE_NAMES),
        "files": {"history_model": MODEL_FILE, "novel_model": NOVEL_MODEL_FILE, "history": HISTORY_DIR},
        "training_period": _period(frame),
        "rows": len(frame),
        "fraud_rows": int(frame["fraud"].sum()),
        "critical_rows": int((frame["critical_fraud"] == 2).sum()),
        "fraud_rate": float(frame["fraud"].mean()),
        "holdout_from": cutoff.date().isoformat(),
        "metrics": {"in_sample_asof": M.evaluate(in_sample, frame), "holdout": holdout},
        "score_quantiles": np.quantile(in_sample, np.linspace(0, 1, QUANTILES)).round(7).tolist(),
        "params": {**p.__dict__, "seed": seed},
        "libraries": {"python": platform.python_version(), "xgboost": xgb.__version__, "numpy": np.__version__,
                      "pandas": pd.__version__},
    }

