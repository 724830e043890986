"""The officer API: what the console shows as JSON, the value references, and bulk decisions that a retry with the
same Idempotency-Key decides only once."""

from __future__ import annotations

import base64
import copy
import hashlib
import math
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from smartcustoms.app import create_app
from smartcustoms.audit.chain import canonical_json
from smartcustoms.audit.models import AuditEntry
from smartcustoms.db import make_engine, utcnow
from smartcustoms.declarations.flows import declaration_date
from smartcustoms.declarations.idempotency import StoredAnswer, answer_once
from smartcustoms.ecommerce import lifecycle, officer, valueref_service
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.models import ActionKey, Consignment
from smartcustoms.errors import NotFound, ValidationFailed
from smartcustoms.identity import service as identity
from smartcustoms.identity.models import Officer
from smartcustoms.risk import service as risk
from tests.ecommerce.conftest import consignment, goods, prepare
from tests.ecommerce.test_pipeline import _prefixed, jl, run

API = "/api/v1/officer/ecommerce"
PASSWORD = "officer-api-pass-2026"


@pytest.fixture(scope="module")
def engine(new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database of this module's own (it stores value references, which the shared one must not have)."""
    eng = make_engine(new_database_url())
    prepare(eng, tmp_path_factory.mktemp("officer-api"))
    with Session(eng) as s, s.begin():
        risk.create_profile(s, risk.ProfileSpec("API test: inspect seller", 3, "seller under investigation",
                                                consignor_name="Inspect Me Ltd"), "test")
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as c:
        yield c


def _officer(engine: Engine) -> dict[str, str]:
    name = f"api{uuid.uuid4().hex[:8]}"
    with Session(engine) as s, s.begin():
        identity.create_officer(s, name, PASSWORD, "officer")
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


@pytest.fixture()
def basic(engine: Engine) -> dict[str, str]:
    return _officer(engine)


@pytest.fixture()
def manifest(engine: Engine) -> dict[str, Any]:
    """A carrier's manifest: three parcels of a seller a profile inspects (lane 3), two released, one taxed."""
    code = f"CAR-{uuid.uuid4().hex[:8].upper()}"
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, f"Carrier {code}", code, "broker")
        sub = (t.id, t.code, "")
    bad = {"id": f"BAD-{code}", "name": "Inspect Me Ltd", "country": "CN"}
    records = [consignment(f"{code}-{i}", platform="Qoo10", seller=bad) for i in range(3)]
    records += [consignment(f"{code}-ok{i}", platform="Qoo10") for i in range(2)]
    records.append(consignment(f"{code}-tax", personal_use=False, goods=[goods("20000", hs="392690")]))
    results, summary = run(engine, sub, jl(*records))
    return {"results": results, "id": summary["manifest_id"], "seller": bad["id"], "submitter": code,
            "inspected": sorted(r["consignment_id"] for r in results if r["lane"] == 3)}


def _audits(engine: Engine, ids: list[str]) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_type == "ecommerce_consignment", AuditEntry.entity_id.in_(ids))) or 0)


def _statuses(engine: Engine, ids: list[str]) -> list[str]:
    with Session(engine) as s:
        return [s.get(Consignment, i).status for i in ids]  # type: ignore[union-attr]


def test_every_route_needs_an_officers_credentials(client: TestClient, engine: Engine) -> None:
    wrong = _officer(engine)["Authorization"][:-4] + "AAAA"
    for method, path in (("get", "/totals"), ("get", "/groups"), ("get", "/consignments"), ("get", "/manifests"),
                         ("get", "/manifests/x"),
                         ("get", "/consignments/x"), ("get", "/value-refs"), ("get", "/inspections"),
                         ("post", "/actions")):
        for headers in ({}, {"Authorization": wrong}, {"Authorization": "Bearer abc"}):
            r = client.request(method.upper(), API + path, headers=headers,
                               json={"action": "release", "reason": "x", "ids": ["x"]} if method == "post" else None)
            assert r.status_code == 401, (path, headers, r.text)


