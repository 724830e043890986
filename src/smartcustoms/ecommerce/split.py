"""Pure split-shipment detection: parcels of one seller to one consignee, received within a window, whose
combined dutiable value exceeds the low-value exemption although each one alone is within it.

Decision (docs/ecommerce.md): the parcel that takes the group over the threshold goes to lane 2 with the reason;
the earlier members are linked to the same group (group id = the first member's consignment id) for the officer
to review together, and keep their lane and release status. Later parcels of a flagged group also go to lane 2.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def consignee_key(consignee_id: str | None, name: str, address: str) -> str:
    """The consignee as one comparable string: the id when given, else name and address without case or spaces."""
    if consignee_id:
        return "id:" + consignee_id.strip().upper()
    return "na:" + "".join(name.casefold().split()) + "|" + "".join(address.casefold().split())


def split_key(seller_id: str, consignee_id: str | None, name: str, address: str) -> str:
    """The 32-character key of (seller, consignee) that the window query uses."""
    raw = seller_id.strip().upper() + "\x1f" + consignee_key(consignee_id, name, address)
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


@dataclass(slots=True)
class Member:
    """An exempt parcel inside the window: stored already (row None) or pending in this chunk (row set)."""

    consignment_id: str
    dutiable_value_jpy: int
    group: str | None
    row: Any = None  # the pending row (a dict, or a list of column values), its split group set when linked


@dataclass(slots=True)
class SplitHit:
    """A parcel that belongs to a split group over the threshold."""

    group: str
    combined_value_jpy: int
    members: list[str]
    newly_linked: list[str] = field(default_factory=list)  # stored members to link to the group (UPDATE)

    def reason(self, threshold: int) -> str:
        """The lane reason shown to officers and to the submitter."""
        return (f"possible split shipment: {len(self.members)} parcels from the same seller to the same consignee "
                f"within the window, combined ¥{self.combined_value_jpy:,} > ¥{threshold:,} (group {self.group})")


class SplitTracker:
    """Exempt parcels per (seller, consignee) key within the window, fed from the database and the chunk."""

    def __init__(self, threshold: int, slot: Any = "split_group") -> None:
        self.threshold = threshold
        self.slot = slot  # where a pending row keeps its split group (a key, or an index of a list row)
        self.members: dict[str, list[Member]] = {}

    def preload(self, key: str, member: Member) -> None:
        """A parcel already stored within the window."""
        self.members.setdefault(key, []).append(member)

    def add(self, key: str, consignment_id: str, dutiable: int, exempt: bool, row: Any = None) -> SplitHit | None:
        """Record a new parcel; the hit when it joins a group over the threshold (only exempt parcels count)."""
        if not exempt:
            return None
        members = self.members.setdefault(key, [])
        me = Member(consignment_id, dutiable, None, row)
        if not members:
            members.append(me)
            return None
        combined = sum(m.dutiable_value_jpy for m in members) + dutiable
        members.append(me)
        if combined <= self.threshold:
            return None
        group = next((m.group for m in members if m.group), None) or members[0].consignment_id
        hit = SplitHit(group, combined, [m.consignment_id for m in members])
        for m in members:
            if m.group == group:
                continue
            m.group = group
            if m.row is not None:
                m.row[self.slot] = group
            elif m is not me:
                hit.newly_linked.append(m.consignment_id)
        return hit
