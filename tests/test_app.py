"""The app's guard before any route: a path with control characters names nothing (404, naming the path)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcustoms.app import readable


@pytest.fixture()
def bearer(make_trader: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_trader()[1]}"}


@pytest.mark.parametrize("url", [
    "/api/v1/parcels/a%00b", "/api/v1/manifests/M1%0A/results", "/api/v1/manifests/%00",
    "/api/v1/import-declarations/x%7F", "/api/v1/officer/ecommerce/consignments/a%00b",
])
def test_a_path_with_control_characters_is_not_found_and_says_why(client: TestClient, bearer: dict[str, str],
                                                                   url: str) -> None:
    r = client.get(url, headers=bearer)  # were 500s on PostgreSQL
    assert r.status_code == 404, r.text
    assert r.json()["errors"] == [{"field": "path", "reason": "control characters are not allowed",
                                   "code": "not_found"}]


def test_ordinary_paths_pass(client: TestClient, bearer: dict[str, str]) -> None:
    r = client.get("/api/v1/parcels/%E6%9D%B1-1", headers=bearer)
    assert r.status_code == 404 and r.json()["errors"] == []  # the route's own not found
    assert client.get("/api/v1/import-declarations?limit=5", headers=bearer).status_code == 200
    assert readable("/api/v1/parcels/東京 1%") and not readable("/a\tb")


def test_a_console_path_with_control_characters_answers_a_page_in_both_languages(client: TestClient) -> None:
    r = client.get("/console/ecommerce/consignments/a%00b")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "見つかりません" in r.text and "Not found" in r.text
