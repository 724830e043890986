"""Bad input: a 4xx naming the field and reason, and nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.declarations.models import DeclarationLine, ImportDeclaration
from tests.declarations.helpers import auth, body, line

URL = "/api/v1/import-declarations"


def rows(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(ImportDeclaration)) or 0,
        session.scalar(select(func.count()).select_from(DeclarationLine)) or 0,
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


@pytest.fixture()
def key(make_trader: Any) -> str:
    return str(make_trader()[1])


CASES = [
    ("unknown HS code", body(line(hs_code="999999")), 422, "lines[0].hs_code"),
    ("HS code not digits", body(line(hs_code="8518AB")), 422, "lines[0].hs_code"),
    ("unknown origin", body(line(origin_country="XX")), 422, "lines[0].origin_country"),
    ("unknown importer country", body(importer={"code": "I", "name": "n", "country": "ZZ"}), 422,
     "importer.country"),
    ("unknown currency", body(currency="ABC"), 422, "currency"),
    ("currency without a weekly rate", body(currency="CHF"), 422, "currency"),
    ("negative quantity", body(line(quantity=-1)), 422, "lines[0].quantity"),
    ("zero value", body(line(customs_value="0")), 422, "lines[0].customs_value"),
    ("negative value", body(line(customs_value="-5")), 422, "lines[0].customs_value"),
    ("absurd value", body(line(customs_value="1e15")), 422, "lines[0].customs_value"),
    ("absurd quantity", body(line(quantity=10**12)), 422, "lines[0].quantity"),
    ("yen with decimals", body(line(customs_value="100.5")), 422, "lines[0].customs_value"),
    ("yen with a trailing fraction", body(line(customs_value="100.01")), 422, "lines[0].customs_value"),
    ("duty rate above 1000%", body(line(duty_rate="11")), 422, "lines[0].duty_rate"),
    ("unknown consumption tax kind", body(line(consumption_tax="zero")), 422, "lines[0].consumption_tax"),
    ("no lines", body(lines=[]), 422, "lines"),
    ("missing importer", {k: v for k, v in body().items() if k != "importer"}, 422, "importer"),
    ("misspelt field", {**body(), "custom_value": 1}, 422, "custom_value"),
    ("bad transport mode", body(transport_mode="teleport"), 422, "transport_mode"),
    ("too many lines", body(*[line() for _ in range(1000)]), 422, "lines"),
    ("value not a number", body(line(customs_value="lots")), 422, "lines[0].customs_value"),
    ("vanishing quantity", body(line(quantity="1e-400")), 422, "lines[0].quantity"),
    ("vanishing mass", body(line(net_mass_kg="1e-50")), 422, "lines[0].net_mass_kg"),
    ("rate with 46 decimals", body(line(duty_rate="0." + "1" * 46)), 422, "lines[0].duty_rate"),
    ("NUL in a description", body(line(description="a\u0000b")), 422, "lines[0].description"),
    ("control character in a name", body(consignor={"name": "Acme\u0007", "country": "CN"}), 422,
     "consignor.name"),
]


@pytest.mark.parametrize("name,payload,status,field", CASES, ids=[c[0] for c in CASES])
def test_rejected_with_field_and_nothing_written(
    client: TestClient, session: Session, key: str, name: str, payload: dict[str, Any], status: int, field: str
) -> None:
    before = rows(session)
    r = client.post(URL, json=payload, headers=auth(key))
    assert r.status_code == status, r.text
    err = r.json()
    assert err["error"] and err["message"]
    assert field in [e["field"] for e in err["errors"]], err
    assert all(e["reason"] for e in err["errors"])
    assert rows(session) == before


def test_malformed_json(client: TestClient, session: Session, key: str) -> None:
    before = rows(session)
    r = client.post(URL, content=b'{"importer": {', headers={**auth(key), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"
    assert r.json()["errors"][0]["field"] == "body"
    assert rows(session) == before


def test_oversize_body(client: TestClient, session: Session, key: str) -> None:
    before = rows(session)
    big = json.dumps(body(line(description="x" * 400)) | {"pad": "y" * (3 * 1024 * 1024)})
    r = client.post(URL, content=big, headers={**auth(key), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "body"
    assert rows(session) == before


def test_one_bad_line_rejects_the_whole_declaration(client: TestClient, session: Session, key: str) -> None:
    before = rows(session)
    r = client.post(URL, json=body(line(), line(), line(hs_code="000000")), headers=auth(key))
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["lines[2].hs_code"]
    assert rows(session) == before


def test_all_problems_reported_together(client: TestClient, key: str) -> None:
    r = client.post(URL, json=body(line(hs_code="999999", origin_country="XX")), headers=auth(key))
    assert {e["field"] for e in r.json()["errors"]} == {"lines[0].hs_code", "lines[0].origin_country"}


def test_deeply_nested_json_gets_the_error_shape(client: TestClient, key: str) -> None:
    r = client.post(URL, content=b"[" * 100_000 + b"]" * 100_000,
                    headers={**auth(key), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body"


def test_huge_offset_is_a_field_error(client: TestClient, key: str) -> None:
    r = client.get(URL, params={"offset": "9223372036854775808"}, headers=auth(key))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "offset"


def test_unknown_declaration_is_404(client: TestClient, key: str) -> None:
    r = client.get(f"{URL}/does-not-exist", headers=auth(key))
    assert r.status_code == 404 and r.json()["error"] == "not_found"
