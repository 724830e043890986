"""The intake's worker pool helpers that need no worker process."""

from __future__ import annotations

import itertools

import pytest

from smartcustoms.ecommerce import workers


def test_the_heap_is_trimmed_every_fourth_chunk_and_whenever_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trimming after every chunk had the next chunk fault the pages in again; every TRIM_EVERY-th call trims, and
    a call with `now` (between manifests) always does."""
    calls: list[int] = []
    monkeypatch.setattr(workers, "_TRIM", calls.append)
    monkeypatch.setattr(workers, "_TRIMS", itertools.count(1))
    for _ in range(3 * workers.TRIM_EVERY):
        workers.trim()
    assert len(calls) == 3 and workers.TRIM_EVERY > 1
    workers.trim(now=True)
    assert len(calls) == 4 and calls == [0, 0, 0, 0]  # malloc_trim(0): keep no padding


def test_without_glibc_nothing_is_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "_TRIM", None)
    workers.trim(now=True)  # no malloc_trim to call: nothing happens, nothing fails
