"""POST /api/v1/screening/search: trader API key, ranked hits with reasons and list versions, recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.screening.loader import load_files
from smartcustoms.screening.models import ScreeningRecord
from tests.screening.helpers import BASE_ROWS, uk_file

URL = "/api/v1/screening/search"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_search_returns_ranked_hits_and_versions(client: TestClient, session: Session, make_trader: Any,
                                                 tmp_path: Path) -> None:
    load_files(session, "UK", [uk_file(tmp_path, BASE_ROWS)], label="uk-api-1")
    trader, key = make_trader(kind="broker")
    r = client.post(URL, json={"name": "ミロシェヴィッチ・ボリスラフ", "entity_type": "person", "limit": 5},
                    headers=auth(key))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["list_versions"] == {"UK": "uk-api-1"} and body["threshold"] > 0.5
    top = body["hits"][0]
    assert (top["list_code"], top["entry_id"], top["entry_name"]) == ("UK", "UK-RUS0001", "Borislav MILOSEVIC")
    assert top["score"] >= body["threshold"] and top["reason"] and top["entry_digest"]
    record = session.get(ScreeningRecord, body["screening_id"])
    assert record is not None and record.actor == f"trader:{trader.code}" and record.list_versions == {"UK": "uk-api-1"}
    lists = client.get("/api/v1/screening/lists", headers=auth(key))
    assert lists.json() == {"UK": "uk-api-1"}


def test_search_needs_an_api_key(client: TestClient) -> None:
    r = client.post(URL, json={"name": "Ivan"})
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "Authorization"


def test_bad_input_is_422_naming_the_field(client: TestClient, session: Session, make_trader: Any) -> None:
    _, key = make_trader()
    cases = [({"name": ""}, "name"), ({"name": "?!"}, "name"), ({"name": "x" * 10_000}, "name"),
             ({"name": "LLC"}, "name"), ({"name": "Ivan", "country": "XX"}, "country"),
             ({"name": "Ivan", "date_of_birth": "1970-13-40"}, "date_of_birth"), ({}, "name"),
             ({"name": "Ivan", "limit": 1000}, "limit"), ({"name": "Ivan", "extra": 1}, "extra")]
    for payload, field in cases:
        r = client.post(URL, json=payload, headers=auth(key))
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["errors"][0]["field"] == field, (payload, r.json())
    assert session.scalars(select(ScreeningRecord)).all() == []
