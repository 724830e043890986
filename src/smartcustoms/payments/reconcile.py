"""Pure daily reconciliation: the agent's settlement file against the platform's booked callbacks.

Both sides are keyed by (agent transaction id, type). A platform row books its amount only when the callback was
applied; a callback recorded as a discrepancy, parked or for an unknown order books 0, so the agent's amount shows
up as a difference with the reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from smartcustoms.errors import FieldError, ValidationFailed

COLUMNS = ("transaction_id", "order_id", "type", "amount_jpy", "settled_at")
TYPES = ("paid", "refunded")
MAX_ROWS = 1_000_000
JST = ZoneInfo("Asia/Tokyo")


def previous_day(now: datetime) -> date:
    """The day a reconciliation is run for by default: yesterday in Japan, where the agent settles by JST days.

    From 15:00 UTC Japan's date is a day ahead of UTC's, so the machine's own date (a server kept on UTC) would
    offer the day before yesterday for nine hours of every day. A naive `now` is refused: its zone is unknown.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(JST).date() - timedelta(days=1)


@dataclass(frozen=True)
class AgentRow:
    transaction_id: str
    order_id: str
    type: str
    amount_jpy: int
    settled_at: str


@dataclass(frozen=True)
class PlatformRow:
    transaction_id: str
    order_id: str
    type: str
    booked_jpy: int
    outcome: str
    settled_at: str


