"""Selectivity profiles and the active risk model applied to consignments (profiles pure, model in batches)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from smartcustoms.ecommerce.assess import Valuation
from smartcustoms.ecommerce.records import Record
from smartcustoms.risk import rules
from smartcustoms.risk.scoring import lane_for

log = logging.getLogger(__name__)


def profile_hits(profiles: Sequence[rules.Profile], secret: str, consignment_id: str, on: date, rec: Record,
                 val: Valuation) -> list[rules.RuleHit]:
    """Every selectivity profile that matches the consignment (seller as consignor, consignee as importer)."""
    return Screen(profiles, secret, on).hits(consignment_id, rec, val)


class Screen:
    """A manifest's selectivity profiles, set up once for its date, applied consignment by consignment.

    `rules.evaluate` decides; a profile that surely misses is passed over without building the rules' view of the
    consignment (most profiles on most parcels; a test compares with evaluating every profile). Set up once: the
    profiles not in force on the date and those on a rate mismatch (parcels claim no rate) are left out, and a
    random rate becomes a cut on the HMAC's integer, so that the draw is compared without Decimal arithmetic."""

    def __init__(self, profiles: Sequence[rules.Profile], secret: str, on: date) -> None:
        self.secret, self.on = secret, on
        self.key = _keyed(secret)
        # (profile, HS prefix, origin, random rate, the cut's lo and hi; lo None: no random rate)
        self.plan: list[tuple[rules.Profile, str | None, str | None, Decimal, int | None, int]] = []
        for p in profiles:
            if (p.valid_from is not None and on < p.valid_from) or (p.valid_to is not None and on > p.valid_to):
                continue
            if p.rate_mismatch:
                continue  # parcels carry no claimed rate: no line has a rate mismatch
            # Not an AEO: the plain random rate applies; the draw is the one evaluate makes.
            rate = p.random_rate
            lo, hi = _cut(rate) if rate is not None else (None, 0)
            self.plan.append((p, p.hs_prefix or None, p.origin_country or None, rate or _ZERO, lo, hi))

    def hits(self, consignment_id: str, rec: Record, val: Valuation) -> list[rules.RuleHit]:
        """The profiles that match the consignment, in the profiles' order."""
        out: list[rules.RuleHit] = []
        ctx: rules.LaneContext | None = None
        for p, prefix, origin, rate, lo, hi in self.plan:
            if prefix is not None or origin is not None:
                for g in rec.goods:
                    if (prefix is None or (g.hs_code or "").startswith(prefix)) \
                            and (origin is None or (g.origin_country or rec.seller_country) == origin):
                        break
                else:
                    continue  # no goods line of the profile's kind
            if lo is not None:
                mac = self.key.copy()
                mac.update(f"{consignment_id}:{p.id}".encode())
                n = int.from_bytes(mac.digest()[:8], "big")
                if n > hi or (n >= lo and sampling_draw(self.secret, consignment_id, p.id) >= rate):
                    continue  # the draw is not below the rate
            if ctx is None:
                ctx = lane_context(consignment_id, self.on, rec, val)
            hit = rules.evaluate(p, ctx, lambda pid: sampling_draw(self.secret, consignment_id, pid))
            if hit is not None:
                out.append(hit)
        return out


def _cut(rate: Decimal) -> tuple[int, int]:
    """(lo, hi) for a random rate: the draw is n / 2**64 for n the HMAC's first 8 bytes, so it is below the rate
    when n < lo and not below it when n > hi. The Decimal draw is rounded to 28 digits, far finer than 2**-64
    apart, so only n between them (the one or two integers next to rate × 2**64) needs the Decimal draw."""
    exact = Fraction(rate) * 2**64
    return math.floor(exact), math.ceil(exact)


def lane_context(consignment_id: str, on: date, rec: Record, val: Valuation) -> rules.LaneContext:
    """The consignment as the selectivity rules see a declaration."""
    return rules.LaneContext(
        declaration_id=consignment_id, on=on, importer_code=rec.consignee_id or "", consignor_name=rec.seller_name,
        aeo=False, total_value_jpy=val.dutiable_value_jpy,
        lines=[rules.LineFacts(i + 1, g.hs_code or "", g.origin_country or rec.seller_country, False)
               for i, g in enumerate(rec.goods)],
    )


@lru_cache(maxsize=8)
def _keyed(secret: str) -> Any:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


_SCALE = Decimal(2**64)
_ZERO = Decimal(0)


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
        # Within the threshold, as before `exempt` came to mean "no line taxed": the model was calibrated on it.
        "tax_rate": 0.0, "tax_type": "exempt" if val.within_exemption else "simplified", "origin_indicator": "",
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
