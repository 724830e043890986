"""Hash-chain logic (pure)."""

from __future__ import annotations

from dataclasses import replace

from smartcustoms.audit.chain import GENESIS_HASH, ChainEntry, entry_hash, verify_chain


def build(n: int) -> list[ChainEntry]:
    out: list[ChainEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields = dict(seq=seq, at=f"2026-11-22T00:00:{seq:02d}+00:00", actor="officer:a", action="x.y",
                      entity_type="import_declaration", entity_id=f"d{seq}", payload='{"k":1}', prev_hash=prev)
        h = entry_hash(**fields)  # type: ignore[arg-type]
        out.append(ChainEntry(**fields, hash=h))  # type: ignore[arg-type]
        prev = h
    return out


def test_intact_chain() -> None:
    entries = build(5)
    assert verify_chain(entries, 5, entries[-1].hash) == (5, None)
    assert verify_chain([], 0, GENESIS_HASH) == (0, None)


def test_edit_detected_at_the_edited_entry() -> None:
    entries = build(5)
    entries[2] = replace(entries[2], payload='{"k":2}')
    _, problem = verify_chain(entries, 5, entries[-1].hash)
    assert problem is not None and problem.seq == 3 and "edited" in problem.reason


def test_rehashed_edit_breaks_the_next_link() -> None:
    entries = build(5)
    e = replace(entries[2], payload='{"k":2}')
    fields = {k: getattr(e, k) for k in ("seq", "at", "actor", "action", "entity_type", "entity_id", "payload",
                                         "prev_hash")}
    entries[2] = replace(e, hash=entry_hash(**fields))
    _, problem = verify_chain(entries, 5, entries[-1].hash)
    assert problem is not None and problem.seq == 4


def test_deleted_and_inserted_entries_detected() -> None:
    entries = build(5)
    _, problem = verify_chain(entries[:2] + entries[3:], 5, entries[-1].hash)
    assert problem is not None and problem.seq == 4
    extra = replace(entries[1], seq=3)
    _, problem = verify_chain(entries[:2] + [extra] + entries[2:], 5, entries[-1].hash)
    assert problem is not None and problem.seq == 3


def test_truncated_tail_detected_by_head() -> None:
    entries = build(5)
    _, problem = verify_chain(entries[:4], 5, entries[-1].hash)
    assert problem is not None and "head" in problem.reason
