"""The risk model in the lodge path: score every line, keep the worst, map its percentile to a lane."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.risk import registry
from smartcustoms.risk.rules import LANE_DOCUMENTS, LANE_INSPECTION, LANE_RELEASE, ScoreSignal

log = logging.getLogger(__name__)


def lane_for(percentile: float, lane3_share: Decimal, lane2_share: Decimal) -> int:
    """Lane by target inspection rate: the top lane3_share of scores → 3, the next lane2_share → 2."""
    top = Decimal(100) - Decimal(str(percentile))  # share of training scores at or above this one, in %
    if top <= lane3_share * 100:
        return LANE_INSPECTION
    if top <= (lane3_share + lane2_share) * 100:
        return LANE_DOCUMENTS
    return LANE_RELEASE


def score(session: Session, records: list[dict[str, object]]) -> tuple[ScoreSignal | None, dict[str, Any]]:
    """Score a declaration's line records with the active model.

    Returns the signal for the lane decision (None when there is no model or it failed: lanes then
    come from the rules alone, and the returned view says so) and the view stored on the declaration.
    """
    version = registry.active(session)
    if version is None:
        return None, {"status": "no_active_model", "message": "no active risk model: lane from rules only"}
    try:
        model = registry.loaded(version.path, version.version)
        results = [model.score_one(r) for r in records]
    except Exception as exc:  # a broken artifact must not stop clearance; rules still decide
        log.exception("risk model %s failed; lane from rules only", version.version)
        return None, {"status": "model_error", "model_version": version.version,
                      "message": f"risk model failed ({type(exc).__name__}): lane from rules only"}
    worst_i = max(range(len(results)), key=lambda i: results[i].score)
    worst = results[worst_i]
    lane = lane_for(worst.percentile, version.lane3_share, version.lane2_share)
    view: dict[str, Any] = {
        "status": "scored",
        "model_version": version.version,
        "score": round(float(worst.score), 6),
        "percentile": round(float(worst.percentile), 2),
        "lane": lane,
        "line_no": worst_i + 1,
        "line_scores": [round(float(r.score), 6) for r in results],
        "lane3_share": str(version.lane3_share),
        "lane2_share": str(version.lane2_share),
        "contributions": [_contribution(c) for c in worst.contributions[:10]],
    }
    reason = (f"risk score {view['score']:.3f} (percentile {view['percentile']:.1f}) on line {worst_i + 1}: "
              f"within the top {_pct(version.lane3_share if lane == 3 else version.lane3_share + version.lane2_share)}"
              if lane > LANE_RELEASE else "risk score below the lane thresholds")
    return ScoreSignal(version.version, float(worst.score), lane, reason), view


def _pct(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _contribution(c: Any) -> dict[str, object]:
    if isinstance(c, Mapping):
        return dict(c)
    return {"feature": c.feature, "value": c.value, "contribution": round(float(c.contribution), 6)}
