"""Idempotency keys expire: a key answers retries of its request for SMARTCUSTOMS_ECOMMERCE_IDEMPOTENCY_KEY_DAYS days.

Decision (docs/ecommerce.md, "Idempotency and resume"): a retry comes minutes or hours after a timeout, not months,
and a key kept for ever holds a submitter's or an officer's key against a new request that reuses it (a daily
counter, say) and grows its table with every manifest and action. So a manifest key is removed once the manifest it
names was received more than the days ago (a retry that moved the key to a newer manifest keeps it that long again),
an officer's action key once it was recorded that long ago; 0 keeps every key. A retry after that is a new request:
a manifest's parcels already stored come back as repeats and nothing is stored twice (the parcel ids are unique per
submitter); an action is decided again on what it selects now (on all matching, the parcels that match today; by
id, the ones still in a status it applies to, and with `seen` only those still as the officer saw them). Run by the
server every hour (ecommerce/scheduled.py) and by `smartcustoms ecommerce sweep`.

No transactions of its own: the caller owns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcustoms.ecommerce.models import ActionKey, Manifest, ManifestKey


@dataclass(frozen=True)
class Expired:
    """How many keys were removed."""

    manifest_keys: int
    action_keys: int

    def line(self, days: int) -> str:
        return (f"{self.manifest_keys} manifest key(s) and {self.action_keys} action key(s) older than {days} day(s) "
                "removed")


def expire(s: Session, now: datetime, days: int) -> Expired:
    """Remove the manifest keys whose manifest was received, and the action keys recorded, more than `days` days
    before `now` (timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if days < 1:
        raise ValueError("days must be at least 1 (0 keeps every key: do not call)")
    cutoff = now - timedelta(days=days)
    old = select(Manifest.id).where(Manifest.received_at < cutoff)
    manifests = s.execute(delete(ManifestKey).where(ManifestKey.manifest_id.in_(old))
                          .execution_options(synchronize_session=False)).rowcount
    actions = s.execute(delete(ActionKey).where(ActionKey.created_at < cutoff)
                        .execution_options(synchronize_session=False)).rowcount
    return Expired(int(manifests), int(actions))
