"""The app's guards before any route: control characters in the path or the query are a 400 naming where."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcustoms.app import _unreadable


@pytest.fixture()
def bearer(make_trader: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_trader()[1]}"}


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/parcels/a%00b", "path"),
    ("/api/v1/manifests/M1%0A/results", "path"),
    ("/api/v1/import-declarations/x%7F", "path"),
    ("/api/v1/import-declarations?status=a%00b", "status"),
    ("/api/v1/manifests?limit=5&x%00=1", "query"),
    ("/console/ecommerce/consignments?seller=%1B", "seller"),
])
def test_control_characters_in_the_url_are_a_400_naming_where(client: TestClient, bearer: dict[str, str], url: str,
                                                              field: str) -> None:
    r = client.get(url, headers=bearer)
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [{"field": field, "reason": "control characters are not allowed",
                                   "code": "invalid"}]


def test_ordinary_urls_pass(client: TestClient, bearer: dict[str, str]) -> None:
    assert client.get("/api/v1/parcels/%E6%9D%B1-1", headers=bearer).status_code == 404  # not found, not refused
    assert client.get("/api/v1/import-declarations?status=released&limit=5", headers=bearer).status_code == 200
    assert _unreadable("/a b/%", b"q=%E6%9D%B1%E4%BA%AC&t=a+b&empty=") is None