def test_lists_and_groups_say_what_the_console_says(client: TestClient, engine: Engine, basic: dict[str, str],
                                                    manifest: dict[str, Any]) -> None:
    r = client.get(f"{API}/consignments", params={"manifest": manifest["id"]}, headers=basic)
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "6"
    listed = r.json()
    assert [c["lane"] for c in listed] == sorted((c["lane"] for c in listed), reverse=True)
    assert sorted(c["id"] for c in listed if c["lane"] == 3) == manifest["inspected"]
    with Session(engine) as s:
        expected, total = officer.consignments(s, {"manifest": manifest["id"]}, 100, 0)
    assert [c["id"] for c in listed] == [c.id for c in expected] and total == 6
    taxed = next(c for c in listed if c["parcel_id"].endswith("-tax"))
    result = next(r for r in manifest["results"] if r["parcel_id"].endswith("-tax"))
    assert taxed["total_tax_jpy"] == result["total_tax_jpy"] > 0 and taxed["open"] is (taxed["status"] != "released")

    page = client.get(f"{API}/consignments", params={"seller": manifest["seller"], "status": "open", "limit": 2},
                      headers=basic)
    assert page.headers["X-Total-Count"] == "3" and len(page.json()) == 2
    rest = client.get(f"{API}/consignments", params={"seller": manifest["seller"], "status": "open", "limit": 2,
                                                     "offset": 2}, headers=basic).json()
    assert sorted([c["id"] for c in page.json()] + [c["id"] for c in rest]) == manifest["inspected"]
    # By the cursor: the full page says where to go on, the last says nothing more; the count on the first only.
    by_cursor, params, headers = [], {"manifest": manifest["id"], "limit": 4}, []
    while True:
        r = client.get(f"{API}/consignments", params=params, headers=basic)
        assert r.status_code == 200, r.text
        by_cursor += [c["id"] for c in r.json()]
        headers.append(("X-Total-Count" in r.headers, "X-Next-After" in r.headers))
        if "X-Next-After" not in r.headers:
            break
        params = {**params, "after": r.headers["X-Next-After"]}
    assert by_cursor == [c["id"] for c in listed] and headers == [(True, True), (False, False)]
    for bad, code in (({"after": "nonsense"}, "invalid"), ({"after": params["after"], "offset": 2}, "conflict")):
        r = client.get(f"{API}/consignments", params={"manifest": manifest["id"], **bad}, headers=basic)
        assert r.status_code == 422 and [(e["field"], e["code"]) for e in r.json()["errors"]] == [("after", code)]

    g = client.get(f"{API}/groups", params={"group": "seller", "seller": manifest["seller"]}, headers=basic).json()
    value = sum(r["value_jpy"] for r in manifest["results"] if r["consignment_id"] in manifest["inspected"])
    assert value > 0 and g["groups"] == [{
        "key": manifest["seller"], "label": "Inspect Me Ltd", "consignments": 3, "lane1": 0, "lane2": 0, "lane3": 3,
        "open": 3, "value_jpy": value, "tax_jpy": 0, "split_flagged": 0}]
    unfiltered = client.get(f"{API}/groups", params={"group": "manifest", "limit": 500}, headers=basic).json()
    mine = next(x for x in unfiltered["groups"] if x["key"] == manifest["id"])
    assert (mine["consignments"], mine["lane3"], mine["open"]) == (6, 3, sum(1 for c in listed if c["open"]))
    totals = client.get(f"{API}/totals", headers=basic).json()
    with Session(engine) as s:
        assert totals == {**officer.totals_counted(s), "all": totals["all"]} and totals["all"] >= 6


