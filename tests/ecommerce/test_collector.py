"""Python's cycle collector in the intake's processes: thresholds from the setting, in this process and the
worker's."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from smartcustoms.ecommerce import collector, workers
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.pipeline import Intake

PYTHONS = (700, 10, 10)  # a fresh interpreter's thresholds


@pytest.fixture()
def thresholds() -> Iterator[None]:
    """This process's thresholds as they were, and a worker pool started with the default setting, after the
    test."""
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    workers.shutdown()
    get_ecommerce_settings.cache_clear()


def test_tune_sets_the_youngest_generation_s_threshold_and_the_older_ones(thresholds: None) -> None:
    gc.set_threshold(*PYTHONS)
    collector.tune(12_345)
    assert gc.get_threshold() == (12_345, collector.OLDER, collector.OLDER)
    collector.tune(0)  # 0 leaves them as they are
    assert gc.get_threshold() == (12_345, collector.OLDER, collector.OLDER)
    gc.set_threshold(*PYTHONS)
    collector.tune(0)
    assert gc.get_threshold() == PYTHONS


def test_the_setting_s_default_raises_python_s_thresholds() -> None:
    assert get_ecommerce_settings().gc_threshold > PYTHONS[0] and PYTHONS[1] < collector.OLDER


def _worker_thresholds() -> Any:
    return workers._pool().submit(gc.get_threshold).result(timeout=60)


@pytest.mark.parametrize("setting", ["23456", "0"])
def test_an_intake_sets_them_in_its_own_process_and_in_the_worker(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch, thresholds: None, setting: str) -> None:
    """The worker takes the setting of the process that starts it; 0 leaves both processes with Python's."""
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD", setting)
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", "1")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "100")
    get_ecommerce_settings.cache_clear()
    workers.shutdown()  # a pool started by an earlier test has the setting it had then
    gc.set_threshold(*PYTHONS)
    workers.wait_ready()
    sent = workers.SENT[0]
    lines = [line.replace(b'"parcel_id":"P', b'"parcel_id":"GC' + setting.encode())
             for line in jsonl_lines(600, seed=31)]
    intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli")
    summary = ingest(ec_engine, intake, lines, "jsonl", lambda results: None)
    assert summary["accepted"] == 600 and workers.SENT[0] > sent  # the worker stored some of the chunks
    want = (int(setting), collector.OLDER, collector.OLDER) if setting != "0" else PYTHONS
    assert gc.get_threshold() == want
    assert tuple(_worker_thresholds()) == want
