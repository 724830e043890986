"""Traveller tests sign with a key made for the test session, never with var/traveller-keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smartcustoms.travellers import api, keys


@pytest.fixture(scope="session")
def _key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("traveller-keys")


@pytest.fixture(autouse=True)
def traveller_keys(_key_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SMARTCUSTOMS_TRAVELLER_KEYS_DIR", str(_key_dir))
    monkeypatch.delenv("SMARTCUSTOMS_TRAVELLER_RANDOM_RATE", raising=False)
    keys._cache.clear()
    api.limiter.hits.clear()
    api.estimate_limiter.hits.clear()
    yield _key_dir
    keys._cache.clear()
