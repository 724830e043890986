"""Selectivity profiles and the active risk model applied to consignments (profiles pure, model in batches)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from smartcustoms.ecommerce.assess import Valuation
from smartcustoms.ecommerce.records import Record
from smartcustoms.risk import rules
from smartcustoms.risk.scoring import lane_for

log = logging.getLogger(__name__)


def profile_hits(profiles: Sequence[rules.Profile], secret: str, consignment_id: str, on: date, rec: Record,
                 val: Valuation) -> list[rules.RuleHit]:
    """Every selectivity profile that matches the consignment (seller as consignor, consignee as importer).

    `rules.evaluate` decides; a profile that surely misses (not in force, no goods line of its kind, a random
    draw above its rate) is passed over without building the rules' view of the consignment (most profiles on
    most parcels; a test compares with evaluating every profile)."""
    hits: list[rules.RuleHit] = []
    ctx: rules.LaneContext | None = None
    for p in profiles:
        if not _may_hit(p, secret, consignment_id, on, rec):
            continue
        if ctx is None:
            ctx = lane_context(consignment_id, on, rec, val)
        hit = rules.evaluate(p, ctx, lambda pid: sampling_draw(secret, consignment_id, pid))
        if hit is not None:
            hits.append(hit)
    return hits


def lane_context(consignment_id: str, on: date, rec: Record, val: Valuation) -> rules.LaneContext:
    """The consignment as the selectivity rules see a declaration."""
    return rules.LaneContext(
        declaration_id=consignment_id, on=on, importer_code=rec.consignee_id or "", consignor_name=rec.seller_name,
        aeo=False, total_value_jpy=val.dutiable_value_jpy,
        lines=[rules.LineFacts(i + 1, g.hs_code or "", g.origin_country or rec.seller_country, False)
               for i, g in enumerate(rec.goods)],
    )


def _may_hit(p: rules.Profile, secret: str, consignment_id: str, on: date, rec: Record) -> bool:
    """False when one of the conditions `rules.evaluate` requires all of surely fails for this consignment."""
    if (p.valid_from is not None and on < p.valid_from) or (p.valid_to is not None and on > p.valid_to):
        return False
    if p.rate_mismatch:
        return False  # parcels carry no claimed rate: no line has a rate mismatch
    if p.hs_prefix or p.origin_country:
        prefix, origin = p.hs_prefix, p.origin_country
        if not any((not prefix or (g.hs_code or "").startswith(prefix))
                   and (not origin or (g.origin_country or rec.seller_country) == origin) for g in rec.goods):
            return False
    # Not an AEO: the plain random rate applies; the draw is the one evaluate makes.
    return p.random_rate is None or sampling_draw(secret, consignment_id, p.id) < p.random_rate


@lru_cache(maxsize=8)
def _keyed(secret: str) -> Any:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


_SCALE = Decimal(2**64)


def sampling_draw(secret: str, consignment_id: str, profile_id: int) -> Decimal:
    """`rules.sampling_draw` with the key set up once (the same HMAC, the same draw; a test compares them)."""
    mac = _keyed(secret).copy()
    mac.update(f"{consignment_id}:{profile_id}".encode())
    return Decimal(int.from_bytes(mac.digest()[:8], "big")) / _SCALE


def model_record(consignment_id: str, on: date, submitter_code: str, rec: Record, val: Valuation) -> dict[str, object]:
    """The consignment as the risk model reads a declaration: its most valuable goods line."""
    g = max(rec.goods, key=lambda x: x.value)
    return {
        "declaration_id": consignment_id, "date": on.isoformat(), "office_id": "ECOMMERCE", "process_type": "",
        "import_type": "ecommerce", "import_use": "personal" if rec.personal_use else "", "payment_type": "",
        "transport_mode": "", "declarant_id": submitter_code, "importer_id": (rec.consignee_id or "").upper(),
        "seller_id": rec.seller_name.strip().upper(), "courier_id": submitter_code, "hs6": (g.hs_code or "")[:6],
        "departure_country": rec.seller_country, "origin_country": g.origin_country or rec.seller_country,
        "tax_rate": 0.0, "tax_type": "exempt" if val.exempt else "simplified", "origin_indicator": "",
        "net_mass": float(g.net_mass_kg), "item_price": float(val.value_jpy),
    }


def model_signals(model: Any, version: Any, records: list[dict[str, object]]) -> list[rules.ScoreSignal | None]:
    """One batch through the active model; on any model failure the rules alone decide (logged)."""
    if model is None or not records:
        return [None] * len(records)
    try:
        import pandas as pd

        scores = model.score_frame(pd.DataFrame.from_records(records))
    except Exception:  # a broken artifact must not stop clearance
        log.exception("risk model %s failed on an e-commerce chunk; lanes from rules only", version.version)
        return [None] * len(records)
    out: list[rules.ScoreSignal | None] = []
    for s in scores:
        pct = model.percentile(float(s))
        lane = lane_for(pct, version.lane3_share, version.lane2_share)
        reason = (f"risk score {float(s):.3f} (percentile {pct:.1f}) within the model's lane {lane} share"
                  if lane > rules.LANE_RELEASE else "risk score below the lane thresholds")
        out.append(rules.ScoreSignal(version.version, float(s), lane, reason))
    return out