def test_officers_see_every_submitters_manifests(client: TestClient, basic: dict[str, str],
                                                 manifest: dict[str, Any]) -> None:
    latest = client.get(f"{API}/manifests", headers=basic).json()
    assert latest[0]["manifest_id"] == manifest["id"]  # the newest first
    mine = latest[0]
    assert (mine["submitter"], mine["status"], mine["lines"], mine["accepted"], mine["rejected"]) == (
        manifest["submitter"], "complete", 6, 6, 0)
    assert mine["lanes"]["3"] == 3 and mine["value_jpy"] == sum(r["value_jpy"] for r in manifest["results"])
    assert client.get(f"{API}/manifests/{manifest['id']}", headers=basic).json() == mine
    assert [m["status"] for m in client.get(f"{API}/manifests", params={"status": "failed"},
                                            headers=basic).json()] == []
    assert manifest["id"] in {m["manifest_id"] for m in client.get(
        f"{API}/manifests", params={"status": "complete", "limit": 500}, headers=basic).json()}
    r = client.get(f"{API}/manifests", params={"status": "lost"}, headers=basic)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    assert client.get(f"{API}/manifests/M-none", headers=basic).status_code == 404


def test_refused_filters_name_the_field(client: TestClient, basic: dict[str, str]) -> None:
    for params, field in (({"lane": "4"}, "lane"), ({"status": "lost"}, "status"), ({"limit": "0"}, "limit"),
                          ({"offset": "-1"}, "offset")):
        r = client.get(f"{API}/consignments", params=params, headers=basic)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], (params, r.text)
    r = client.get(f"{API}/groups", params={"group": "country"}, headers=basic)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "group"
    r = client.get(f"{API}/value-refs", params={"hs6": "39269"}, headers=basic)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hs6"
    assert client.get(f"{API}/consignments/nope", headers=basic).status_code == 404


