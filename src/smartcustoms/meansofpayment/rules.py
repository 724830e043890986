"""Pure rules of means-of-payment declarations: when one is required, and the risk flags an officer sees.

Thresholds come from data/thresholds.csv (date-effective, each with its source and a verified mark) and route
risk from data/high_risk_routes.csv. No database here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
KINDS = ("cash", "cheque", "security", "promissory_note", "gold_bullion")
DIRECTIONS = ("arrival", "departure")
NORTH_KOREA = "KP"
# Repeated carrying just under the threshold (structuring): this many filings of the same passport, this one
# included, each between BAND and 100% of the limit that applied to it, within WINDOW_DAYS.
STRUCTURING_BAND = Decimal("0.8")
STRUCTURING_COUNT = 2
STRUCTURING_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Threshold:
    key: str
    value: Decimal
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool


@dataclass(frozen=True)
class Thresholds:
    general_limit_jpy: int
    north_korea_limit_jpy: int
    gold_weight_g: Decimal
    gold_purity: Decimal
    sources: dict[str, dict[str, Any]]


@lru_cache(maxsize=1)
def _threshold_rows() -> tuple[Threshold, ...]:
    with (DATA / "thresholds.csv").open(encoding="utf-8", newline="") as f:
        return tuple(Threshold(r["key"], Decimal(r["value"]), date.fromisoformat(r["valid_from"]),
                               date.fromisoformat(r["valid_to"]) if r["valid_to"] else None, r["source"],
                               r["verified"].strip().lower() == "true") for r in csv.DictReader(f))


class NoThresholdInForce(LookupError):
    pass


def thresholds_on(on: date) -> Thresholds:
    """The thresholds in force on a date (the latest valid_from wins)."""
    found: dict[str, Threshold] = {}
    for t in _threshold_rows():
        in_force = t.valid_from <= on and (t.valid_to is None or on <= t.valid_to)
        if in_force and (t.key not in found or t.valid_from > found[t.key].valid_from):
            found[t.key] = t
    keys = ("general_limit_jpy", "north_korea_limit_jpy", "gold_weight_g", "gold_purity")
    missing = [k for k in keys if k not in found]
    if missing:
        raise NoThresholdInForce(f"no {', '.join(missing)} in force on {on.isoformat()}")
    return Thresholds(int(found["general_limit_jpy"].value), int(found["north_korea_limit_jpy"].value),
                      found["gold_weight_g"].value, found["gold_purity"].value,
                      {k: {"value": str(t.value), "valid_from": t.valid_from.isoformat(), "source": t.source,
                           "verified": t.verified} for k, t in found.items()})


@dataclass(frozen=True)
class Route:
    country: str
    direction: str
    reason: str
    source: str
    verified: bool


@lru_cache(maxsize=1)
def high_risk_routes() -> tuple[Route, ...]:
    with (DATA / "high_risk_routes.csv").open(encoding="utf-8", newline="") as f:
        return tuple(Route(r["country"], r["direction"], r["reason"], r["source"],
                           r["verified"].strip().lower() == "true") for r in csv.DictReader(f))


@dataclass(frozen=True)
class Requirement:
    required: bool
    limit_jpy: int  # the limit that applies to the total of cash, cheques, securities and notes
    reasons: list[dict[str, Any]]


def limit_for(direction: str, destination_country: str, th: Thresholds) -> int:
    """¥100,000 when bound for North Korea (departures to KP), ¥1,000,000 otherwise."""
    if direction == "departure" and destination_country == NORTH_KOREA:
        return th.north_korea_limit_jpy
    return th.general_limit_jpy


def requirement(direction: str, destination_country: str, total_jpy: int,
                gold: list[tuple[Decimal, Decimal]], th: Thresholds) -> Requirement:
    """Whether the carrying must be declared: means of payment over the limit, or high-purity gold over 1 kg."""
    limit = limit_for(direction, destination_country, th)
    reasons: list[dict[str, Any]] = []
    if total_jpy > limit:
        reasons.append({"code": "over_limit", "limit_jpy": limit, "total_jpy": total_jpy,
                        "reason": f"means of payment worth {total_jpy:,} yen, more than {limit:,} yen"})
    pure_g = sum((w for w, purity in gold if purity >= th.gold_purity), Decimal(0))
    if pure_g > th.gold_weight_g:
        reasons.append({"code": "gold_bullion", "weight_g": str(pure_g), "limit_g": str(th.gold_weight_g),
                        "reason": f"gold bullion of {th.gold_purity * 100:g}% or more weighing {pure_g:f} g, over "
                                  f"{th.gold_weight_g:f} g"})
    return Requirement(bool(reasons), limit, reasons)


@dataclass(frozen=True)
class PastFiling:
    id: str
    travel_date: date
    total_jpy: int
    limit_jpy: int


def just_under(total_jpy: int, limit_jpy: int) -> bool:
    return STRUCTURING_BAND * limit_jpy <= total_jpy <= limit_jpy


def flags(*, travel_date: date, total_jpy: int, limit_jpy: int, direction: str, origin_country: str,
          destination_country: str, past: list[PastFiling],
          watchlist_hits: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Risk flags for the officer: structuring, route risk, watch-list hits (None: screening not available)."""
    out: list[dict[str, Any]] = []
    if just_under(total_jpy, limit_jpy):
        window = [p for p in past if abs((travel_date - p.travel_date).days) <= STRUCTURING_WINDOW_DAYS
                  and just_under(p.total_jpy, p.limit_jpy)]
        if len(window) + 1 >= STRUCTURING_COUNT:
            out.append({"code": "structuring", "related": [p.id for p in window],
                        "reason": f"{len(window) + 1} filings of this passport within {STRUCTURING_WINDOW_DAYS} "
                                  f"days each between {STRUCTURING_BAND * 100:g}% and 100% of the limit"})
    countries = {origin_country, destination_country} - {"JP"}
    for route in high_risk_routes():
        if route.direction in ("any", direction) and route.country in countries:
            out.append({"code": "route_risk", "country": route.country, "reason": route.reason,
                        "source": route.source, "verified": route.verified})
    # watchlist_hits None: screening is not installed (the hook in service._screen); no flag can be raised.
    for hit in watchlist_hits or []:
        out.append({"code": "watchlist", **hit})
    return out
