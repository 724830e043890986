"""`Idempotency-Key` on POST /api/v1/manifests: a retry records nothing new (ecommerce/manifest_keys.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcustoms.audit.models import AuditEntry
from smartcustoms.ecommerce import api, manifest_keys, parse, pipeline
from smartcustoms.ecommerce.models import Consignment, Manifest, ManifestKey, Rejection, Repeat
from smartcustoms.ecommerce.pipeline import Intake
from tests.ecommerce.conftest import consignment, goods, new_submitter

NDJSON = "application/x-ndjson"


def _post(client: TestClient, sub: Any, body: Any, key: str | None, ctype: str = NDJSON) -> tuple[Any, list[Any]]:
    headers = {"Authorization": f"Bearer {sub[2]}", "Content-Type": ctype}
    if key is not None:
        headers["Idempotency-Key"] = key
    r = client.post("/api/v1/manifests", content=body, headers=headers)
    return r, [orjson.loads(x) for x in r.content.splitlines()] if r.status_code == 200 else []


def _body(tag: str, n: int = 12) -> bytes:
    rows = [consignment(f"{tag}-{i}", goods=[goods(str(100 + 900 * i))]) for i in range(n)]
    rows.insert(3, {"parcel_id": f"{tag}-bad"})  # a rejected line is replayed too
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def _counts(engine: Engine, submitter_id: int) -> tuple[int, int, int, int, int]:
    with Session(engine) as s:
        mids = select(Manifest.id).where(Manifest.submitter_id == submitter_id)
        return (s.scalar(select(func.count()).select_from(Manifest).where(Manifest.submitter_id == submitter_id))
                or 0,
                s.scalar(select(func.count()).where(Consignment.submitter_id == submitter_id)) or 0,
                s.scalar(select(func.count()).where(Rejection.manifest_id.in_(mids))) or 0,
                s.scalar(select(func.count()).where(Repeat.manifest_id.in_(mids))) or 0,
                s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_retry_with_the_same_key_and_body_replays_the_stored_results_and_records_nothing(
        ec_client: TestClient, ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "REPLAY_PAGE", 5)  # the stored results are read back in pages
    body = _body(submitter[1])
    first, out = _post(ec_client, submitter, body, "k-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    mid = out[0]["manifest_id"]
    assert out[-1]["status"] == "complete" and out[-1]["accepted"] == 12 and out[-1]["rejected"] == 1
    before = _counts(ec_engine, submitter[0])
    again, replayed = _post(ec_client, submitter, iter([body[:50], body[50:]]), "k-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Manifest-Id"] == mid
    assert replayed[0] == {"result": "manifest", "manifest_id": mid, "format": "jsonl", "replayed": True}
    stored = ec_client.get(f"/api/v1/manifests/{mid}/results?limit=10000",
                           headers={"Authorization": f"Bearer {submitter[2]}"}).json()["results"]
    assert replayed[1:-1] == stored and [x["line"] for x in stored] == list(range(1, 14))
    assert replayed[-1] == ec_client.get(f"/api/v1/manifests/{mid}",
                                         headers={"Authorization": f"Bearer {submitter[2]}"}).json()
    assert _counts(ec_engine, submitter[0]) == before  # no manifest, consignment, result row or audit entry


def test_the_same_key_with_another_body_or_format_is_refused_naming_the_header(
        ec_client: TestClient, ec_engine: Engine, submitter: Any) -> None:
    body = _body(submitter[1], 3)
    _post(ec_client, submitter, body, "k-2")
    before = _counts(ec_engine, submitter[0])
    changed = body.replace(b'"value":"1000"', b'"value":"9999"')
    assert changed != body
    for other, ctype in ((changed, NDJSON), (body + b"\n", NDJSON), (body, "text/csv")):
        r, _ = _post(ec_client, submitter, other, "k-2", ctype)
        assert r.status_code == 409, r.text
        err = r.json()["errors"][0]
        assert err["field"] == "Idempotency-Key" and err["code"] == "idempotency_key_reused"
    assert _counts(ec_engine, submitter[0]) == before


def test_keys_are_the_submitters_own(ec_client: TestClient, submitter: Any, ec_engine: Engine) -> None:
    other = new_submitter(ec_engine)
    _, a = _post(ec_client, submitter, _body(submitter[1], 2), "shared")
    _, b = _post(ec_client, other, _body(other[1], 2), "shared")
    assert a[0]["manifest_id"] != b[0]["manifest_id"] and b[-1]["accepted"] == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "k\x00"])
def test_an_empty_or_overlong_key_is_refused_before_anything_is_recorded(
        ec_client: TestClient, ec_engine: Engine, submitter: Any, key: str) -> None:
    before = _counts(ec_engine, submitter[0])
    r, _ = _post(ec_client, submitter, _body(submitter[1], 1), key)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _counts(ec_engine, submitter[0]) == before


def test_a_failure_of_a_body_received_whole_is_replayed_too(ec_client: TestClient, submitter: Any) -> None:
    _, out = _post(ec_client, submitter, iter([b"\n \n"]), "k-empty")
    assert out[-1]["status"] == "failed" and out[-1]["error"]["code"] == "empty"
    r, again = _post(ec_client, submitter, iter([b"\n \n"]), "k-empty")
    assert r.headers["Idempotent-Replayed"] == "true" and again[-1] == out[-1]


def test_a_retry_while_the_first_is_still_received_is_409_and_records_nothing(
        ec_client: TestClient, ec_engine: Engine, submitter: Any) -> None:
    live = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "api", key="k-live")
    before = _counts(ec_engine, submitter[0])
    r, _ = _post(ec_client, submitter, _body(submitter[1], 2), "k-live")
    assert r.status_code == 409 and r.headers["Retry-After"] == "5"
    err = r.json()["errors"][0]
    assert err["field"] == "Idempotency-Key" and err["code"] == "manifest_in_progress"
    assert live.manifest_id in err["reason"]
    assert _counts(ec_engine, submitter[0]) == before
    live.finish()


def test_a_manifest_cut_by_the_size_limit_is_retried_as_a_new_manifest_that_the_key_then_names(
        ec_client: TestClient, ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce.config import get_ecommerce_settings

    body = _body(submitter[1])
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES", str(len(body) // 2))
    get_ecommerce_settings.cache_clear()
    _, cut = _post(ec_client, submitter, iter([body[i:i + 300] for i in range(0, len(body), 300)]), "k-cut")
    assert cut[-1]["error"]["code"] == "too_large" and 0 < cut[-1]["accepted"] < 12
    monkeypatch.delenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES")
    get_ecommerce_settings.cache_clear()
    r, retry = _post(ec_client, submitter, body, "k-cut")
    assert "Idempotent-Replayed" not in r.headers
    assert retry[0]["retry_of"] == cut[0]["manifest_id"] != retry[0]["manifest_id"]
    assert retry[-1]["status"] == "complete"
    assert retry[-1]["repeats"] == cut[-1]["accepted"] and retry[-1]["accepted"] == 12 - cut[-1]["accepted"]
    with Session(ec_engine) as s:
        row = s.scalars(select(ManifestKey).where(ManifestKey.submitter_id == submitter[0])).one()
        assert row.manifest_id == retry[0]["manifest_id"] and row.body_sha256 is not None
        opened = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == retry[0]["manifest_id"],
                                                    AuditEntry.action == "ecommerce.manifest_opened")).one()
        data = orjson.loads(opened.payload)
        assert data["retry_of"] == cut[0]["manifest_id"] and data["idempotency_key"] == "k-cut"
    r, third = _post(ec_client, submitter, body, "k-cut")
    assert r.headers["Idempotent-Replayed"] == "true" and third[0]["manifest_id"] == retry[0]["manifest_id"]


def _killed(engine: Engine, sub: Any, body: bytes, key: str, ago: timedelta) -> Intake:
    """A manifest sent with `key` that committed its first five lines `ago`, then its server was killed."""
    from smartcustoms.audit import service as audit

    real = pipeline.utcnow
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "utcnow", lambda: real() - ago)
        mp.setattr(audit, "utcnow", lambda: real() - ago)
        killed = Intake.open(engine, sub[0], sub[1], "jsonl", "api", key=key)
        for _ in killed.run(iter(list(parse.items([b"".join(body.splitlines(True)[:5])], "jsonl", 1 << 16)))):
            pass
    return killed


def test_a_killed_servers_manifest_holds_its_key_only_for_the_takeover_minutes(
        ec_client: TestClient, ec_engine: Engine, submitter: Any) -> None:
    body = _body(submitter[1])
    recent = _killed(ec_engine, submitter, body, "k-killed", timedelta(minutes=1))
    r, _ = _post(ec_client, submitter, body, "k-killed")
    assert r.status_code == 409 and r.json()["error"] == "manifest_in_progress"  # silent for 1 minute only
    recent.finish()
    killed = _killed(ec_engine, submitter, body, "k-killed-3", timedelta(minutes=3))
    r, out = _post(ec_client, submitter, body, "k-killed-3")  # 3 > 2 minutes: taken over (the sweep waits 30)
    assert r.status_code == 200 and out[0]["retry_of"] == killed.manifest_id
    assert out[-1]["repeats"] == 4 and out[-1]["accepted"] == 8 and out[-1]["status"] == "complete"
    with Session(ec_engine) as s:
        assert s.get_one(Manifest, killed.manifest_id).status == "interrupted"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == killed.manifest_id,
                                                   AuditEntry.action == "ecommerce.manifest_interrupted")).one()
        assert entry.actor == f"trader:{submitter[1]}"


def test_two_first_requests_with_one_key_at_once_record_one_manifest(ec_engine: Engine, submitter: Any) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def open_one() -> None:
        barrier.wait()
        try:
            Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "api", key="k-race")
            outcomes.append("opened")
        except manifest_keys.KeyBusy:
            outcomes.append("busy")
        except IntegrityError:  # PostgreSQL: the other's insert committed while this one's waited (the API: 409)
            outcomes.append("busy")

    _at_once(open_one, 4)
    assert sorted(outcomes) == ["busy", "busy", "busy", "opened"]
    with Session(ec_engine) as s:
        assert s.scalar(select(func.count()).where(Manifest.submitter_id == submitter[0])) == 1


def test_only_an_intake_that_read_its_body_whole_can_be_replayed() -> None:
    assert manifest_keys.replayable(None)
    assert manifest_keys.replayable({"code": "empty"}) and manifest_keys.replayable({"code": "bad_header"})
    for code in ("too_large", "connection_lost", "interrupted"):
        assert not manifest_keys.replayable({"code": code})


def test_a_retry_while_the_first_waits_for_the_rest_of_its_body_is_told_to_wait(
        ec_engine: Engine, submitter: Any) -> None:
    """The first request fails on its CSV header at once but its body is still coming: it stays receiving (a retry
    is 409) until the body has ended and its digest is recorded with its close; then a retry is replayed. Before,
    the manifest was closed first and the retry took it for a cut one and opened a second manifest."""
    import httpx

    from tests.live import serve

    body = b"nope,columns\n" + b"x,y\n" * 500
    go_on = threading.Event()
    answers: list[Any] = []

    def slow() -> Iterator[bytes]:
        yield body[:13]
        go_on.wait(30)
        yield body[13:]

    headers = {"Authorization": f"Bearer {submitter[2]}", "Content-Type": "text/csv", "Idempotency-Key": "k-slow"}
    with serve(ec_engine) as base, httpx.Client(base_url=base, timeout=60) as http:
        first = threading.Thread(target=lambda: answers.append(
            http.post("/api/v1/manifests", content=slow(), headers=headers)))
        first.start()
        for _ in range(200):  # until the first has failed on its header (it is still receiving its body)
            with Session(ec_engine) as s:
                if s.scalar(select(func.count()).select_from(AuditEntry).where(
                        AuditEntry.actor == f"trader:{submitter[1]}")):
                    break
            threading.Event().wait(0.05)
        threading.Event().wait(0.3)
        during = http.post("/api/v1/manifests", content=body, headers=headers)
        go_on.set()
        first.join()
        after = http.post("/api/v1/manifests", content=body, headers=headers)
    assert during.status_code == 409 and during.json()["error"] == "manifest_in_progress"
    out = [orjson.loads(x) for x in answers[0].content.splitlines()]
    assert out[-1]["status"] == "failed" and out[-1]["error"]["code"] == "bad_header"
    assert after.headers.get("Idempotent-Replayed") == "true"
    assert orjson.loads(after.content.splitlines()[-1]) == out[-1]
    with Session(ec_engine) as s:
        assert s.scalar(select(func.count()).where(Manifest.submitter_id == submitter[0])) == 1


def test_a_body_over_the_size_limit_is_not_replayed_even_when_it_failed_before_the_limit(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from smartcustoms.ecommerce.config import get_ecommerce_settings
    from tests.live import serve

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES", "4000")
    get_ecommerce_settings.cache_clear()
    body = b"nope,columns\n" + b"x,y\n" * 2000

    def slow() -> Iterator[bytes]:  # the header fails before the limit is reached
        yield body[:13]
        threading.Event().wait(0.5)
        yield body[13:]

    headers = {"Authorization": f"Bearer {submitter[2]}", "Content-Type": "text/csv", "Idempotency-Key": "k-big"}
    with serve(ec_engine) as base, httpx.Client(base_url=base, timeout=60) as http:
        first = [orjson.loads(x) for x in http.post("/api/v1/manifests", content=slow(),
                                                     headers=headers).content.splitlines()]
        r = http.post("/api/v1/manifests", content=slow(), headers=headers)
    assert first[-1]["error"]["code"] == "bad_header"
    # Not "another body" (409): a body over the limit is never replayed (a replay reads no further than it).
    assert r.status_code == 200 and orjson.loads(r.content.splitlines()[0])["retry_of"] == first[0]["manifest_id"]


def test_a_first_request_beaten_to_its_key_by_another_is_told_to_wait(
        ec_client: TestClient, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def beaten(*_: Any, **__: Any) -> Intake:  # PostgreSQL: the other's insert of the key committed first
        raise IntegrityError("INSERT INTO ecommerce_manifest_keys", {}, Exception("duplicate key"))

    monkeypatch.setattr(api.Intake, "open", beaten)
    r, _ = _post(ec_client, submitter, _body(submitter[1], 1), "k-beaten")
    assert r.status_code == 409 and r.json()["error"] == "manifest_in_progress"


def test_two_retries_of_a_cut_manifest_at_once_open_one(ec_engine: Engine, submitter: Any) -> None:
    cut = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "api", key="k-cut-race")
    cut.finish({"field": "body", "reason": "lost", "code": "connection_lost"})
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def retry() -> None:
        barrier.wait()
        try:
            opened = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "api", key="k-cut-race")
            outcomes.append(f"opened after {opened.retry_of}")
        except manifest_keys.KeyBusy as busy:  # naming the retry being received, not the cut one
            outcomes.append("busy" if busy.manifest_id != cut.manifest_id else "busy naming the cut one")
        except IntegrityError:
            outcomes.append("busy")

    _at_once(retry, 4)
    assert sorted(outcomes) == ["busy", "busy", "busy", f"opened after {cut.manifest_id}"]
    with Session(ec_engine) as s:
        assert s.scalar(select(func.count()).where(Manifest.submitter_id == submitter[0])) == 2


def _at_once(target: Any, n: int) -> None:
    """Run `target` in n threads (it waits on a barrier of n to start together) and wait for them."""
    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
