"""Manifests whose intake stopped without an end are marked interrupted, and say what the submitter should do."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.app import create_app
from smartcustoms.audit.models import AuditEntry
from smartcustoms.db import make_engine, utcnow
from smartcustoms.ecommerce import lifecycle, pipeline
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.models import Manifest
from smartcustoms.ecommerce.pipeline import Intake
from smartcustoms.ecommerce.stale import mark_interrupted
from smartcustoms.identity import service as identity
from smartcustoms.settings import get_settings
from tests.ecommerce.conftest import consignment, login_officer, prepare
from tests.ecommerce.test_pipeline import jl, run


def test_only_a_silent_manifest_still_receiving_is_interrupted() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    after = timedelta(minutes=30)
    assert lifecycle.manifest_interrupted("receiving", now - after, now, after)
    assert not lifecycle.manifest_interrupted("receiving", now - after + timedelta(seconds=1), now, after)
    for status in ("complete", "failed", "interrupted"):
        assert not lifecycle.manifest_interrupted(status, now - timedelta(days=1), now, after)


def _cut_short(engine: Engine, sub: tuple[int, str, str], tag: str, lines: int = 5,
               ago: timedelta = timedelta(0)) -> Intake:
    """A manifest whose intake committed its lines `ago` and then stopped (its process killed): no finish."""
    from smartcustoms.audit import service as audit

    real = pipeline.utcnow
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "utcnow", lambda: real() - ago)
        mp.setattr(audit, "utcnow", lambda: real() - ago)
        intake = Intake.open(engine, sub[0], sub[1], "jsonl", "api")
        for _ in intake.run(iter(_items(tag, lines))):
            pass
    return intake


def _items(tag: str, lines: int) -> list[Any]:
    from smartcustoms.ecommerce import parse

    body = b"".join(jl(*[consignment(f"{tag}-{i}") for i in range(lines)]))
    return list(parse.items([body], "jsonl", 64 * 1024))


def _manifest(engine: Engine, mid: str) -> Manifest:
    with Session(engine) as s:
        m = s.get(Manifest, mid)
        assert m is not None
        s.expunge(m)
        return m


def test_a_killed_intake_is_marked_interrupted_and_a_live_one_is_not(ec_engine: Engine, submitter: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # (Opened in this order, as opening a manifest sweeps too: the live one would find the killed one silent.)
    live = _cut_short(ec_engine, submitter, f"{submitter[1]}-L", ago=timedelta(minutes=1))
    killed = _cut_short(ec_engine, submitter, f"{submitter[1]}-K", ago=timedelta(minutes=40))
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_INTERRUPTED_AFTER_MINUTES", "100000")  # no sweep on this opening
    get_ecommerce_settings.cache_clear()
    _, done = run(ec_engine, submitter, jl(consignment(f"{submitter[1]}-D")))
    with Session(ec_engine) as s, s.begin():
        marked = mark_interrupted(s, utcnow(), timedelta(minutes=30))
    assert killed.manifest_id in marked and live.manifest_id not in marked
    assert done["manifest_id"] not in marked
    m = _manifest(ec_engine, killed.manifest_id)
    assert m.status == "interrupted" and m.lines == 5 and m.completed_at is not None
    error = orjson.loads(m.error or "null")
    assert error["code"] == "interrupted" and "with 5 line(s) answered" in error["reason"]
    assert "send the manifest again" in error["reason"]
    assert _manifest(ec_engine, live.manifest_id).status == "receiving"
    assert _manifest(ec_engine, done["manifest_id"]).status == "complete"
    with Session(ec_engine) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == killed.manifest_id)
                                 .order_by(AuditEntry.seq)))
    assert actions == ["ecommerce.manifest_opened", "ecommerce.chunk_committed", "ecommerce.manifest_interrupted"]
    # An intake that was only slow, not gone, ends where it ends: its last commit completes the manifest.
    assert killed.finish()["status"] == "complete"
    assert _manifest(ec_engine, killed.manifest_id).error is None


def test_the_sweep_reads_every_receiving_manifest_in_one_query(ec_engine: Engine, submitter: Any) -> None:
    """It runs whenever a manifest is opened: its cost must not grow with the manifests being received."""
    from sqlalchemy import event

    for i in range(4):
        _cut_short(ec_engine, submitter, f"{submitter[1]}-Q{i}", lines=2, ago=timedelta(minutes=1))
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(ec_engine, "before_cursor_execute", seen)
    try:
        with Session(ec_engine) as s, s.begin():
            assert mark_interrupted(s, utcnow(), timedelta(minutes=30)) == []
    finally:
        event.remove(ec_engine, "before_cursor_execute", seen)
    assert len([x for x in statements if x.lstrip().upper().startswith("SELECT")]) == 1, statements


def test_opening_a_manifest_sweeps_interrupted_ones_and_the_submitter_sees_why(
        ec_engine: Engine, submitter: Any, ec_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    killed = _cut_short(ec_engine, submitter, f"{submitter[1]}-S", lines=3, ago=timedelta(minutes=45))
    run(ec_engine, submitter, jl(consignment(f"{submitter[1]}-S-next")))
    r = ec_client.get(f"/api/v1/manifests/{killed.manifest_id}", headers={"Authorization": f"Bearer {submitter[2]}"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "interrupted" and body["lines"] == 3 and body["error"]["code"] == "interrupted"
    # Resending the whole manifest finishes it: the stored lines come back as repeats.
    intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "api")
    results: list[dict[str, Any]] = []
    summary = ingest(ec_engine, intake, [b"".join(jl(*[consignment(f"{submitter[1]}-S-{i}") for i in range(5)]))],
                     "jsonl", results.extend)
    assert [r["result"] for r in results] == ["repeat"] * 3 + ["accepted"] * 2
    assert summary["status"] == "complete"


def test_sweep_from_the_command_line(new_database_url: Callable[[], str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.cli import app

    url = new_database_url()
    engine = make_engine(url)
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "Sweep Express", "SWEEP-EXPRESS", "broker")
        sub = (t.id, t.code, "")
    killed = _cut_short(engine, sub, "SW", ago=timedelta(minutes=2))
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", url)
    get_settings.cache_clear()  # read with the test database's URL by the intake above
    runner = CliRunner()
    r = runner.invoke(app, ["ecommerce", "sweep"])
    assert r.exit_code == 0, r.output
    assert "0 manifest(s) marked interrupted" in r.output  # silent for 2 minutes only: still receiving
    r = runner.invoke(app, ["ecommerce", "sweep", "--after-minutes", "1"])
    assert r.exit_code == 0, r.output
    assert f"interrupted: {killed.manifest_id}" in r.output and "1 manifest(s) marked" in r.output
    assert _manifest(engine, killed.manifest_id).status == "interrupted"
    engine.dispose()


def test_the_console_names_manifest_statuses_in_both_languages(new_database_url: Callable[[], str],
                                                               tmp_path: Path) -> None:
    # A database of its own: the console lists the 20 latest manifests, and other tests' are newer than this one.
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "Console Express", "CONSOLE-EXPRESS", "broker")
        sub = (t.id, t.code, "")
    killed = _cut_short(engine, sub, "CN", lines=2, ago=timedelta(hours=2))
    _, done = run(engine, sub, jl(consignment("CN-next")))  # opening it sweeps
    with TestClient(create_app(engine)) as client:
        login_officer(client, engine)
        for lang, labels in (("en", ("Interrupted (resend to finish)", "Complete")),
                             ("ja", ("中断（再送信で完了）", "受付完了"))):
            html = client.get(f"/console/ecommerce?lang={lang}").text
            for mid, status, label in ((killed.manifest_id, "interrupted", labels[0]),
                                       (done["manifest_id"], "complete", labels[1])):
                row = re.search(rf"{mid}</a></td>(.*?)</tr>", html, re.S)
                assert row is not None and f'data-manifest-status="{status}">{label}<' in row.group(1)
    engine.dispose()


def test_every_manifest_status_has_a_label_in_both_languages() -> None:
    from smartcustoms.ecommerce.i18n import EN, JA

    for status in lifecycle.MANIFEST_STATUSES:
        assert EN[f"ec.manifest.{status}"] and JA[f"ec.manifest.{status}"]
        assert EN[f"ec.manifest.{status}"] != JA[f"ec.manifest.{status}"]