def test_a_decision_by_ids_is_audited_and_a_retry_with_its_key_decides_nothing_again(
        client: TestClient, engine: Engine, basic: dict[str, str], manifest: dict[str, Any]) -> None:
    ids = manifest["inspected"]
    released = next(r["consignment_id"] for r in manifest["results"] if r["lane"] == 1)
    body = {"action": "hold", "reason": "seller under investigation", "ids": [*ids, released]}
    headers = {**basic, "Idempotency-Key": "hold-1"}
    first = client.post(f"{API}/actions", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"action": "hold", "done": 3, "skipped": 1, "more": False, "outdated": 0, "changed": ids}
    assert _statuses(engine, ids) == [lifecycle.HELD] * 3 and _audits(engine, ids) == 3

    again = client.post(f"{API}/actions", json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and _audits(engine, ids) == 3

    other = client.post(f"{API}/actions", json={**body, "action": "release"}, headers=headers)
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _statuses(engine, ids) == [lifecycle.HELD] * 3

    # Keys are each officer's own: the same key from another officer is another decision.
    someone = {**_officer(engine), "Idempotency-Key": "hold-1"}
    r = client.post(f"{API}/actions", json={**body, "action": "release", "inspection_result": "no_discrepancy"},
                    headers=someone)
    assert r.json()["done"] == 3 and _statuses(engine, ids) == [lifecycle.RELEASED] * 3 and _audits(engine, ids) == 6

    detail = client.get(f"{API}/consignments/{ids[0]}", headers=basic).json()
    assert [h["action"] for h in detail["history"]] == ["ecommerce.hold", "ecommerce.release"]
    assert detail["history"][0]["data"]["reason"] == "seller under investigation"
    assert detail["goods"][0]["hs_code"] == "392690" and detail["lane_reasons"]
    assert detail["status"] == "released" and detail["decided_by"] and detail["released_at"]


def test_all_matching_takes_the_filters_in_the_body_and_says_when_more_remain(
        client: TestClient, engine: Engine, basic: dict[str, str], manifest: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_BULK_ACTION", "2")
    get_ecommerce_settings.cache_clear()
    body = {"action": "inspect", "reason": "x-ray", "filters": {"seller": manifest["seller"], "status": "open"}}
    r = client.post(f"{API}/actions", json=body, headers=basic).json()
    assert (r["done"], r["more"]) == (2, True) and set(r["changed"]) < set(manifest["inspected"])
    r2 = client.post(f"{API}/actions", json=body, headers=basic).json()  # no key: the rest, then nothing
    assert (r2["done"], r2["more"]) == (1, False) and set(r["changed"]) | set(r2["changed"]) == set(
        manifest["inspected"])
    assert _statuses(engine, manifest["inspected"]) == [lifecycle.INSPECTION_ORDERED] * 3


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "release", "reason": "ok"}, "ids"),
    ({"action": "release", "reason": "ok", "ids": ["a"], "filters": {"lane": "3"}}, "ids"),
    ({"action": "release", "reason": "ok", "filters": {}}, "filters"),
    ({"action": "release", "reason": "ok", "filters": {"country": "CN", "seller": "S"}}, "filters.country"),
    ({"action": "release", "reason": "ok", "filters": {"lane": "9", "seller": "S"}}, "filters.lane"),
    ({"action": "release", "reason": "ok", "filters": {"status": "lost", "seller": "S"}}, "filters.status"),
    ({"action": "release", "reason": "ok", "filters": {"seller": "S", "platform": "  "}}, "filters.platform"),
    ({"action": "release", "reason": "ok", "filters": {"seller": "S\u0000"}}, "filters.seller"),
    ({"action": "release", "reason": "ok", "ids": []}, "ids"),
    ({"action": "release", "reason": "   ", "ids": ["a"]}, "reason"),
    ({"action": "release", "reason": "ok\u0000", "ids": ["a"]}, "reason"),
    ({"action": "release", "reason": "ok", "ids": ["a", "b\u0000"]}, "ids"),
    ({"action": "burn", "reason": "ok", "ids": ["a"]}, "action"),
    ({"action": "release", "reason": "ok", "ids": ["a"], "extra": 1}, "extra"),
    ({"action": "release", "reason": "ok", "filters": {"seller": "S"}, "seen": {"x": "held"}}, "seen"),
])
def test_a_refused_action_names_the_field_and_decides_nothing(
        client: TestClient, engine: Engine, basic: dict[str, str], manifest: dict[str, Any], body: dict[str, Any],
        field: str) -> None:
    # Aimed at the fixture's lane-3 consignments: were the request not refused, it would release them.
    body = copy.deepcopy(body)
    if body.get("ids") and body["ids"][0] == "a":
        body = {**body, "ids": [*manifest["inspected"], *body["ids"][1:]]}
    if "seller" in body.get("filters", {}):
        body["filters"]["seller"] = body["filters"]["seller"].replace("S", manifest["seller"])
    r = client.post(f"{API}/actions", json=body, headers={**basic, "Idempotency-Key": f"k-{uuid.uuid4()}"})
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], r.text
    said = [body.get("reason"), *(body.get("ids") or []), *(body.get("filters") or {}).values()]
    if any("\x00" in str(v) for v in said):  # refused for the NUL itself, not for something else
        assert "invalid" in [e["code"] for e in r.json()["errors"] if e["field"] == field], r.text
    assert _statuses(engine, manifest["inspected"]) == [lifecycle.INSPECTION] * 3
    with Session(engine) as s:  # a refused request keeps no key: the corrected one may use it
        assert s.scalar(select(func.count()).select_from(ActionKey).where(
            ActionKey.key == r.request.headers["Idempotency-Key"])) == 0


def test_unknown_ids_and_long_keys_are_refused(client: TestClient, engine: Engine, basic: dict[str, str],
                                               manifest: dict[str, Any]) -> None:
    body = {"action": "release", "reason": "ok", "ids": [*manifest["inspected"], "M-none-1"]}
    r = client.post(f"{API}/actions", json=body, headers=basic)
    assert r.status_code == 422 and "M-none-1" in r.json()["errors"][0]["reason"]
    r = client.post(f"{API}/actions", json={**body, "ids": manifest["inspected"]},
                    headers={**basic, "Idempotency-Key": "k" * 256})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _statuses(engine, manifest["inspected"]) == [lifecycle.INSPECTION] * 3


