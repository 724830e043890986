"""Load a saved fraud model directory, refusing one whose papers do not match this code (no pickle)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import xgboost as xgb

from smartcustoms.errors import FieldError, SmartCustomsError
from smartcustoms.risk.ml import features as F
from smartcustoms.risk.ml.history import HistoryState
from smartcustoms.risk.ml.score import RiskModel
from smartcustoms.risk.ml.train import HISTORY_DIR, METADATA_FILE, MODEL_FILE, NOVEL_MODEL_FILE

REQUIRED_METADATA = ("version", "feature_schema_hash", "features", "training_period", "score_quantiles")


class ModelMismatch(SmartCustomsError):
    """A model directory that cannot be served by this code: missing files, bad metadata, other features."""

    def __init__(self, where: Path | str, reason: str | None = None) -> None:
        # ModelMismatch(directory, reason) names the directory; ModelMismatch(message) is a whole message.
        message = str(where) if reason is None else f"model {where}: {reason}"
        super().__init__(message, [FieldError("model", reason or message, "model_mismatch")], 409, "model_mismatch")


def _metadata(directory: Path) -> dict[str, Any]:
    try:
        meta = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelMismatch(directory, f"missing {METADATA_FILE}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelMismatch(directory, f"{METADATA_FILE} is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelMismatch(directory, f"{METADATA_FILE} is not a JSON object")
    absent = [k for k in REQUIRED_METADATA if k not in meta]
    if absent:
        raise ModelMismatch(directory, f"{METADATA_FILE} lacks {', '.join(absent)}")
    return meta


def _check_features(directory: Path, meta: dict[str, Any]) -> None:
    if meta["feature_schema_hash"] != F.schema_hash():
        raise ModelMismatch(directory, f"feature schema {meta['feature_schema_hash']!r} was trained by other code "
                                       f"(this code has {F.schema_hash()!r}); retrain the model")
    if meta["features"] != list(F.FEATURE_NAMES):
        theirs, ours = set(map(str, meta["features"])), set(F.FEATURE_NAMES)
        diff = sorted(theirs ^ ours)[:5]
        raise ModelMismatch(directory, f"feature list differs from this code ({', '.join(diff) or 'order'})")
    quantiles = meta["score_quantiles"]
    if not isinstance(quantiles, list) or not all(isinstance(q, int | float) for q in quantiles):
        raise ModelMismatch(directory, "score_quantiles must be a list of numbers")


def _booster(directory: Path, name: str) -> xgb.Booster:
    path = directory / name
    if not path.is_file():
        raise ModelMismatch(directory, f"missing {name}")
    try:
        booster = xgb.Booster(model_file=str(path))  # xgboost's own format: trees and numbers, no code
    except (xgb.core.XGBoostError, UnicodeDecodeError, ValueError, OSError) as exc:
        # xgboost may fail to decode its own error text for a non-model file: say it plainly.
        raise ModelMismatch(directory, f"{name} is not an xgboost model file") from exc
    if booster.feature_names != list(F.FEATURE_NAMES):
        raise ModelMismatch(directory, f"{name} was trained on other features than this code's")
    return booster


def load(directory: Path) -> RiskModel:
    """The model saved in `directory`, ready to score; `ModelMismatch` if it cannot be served by this code."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelMismatch(directory, "no such model directory")
    meta = _metadata(directory)
    _check_features(directory, meta)
    history = _booster(directory, MODEL_FILE)
    novel = _booster(directory, NOVEL_MODEL_FILE)
    try:
        state = HistoryState.load(directory / HISTORY_DIR)
    except FileNotFoundError as exc:
        raise ModelMismatch(directory, f"missing history file {Path(exc.filename).name}") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelMismatch(directory, f"malformed history ({exc})") from exc
    return RiskModel(history, novel, state, meta)
