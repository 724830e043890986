"""`Idempotency-Key` on `POST /api/v1/manifests`: a retried manifest records nothing new.

Decisions (docs/ecommerce.md, "Idempotency and resume"):
- The key is the submitter's own (unique per submitter, table `ecommerce_manifest_keys`). It is bound to the
  manifest in the transaction that records it; a request refused before that (415, 413, an empty body) keeps none.
- A retry whose key names a manifest that ended with its body received whole is answered from what is stored:
  the same body (SHA-256 over its bytes, and the same format) replays that manifest's stored results
  (`Idempotent-Replayed: true`), records nothing and audits nothing; another body is 409 `idempotency_key_reused`.
  This holds for a manifest that failed for a reason the same body meets again (`empty`, a bad CSV header): the
  retry gets the same failure.
- A retry while the manifest the key names is still being received is 409 `manifest_in_progress` (with
  `Retry-After`): two intakes of one request at once would race each other's parcels into repeats. Once nothing
  has been committed for it for SMARTCUSTOMS_ECOMMERCE_KEY_TAKEOVER_SECONDS (120), the retry marks it interrupted and
  goes on as below: the sender has given up on that request, so a live server would have ended it (connection
  lost) by then, and a killed server's manifest would otherwise hold the key until the sweep's 30 minutes.
- A manifest whose body was cut (connection lost, over the size limit, or interrupted by a stopped server) never
  received the request whole, so there is nothing to replay: the retry opens a new manifest, the key moves to it,
  and its audit entry names the manifest it retries (`retry_of`). Its parcels already stored come back as repeats,
  as without a key, so nothing is stored twice.
- The digest is recorded in the transaction that closes the manifest, once the whole body has arrived
  (pipeline.Intake.finish): until then the manifest is receiving, so a retry waits; after, it is replayed. A body
  over the size limit is never replayed (a replay reads no further than the limit).
- Without a key nothing changes: a re-sent manifest is a new manifest whose stored parcels are repeats.

No transactions of its own: the callers (pipeline.Intake.open and the API) own them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcustoms.ecommerce import lifecycle, stale
from smartcustoms.ecommerce.models import Manifest, ManifestKey

MAX_KEY = 255
CUT = ("too_large", "connection_lost", "interrupted")  # error codes of a manifest whose body was not read whole


class KeyBusy(Exception):
    """The key names a manifest still being received."""

    def __init__(self, manifest_id: str) -> None:
        super().__init__(manifest_id)
        self.manifest_id = manifest_id


class KeyReplay(Exception):
    """The key names a manifest that ended with its body received whole: answer from what is stored."""

    def __init__(self, manifest_id: str, body_sha256: str, fmt: str) -> None:
        super().__init__(manifest_id)
        self.manifest_id, self.body_sha256, self.format = manifest_id, body_sha256, fmt


@dataclass(frozen=True)
class Binding:
    """A key to bind to the manifest being recorded, and the manifest it named before (None for a new key)."""

    key: str
    previous: str | None


def check(s: Session, submitter_id: int, key: str, now: datetime, takeover_after: timedelta,
          actor: str) -> Binding:
    """What the key means for a new request, before its manifest is recorded: a Binding, or KeyReplay/KeyBusy.

    A manifest still receiving but silent for `takeover_after` is marked interrupted here (a killed server's
    manifest would otherwise hold the key until the sweep's 30 minutes)."""
    row = s.execute(
        select(ManifestKey.manifest_id, ManifestKey.body_sha256, Manifest.status, Manifest.format)
        .join(Manifest, Manifest.id == ManifestKey.manifest_id)
        .where(ManifestKey.submitter_id == submitter_id, ManifestKey.key == key)).first()
    if row is None:
        return Binding(key, None)
    mid, digest, status, fmt = row
    if digest is not None:
        raise KeyReplay(mid, digest, fmt)
    if status == lifecycle.RECEIVING and not stale.interrupt(s, mid, now, takeover_after, actor):
        raise KeyBusy(mid)
    return Binding(key, mid)


def bind(s: Session, submitter_id: int, binding: Binding, manifest_id: str) -> None:
    """Bind the key to the manifest just recorded (flushed) in this transaction.

    A new key is inserted: a concurrent first request with the same key fails the insert (IntegrityError, the
    caller's 409). A retried key moves only if it still names the manifest `check` saw without a digest, so of two
    retries at once one moves it and the other is KeyBusy."""
    if binding.previous is None:
        s.add(ManifestKey(submitter_id=submitter_id, key=binding.key, manifest_id=manifest_id))
        s.flush()
        return
    moved = s.execute(update(ManifestKey).where(
        ManifestKey.submitter_id == submitter_id, ManifestKey.key == binding.key,
        ManifestKey.manifest_id == binding.previous, ManifestKey.body_sha256.is_(None),
    ).values(manifest_id=manifest_id)).rowcount
    if moved != 1:  # another retry moved it first: the manifest now being received is that one's
        now_named = s.scalar(select(ManifestKey.manifest_id).where(ManifestKey.submitter_id == submitter_id,
                                                                   ManifestKey.key == binding.key))
        raise KeyBusy(now_named or binding.previous)


def settle(s: Session, submitter_id: int, key: str, manifest_id: str, body_sha256: str) -> None:
    """Record the digest of a manifest's whole body in the transaction that closes it (a retry then replays it).
    A key that a retry already moved to another manifest is left as it is."""
    s.execute(update(ManifestKey).where(ManifestKey.submitter_id == submitter_id, ManifestKey.key == key,
                                        ManifestKey.manifest_id == manifest_id).values(body_sha256=body_sha256))


def replayable(error: dict[str, object] | None) -> bool:
    """Whether an intake ending with `error` (None: complete) read its body whole, so that the same body would
    meet the same answer."""
    return error is None or error.get("code") not in CUT


class BodyDigest:
    """SHA-256 over a body's bytes as they arrive."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
