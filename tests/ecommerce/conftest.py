"""E-commerce tests run on a database of their own: the intake commits chunk by chunk, as in production."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.app import create_app
from smartcustoms.db import make_engine
from smartcustoms.demo import demo_rates_csv
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.identity import service as identity
from smartcustoms.reference import service as reference


def prepare(engine: Engine, tmp: Path) -> None:
    """Migrate and load illustrative weekly rates around today (USD 150, CNY 21, EUR 162 ...)."""
    migrate.upgrade(engine)
    path = tmp / "rates.csv"
    path.write_text(demo_rates_csv(date.today()), "utf-8")
    with Session(engine) as s, s.begin():
        reference.load_rates(s, reference.parse_rates_csv(path), actor="test")


@pytest.fixture(scope="session")
def ec_engine(new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One committed database for the e-commerce tests (each test uses its own submitter and parcel ids)."""
    eng = make_engine(new_database_url())
    prepare(eng, tmp_path_factory.mktemp("ecrates"))
    yield eng
    eng.dispose()


def new_submitter(engine: Engine) -> tuple[int, str, str]:
    """A new carrier (trader) with an API key: (id, code, key)."""
    code = f"CAR-{uuid.uuid4().hex[:8].upper()}"
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, f"Carrier {code}", code, "broker")
        key = identity.issue_api_key(s, t)
        return t.id, t.code, key


@pytest.fixture()
def submitter(ec_engine: Engine) -> tuple[int, str, str]:
    """A new carrier (trader) with an API key: (id, code, key)."""
    return new_submitter(ec_engine)


@pytest.fixture()
def ec_client(ec_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(ec_engine)) as c:
        yield c


@pytest.fixture(autouse=True)
def _fresh_ecommerce_settings() -> Iterator[None]:
    get_ecommerce_settings.cache_clear()
    yield
    get_ecommerce_settings.cache_clear()


def consignment(parcel: str, **kw: Any) -> dict[str, Any]:
    """A valid consignment record; keyword arguments replace top-level fields."""
    base: dict[str, Any] = {
        "parcel_id": parcel, "platform": "Temu",
        "seller": {"id": "S-1", "name": "Yiwu Direct Store", "country": "CN", "registration_id": None},
        "mail_order": True,
        "consignee": {"name": "Sato Yui", "address": "1-2-3 Setagaya-ku, Tokyo", "id": f"JC-{parcel}"},
        "delivery_place": "Tokyo Setagaya-ku", "personal_use": True,
        "goods": [{"description": "phone case", "hs_code": "392690", "quantity": 1, "value": "50.00",
                   "currency": "CNY", "origin_country": "CN"}],
    }
    base.update(kw)
    return base


def goods(value: str, currency: str = "JPY", hs: str | None = "392690", **kw: Any) -> dict[str, Any]:
    return {"description": "plastic phone case", "hs_code": hs, "quantity": 1, "value": value, "currency": currency,
            **kw}


OFFICER_PASSWORD = "ecommerce-officer-pass"


def login_officer(client: TestClient, engine: Engine) -> TestClient:
    """Log the test client in as a new officer, English remembered in its session."""
    from tests.console.helpers import csrf_of

    name = f"ec{uuid.uuid4().hex[:8]}"
    with Session(engine) as s, s.begin():
        identity.create_officer(s, name, OFFICER_PASSWORD, "officer")
    page = client.get("/console/login")
    r = client.post("/console/login", data={"username": name, "password": OFFICER_PASSWORD,
                                            "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    client.get("/console/ecommerce?lang=en")  # remembered in the session
    return client


@pytest.fixture()
def officer_client(ec_client: TestClient, ec_engine: Engine) -> TestClient:
    """The test client logged in as a new officer."""
    return login_officer(ec_client, ec_engine)
