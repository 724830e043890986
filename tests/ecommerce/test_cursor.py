"""The officer API's list cursor: a token that says where a page ended, and a clear refusal for anything else."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from smartcustoms.ecommerce.cursor import Cursor, read
from smartcustoms.errors import ValidationFailed


def test_a_token_reads_back_as_the_cursor_it_was_made_from() -> None:
    at = datetime(2026, 11, 24, 5, 6, 7, 891011, tzinfo=UTC)
    for cursor in (Cursor(3, at, "M-1-10"), Cursor(1, at, "id|with|bars"), Cursor(2, at, "日本-1")):
        token = cursor.token()
        assert "=" not in token and read(token) == cursor


@pytest.mark.parametrize("token", [
    "not a cursor", "", base64.urlsafe_b64encode(b"4|2026-11-24T05:06:07+00:00|x").decode(),
    base64.urlsafe_b64encode(b"3|2026-11-24T05:06:07|x").decode(),  # no time zone
    base64.urlsafe_b64encode(b"3|2026-11-24T05:06:07+00:00|").decode(),
    base64.urlsafe_b64encode(b"3|2026-11-24T05:06:07+00:00|a\x00b").decode(),
    base64.urlsafe_b64encode(b"3|yesterday|x").decode(), base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    base64.urlsafe_b64encode(b"3|0001-01-01T00:00:00+01:00|x").decode(),  # before year 1 in UTC (found by a review)
    base64.urlsafe_b64encode(b"3|9999-12-31T23:59:59-01:00|x").decode(),
])
def test_anything_else_is_refused_naming_after(token: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read(token)
    assert [(e.field, e.code) for e in refused.value.errors] == [("after", "invalid")]
