"""The submitter API: streamed results per consignment, per-file errors, stored results to resume from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from smartcustoms.ecommerce.generate import csv_lines, jsonl_lines
from tests.ecommerce.conftest import consignment, goods

NDJSON = {"Content-Type": "application/x-ndjson"}


def auth(key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **extra}


def post(client: TestClient, key: str, body: bytes | Iterator[bytes], ctype: str = "application/x-ndjson"
         ) -> tuple[Any, list[dict[str, Any]]]:
    r = client.post("/api/v1/manifests", content=body, headers=auth(key, **{"Content-Type": ctype}))
    lines = [orjson.loads(x) for x in r.content.splitlines()] if r.status_code == 200 else []
    return r, lines


def _lines(seed: int, n: int, prefix: str) -> list[bytes]:
    return [x.replace(b'"parcel_id":"P', f'"parcel_id":"{prefix}'.encode()) for x in jsonl_lines(n, seed)]


def test_stream_in_stream_out(ec_client: TestClient, submitter: Any) -> None:
    body = b"".join(_lines(21, 120, submitter[1]))
    r, out = post(ec_client, submitter[2], iter([body[:1000], body[1000:5000], body[5000:]]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert out[0]["result"] == "manifest" and out[0]["manifest_id"] == r.headers["X-Manifest-Id"]
    results, summary = out[1:-1], out[-1]
    assert [x["line"] for x in results] == list(range(1, 121))
    assert summary["result"] == "summary" and summary["status"] == "complete" and summary["lines"] == 120
    accepted = [x for x in results if x["result"] == "accepted"]
    assert summary["accepted"] == len(accepted) > 100
    assert all({"parcel_id", "consignment_id", "lane", "status", "total_tax_jpy"} <= set(x) for x in accepted)


def test_csv_over_the_api(ec_client: TestClient, submitter: Any) -> None:
    body = b"".join(csv_lines(50, seed=22)).replace(b"\nP0022", f"\n{submitter[1]}".encode())
    r, out = post(ec_client, submitter[2], body, "text/csv; charset=utf-8")
    assert r.status_code == 200 and out[-1]["lines"] == 50 and out[-1]["format"] == "csv"


def test_bad_rows_never_reject_good_ones(ec_client: TestClient, submitter: Any) -> None:
    tag = submitter[1]
    rows = [
        orjson.dumps(consignment(f"{tag}-1")),
        b'{"parcel_id": "broken",',
        orjson.dumps(consignment(f"{tag}-3", goods=[goods("10", "ABC")])),
        orjson.dumps(consignment(f"{tag}-4", goods=[goods("-3")])),
        orjson.dumps(consignment(f"{tag}-5", goods=[goods("10", hs="000000")])),
        orjson.dumps({"parcel_id": f"{tag}-6"}),
        "{\"parcel_id\": \"caf\xe9\"}".encode("latin-1"),
        orjson.dumps(consignment(f"{tag}-8")),
        orjson.dumps(consignment(f"{tag}-9"))[:40],
    ]
    r, out = post(ec_client, submitter[2], b"\n".join(rows))
    res = {x["line"]: x for x in out[1:-1]}
    assert len(res) == 9
    assert res[1]["result"] == res[8]["result"] == "accepted"
    codes = {n: res[n]["errors"][0]["code"] for n in res if res[n]["result"] == "rejected"}
    assert codes == {2: "malformed_json", 3: "unknown_currency", 4: "negative", 5: "unknown_hs_code",
                     6: "missing", 7: "not_utf8", 9: "truncated"}
    assert res[3]["parcel_id"] == f"{tag}-3" and res[3]["errors"][0]["field"] == "goods[0].currency"
    assert {e["field"] for e in res[6]["errors"]} >= {"platform", "seller", "consignee", "goods"}


def test_results_can_be_fetched_later_in_pages(ec_client: TestClient, submitter: Any) -> None:
    lines = _lines(23, 60, submitter[1])
    lines.insert(10, b"{oops}\n")
    _, out = post(ec_client, submitter[2], b"".join(lines))
    mid = out[0]["manifest_id"]
    _, again = post(ec_client, submitter[2], b"".join(lines[:5]))
    seen: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = ec_client.get(f"/api/v1/manifests/{mid}/results", params={"after": after, "limit": 25},
                             headers=auth(submitter[2])).json()
        seen += page["results"]
        after = page["next_after"]
    assert seen == out[1:-1]
    summary = ec_client.get(f"/api/v1/manifests/{mid}", headers=auth(submitter[2])).json()
    assert summary == out[-1]
    rep = ec_client.get(f"/api/v1/manifests/{again[0]['manifest_id']}/results", headers=auth(submitter[2])).json()
    assert [x["result"] for x in rep["results"]] == [x["result"].replace("accepted", "repeat")
                                                    for x in out[1:6]]
    parcel = out[1]["parcel_id"]
    one = ec_client.get(f"/api/v1/parcels/{parcel}", headers=auth(submitter[2])).json()
    assert one["consignment_id"] == out[1]["consignment_id"] and one["manifest_id"] == mid


def test_other_submitters_see_nothing(ec_client: TestClient, submitter: Any, ec_engine: Any) -> None:
    _, out = post(ec_client, submitter[2], orjson.dumps(consignment(f"{submitter[1]}-X")))
    from sqlalchemy.orm import Session

    from smartcustoms.identity import service as identity

    with Session(ec_engine) as s, s.begin():
        other = identity.create_trader(s, "Nosy Carrier", f"N{submitter[1]}", "broker")
        other_key = identity.issue_api_key(s, other)
    r = ec_client.get(f"/api/v1/manifests/{out[0]['manifest_id']}", headers=auth(other_key))
    assert r.status_code == 404
    assert ec_client.get(f"/api/v1/parcels/{submitter[1]}-X", headers=auth(other_key)).status_code == 404


@pytest.mark.parametrize(("headers", "status", "field"), [
    ({"Content-Type": "application/json"}, 415, "Content-Type"),
    ({"Content-Type": "application/x-ndjson", "Content-Length": str(10**13)}, 413, "body"),
])
def test_per_request_refusals_name_the_field(ec_client: TestClient, submitter: Any, headers: dict[str, str],
                                             status: int, field: str) -> None:
    r = ec_client.post("/api/v1/manifests", content=b"{}", headers=auth(submitter[2], **headers))
    assert r.status_code == status and r.json()["errors"][0]["field"] == field


def test_unauthenticated(ec_client: TestClient) -> None:
    r = ec_client.post("/api/v1/manifests", content=b"{}", headers=NDJSON)
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "Authorization"


def test_oversize_manifest_stops_with_a_per_file_error(ec_client: TestClient, submitter: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES", "3000")
    body = b"".join(_lines(24, 30, submitter[1]))
    _, out = post(ec_client, submitter[2], iter([body[i:i + 500] for i in range(0, len(body), 500)]))
    summary = out[-1]
    assert summary["status"] == "failed" and summary["error"]["code"] == "too_large"
    assert 0 < summary["lines"] < 30 and len(out) - 2 == summary["lines"]


def test_utf16_manifest_is_refused_as_a_file(ec_client: TestClient, submitter: Any) -> None:
    body = orjson.dumps(consignment("U1")).decode().encode("utf-16")
    _, out = post(ec_client, submitter[2], body)
    assert out[-1]["status"] == "failed" and out[-1]["error"]["field"] == "encoding" and out[-1]["lines"] == 0


def test_openapi_describes_the_manifest_routes(ec_client: TestClient) -> None:
    paths = ec_client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/manifests"] and "/api/v1/manifests/{manifest_id}/results" in paths


def test_an_empty_manifest_is_refused_or_fails_with_a_named_reason(ec_client: TestClient, submitter: Any) -> None:
    r = ec_client.post("/api/v1/manifests", content=b"", headers=auth(submitter[2], **NDJSON))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body"
    for body, ctype in ((iter([b""]), "application/x-ndjson"), (iter([b"\n \n"]), "application/x-ndjson"),
                        (iter([_CSV_HEADER]), "text/csv")):
        r, out = post(ec_client, submitter[2], body, ctype)  # streamed (chunked): no length to refuse on
        assert r.status_code == 200 and out[-1]["status"] == "failed" and out[-1]["error"]["code"] == "empty"


_CSV_HEADER = (b"parcel_id,platform,seller_id,seller_name,seller_country,consignee_name,consignee_address,"
               b"delivery_place,description,currency,value\n")


def _csv(tag: str) -> bytes:
    row = "{},Temu,S-1,Shenzhen Shop,CN,Sato Yui,1-2-3 Chiyoda Tokyo,Tokyo,{},CNY,{}\n"
    return _CSV_HEADER + "".join(row.format(f"{tag}-{p}", d, v) for p, d, v in (
        ("A", "phone case", "300.00"), ("B", "phone case", "300.00"), ("B", "gaming keyboard", "9000.00"))).encode()


def test_a_manifest_cut_by_the_size_limit_accepts_no_row_cut_short(ec_client: TestClient, submitter: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    body = _csv(submitter[1])
    # The limit falls inside the keyboard's value: "9000.00" would be read as "90" in a row that looks whole.
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES", str(len(body) - 6))
    _, out = post(ec_client, submitter[2], iter([body[:100], body[100:]]), "text/csv")
    assert out[-1]["status"] == "failed" and out[-1]["error"]["code"] == "too_large"
    by_parcel = {x["parcel_id"]: x["result"] for x in out[1:-1]}
    assert by_parcel == {f"{submitter[1]}-A": "accepted", f"{submitter[1]}-B": "rejected", None: "rejected"}
    r = ec_client.get(f"/api/v1/parcels/{submitter[1]}-B", headers=auth(submitter[2]))
    assert r.status_code == 404


def test_a_lost_connection_fails_the_manifest_and_accepts_no_row_cut_short(ec_client: TestClient,
                                                                           submitter: Any) -> None:
    body = _csv(submitter[1])
    incoming: list[dict[str, Any]] = [{"type": "http.request", "body": body[:-6], "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:  # part of the body, then the client is gone
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/manifests", "raw_path": b"/api/v1/manifests", "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {submitter[2]}".encode()),
                         (b"content-type", b"text/csv"), (b"content-length", str(len(body)).encode())]}
    ec_client.portal.call(ec_client.app, scope, receive, send)  # type: ignore[union-attr]
    out = [orjson.loads(x) for m in sent if m["type"] == "http.response.body" for x in m["body"].splitlines()]
    summary = out[-1]
    assert summary["status"] == "failed" and summary["error"]["code"] == "connection_lost"
    assert [x["result"] for x in out[1:-1]] == ["accepted", "rejected", "rejected"]
    stored = ec_client.get(f"/api/v1/manifests/{summary['manifest_id']}", headers=auth(submitter[2])).json()
    assert stored["status"] == "failed" and stored["error"]["code"] == "connection_lost"
    assert ec_client.get(f"/api/v1/parcels/{submitter[1]}-B", headers=auth(submitter[2])).status_code == 404


def test_a_parcel_id_with_a_slash_is_found_encoded_or_as_it_is(ec_client: TestClient, submitter: Any) -> None:
    pid = f"{submitter[1]}/2026/7"
    r, out = post(ec_client, submitter[2], orjson.dumps(consignment(pid)) + b"\n")
    assert r.status_code == 200 and out[1]["result"] == "accepted"
    for path in (pid.replace("/", "%2F"), pid):
        got = ec_client.get(f"/api/v1/parcels/{path}", headers=auth(submitter[2]))
        assert got.status_code == 200 and got.json()["consignment_id"] == out[1]["consignment_id"], path
    missing = ec_client.get(f"/api/v1/parcels/{submitter[1]}/2026/8", headers=auth(submitter[2]))
    assert missing.status_code == 404


def test_a_charset_other_than_utf8_is_refused_before_a_manifest_is_recorded(ec_client: TestClient,
                                                                             submitter: Any) -> None:
    body = orjson.dumps(consignment(f"{submitter[1]}-CS")) + b"\n"
    r, _ = post(ec_client, submitter[2], body, "application/x-ndjson; charset=Shift_JIS")
    assert r.status_code == 415 and r.json()["errors"][0]["field"] == "Content-Type"
    assert r.json()["errors"][0]["code"] == "unsupported_charset" and "shift_jis" in r.json()["errors"][0]["reason"]
    listed = ec_client.get("/api/v1/manifests", headers=auth(submitter[2]))
    assert listed.status_code == 200 and listed.json() == []
    for ok in ("application/x-ndjson; charset=utf-8", 'application/x-ndjson; charset="UTF-8"'):
        r, out = post(ec_client, submitter[2], body, ok)
        assert r.status_code == 200 and out[1]["result"] in ("accepted", "repeat"), ok
