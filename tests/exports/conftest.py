from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from smartcustoms.identity.models import Trader
from smartcustoms.screening import service as screening
from tests.conftest import shared_data
from tests.exports.helpers import load_eul


@pytest.fixture()
def eul(session: Session) -> Any:
    """The real METI End User List loaded as the active list."""
    return load_eul(session, shared_data("watchlists", "meti-end-user-list-2025-09-29.csv"))


@pytest.fixture()
def exporter(make_trader: Callable[..., tuple[Trader, str]]) -> tuple[Trader, str]:
    return make_trader("Sakura Forwarding K.K.", kind="broker")


@pytest.fixture(autouse=True)
def _fresh_index() -> Any:
    screening.clear_cache()
    yield
    screening.clear_cache()
