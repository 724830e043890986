from __future__ import annotations

from collections.abc import Iterator

import pytest

from smartcustoms.payments.config import get_payment_settings


@pytest.fixture(autouse=True)
def _fresh_payment_settings() -> Iterator[None]:
    get_payment_settings.cache_clear()
    yield
    get_payment_settings.cache_clear()
