"""SIGKILL the server in the middle of a large manifest: every acknowledged consignment survives exactly once,
and re-sending the manifest completes it without duplicates."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms.db import make_engine
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.models import Consignment, Manifest
from tests.ecommerce.killable import CHUNK, fresh_database, start_server
from tests.live import free_port

COUNT = 6000
_start = start_server


def _body() -> Iterator[bytes]:
    batch: list[bytes] = []
    for line in jsonl_lines(COUNT, seed=31):
        batch.append(line)
        if len(batch) == 500:
            yield b"".join(batch)
            batch = []
    if batch:
        yield b"".join(batch)


@pytest.fixture()
def fresh_db(new_database_url: Callable[[], str], tmp_path: Path) -> tuple[str, int, str]:
    return fresh_database(new_database_url(), tmp_path)


def test_sigkill_mid_manifest_then_resend(fresh_db: tuple[str, int, str]) -> None:
    url, trader_id, key = fresh_db
    port = free_port()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    proc = _start(url, port)
    acked: list[dict[str, Any]] = []
    manifest_id = None
    try:
        with httpx.Client(timeout=120) as client, client.stream(
                "POST", f"http://127.0.0.1:{port}/api/v1/manifests", content=_body(), headers=headers) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                item = orjson.loads(line)
                if item["result"] == "manifest":
                    manifest_id = item["manifest_id"]
                    continue
                acked.append(item)
                if len(acked) >= 2 * CHUNK:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
    except httpx.HTTPError:
        pass
    proc.wait(timeout=30)
    assert manifest_id and 2 * CHUNK <= len(acked) < COUNT, "the kill must land mid-manifest"

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            ids = [a["consignment_id"] for a in acked if a["result"] == "accepted"]
            c = Consignment
            stored = s.execute(select(c.id, c.parcel_id, c.lane, c.total_tax_jpy).where(c.id.in_(ids))).all()
            assert {(row[0], row[1], row[2], row[3]) for row in stored} == {
                (a["consignment_id"], a["parcel_id"], a["lane"], a["total_tax_jpy"])
                for a in acked if a["result"] == "accepted"}
            before = s.scalar(select(func.count()).select_from(Consignment)
                              .where(Consignment.submitter_id == trader_id)) or 0
            assert before < COUNT
            interrupted = s.get(Manifest, manifest_id)
            assert interrupted is not None and interrupted.status == "receiving" and interrupted.lines >= len(acked)

        proc = _start(url, port)
        with httpx.Client(timeout=300) as client:
            # Where the submitter stands: the stored results of the interrupted manifest, paged.
            page = client.get(f"http://127.0.0.1:{port}/api/v1/manifests/{manifest_id}/results",
                              params={"limit": 10000}, headers=headers).json()
            # What was acknowledged is what is stored, except that a chunk committed after it (and not yet
            # acknowledged when the server died) may have linked an acknowledged parcel to a split group:
            # earlier members join a group when a later parcel completes it (docs/ecommerce.md, Split shipments).
            def unlinked(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
                return [{k: v for k, v in x.items() if k != "split_group"} for x in results]

            assert unlinked(page["results"][:len(acked)]) == unlinked(acked)
            for a, now in zip(acked, page["results"], strict=False):
                if "split_group" in a:
                    assert now["split_group"] == a["split_group"]
            r = client.post(f"http://127.0.0.1:{port}/api/v1/manifests", content=_body(), headers=headers)
        out = [orjson.loads(x) for x in r.content.splitlines()]
        results, summary = out[1:-1], out[-1]
        assert [x["line"] for x in results] == list(range(1, COUNT + 1))  # nothing without a result
        assert summary["status"] == "complete" and summary["repeats"] >= sum(
            1 for a in acked if a["result"] == "accepted")
        for a in acked:
            if a["result"] == "accepted":
                again = results[a["line"] - 1]
                assert again["result"] == "repeat" and again["consignment_id"] == a["consignment_id"]
        with Session(engine) as s:
            total = s.scalar(select(func.count()).select_from(Consignment)
                             .where(Consignment.submitter_id == trader_id)) or 0
            distinct = s.scalar(select(func.count(func.distinct(Consignment.parcel_id)))
                                .where(Consignment.submitter_id == trader_id)) or 0
        assert total == distinct == summary["accepted"] + summary["repeats"]
        assert total + summary["rejected"] == COUNT
    finally:
        proc.kill()
        proc.wait(timeout=30)
        engine.dispose()
