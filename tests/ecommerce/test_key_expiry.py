"""Idempotency-Keys expire after SMARTCUSTOMS_ECOMMERCE_IDEMPOTENCY_KEY_DAYS (ecommerce/key_expiry.py): a retry after
that is a new request that stores nothing twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.cli import app
from smartcustoms.db import utcnow
from smartcustoms.ecommerce import key_expiry
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.models import ActionKey, Consignment, Manifest, ManifestKey
from smartcustoms.identity import service as identity
from smartcustoms.settings import get_settings
from tests.ecommerce.test_manifest_keys import _body, _post


def _age(engine: Engine, manifest_id: str, days: float) -> None:
    """The manifest as received `days` days ago."""
    with Session(engine) as s, s.begin():
        s.execute(update(Manifest).where(Manifest.id == manifest_id)
                  .values(received_at=utcnow() - timedelta(days=days)))


def _key_names(engine: Engine, submitter_id: int, key: str) -> str | None:
    with Session(engine) as s:
        return s.scalar(select(ManifestKey.manifest_id).where(ManifestKey.submitter_id == submitter_id,
                                                              ManifestKey.key == key))


def test_a_key_whose_manifest_is_older_than_the_days_is_removed_and_its_retry_stores_nothing_twice(
        ec_client: TestClient, ec_engine: Engine, submitter: Any) -> None:
    body = _body(submitter[1])
    first, out = _post(ec_client, submitter, body, "old-key")
    recent, _ = _post(ec_client, submitter, _body(f"{submitter[1]}-R"), "recent-key")
    assert first.status_code == 200 and recent.status_code == 200
    old_mid = out[0]["manifest_id"]
    _age(ec_engine, old_mid, 31)
    with Session(ec_engine) as s, s.begin():
        done = key_expiry.expire(s, utcnow(), 30)
    assert done.manifest_keys >= 1  # other tests' keys on this shared database are younger
    assert _key_names(ec_engine, submitter[0], "old-key") is None
    assert _key_names(ec_engine, submitter[0], "recent-key") is not None
    with Session(ec_engine) as s:
        stored = s.scalar(select(func.count()).where(Consignment.submitter_id == submitter[0]))
    again, out2 = _post(ec_client, submitter, body, "old-key")
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers  # a new request now
    new_mid = out2[0]["manifest_id"]
    assert new_mid != old_mid and _key_names(ec_engine, submitter[0], "old-key") == new_mid
    results = [x.get("result") for x in out2[1:-1]]  # between the manifest line and the summary
    assert results.count("repeat") == 12 and "accepted" not in results  # every parcel stored once: repeats
    with Session(ec_engine) as s:
        assert s.scalar(select(func.count()).where(Consignment.submitter_id == submitter[0])) == stored


def test_a_key_moved_to_a_newer_manifest_stays_as_long_as_that_manifest(
        ec_client: TestClient, ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key first bound to a manifest cut by the size limit moves to its retry's manifest; with the cut one received
    long ago and the retry's today, the key stays (it is dated by the manifest it names now), and goes once that one
    is old too."""
    body = _body(submitter[1])
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES", str(len(body) // 2))
    get_ecommerce_settings.cache_clear()
    _, cut = _post(ec_client, submitter, iter([body[i:i + 300] for i in range(0, len(body), 300)]), "moved")
    assert cut[-1]["error"]["code"] == "too_large"
    monkeypatch.delenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES")
    get_ecommerce_settings.cache_clear()
    _, retry = _post(ec_client, submitter, body, "moved")
    assert retry[0]["retry_of"] == cut[0]["manifest_id"]
    _age(ec_engine, cut[0]["manifest_id"], 40)
    with Session(ec_engine) as s, s.begin():
        key_expiry.expire(s, utcnow(), 30)
    assert _key_names(ec_engine, submitter[0], "moved") == retry[0]["manifest_id"]
    _age(ec_engine, retry[0]["manifest_id"], 31)
    with Session(ec_engine) as s, s.begin():
        key_expiry.expire(s, utcnow(), 30)
    assert _key_names(ec_engine, submitter[0], "moved") is None


def test_action_keys_go_once_recorded_longer_ago_than_the_days(ec_engine: Engine) -> None:
    with Session(ec_engine) as s, s.begin():
        oid = identity.create_officer(s, f"keys{uuid.uuid4().hex[:6]}", "a-long-enough-pass", "officer").id
        for key, days in (("a-old", 40), ("a-new", 2)):
            s.add(ActionKey(officer_id=oid, key=key, request_hash="0" * 64, status_code=200, response={},
                            created_at=utcnow() - timedelta(days=days)))
    with Session(ec_engine) as s, s.begin():
        done = key_expiry.expire(s, utcnow(), 30)
    assert done.action_keys >= 1
    with Session(ec_engine) as s:
        kept = set(s.scalars(select(ActionKey.key).where(ActionKey.officer_id == oid)))
    assert kept == {"a-new"}
    assert done.line(30).endswith("older than 30 day(s) removed")


def test_expiry_refuses_a_clock_without_its_zone_and_no_days(ec_engine: Engine) -> None:
    with Session(ec_engine) as s:
        with pytest.raises(ValueError, match="timezone"):
            key_expiry.expire(s, datetime(2026, 11, 25, 12, 0), 30)
        with pytest.raises(ValueError, match="at least 1"):
            key_expiry.expire(s, datetime(2026, 11, 25, 12, 0, tzinfo=UTC), 0)


def test_the_sweep_command_removes_expired_keys_unless_they_are_kept(
        ec_client: TestClient, ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first, out = _post(ec_client, submitter, _body(submitter[1]), "cli-key")
    assert first.status_code == 200
    _age(ec_engine, out[0]["manifest_id"], 10)
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", ec_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    runner = CliRunner()
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_IDEMPOTENCY_KEY_DAYS", "0")
    get_ecommerce_settings.cache_clear()
    r = runner.invoke(app, ["ecommerce", "sweep"])
    assert r.exit_code == 0, r.output
    assert "Idempotency-Keys kept" in r.output and _key_names(ec_engine, submitter[0], "cli-key") is not None
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_IDEMPOTENCY_KEY_DAYS", "7")
    get_ecommerce_settings.cache_clear()
    r = runner.invoke(app, ["ecommerce", "sweep"])
    assert r.exit_code == 0, r.output
    assert "older than 7 day(s) removed" in r.output and _key_names(ec_engine, submitter[0], "cli-key") is None
    get_settings.cache_clear()
