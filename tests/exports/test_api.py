"""Export declarations through the trader API: lanes, reasons, hits, list versions, idempotency, bad input."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.exports.models import ExportDeclaration
from smartcustoms.screening.models import ScreeningRecord
from tests.exports.helpers import EUL_CODE, auth, body, line

URL = "/api/v1/export-declarations"


def lodge(client: TestClient, key: str, b: dict[str, Any], **headers: str) -> Any:
    return client.post(URL, json=b, headers=auth(key, **headers))


def test_clean_export_is_released_in_lane_1_with_list_versions(client, eul, exporter, session: Session) -> None:
    _, key = exporter
    r = lodge(client, key, body())
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["lane"], out["status"], out["hits"]) == (1, "released", [])
    versions = out["screening"]["list_versions"]
    assert versions[EUL_CODE] == eul.version_label
    assert "jp/mofa-russia-export-prohibition-list" in versions
    # The goods and destination rules a clean export passed are recorded too (Order date, our tables' digests).
    assert versions["jp-export-trade-control-order"] == "2026-02-14"
    assert re.fullmatch(r"[0-9a-f]{12}", versions["jp-export-list-item-correlation"])
    assert re.fullmatch(r"[0-9a-f]{12}", versions["jp-export-destination-rules"])
    assert r.headers["location"].endswith(out["id"])
    # Each party was screened by the screening service, which recorded the list versions it used.
    records = session.scalars(select(ScreeningRecord).where(ScreeningRecord.actor == f"export:{out['id']}")).all()
    assert {rec.query for rec in records} == {"Sakura Apparel K.K.", "Maple Leaf Retail Inc."}
    assert all(rec.list_versions.get(EUL_CODE) == eul.version_label for rec in records)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == out["id"])).all()
    assert [a.action for a in audit] == ["export_declaration.lodged"]


def test_party_on_the_end_user_list_goes_to_document_review(client, eul, exporter) -> None:
    _, key = exporter
    b = body(consignee={"name": "AIR KORYO", "address": "Shenyang office", "country": "CN"}, end_user=None,
             destination_country="CN")
    out = lodge(client, key, b).json()
    assert out["lane"] == 2 and out["status"] == "under_review"
    party = [h for h in out["hits"] if h["kind"] == "party"]
    assert party and party[0]["list_code"] == EUL_CODE and party[0]["entry_name"] == "Air Koryo"
    assert party[0]["party_role"] == "consignee" and party[0]["score"] >= 0.85 and party[0]["reason"]
    assert party[0]["list_version"] == eul.version_label and party[0]["state"] == "open"
    assert any("FEFTA art. 48" in r["reason"] for r in out["lane_reasons"] if r["kind"] == "screening")
    assert out["end_user"] == {"name": "AIR KORYO", "country": "CN"}  # defaults to the consignee


def test_japanese_name_of_a_listed_entity_is_found(client, eul, exporter) -> None:
    _, key = exporter
    b = body(end_user={"name": "株式会社アドミラルティ造船所", "country": "RU"}, destination_country="RU")
    out = lodge(client, key, b).json()
    kinds = {(h["kind"], h["list_code"]) for h in out["hits"]}
    assert ("party", "jp/mofa-russia-export-prohibition-list") in kinds
    assert ("destination", "jp-export-destination-rules") in kinds
    assert out["lane"] == 2


def test_goods_hit_asks_the_licence_question_and_keeps_licence_references(client, eul, exporter) -> None:
    _, key = exporter
    b = body(line(hs_code="845811", description="CNC lathe, 5-axis", licences=["METI-E-2026-0042"]),
             line(hs_code="610910", description="Cotton T-shirts"))
    out = lodge(client, key, b).json()
    assert out["lane"] == 2
    (hit,) = out["hits"]
    assert hit["kind"] == "goods" and hit["line_no"] == 1 and hit["entry_id"].startswith("item 6")
    assert hit["licences"] == ["METI-E-2026-0042"] and "to be checked" in hit["reason"]
    assert "licence" in hit["licence_question"].lower()
    assert out["lines"][0]["licences"] == ["METI-E-2026-0042"]


def test_destination_rules_russia_review_and_north_korea_held(client, eul, exporter) -> None:
    _, key = exporter
    ru = lodge(client, key, body(destination_country="RU",
                                 consignee={"name": "Volga Textiles", "country": "RU"}, end_user=None)).json()
    assert ru["lane"] == 2 and [h["kind"] for h in ru["hits"]] == ["destination"]
    kp = lodge(client, key, body(destination_country="KP",
                                 consignee={"name": "Chollima Trading", "country": "KP"}, end_user=None)).json()
    assert (kp["lane"], kp["status"]) == (3, "held")


def test_foreign_currency_value_uses_the_weekly_rate(client, eul, exporter, session: Session) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from smartcustoms.db import utcnow
    from smartcustoms.declarations.flows import declaration_date
    from smartcustoms.reference.service import RateRow, load_rates

    today = declaration_date(utcnow())
    load_rates(session, [RateRow("USD", today - timedelta(days=3), today + timedelta(days=3),
                                 Decimal("150.25"), "test rate")])
    _, key = exporter
    out = lodge(client, key, body(line(value="100.50"), currency="USD")).json()
    assert out["total_value_jpy"] == 15100  # 100.50 × 150.25 = 15,100.125, fractions of a yen dropped
    assert out["exchange_rate"]["rate_jpy"] == "150.25"


def test_idempotent_retry_creates_nothing_new(client, eul, exporter, session: Session) -> None:
    _, key = exporter
    first = lodge(client, key, body(), **{"Idempotency-Key": "exp-1"})
    again = lodge(client, key, body(), **{"Idempotency-Key": "exp-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(ExportDeclaration)) == 1
    other = lodge(client, key, body(destination_country="US"), **{"Idempotency-Key": "exp-1"})
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_bad_input_names_the_field(client, eul, exporter, session: Session) -> None:
    _, key = exporter
    cases = [
        (body(destination_country="XX"), "destination_country"),
        (body(destination_country="JP"), "destination_country"),
        (body(consignee={"name": "A", "country": "ZZ"}), "consignee.country"),
        (body(line(hs_code="999999")), "lines[0].hs_code"),
        (body(line(value="-1")), "lines[0].value"),
        (body(currency="XYZ"), "currency"),
        (body(consignee={"name": "Co., Ltd.", "country": "CN"}, end_user=None), "consignee.name"),
        (body(consignee={"name": "!!!", "country": "CN"}, end_user=None), "consignee.name"),
        (body(end_user={"name": "", "country": "CN"}), "end_user.name"),
        (body(lines=[]), "lines"),
        ({**body(), "surprise": 1}, "surprise"),
        (body(line(licences=["x" * 65])), "lines[0].licences[0]"),
    ]
    for b, field in cases:
        r = lodge(client, key, b)
        assert r.status_code == 422, (field, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())
    long = lodge(client, key, body(consignee={"name": "x" * 10_000, "country": "CN"}))
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "consignee.name"
    mixed = lodge(client, key, body(consignee={"name": "Sakura 商事 Trading", "country": "CN"}, end_user=None))
    assert mixed.status_code == 201
    assert session.scalar(select(func.count()).select_from(ExportDeclaration)) == 1


def test_fetch_list_history_only_own(client, eul, exporter, make_trader) -> None:
    _, key = exporter
    _, other_key = make_trader("Other Exporter")
    d = lodge(client, key, body()).json()
    assert client.get(f"{URL}/{d['id']}", headers=auth(key)).json() == d
    assert client.get(f"{URL}/{d['id']}", headers=auth(other_key)).status_code == 404
    listed = client.get(URL, headers=auth(key))
    assert [x["id"] for x in listed.json()] == [d["id"]] and listed.headers["x-total-count"] == "1"
    assert client.get(URL, headers=auth(other_key)).json() == []
    hist = client.get(f"{URL}/{d['id']}/history", headers=auth(key)).json()
    assert [(h["action"], h["to_status"]) for h in hist] == [("lodged", "released")]
    assert client.get(URL, params={"status": "nope"}, headers=auth(key)).status_code == 422
    assert client.get(URL, headers={}).status_code == 401


def test_without_loaded_watch_lists_nothing_is_released_unscreened(client, exporter) -> None:
    _, key = exporter
    out = lodge(client, key, body()).json()
    assert out["lane"] == 2 and out["screening"]["problem"]
    assert any("could not be screened" in r["reason"] for r in out["lane_reasons"])


def test_trader_sees_the_verdict_but_not_the_officer_or_the_notes(client, eul, exporter, session: Session) -> None:
    from smartcustoms.exports import service

    _, key = exporter
    b = body(consignee={"name": "Air Koryo", "country": "CN"}, end_user=None, destination_country="CN")
    d = lodge(client, key, b).json()
    hit = next(h for h in d["hits"] if h["kind"] == "party")
    service.resolve_hit(session, d["id"], hit["id"], resolution="false_positive", reason="internal note: other firm",
                        officer="obata")
    seen = client.get(f"{URL}/{d['id']}", headers=auth(key)).json()
    mine = next(h for h in seen["hits"] if h["id"] == hit["id"])
    assert mine["state"] == "false_positive"
    assert "resolution_reason" not in mine and "resolved_by" not in mine
    assert "internal note" not in str(seen)
    # Nor through the status history, nor through the lane reasons of a confirmed match.
    hist = client.get(f"{URL}/{d['id']}/history", headers=auth(key)).json()
    assert hist[-1]["action"] == "hit_false_positive" and hist[-1]["actor"] == "customs"
    assert "internal note" not in str(hist) and "obata" not in str(hist)
    held = lodge(client, key, body(consignee={"name": "Air Koryo", "country": "MN"}, end_user=None,
                                   destination_country="CN")).json()
    held_hit = next(h for h in held["hits"] if h["kind"] == "party" and h["state"] == "open")
    service.resolve_hit(session, held["id"], held_hit["id"], resolution="true_match",
                        reason="internal note: intelligence report 7", officer="obata")
    seen = client.get(f"{URL}/{held['id']}", headers=auth(key)).json()
    hist = client.get(f"{URL}/{held['id']}/history", headers=auth(key)).json()
    assert seen["status"] == "held" and hist[-1]["to_status"] == "held"
    assert "internal note" not in str(seen) + str(hist) and "obata" not in str(seen) + str(hist)


def test_officer_view_needs_basic_auth_and_shows_who_decided(client, eul, exporter, session: Session) -> None:
    import base64

    from smartcustoms.exports import service
    from smartcustoms.identity import service as identity

    identity.create_officer(session, "obata", "counter-pass-2026", "officer", actor="test")
    _, key = exporter
    d = lodge(client, key, body(consignee={"name": "Air Koryo", "country": "CN"}, end_user=None,
                                destination_country="CN")).json()
    clean = lodge(client, key, body()).json()
    basic = {"Authorization": "Basic " + base64.b64encode(b"obata:counter-pass-2026").decode()}
    officer_url = "/api/v1/officer/export-declarations"
    assert client.get(officer_url, headers=auth(key)).status_code == 401
    listed = client.get(officer_url, headers=basic)
    assert [x["id"] for x in listed.json()] == [d["id"]] and clean["id"] not in listed.text
    hit = next(h for h in d["hits"] if h["kind"] == "party")
    service.resolve_hit(session, d["id"], hit["id"], resolution="true_match", reason="the airline", officer="obata")
    seen = client.get(f"{officer_url}/{d['id']}", headers=basic).json()
    mine = next(h for h in seen["hits"] if h["id"] == hit["id"])
    assert (mine["resolved_by"], mine["resolution_reason"], seen["status"]) == ("obata", "the airline", "held")


def test_unusable_names_are_all_refused_before_anything_is_screened(client, eul, exporter, session: Session) -> None:
    _, key = exporter
    r = lodge(client, key, body(consignee={"name": "Co., Ltd.", "country": "CN"},
                                end_user={"name": "・・・", "country": "CN"}))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"consignee.name", "end_user.name"}
    assert session.scalar(select(func.count()).select_from(ScreeningRecord)) == 0


def test_unusable_name_is_refused_even_without_watch_lists(client, exporter) -> None:
    """Not lodged unscreened in lane 2: the name is refused as when lists are loaded."""
    _, key = exporter
    r = lodge(client, key, body(consignee={"name": "株式会社", "country": "CN"}, end_user=None))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "consignee.name"


def test_ids_that_are_not_export_ids_are_not_found(client, eul, exporter) -> None:
    """A NUL byte or a mangled id in the path is a 404 on both backends (PostgreSQL refuses NUL in a query)."""
    _, key = exporter
    for suffix in ("/%00", "/%00/history", "/a%00b", "/" + "9" * 300, "/not-a-uuid"):
        r = client.get(URL + suffix, headers=auth(key))
        assert r.status_code == 404, (suffix, r.text)
        assert r.json()["error"] == "not_found"


def test_idempotency_keys_of_imports_and_exports_never_meet(client, eul, exporter, session: Session) -> None:
    """An import lodged with the key "export:k1" does not make the export key "k1" look used (nor the reverse)."""
    from tests.declarations.helpers import body as import_body

    _, key = exporter
    imp = client.post("/api/v1/import-declarations", json=import_body(), headers=auth(key, **{"Idempotency-Key":
                                                                                               "export:k1"}))
    assert imp.status_code == 201, imp.text
    exp = lodge(client, key, body(), **{"Idempotency-Key": "k1"})
    assert exp.status_code == 201 and "idempotent-replayed" not in exp.headers
    again = lodge(client, key, body(), **{"Idempotency-Key": "k1"})
    assert again.json()["id"] == exp.json()["id"]