def parse_settlements(text: str, day: date | None = None) -> list[AgentRow]:
    """Rows of a settlement CSV; every bad cell is reported with its line (ValidationFailed).

    With DAY, every row must be settled on that Japanese calendar day (a file of another day is refused rather
    than reported as everything missing); an optional `currency` column must say JPY.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed([FieldError("settlements", f"missing column(s): {', '.join(missing)}",
                                           "missing_columns")])
    rows: list[AgentRow] = []
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for n, rec in enumerate(reader, start=2):
        if n > MAX_ROWS:
            raise ValidationFailed([FieldError("settlements", f"at most {MAX_ROWS} rows", "too_many_rows")])
        where = f"settlements[line {n}]"
        tx, kind, amount, at = ((rec.get(c) or "").strip() for c in ("transaction_id", "type", "amount_jpy",
                                                                      "settled_at"))
        order_id = (rec.get("order_id") or "").strip()
        if not tx or len(tx) > 100 or not tx.isprintable():
            errors.append(FieldError(f"{where}.transaction_id", "1 to 100 printable characters"))
        if len(order_id) > 100 or not order_id.isprintable():
            errors.append(FieldError(f"{where}.order_id", "at most 100 printable characters"))
        currency = (rec.get("currency") or "JPY").strip().upper()
        if currency != "JPY":
            errors.append(FieldError(f"{where}.currency", f"settlements are in yen (JPY), not {currency[:10]!r}",
                                     "not_jpy"))
        if kind not in TYPES:
            errors.append(FieldError(f"{where}.type", f"one of {', '.join(TYPES)}"))
        if not (amount.isascii() and amount.isdigit()) or len(amount) > 14:
            errors.append(FieldError(f"{where}.amount_jpy", "whole yen, 0 or more"))
        try:
            when = datetime.fromisoformat(at)
            if when.tzinfo is None or not at.isprintable():
                raise ValueError
            if day is not None and when.astimezone(JST).date() != day:
                errors.append(FieldError(f"{where}.settled_at", f"{at} is not on {day.isoformat()} (JST): a "
                                         "settlement file holds one day", "wrong_day"))
        except (ValueError, OverflowError):
            errors.append(FieldError(f"{where}.settled_at", "ISO 8601 time with a UTC offset"))
        if (tx, kind) in seen:
            errors.append(FieldError(f"{where}.transaction_id", f"{tx} {kind} listed twice", "duplicate_row"))
        seen.add((tx, kind))
        if len(errors) >= 50:
            break
        if not errors:
            rows.append(AgentRow(tx, order_id, kind, int(amount), at))
    if errors:
        raise ValidationFailed(errors)
    return rows


def reconcile(agent: list[AgentRow], platform: list[PlatformRow]) -> dict[str, Any]:
    """Matched, missing at the agent, missing at the platform, amount differences, and totals."""
    by_key: dict[tuple[str, str], PlatformRow] = {}
    for row in platform:
        key = (row.transaction_id, row.type)
        # One agent transaction may reach the platform as several events (re-sent under new ids): the booked one wins.
        if key not in by_key or (by_key[key].outcome != "applied" and row.outcome == "applied"):
            by_key[key] = row
    matched: list[dict[str, Any]] = []
    differences: list[dict[str, Any]] = []
    missing_at_platform: list[dict[str, Any]] = []
    for a in agent:
        p: PlatformRow | None = by_key.pop((a.transaction_id, a.type), None)
        if p is None:
            missing_at_platform.append(asdict(a))
        elif p.booked_jpy == a.amount_jpy and p.outcome == "applied":
            matched.append({**asdict(a), "platform_jpy": p.booked_jpy})
        else:
            differences.append({**asdict(a), "platform_jpy": p.booked_jpy,
                                "difference_jpy": a.amount_jpy - p.booked_jpy, "platform_outcome": p.outcome,
                                "platform_order_id": p.order_id})
    missing_at_agent = [asdict(p) for p in by_key.values() if p.outcome == "applied"]

    def total(rows: list[dict[str, Any]], field: str, kind: str) -> int:
        return sum(int(r[field]) for r in rows if r["type"] == kind)

    agent_rows = [asdict(a) for a in agent]
    booked = [asdict(row) for row in platform if row.outcome == "applied"]
    totals = {
        "agent_paid_jpy": total(agent_rows, "amount_jpy", "paid"),
        "agent_refunded_jpy": total(agent_rows, "amount_jpy", "refunded"),
        "platform_paid_jpy": total(booked, "booked_jpy", "paid"),
        "platform_refunded_jpy": total(booked, "booked_jpy", "refunded"),
        "matched": len(matched), "missing_at_agent": len(missing_at_agent),
        "missing_at_platform": len(missing_at_platform), "amount_differences": len(differences),
    }
    totals["net_difference_jpy"] = ((totals["agent_paid_jpy"] - totals["agent_refunded_jpy"])
                                    - (totals["platform_paid_jpy"] - totals["platform_refunded_jpy"]))
    return {"matched": matched, "missing_at_agent": missing_at_agent, "missing_at_platform": missing_at_platform,
            "amount_differences": differences, "totals": totals,
            "balanced": not (missing_at_agent or missing_at_platform or differences)}


REPORT_COLUMNS = ("section", "transaction_id", "order_id", "type", "agent_jpy", "platform_jpy", "difference_jpy",
                  "platform_outcome", "settled_at")


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as CSV rows (one per line of each section)."""
    out = []
    for section in ("amount_differences", "missing_at_platform", "missing_at_agent", "matched"):
        for r in report[section]:
            agent_jpy = r.get("amount_jpy", "")
            platform_jpy = r.get("platform_jpy", r.get("booked_jpy", ""))
            diff = r.get("difference_jpy", "")
            if section == "missing_at_platform":
                platform_jpy, diff = 0, agent_jpy
            if section == "missing_at_agent":
                agent_jpy, diff = 0, -int(platform_jpy)
            out.append({"section": section, "transaction_id": cell(r["transaction_id"]),
                        "order_id": cell(r["order_id"]), "type": r["type"], "agent_jpy": agent_jpy,
                        "platform_jpy": platform_jpy, "difference_jpy": diff,
                        "platform_outcome": r.get("platform_outcome", r.get("outcome", "")),
                        "settled_at": cell(r["settled_at"])})
    return out


def cell(value: str) -> str:
    """A text cell safe to open in a spreadsheet: one that would start a formula gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