def test_two_retries_at_once_with_one_key_decide_once(client: TestClient, engine: Engine, basic: dict[str, str],
                                                      manifest: dict[str, Any]) -> None:
    if engine.dialect.name == "sqlite":  # its write sessions begin with the lock: the two run one after the other
        pytest.skip("a race needs two writers at once (PostgreSQL); test_a_key_stored_meanwhile_... covers SQLite")
    body = {"action": "release", "reason": "cleared after x-ray", "ids": manifest["inspected"],
            "inspection_result": "no_discrepancy"}
    headers = {**basic, "Idempotency-Key": f"race-{uuid.uuid4()}"}
    answers: list[Any] = []
    start = threading.Barrier(2)

    def post() -> None:
        start.wait()
        answers.append(client.post(f"{API}/actions", json=body, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json() == answers[1].json() and answers[0].json()["done"] == 3
    assert _audits(engine, manifest["inspected"]) == 3
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ActionKey).where(
            ActionKey.key == headers["Idempotency-Key"])) == 1


def test_the_value_references_show_each_band_and_where_the_intake_flags(
        client: TestClient, engine: Engine, basic: dict[str, str], tmp_path: Path) -> None:
    assert client.get(f"{API}/value-refs", headers=basic).json()["window"] is None
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "Value API Express", f"VAPI-{uuid.uuid4().hex[:6]}", "broker")
        sub = (t.id, t.code, "")
    run(engine, sub, _prefixed(71, 1500, "V"))
    today = declaration_date(utcnow())  # the window is of Japanese dates: UTC's date is a day behind from 15:00
    with Session(engine) as s, s.begin():
        done, stored = valueref_service.refresh(s, today, 90, 30, 5000, 1_000_000, actor="test")
    assert stored and done.bands
    r = client.get(f"{API}/value-refs", headers=basic).json()
    assert r["window"]["to"] == today.isoformat() and r["window"]["from"] == (today - timedelta(days=89)).isoformat()
    assert r["window"]["bands"] == len(done.bands) == len(r["bands"]) and r["cut_z"] == -3
    by_key = {(b["hs6"], b["unit"]): b for b in r["bands"]}
    for band in done.bands:
        shown = by_key[(band.hs6, band.unit)]
        assert (shown["sample"], shown["lines_seen"]) == (band.lines, band.lines_seen) and band.lines_seen >= 30
        assert shown["median_jpy"] == round(math.exp(band.median_log), 2)
        assert shown["flagged_below_jpy"] == pytest.approx(math.exp(band.median_log - 3 * band.spread), abs=0.01)
    one = done.bands[0].hs6
    only = client.get(f"{API}/value-refs", params={"hs6": one}, headers=basic).json()["bands"]
    assert only and {b["hs6"] for b in only} == {one}


def test_a_key_stored_meanwhile_by_another_request_answers_its_answer_and_keeps_nothing_of_this_one(
        engine: Engine) -> None:
    """answer_once when a concurrent retry commits the same key between this one's look and its commit: this one's
    writes roll back and it answers the winner's stored response."""
    with Session(engine) as s:
        oid = identity.create_officer(s, f"race{uuid.uuid4().hex[:6]}", PASSWORD, "officer").id
        s.commit()
    key = f"k-{uuid.uuid4()}"
    request = {"action": "hold", "ids": ["x"]}
    request_hash = hashlib.sha256(canonical_json(request).encode()).hexdigest()
    with Session(engine) as winner, winner.begin():
        winner.add(ActionKey(officer_id=oid, key=key, request_hash=request_hash, status_code=200,
                             response={"done": 1, "who": "winner"}))
    looks: list[str] = []
    with Session(engine) as s:
        def find() -> StoredAnswer | None:
            looks.append("look")
            if len(looks) == 1:
                return None  # the first look came before the winner's commit
            r = s.scalar(select(ActionKey).where(ActionKey.officer_id == oid, ActionKey.key == key))
            return None if r is None else StoredAnswer(r.request_hash, r.status_code, r.response)

        def keep(h: str, status: int, out: dict[str, Any]) -> None:
            s.add(ActionKey(officer_id=oid, key=key, request_hash=h, status_code=status, response=out))

        def run() -> tuple[dict[str, Any], dict[str, str]]:
            s.add(AuditEntry(seq=10**12, at="x", actor="loser", action="loser", entity_type="t", entity_id="loser",
                             payload="{}", prev_hash="0", hash="0"))
            return {"done": 1, "who": "loser"}, {}

        answer = answer_once(s, find, keep, request, 200, run)
    assert looks == ["look", "look"] and orjson.loads(answer.body) == {"done": 1, "who": "winner"}
    assert answer.headers["Idempotent-Replayed"] == "true"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.actor == "loser")) == 0


