"""Trader amendments of export declarations: screened and checked again, the lane never falls, audited."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.exports import service
from smartcustoms.exports.models import ExportDeclaration, ExportDeclarationLine, ExportHit
from tests.exports.helpers import auth, body, line

URL = "/api/v1/export-declarations"
LISTED = {"name": "AIR KORYO", "address": "Shenyang office", "country": "CN"}


def lodge(client: TestClient, key: str, b: dict[str, Any]) -> dict[str, Any]:
    r = client.post(URL, json=b, headers=auth(key))
    assert r.status_code == 201, r.text
    return r.json()


def amend(client: TestClient, key: str, declaration_id: str, b: dict[str, Any], **headers: str) -> Any:
    return client.put(f"{URL}/{declaration_id}", json=b, headers=auth(key, **headers))


def test_amending_a_reviewed_export_rescreens_and_keeps_its_lane(client, eul, exporter, session: Session) -> None:
    _, key = exporter
    listed = lodge(client, key, body(consignee=LISTED, end_user=None, destination_country="CN"))
    assert (listed["lane"], listed["status"], listed["version"]) == (2, "under_review", 1)
    # The trader names another consignee: the watch-list hit goes, but the lane never falls.
    r = amend(client, key, listed["id"], body(destination_country="CN",
                                             consignee={"name": "Maple Leaf Retail Inc.", "address": "x",
                                                        "country": "CN"}, end_user=None),
              **{"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["version"] == 2 and out["lane"] == 2 and out["status"] == "under_review"
    assert [h for h in out["hits"] if h["kind"] == "party"] == []
    assert any(x["kind"] == "amendment" for x in out["lane_reasons"])
    assert out["consignee"]["name"] == "Maple Leaf Retail Inc."
    d = session.get(ExportDeclaration, out["id"])
    assert d is not None
    session.refresh(d)
    assert d.open_hits == 0 and d.consignee_name == "Maple Leaf Retail Inc."
    # The amendment is audited with the hits it replaced, and the history shows it.
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == out["id"])
                              .order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["export_declaration.lodged", "export_declaration.amended"]
    previous = json.loads(entries[-1].payload)["previous_hits"]
    assert previous and previous[0]["list_code"] == listed["hits"][0]["list_code"]
    assert previous[0]["state"] == "open"
    history = client.get(f"{URL}/{out['id']}/history", headers=auth(key)).json()
    assert [h["action"] for h in history] == ["lodged", "amended"]


def test_amendment_that_adds_a_listed_party_raises_the_lane_and_replaces_lines(client, eul, exporter,
                                                                              session: Session) -> None:
    _, key = exporter
    clean = lodge(client, key, body())
    assert clean["status"] == "released"
    # A released export cannot be amended.
    r = amend(client, key, clean["id"], body())
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    # An export under review (a controlled good) gains a listed end user and a second line.
    cnc = line(hs_code="845811", description="5-axis CNC lathe", value="9000000")
    held = lodge(client, key, body(cnc, destination_country="CN",
                                   consignee={"name": "Maple Leaf Retail Inc.", "address": "x", "country": "CN"},
                                   end_user={"name": "Maple Leaf Retail Inc.", "country": "CN"}))
    assert held["status"] == "under_review"
    r = amend(client, key, held["id"], body(cnc, line(), destination_country="CN",
                                            consignee={"name": "Maple Leaf Retail Inc.", "address": "x",
                                                       "country": "CN"},
                                            end_user={"name": "AIR KORYO", "country": "CN"}))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["version"] == 2 and out["lane"] >= held["lane"]
    assert any(h["kind"] == "party" and h["party_role"] == "end_user" for h in out["hits"])
    rows = session.scalars(select(ExportDeclarationLine).where(ExportDeclarationLine.declaration_id == out["id"])
                           .order_by(ExportDeclarationLine.line_no)).all()
    assert [x.line_no for x in rows] == [1, 2]
    assert all(h.declaration_id == out["id"] for h in
               session.scalars(select(ExportHit).where(ExportHit.declaration_id == out["id"])).all())


def test_stale_version_bad_input_and_true_match_refuse_and_change_nothing(client, eul, exporter,
                                                                          session: Session) -> None:
    _, key = exporter
    listed = lodge(client, key, body(consignee=LISTED, end_user=None, destination_country="CN"))
    r = amend(client, key, listed["id"], body(), **{"If-Match": '"7"'})
    assert r.status_code == 412
    r = amend(client, key, listed["id"], body(), **{"If-Match": "seven"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "If-Match"
    r = amend(client, key, listed["id"], body(destination_country="ZZ"))
    assert r.status_code == 422 and any(e["field"] == "destination_country" for e in r.json()["errors"])
    after = client.get(f"{URL}/{listed['id']}", headers=auth(key)).json()
    assert after["version"] == 1 and after["consignee"] == listed["consignee"] and after["hits"] == listed["hits"]
    # Once an officer confirms the hit, a new consignee name is no way out of the hold.
    d = session.get(ExportDeclaration, listed["id"])
    assert d is not None
    hit = next(h for h in d.hits if h.kind == "party")
    service.resolve_hit(session, d.id, hit.id, resolution="true_match", reason="same airline", officer="obata")
    session.commit()
    r = amend(client, key, listed["id"], body())
    assert r.status_code == 409


def test_another_traders_export_cannot_be_amended(client, eul, exporter, make_trader) -> None:
    _, key = exporter
    out = lodge(client, key, body(consignee=LISTED, end_user=None, destination_country="CN"))
    _, other = make_trader()
    assert amend(client, other, out["id"], body()).status_code == 404


def test_amendment_retried_with_its_idempotency_key_is_replayed(client, eul, exporter, session: Session) -> None:
    _, key = exporter
    listed = lodge(client, key, body(consignee=LISTED, end_user=None, destination_country="CN"))
    new = body(destination_country="CN", end_user=None,
               consignee={"name": "Maple Leaf Retail Inc.", "address": "x", "country": "CN"})
    headers = {"If-Match": '"1"', "Idempotency-Key": "exp-amend-1"}
    first = amend(client, key, listed["id"], new, **headers)
    assert first.status_code == 200, first.text
    again = amend(client, key, listed["id"], new, **headers)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json() and again.json()["version"] == 2
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == listed["id"])).all()
    assert sorted(e.action for e in entries) == ["export_declaration.amended", "export_declaration.lodged"]
    clash = amend(client, key, listed["id"], body(), **headers)
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "Idempotency-Key"
    # An export lodgement key and an amendment key of the same text are different records.
    lodged = client.post(URL, json=body(), headers=auth(key, **{"Idempotency-Key": "exp-amend-1"}))
    assert lodged.status_code == 201 and "Idempotent-Replayed" not in lodged.headers
