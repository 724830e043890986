"""Pure hash-chain logic: how an entry's hash is made and how a chain is checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class ChainEntry:
    """The hashed fields of one audit entry."""

    seq: int
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    payload: str  # canonical JSON text
    prev_hash: str
    hash: str


def entry_hash(
    *, seq: int, at: str, actor: str, action: str, entity_type: str, entity_id: str, payload: str, prev_hash: str
) -> str:
    """SHA-256 over the previous hash and every field of the entry."""
    body = canonical_json(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "payload": payload,
        }
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain breaks."""

    seq: int
    reason: str


def verify_chain(
    entries: Iterable[ChainEntry], head_seq: int | None, head_hash: str | None
) -> tuple[int, ChainProblem | None]:
    """Walk entries in seq order; return (entries checked, first problem or None).

    Detects an edited entry (hash mismatch), an inserted or deleted entry (sequence gap or
    prev_hash mismatch) and a removed tail (the head record points past the last entry).
    """
    expected_seq = 1
    prev = GENESIS_HASH
    count = 0
    for e in entries:
        if e.seq != expected_seq:
            return count, ChainProblem(e.seq, f"sequence gap: expected entry {expected_seq}, found {e.seq}")
        if e.prev_hash != prev:
            return count, ChainProblem(e.seq, "prev_hash does not match the previous entry's hash")
        recomputed = entry_hash(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            payload=e.payload,
            prev_hash=e.prev_hash,
        )
        if recomputed != e.hash:
            return count, ChainProblem(e.seq, "content does not match its hash (entry was edited)")
        prev = e.hash
        expected_seq += 1
        count += 1
    last_seq = expected_seq - 1
    if (head_seq or 0) != last_seq:
        return count, ChainProblem(last_seq + 1, f"head records {head_seq} entries but {last_seq} remain")
    if head_seq and head_hash != prev:
        return count, ChainProblem(last_seq, "head hash does not match the last entry")
    return count, None
