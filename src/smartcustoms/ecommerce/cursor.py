"""The officer API's list cursor: where a page of consignments ended, in the list order (lane 3 first, then the
oldest received, then the id), as an opaque token for `after=`.

Decision: a script that reads a long list pages by the cursor rather than by `offset`: an offset makes the database
step over every row before the page (a page deep in a national-scale list read hundreds of thousands of index
entries), the cursor starts at the last row seen. It also holds still while officers decide: a row decided away
does not shift the next page by one, as it does under an offset. It is a position in the list order, not bound to
the filters it came with; rows that move ahead of it while a script pages (a parcel ordered inspected goes to lane
3) or arrive there are not met again by that pass. Pure: no database.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from smartcustoms.errors import FieldError, ValidationFailed
from smartcustoms.textcheck import printable


@dataclass(frozen=True)
class Cursor:
    """The last consignment of a page: its lane, time of receipt and id."""

    lane: int
    received_at: datetime
    id: str

    def token(self) -> str:
        raw = f"{self.lane}|{self.received_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read(token: str) -> Cursor:
    """The cursor in a token from `X-Next-After`; a 422 naming `after` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        lane, when, cid = raw.split("|", 2)
        received_at = datetime.fromisoformat(when)
        if lane not in ("1", "2", "3") or received_at.tzinfo is None or not cid or not printable(cid):
            raise ValueError(raw)
        return Cursor(int(lane), received_at.astimezone(UTC), cid)  # a time past year 1 or 9999 in UTC overflows
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise ValidationFailed([FieldError("after", "not a cursor this list gave (X-Next-After of the page before)",
                                           "invalid")]) from None