def test_an_officer_whose_password_hash_is_outdated_can_read_and_act(
        client: TestClient, engine: Engine, manifest: dict[str, Any]) -> None:
    name = f"old{uuid.uuid4().hex[:6]}"
    outdated = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with Session(engine) as s, s.begin():
        identity.create_officer(s, name, PASSWORD, "officer").password_hash = outdated
    basic = {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}
    for path in ("/totals", "/groups", "/consignments", "/value-refs", f"/consignments/{manifest['inspected'][0]}"):
        assert client.get(API + path, headers=basic).status_code == 200, path
    with Session(engine) as s:  # reading kept the hash as it was
        assert s.scalar(select(Officer.password_hash).where(Officer.username == name)) == outdated
    r = client.post(f"{API}/actions", json={"action": "hold", "reason": "ok", "ids": manifest["inspected"][:1]},
                    headers=basic)
    assert r.status_code == 200 and r.json()["done"] == 1
    with Session(engine) as s:  # a write upgraded it
        assert s.scalar(select(Officer.password_hash).where(Officer.username == name)) != outdated
    assert client.get(f"{API}/totals", headers=basic).status_code == 200


def test_control_characters_in_filters_and_ids_are_refused_by_name(client: TestClient, engine: Engine,
                                                                   basic: dict[str, str]) -> None:
    r = client.get(f"{API}/consignments", params={"seller": "a\x00b"}, headers=basic)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "seller"
    r = client.get(f"{API}/groups", params={"platform": "a\x00b"}, headers=basic)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "platform"
    assert client.get(f"{API}/consignments/a%00b", headers=basic).status_code == 404
    with Session(engine) as s:
        for name in ("seller", "platform", "manifest", "consignee", "split_group"):
            with pytest.raises(ValidationFailed) as refused:
                officer.consignments(s, {name: "a\x00b"}, 10, 0)
            assert [e.field for e in refused.value.errors] == [name]
            with pytest.raises(ValidationFailed):
                officer.groups(s, "seller", {name: "a\x00b"})
        with pytest.raises(NotFound):
            officer.get(s, "a\x00b")


def test_the_bodys_filter_values_are_stripped_as_the_lists_are(
        client: TestClient, engine: Engine, basic: dict[str, str], manifest: dict[str, Any]) -> None:
    params = {"seller": f" {manifest['seller']} ", "status": "open", "lane": " 3 "}
    assert client.get(f"{API}/consignments", params=params, headers=basic).headers["X-Total-Count"] == "3"
    r = client.post(f"{API}/actions", json={"action": "hold", "reason": "ok", "filters": params}, headers=basic)
    assert r.status_code == 200 and r.json()["done"] == 3
    assert _statuses(engine, manifest["inspected"]) == [lifecycle.HELD] * 3


def test_a_reason_is_judged_as_it_will_be_stored(client: TestClient, engine: Engine, basic: dict[str, str],
                                                 manifest: dict[str, Any]) -> None:
    one = manifest["inspected"][:1]
    r = client.post(f"{API}/actions", json={"action": "hold", "reason": "invoice checked\n", "ids": one,
                                             "inspection_result": "discrepancy"}, headers=basic)
    assert r.status_code == 200 and r.json()["done"] == 1
    r = client.post(f"{API}/actions", json={"action": "release", "reason": "line 1\r\nline 2\tok", "ids": one},
                    headers=basic)
    assert r.status_code == 200 and r.json()["done"] == 1
    r = client.post(f"{API}/actions", json={"action": "hold", "reason": "a\u200bb", "ids": one}, headers=basic)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"


