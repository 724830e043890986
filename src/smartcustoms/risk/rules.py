"""Pure lane selection from selectivity profiles: every hit kept, the strictest lane wins."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

LANE_RELEASE, LANE_DOCUMENTS, LANE_INSPECTION = 1, 2, 3


@dataclass(frozen=True)
class LineFacts:
    """What the rules see of one declaration line."""

    line_no: int
    hs_code: str
    origin_country: str
    rate_mismatch: bool


@dataclass(frozen=True)
class LaneContext:
    """What the rules see of one declaration."""

    declaration_id: str
    on: date
    importer_code: str
    consignor_name: str
    aeo: bool
    total_value_jpy: int
    lines: Sequence[LineFacts]


@dataclass(frozen=True)
class Profile:
    """A selectivity profile; unset criteria match everything, set ones must all match."""

    id: int
    name: str
    lane: int
    reason: str
    hs_prefix: str | None = None
    origin_country: str | None = None
    importer_code: str | None = None
    consignor_name: str | None = None  # case-insensitive substring
    min_value_jpy: int | None = None
    max_value_jpy: int | None = None
    aeo: bool | None = None
    rate_mismatch: bool = False
    random_rate: Decimal | None = None
    aeo_random_rate: Decimal | None = None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class RuleHit:
    """One profile that matched, and why."""

    profile_id: int | None
    profile: str
    lane: int
    reason: str
    matched: dict[str, Any] = field(default_factory=dict)
    lines: tuple[int, ...] = ()
    random: bool = False
    kind: str = "rule"

    def to_dict(self) -> dict[str, Any]:
        """JSON shape shown to traders and officers."""
        return {
            "kind": self.kind,
            "profile_id": self.profile_id,
            "profile": self.profile,
            "lane": self.lane,
            "reason": self.reason,
            "matched": self.matched,
            "lines": list(self.lines),
            "random": self.random,
        }


@dataclass(frozen=True)
class ScoreSignal:
    """A risk model's view of the declaration: joins the lane decision in decide_lane."""

    model_version: str
    score: float
    lane: int
    reason: str


@dataclass(frozen=True)
class LaneDecision:
    lane: int
    hits: tuple[RuleHit, ...]

    def reasons(self) -> list[dict[str, Any]]:
        """Every hit; a plain 'no hit' reason when lane 1 came from nothing firing."""
        if not self.hits:
            return [RuleHit(None, "default", LANE_RELEASE, "no selectivity profile matched", kind="default").to_dict()]
        return [h.to_dict() for h in self.hits]


def sampling_draw(secret: str, declaration_id: str, profile_id: int) -> Decimal:
    """A reproducible uniform draw in [0, 1) per declaration and profile (auditable, not guessable)."""
    mac = hmac.new(secret.encode(), f"{declaration_id}:{profile_id}".encode(), hashlib.sha256).digest()
    return Decimal(int.from_bytes(mac[:8], "big")) / Decimal(2**64)


def _in_force(p: Profile, on: date) -> bool:
    return (p.valid_from is None or p.valid_from <= on) and (p.valid_to is None or on <= p.valid_to)


def _line_match(p: Profile, line: LineFacts) -> bool:
    if p.hs_prefix and not line.hs_code.startswith(p.hs_prefix):
        return False
    if p.origin_country and line.origin_country != p.origin_country:
        return False
    return not (p.rate_mismatch and not line.rate_mismatch)


def _has_line_criteria(p: Profile) -> bool:
    return bool(p.hs_prefix or p.origin_country or p.rate_mismatch)


def evaluate(p: Profile, ctx: LaneContext, draw: Callable[[int], Decimal]) -> RuleHit | None:
    """The hit of one profile on one declaration, or None."""
    if not _in_force(p, ctx.on):
        return None
    matched: dict[str, Any] = {}
    if p.importer_code:
        if ctx.importer_code.upper() != p.importer_code.upper():
            return None
        matched["importer_code"] = p.importer_code
    if p.consignor_name:
        if p.consignor_name.casefold() not in ctx.consignor_name.casefold():
            return None
        matched["consignor_name"] = p.consignor_name
    if p.min_value_jpy is not None:
        if ctx.total_value_jpy < p.min_value_jpy:
            return None
        matched["min_value_jpy"] = p.min_value_jpy
    if p.max_value_jpy is not None:
        if ctx.total_value_jpy > p.max_value_jpy:
            return None
        matched["max_value_jpy"] = p.max_value_jpy
    if p.aeo is not None:
        if ctx.aeo != p.aeo:
            return None
        matched["aeo"] = p.aeo
    lines: tuple[int, ...] = ()
    if _has_line_criteria(p):
        lines = tuple(line.line_no for line in ctx.lines if _line_match(p, line))
        if not lines:
            return None
        for key in ("hs_prefix", "origin_country"):
            if getattr(p, key):
                matched[key] = getattr(p, key)
        if p.rate_mismatch:
            matched["rate_mismatch"] = True
    lane = p.lane
    random_hit = False
    if p.random_rate is not None:
        rate = p.aeo_random_rate if (ctx.aeo and p.aeo_random_rate is not None) else p.random_rate
        u = draw(p.id)
        if u >= rate:
            return None
        random_hit = True
        matched["random_rate"] = str(rate)
        matched["draw"] = str(u.quantize(Decimal("0.000001")))
        # AEO importers never reach lane 3 through random sampling alone.
        if ctx.aeo and lane > LANE_DOCUMENTS:
            lane = LANE_DOCUMENTS
            matched["aeo_capped"] = True
    return RuleHit(p.id, p.name, lane, p.reason, matched, lines, random_hit)


def select_lane(
    profiles: Sequence[Profile], ctx: LaneContext, draw: Callable[[int], Decimal], score: ScoreSignal | None = None
) -> LaneDecision:
    """Evaluate every profile; keep every hit; the strictest lane wins."""
    hits = [h for p in profiles if (h := evaluate(p, ctx, draw)) is not None]
    return decide_lane(hits, score)


def decide_lane(hits: Sequence[RuleHit], score: ScoreSignal | None = None) -> LaneDecision:
    """Combine rule hits and (when a risk model is active) its score into one lane.

    This is the one place a model score joins the decision: it adds a hit of kind "model" and can
    only raise the lane, never lower what a rule decided.
    """
    all_hits = list(hits)
    if score is not None and score.lane > LANE_RELEASE:
        all_hits.append(
            RuleHit(None, f"model {score.model_version}", score.lane, score.reason,
                    {"score": round(score.score, 6)}, kind="model")
        )
    lane = max((h.lane for h in all_hits), default=LANE_RELEASE)
    return LaneDecision(lane, tuple(all_hits))
