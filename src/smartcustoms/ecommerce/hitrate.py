"""Pure hit rates of the inspections: of the parcels each selection sent to inspection, how many were found with a
discrepancy. The random sample's rate is the baseline (what inspecting parcels at random finds); a profile or
signal that does not beat it is not targeting. No database: the caller reads the inspected parcels' stored lane
reasons and results.

Decision: an inspected parcel counts for every stored reason that put it in lane 3 (a parcel selected by two
profiles counts for both), and for "ordered by an officer" when none did (its lane was raised by an officer's
order to inspect). Reasons for lane 2 are not counted: they asked for a document review, not an inspection.
"""

from __future__ import annotations

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
        return self.key[0] == "random"


@dataclass
class HitRates:
    """Every selection's row, most inspected first, and the totals over the parcels (each counted once)."""

    rows: list[HitRow] = field(default_factory=list)
    inspected: int = 0
    discrepancies: int = 0

    @property
    def rate(self) -> float:
        return self.discrepancies / self.inspected if self.inspected else 0.0

    @property
    def baseline(self) -> HitRow | None:
        """The random sample's row (all random draws together), when any inspected parcel was drawn."""
        drawn = [r for r in self.rows if r.baseline]
        if not drawn:
            return None
        pooled = HitRow(("random", None, None), drawn[0].reason)
        pooled.inspected = sum(r.inspected for r in drawn)
        pooled.discrepancies = sum(r.discrepancies for r in drawn)
        return pooled


def _key(reason: dict[str, Any]) -> tuple[str, int | None, str | None]:
    profile_id = reason.get("profile_id")
    return ("random" if reason.get("random") else str(reason.get("kind") or "rule"),
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
        for key, reason in (chosen or {ORDER: None}).items():
            row = rows.get(key)
            if row is None:
                row = rows[key] = HitRow(key, reason)
            row.inspected += 1
            row.discrepancies += found
    out.rows = sorted(rows.values(), key=lambda r: (-r.inspected, r.key[0], r.key[2] or ""))
    return out