def test_a_consignment_whose_status_changed_since_it_was_seen_is_not_decided(
        client: TestClient, engine: Engine, basic: dict[str, str], manifest: dict[str, Any]) -> None:
    first, second = manifest["inspected"][:2]
    client.post(f"{API}/actions", json={"action": "hold", "reason": "counterfeit?", "ids": [first]}, headers=basic)
    seen = {first: lifecycle.INSPECTION, second: lifecycle.INSPECTION}  # as a script listed them before the hold
    r = client.post(f"{API}/actions", json={"action": "release", "reason": "ok", "ids": [first, second],
                                             "seen": seen, "inspection_result": "no_discrepancy"}, headers=basic)
    assert r.status_code == 200, r.text
    assert (r.json()["done"], r.json()["skipped"], r.json()["outdated"], r.json()["changed"]) == (1, 1, 1, [second])
    assert _statuses(engine, [first, second]) == [lifecycle.HELD, lifecycle.RELEASED]
    bad = client.post(f"{API}/actions", json={"action": "release", "reason": "ok", "ids": [first],
                                               "seen": {first: "lost"}}, headers=basic)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == f"seen.{first}"
    # Keys are read as the ids are (stripped); a lane given must match too.
    r = client.post(f"{API}/actions", json={"action": "release", "reason": "ok", "ids": [f" {first}"],
                                             "seen": {f" {first} ": "held:2"}, "inspection_result": "no_discrepancy"},
                    headers=basic)
    assert (r.json()["done"], r.json()["outdated"]) == (0, 1)  # held, but in lane 3
    r = client.post(f"{API}/actions", json={"action": "release", "reason": "ok", "ids": [first],
                                             "seen": {first: "held:3"}, "inspection_result": "no_discrepancy"},
                    headers=basic)
    assert (r.json()["done"], r.json()["outdated"]) == (1, 0)


def test_inspection_results_are_recorded_by_decisions_and_counted_in_the_hit_rates(
        client: TestClient, engine: Engine, basic: dict[str, str], manifest: dict[str, Any]) -> None:
    def rates() -> tuple[int, int, dict[str, tuple[int, int]]]:
        r = client.get(f"{API}/inspections", params={"days": 30}, headers=basic)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["days"] == 30
        for sel in body["selections"]:  # each with its 95 % interval, and a verdict only against a baseline
            assert sel["interval"][0] <= sel["rate"] <= sel["interval"][1]
            assert ("against_baseline" in sel) == (body["baseline"] is not None and sel["kind"] != "random")
        return body["inspected"], body["discrepancies"], {
            s["profile"] or s["kind"]: (s["inspected"], s["discrepancies"]) for s in body["selections"]}

    before = rates()
    first, second, third = manifest["inspected"]
    refused = client.post(f"{API}/actions", json={"action": "release", "reason": "ok", "ids": [first]}, headers=basic)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "inspection_result"
    wrong = client.post(f"{API}/actions", json={"action": "release", "reason": "ok", "ids": [first],
                                                 "inspection_result": "fine"}, headers=basic)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "inspection_result"
    assert _statuses(engine, [first]) == [lifecycle.INSPECTION]
    ok = client.post(f"{API}/actions", json={"action": "release", "reason": "x-ray clear", "ids": [first, second],
                                              "inspection_result": "no_discrepancy"}, headers=basic)
    assert ok.status_code == 200 and ok.json()["done"] == 2
    held = client.post(f"{API}/actions", json={"action": "hold", "reason": "counterfeit", "ids": [third],
                                                "inspection_result": "discrepancy"}, headers=basic)
    assert held.status_code == 200 and held.json()["done"] == 1
    detail = client.get(f"{API}/consignments/{third}", headers=basic).json()
    assert detail["inspection_result"] == "discrepancy" and detail["history"][-1]["data"]["inspection_result"] == \
        "discrepancy"
    after = rates()
    assert (after[0] - before[0], after[1] - before[1]) == (3, 1)
    name = "API test: inspect seller"
    was = before[2].get(name, (0, 0))
    assert (after[2][name][0] - was[0], after[2][name][1] - was[1]) == (3, 1)
    for days in (0, 3661, "x"):
        bad = client.get(f"{API}/inspections", params={"days": days}, headers=basic)
        assert bad.status_code == 422 and "days" in bad.text
