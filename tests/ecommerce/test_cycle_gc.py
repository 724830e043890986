"""Python's cycle collector in the intake's processes: thresholds from the setting, in the server's process, the
intake's and its worker's. (tests/conftest.py puts this process's thresholds back after every test.)"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from smartcustoms.app import create_app
from smartcustoms.ecommerce import cycle_gc, workers
from smartcustoms.ecommerce.config import EcommerceSettings, get_ecommerce_settings
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.pipeline import Intake

PYTHONS = (700, 10, 10)  # a fresh interpreter's thresholds


@pytest.fixture()
def no_pool() -> Iterator[None]:
    """No worker pool before the test (one started earlier has the setting it had then), nor after it (the next
    test's starts with the setting then in force)."""
    workers.shutdown()
    yield
    workers.shutdown()


def test_tune_sets_the_youngest_generation_s_threshold_and_the_older_ones() -> None:
    gc.set_threshold(*PYTHONS)
    cycle_gc.tune(12_345)
    assert gc.get_threshold() == (12_345, cycle_gc.OLDER_AFTER, cycle_gc.OLDER_AFTER)
    cycle_gc.tune(0)  # 0 leaves them as they are
    assert gc.get_threshold() == (12_345, cycle_gc.OLDER_AFTER, cycle_gc.OLDER_AFTER)
    gc.set_threshold(*PYTHONS)
    cycle_gc.tune(0)
    assert gc.get_threshold() == PYTHONS


@pytest.mark.parametrize("value", ["1", "699"])
def test_a_threshold_below_python_s_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD", value)
    with pytest.raises(ValidationError, match=rf"gc_threshold[\s\S]*at least 700, not {value}"):
        EcommerceSettings()


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("700", 700), (None, 20_000)])
def test_zero_python_s_own_and_the_default_are_taken(
        monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int) -> None:
    if value is None:
        monkeypatch.delenv("SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD", raising=False)
    else:
        monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD", value)
    assert EcommerceSettings().gc_threshold == expected


def test_the_server_s_process_takes_the_setting_when_its_routes_are_mounted(
        ec_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD", "34567")
    get_ecommerce_settings.cache_clear()
    gc.set_threshold(*PYTHONS)
    create_app(ec_engine)
    assert gc.get_threshold() == (34_567, cycle_gc.OLDER_AFTER, cycle_gc.OLDER_AFTER)


def _worker_thresholds() -> tuple[int, int, int]:
    youngest, middle, oldest = workers._pool().submit(gc.get_threshold).result(timeout=60)
    return youngest, middle, oldest


@pytest.mark.parametrize("setting", ["23456", "0"])
def test_the_intake_s_process_and_its_worker_take_the_setting(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch, no_pool: None, setting: str) -> None:
    """The worker takes the setting of the process that starts it (its pool starts with the intake); 0 leaves both
    processes with Python's thresholds."""
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD", setting)
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", "1")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "100")
    get_ecommerce_settings.cache_clear()
    gc.set_threshold(*PYTHONS)
    workers.wait_ready()
    sent = workers.SENT[0]
    lines = [line.replace(b'"parcel_id":"P', b'"parcel_id":"GC' + setting.encode())
             for line in jsonl_lines(600, seed=31)]
    intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli")
    summary = ingest(ec_engine, intake, lines, "jsonl", lambda results: None)
    assert summary["accepted"] == 600 and workers.SENT[0] > sent  # chunks went to the worker
    want = (int(setting), cycle_gc.OLDER_AFTER, cycle_gc.OLDER_AFTER) if setting != "0" else PYTHONS
    assert gc.get_threshold() == want
    assert _worker_thresholds() == want
