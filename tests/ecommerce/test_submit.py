"""The submitter's client (`smartcustoms ecommerce submit`): streams a file, retries with the same Idempotency-Key."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.cli import app
from smartcustoms.db import make_engine
from smartcustoms.ecommerce import submit as client
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.models import Consignment, Manifest
from tests.ecommerce.conftest import consignment, goods
from tests.ecommerce.killable import CHUNK, fresh_database, start_server
from tests.live import free_port, serve


def _manifest(tmp_path: Path, tag: str, n: int = 30) -> Path:
    rows = [consignment(f"{tag}-{i}", goods=[goods(str(500 + 700 * i))]) for i in range(n)]
    rows.insert(4, {"parcel_id": f"{tag}-bad"})
    path = tmp_path / f"{tag}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def _manifests(engine: Engine, submitter_id: int) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).where(Manifest.submitter_id == submitter_id)) or 0


def test_submit_sends_a_file_and_running_it_again_replays_the_stored_results(
        ec_engine: Engine, submitter: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _manifest(tmp_path, submitter[1])
    out = tmp_path / "results.jsonl"
    monkeypatch.setenv("CARRIER_KEY", submitter[2])
    runner = CliRunner()
    with serve(ec_engine) as base:  # a real server over HTTP
        args = ["ecommerce", "submit", str(path), "--url", base, "--api-key-env", "CARRIER_KEY", "--results", str(out)]
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        assert f"rejected: line 5 parcel {submitter[1]}-bad: " in first.output  # said on screen too
        lines = [orjson.loads(x) for x in out.read_bytes().splitlines()]
        assert [x["line"] for x in lines[:-1]] == list(range(1, 32)) and lines[-1]["status"] == "complete"
        assert lines[-1]["accepted"] == 30 and lines[-1]["rejected"] == 1
        assert _manifests(ec_engine, submitter[0]) == 1
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "replayed" in again.output
        assert _manifests(ec_engine, submitter[0]) == 1  # nothing recorded again
        replayed = [orjson.loads(x) for x in out.read_bytes().splitlines()]
        assert replayed[-1] == lines[-1] and [x["consignment_id"] for x in replayed[:-1] if "consignment_id" in x] \
            == [x["consignment_id"] for x in lines[:-1] if "consignment_id" in x]


def test_submit_names_what_is_missing_or_refused(ec_engine: Engine, submitter: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _manifest(tmp_path, submitter[1], 2)
    runner = CliRunner()
    monkeypatch.delenv("SMARTCUSTOMS_API_KEY", raising=False)
    r = runner.invoke(app, ["ecommerce", "submit", str(path)])
    assert r.exit_code == 2 and "SMARTCUSTOMS_API_KEY" in r.output
    monkeypatch.setenv("SMARTCUSTOMS_API_KEY", "not-a-key")
    with serve(ec_engine) as base:
        r = runner.invoke(app, ["ecommerce", "submit", str(path), "--url", base, "--retries", "0"])
    assert r.exit_code == 1 and "401" in r.output and "Authorization" in r.output


class Flaky(httpx.BaseTransport):
    """The test client's transport, failing the first requests as told: "connect" (no server), "cut" (the
    answer stops after its first result line), or an HTTP status with a platform error body."""

    def __init__(self, inner: httpx.BaseTransport, faults: list[Any]) -> None:
        self.inner, self.faults, self.requests = inner, faults, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        fault = self.faults.pop(0) if self.faults else None
        if fault == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(fault, tuple):
            status, code = fault
            body = {"error": code, "message": code, "errors": [{"field": "Idempotency-Key", "reason": code,
                                                                "code": code}]}
            return httpx.Response(status, json=body, headers={"Retry-After": "3"}, request=request)
        response = self.inner.handle_request(request)
        if fault == "cut":
            first = response.read().split(b"\n", 2)
            return httpx.Response(200, stream=_Cut(first[0] + b"\n" + first[1] + b"\n"), request=request)
        return response


class _Cut(httpx.SyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data
        raise httpx.ReadError("connection reset by peer")


def _run(ec_client: TestClient, submitter: Any, path: Path, faults: list[Any], **kw: Any
         ) -> tuple[client.Submitted, list[Any], list[float], Flaky]:
    transport = Flaky(ec_client._transport, faults)
    starts: list[Any] = []
    results: list[dict[str, Any]] = []
    waits: list[float] = []

    def on_start(attempt: int, why: str | None) -> None:
        starts.append((attempt, why))
        results.clear()

    with httpx.Client(transport=transport, base_url="http://testserver",
                      headers={"Authorization": f"Bearer {submitter[2]}"}) as http:
        done = client.submit(http, path, "jsonl", client.file_key(path, "jsonl"), on_start=on_start,
                             on_results=results.extend, sleep=waits.append, **kw)
    assert [x["line"] for x in results] == list(range(1, done.summary["lines"] + 1))
    return done, starts, waits, transport


def test_a_file_with_a_japanese_name_is_sent(ec_client: TestClient, ec_engine: Engine, submitter: Any,
                                             tmp_path: Path) -> None:
    path = _manifest(tmp_path, submitter[1], 2).rename(tmp_path / "マニフェスト_11月.jsonl")
    done, _, _, _ = _run(ec_client, submitter, path, [])
    assert done.summary["accepted"] == 2
    with Session(ec_engine) as s:
        assert s.get_one(Manifest, done.manifest_id).filename == "マニフェスト_11月.jsonl"


def test_a_refused_connection_and_a_cut_answer_are_sent_again_and_the_cut_one_is_replayed(
        ec_client: TestClient, ec_engine: Engine, submitter: Any, tmp_path: Path) -> None:
    path = _manifest(tmp_path, submitter[1])
    done, starts, waits, _ = _run(ec_client, submitter, path, ["connect", "cut"])
    assert [a for a, _ in starts] == [1, 2, 3] and "ConnectError" in starts[1][1] and "ReadError" in starts[2][1]
    assert waits == [1.0, 2.0]  # backoff between failed attempts
    assert done.replayed and done.attempts == 3 and done.summary["accepted"] == 30
    assert _manifests(ec_engine, submitter[0]) == 1


def test_a_manifest_in_progress_is_waited_for_and_other_refusals_are_not_retried(
        ec_client: TestClient, submitter: Any, tmp_path: Path) -> None:
    path = _manifest(tmp_path, submitter[1], 3)
    done, starts, waits, _ = _run(ec_client, submitter, path, [(409, "manifest_in_progress")] * 3, retries=0)
    assert waits == [3.0, 3.0, 3.0] and done.attempts == 4  # Retry-After; waits are not failures (retries=0)
    with pytest.raises(client.SubmitError, match="still being taken in"):
        _run(ec_client, submitter, path, [(409, "manifest_in_progress")] * 3, max_wait=5)
    with pytest.raises(client.SubmitError, match="idempotency_key_reused") as refused:
        _run(ec_client, submitter, path, [(409, "idempotency_key_reused")])
    assert refused.value.status == 409
    with pytest.raises(client.SubmitError, match="gave up after 3"):
        _run(ec_client, submitter, path, ["connect"] * 3, retries=2)
    done, _, waits, _ = _run(ec_client, submitter, path, [(503, "unavailable")])
    assert done.replayed and waits == [3.0]


def test_submit_finishes_a_manifest_whose_server_was_killed(
        new_database_url: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, trader_id, key = fresh_database(new_database_url(), tmp_path)
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_KEY_TAKEOVER_SECONDS", "1")  # the restarted server's setting
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(jsonl_lines(4000, seed=32)))
    port = free_port()
    proc = start_server(url, port)
    seen: list[dict[str, Any]] = []
    starts: list[Any] = []
    killed = threading.Event()

    def on_results(chunk: list[dict[str, Any]]) -> None:
        seen.extend(chunk)
        if len(seen) >= 2 * CHUNK and not killed.is_set():
            os.kill(proc.pid, signal.SIGKILL)
            killed.set()

    def on_start(attempt: int, why: str | None) -> None:
        starts.append(why)
        seen.clear()

    def wait(seconds: float) -> None:  # the server is back by the time the client sends again
        nonlocal proc
        if proc.poll() is not None:
            proc.wait()
            proc = start_server(url, port)
        threading.Event().wait(min(seconds, 2.0))

    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
                          timeout=120) as http:
            done = client.submit(http, path, "jsonl", client.file_key(path, "jsonl"), on_start=on_start,
                                 on_results=on_results, sleep=wait)
    finally:
        proc.kill()
        proc.wait()
    assert killed.is_set() and len(starts) >= 2
    assert done.retry_of is not None and done.summary["status"] == "complete"
    assert [x["line"] for x in seen] == list(range(1, 4001))
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            stored = s.scalars(select(Consignment.parcel_id).where(Consignment.submitter_id == trader_id)).all()
            assert len(stored) == len(set(stored))  # each parcel once
            assert set(stored) == {x["parcel_id"] for x in seen if x["result"] in ("accepted", "repeat")}
            assert s.get_one(Manifest, done.retry_of).status == "interrupted"
    finally:
        engine.dispose()


def test_what_a_retry_cannot_mend_is_not_retried(tmp_path: Path, ec_engine: Engine, submitter: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _manifest(tmp_path, "P", 1)
    waits: list[float] = []
    with httpx.Client(base_url="ftp://example.invalid") as http, pytest.raises(client.SubmitError,
                                                                              match="UnsupportedProtocol"):
        client.submit(http, path, "jsonl", "k", on_start=lambda *_: None, on_results=lambda _: None,
                      sleep=waits.append)
    assert waits == []
    runner = CliRunner()
    monkeypatch.setenv("SMARTCUSTOMS_API_KEY", submitter[2])
    for args, hint in ((["--idempotency-key", "clé-1"], "--idempotency-key"), (["--url", "localhost:8000"], "--url")):
        r = runner.invoke(app, ["ecommerce", "submit", str(path), *args])
        assert r.exit_code == 2 and hint in r.output, r.output


def test_results_sent_to_a_pipe_say_where_a_retry_starts_again(
        ec_engine: Engine, submitter: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _manifest(tmp_path, submitter[1], 3)
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    real, calls = client._once, []

    def cut_once(*args: Any, **kw: Any) -> client.Submitted:
        calls.append(1)
        if len(calls) == 1:
            args[4]([{"line": 1, "result": "accepted"}])  # one result line out before the answer was cut
            raise client._Again("ReadError: connection reset")
        return real(*args, **kw)

    monkeypatch.setattr(client, "_once", cut_once)
    monkeypatch.setattr(client.time, "sleep", lambda _: None)
    monkeypatch.setenv("SMARTCUSTOMS_API_KEY", submitter[2])
    with serve(ec_engine) as base:
        r = CliRunner().invoke(app, ["ecommerce", "submit", str(path), "--url", base, "--results", str(fifo)])
    reader.join(10)
    assert r.exit_code == 0, r.output
    lines = [orjson.loads(x) for x in got[0].splitlines()]
    assert lines[1] == {"result": "retry", "attempt": 2, "reason": "ReadError: connection reset"}
    assert [x["line"] for x in lines[2:-1]] == [1, 2, 3, 4] and lines[-1]["result"] == "summary"
