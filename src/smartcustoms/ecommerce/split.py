"""Pure split-shipment detection: parcels of one seller to one consignee, received within a window, whose
combined dutiable value exceeds the low-value exemption although each one alone is within it.

A parcel counts when its dutiable value is within the threshold, also when goods in it excluded from the exemption
(a leather bag) are taxed anyway: the rest of its goods were exempt because the parcel was small.

Decision (docs/ecommerce.md): the parcel that takes the group over the threshold goes to lane 2 with the reason;
the earlier members are linked to the same group (group id = the first member's consignment id) for the officer
to review together, and keep their lane and release status. Later parcels of a flagged group also go to lane 2.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# Dashes that Japanese addresses write for the ASCII hyphen (after NFKC, which already turns the full-width
# hyphen-minus into "-"): hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign.
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


# The prolonged sound mark (ー) typed as a dash between digits of an address ("1ー2ー3"); elsewhere it is part of a
# katakana word and stays.
_LONG_MARK_DASH = re.compile(r"(?<=[0-9])\u30fc(?=[0-9])")


def _fold(text: str) -> str:
    """Text as the key compares it: NFKC (full-width letters and digits, half-width katakana and the ideographic
    space become their usual forms), dashes as "-" (and ー between digits). ASCII text is left as it is, so keys
    stored before this normalisation still match for it."""
    if text.isascii():
        return text
    return _LONG_MARK_DASH.sub("-", unicodedata.normalize("NFKC", text).translate(_DASHES))


def consignee_key(consignee_id: str | None, name: str, address: str) -> str:
    """The consignee as one comparable string: the id when given, else name and address without case or spaces;
    full-width and half-width forms count as the same (`Ｓａｔｏ` is `Sato`, `１－２－３` is `1-2-3`)."""
    if consignee_id:
        return "id:" + _fold(consignee_id).strip().upper()
    return "na:" + "".join(_fold(name).casefold().split()) + "|" + "".join(_fold(address).casefold().split())


def split_key(seller_id: str, consignee_id: str | None, name: str, address: str) -> int:
    """The key of (seller, consignee) that the window query uses: a signed 64-bit integer.

    Decision: the first 8 bytes of the 16-byte BLAKE2b digest of seller and consignee. Until migration 0009 the
    key was that digest in hex; the migration keeps its first 16 hex digits, so parcels stored before it match the
    parcels after it. The split window's index is the one the intake inserts into at random, and an integer key
    is 8 bytes against the hex text's 33: a raw insert of 1M consignments into SQLite ran at 15,800-17,400 rows/s
    against 13,000-14,300 with the hex keys (docs/ecommerce.md). Two different pairs share a key with a chance of
    about n²/2⁶⁵ among n pairs in the window (10⁻⁶ for 5 million). Such a clash can only put parcels in one group
    for an officer to look at (lane 2); it never lets a split through.
    """
    raw = _fold(seller_id).strip().upper() + "\x1f" + consignee_key(consignee_id, name, address)
    return int.from_bytes(hashlib.blake2b(raw.encode(), digest_size=16).digest()[:8], "big", signed=True)


@dataclass(slots=True)
class Member:
    """A parcel within the threshold inside the window: stored already (row None) or pending in this chunk (row
    set)."""

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
    """Parcels within the threshold per (seller, consignee) key within the window, fed from the database and the
    chunk."""

    def __init__(self, threshold: int, slot: Any = "split_group") -> None:
        self.threshold = threshold
        self.slot = slot  # where a pending row keeps its split group (a key, or an index of a list row)
        self.members: dict[Any, list[Member]] = {}

    def preload(self, key: Any, member: Member) -> None:
        """A parcel already stored within the window."""
        self.members.setdefault(key, []).append(member)

    def add(self, key: Any, consignment_id: str, dutiable: int, row: Any = None) -> SplitHit | None:
        """Record a new parcel; the hit when it joins a group over the threshold (only parcels within the threshold
        on their own count)."""
        if dutiable > self.threshold:
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
