"""Pure hit rates of the inspections: of the parcels each selection sent to inspection, how many were found with a
discrepancy. The random sample's rate is the baseline (what inspecting parcels at random finds); a profile or
signal that does not beat it is not targeting. No database: the caller reads the inspected parcels' stored lane
reasons and results.

Decision: an inspected parcel counts for every stored reason that put it in lane 3 (a parcel selected by two
profiles counts for both), and for "ordered by an officer" when none did (its lane was raised by an officer's
order to inspect). Reasons for lane 2 are not counted: they asked for a document review, not an inspection. The
baseline counts each parcel once, however many random samples drew it, and only draws of a profile without
criteria: a profile that samples a share of the parcels its criteria match (HS 4202, 10 % of them) draws from
targeted parcels, so it is a selection of its own, not what inspecting at random finds.

Decision: a selection is said to find more (or less) than the random sample only when the difference is clear at
95 % — Fisher's exact test, one-sided each way at 2.5 %, exact for the handful of inspections a new profile has;
otherwise "not clear yet". One discrepancy in three inspections is 33 %, against a sample's 5 %, yet says little: a
raw comparison of the shares told officers that such a profile was targeting. Each row also carries its 95 %
Wilson interval. The test takes the two groups as independent; a parcel both drawn at random and selected by a
profile is in both, which makes the verdict a little cautious, not bold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from smartcustoms.ecommerce.lifecycle import DISCREPANCY

# The key of the parcels sent to inspection by an officer's order only.
ORDER: tuple[str, int | None, str | None] = ("order", None, None)


@dataclass
class HitRow:
    """One selection: the parcels it sent to inspection that have a result, and how many had a discrepancy."""

    key: tuple[str, int | None, str | None]  # (kind, profile id, profile name as stored); random draws: "random"
    reason: dict[str, Any] | None  # one stored reason of the selection, to name it in the page's language
    inspected: int = 0
    discrepancies: int = 0

    @property
    def rate(self) -> float:
        return self.discrepancies / self.inspected if self.inspected else 0.0

    @property
    def baseline(self) -> bool:
        return self.key[0] == RANDOM

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % Wilson interval of the hit rate ((0, 1) when nothing was inspected)."""
        return wilson(self.discrepancies, self.inspected)


@dataclass
class HitRates:
    """Every selection's row, most inspected first, and the totals over the parcels (each counted once)."""

    rows: list[HitRow] = field(default_factory=list)
    inspected: int = 0
    discrepancies: int = 0
    drawn: HitRow = field(default_factory=lambda: HitRow((RANDOM, None, None), None))  # every random draw, pooled

    @property
    def rate(self) -> float:
        return self.discrepancies / self.inspected if self.inspected else 0.0

    @property
    def baseline(self) -> HitRow | None:
        """The random samples' row (every parcel drawn at random counted once), when any inspected parcel was."""
        return self.drawn if self.drawn.inspected else None


RANDOM = "random"
Z95 = 1.959964  # the two-sided 95 % quantile of the normal distribution (the Wilson interval)
HIGHER, LOWER, UNCLEAR = "higher", "lower", "unclear"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def against(row: HitRow, base: HitRow) -> str:
    """Whether `row` finds clearly more (HIGHER) or less (LOWER) than `base` at 95 %, else UNCLEAR."""
    if not row.inspected or not base.inspected:
        return UNCLEAR
    # Imported here: with the app, scipy.stats cost every server ~60 MB from its start (112 → 170 MB).
    from scipy.stats import fisher_exact

    table = [[row.discrepancies, row.inspected - row.discrepancies],
             [base.discrepancies, base.inspected - base.discrepancies]]
    if float(fisher_exact(table, alternative="greater").pvalue) < 0.025:
        return HIGHER
    if float(fisher_exact(table, alternative="less").pvalue) < 0.025:
        return LOWER
    return UNCLEAR
_DRAW_ONLY = frozenset({"random_rate", "draw", "aeo_capped"})  # what a draw of a profile without criteria matched


def _key(reason: dict[str, Any]) -> tuple[str, int | None, str | None]:
    profile_id = reason.get("profile_id")
    matched = reason.get("matched")
    drawn = reason.get("random") is True and isinstance(matched, dict) and set(matched) <= _DRAW_ONLY
    return (RANDOM if drawn else str(reason.get("kind") or "rule"),
            profile_id if isinstance(profile_id, int) else None, str(reason.get("profile") or ""))


def hit_rates(parcels: Iterable[tuple[str | None, str]]) -> HitRates:
    """The hit rates of parcels given as (stored lane reasons JSON, inspection result)."""
    out = HitRates()
    rows: dict[tuple[str, int | None, str | None], HitRow] = {}
    for stored, result in parcels:
        try:
            reasons = orjson.loads(stored) if stored else []
        except orjson.JSONDecodeError:
            reasons = []
        chosen: dict[tuple[str, int | None, str | None], dict[str, Any] | None] = {
            _key(r): r for r in reasons if isinstance(r, dict) and r.get("lane") == 3} if isinstance(reasons, list) \
            else {}
        found = result == DISCREPANCY
        out.inspected += 1
        out.discrepancies += found
        if any(key[0] == RANDOM for key in chosen):
            out.drawn.inspected += 1
            out.drawn.discrepancies += found
            out.drawn.reason = out.drawn.reason or next(r for k, r in chosen.items() if k[0] == RANDOM)
        for key, reason in (chosen or {ORDER: None}).items():
            row = rows.get(key)
            if row is None:
                row = rows[key] = HitRow(key, reason)
            row.inspected += 1
            row.discrepancies += found
    out.rows = sorted(rows.values(), key=lambda r: (-r.inspected, r.key[0], r.key[2] or ""))
    return out
