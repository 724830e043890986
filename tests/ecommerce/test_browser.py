"""The e-commerce console in a real headless Chromium against a live server: the overview's chart, a seller's open
consignments held in bulk, and the value-reference chart with its filter."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartcustoms.console import i18n as console_i18n
from smartcustoms.console.views import JST
from smartcustoms.db import make_engine
from smartcustoms.ecommerce import i18n, lifecycle, valueref_service
from smartcustoms.ecommerce.models import Consignment
from smartcustoms.ecommerce.valueref import Band
from smartcustoms.identity import service as identity
from smartcustoms.risk import service as risk
from tests.console.helpers import PASSWORD
from tests.console.test_browser import browser_context  # noqa: F401 - the Chromium fixture
from tests.ecommerce.conftest import consignment, prepare
from tests.ecommerce.test_pipeline import jl, run
from tests.live import serve

pytestmark = pytest.mark.browser
EN = i18n.EN


@dataclass
class Live:
    base: str
    engine: Engine
    seller: str
    inspected: list[str]

    def statuses(self) -> list[str]:
        with Session(self.engine) as s:
            return [s.get(Consignment, i).status for i in self.inspected]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def live(new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The app on a fresh database: an officer, a manifest with a seller a profile inspects, value references."""
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path_factory.mktemp("ec-browser"))
    code = f"CAR-{uuid.uuid4().hex[:6].upper()}"
    with Session(engine) as s, s.begin():
        identity.create_officer(s, "sasaki", PASSWORD, "officer", actor="test")
        risk.create_profile(s, risk.ProfileSpec("Browser: inspect seller", 3, "seller under investigation",
                                                consignor_name="Inspect Me Ltd"), "test")
        t = identity.create_trader(s, "Browser Express", code, "broker")
        sub = (t.id, t.code, "")
    seller = {"id": f"BAD-{code}", "name": "Inspect Me Ltd", "country": "CN"}
    records = [consignment(f"{code}-{i}", platform="Qoo10", seller=seller) for i in range(3)]
    records += [consignment(f"{code}-ok{i}") for i in range(2)]
    results, _ = run(engine, sub, jl(*records))
    today = datetime.now(JST).date()
    with Session(engine) as s, s.begin():
        valueref_service.save(s, [Band("392690", "PCE", 1200, math.log(800), 0.5),
                                  Band("610910", "PCE", 90, math.log(2500), 0.4),
                                  Band("851830", "PCE", 4000, math.log(12000), 0.7)],
                              today - timedelta(days=89), today, actor="test")
    with serve(engine) as base:
        yield Live(base, engine, seller["id"], sorted(r["consignment_id"] for r in results if r["lane"] == 3))
    engine.dispose()


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label(console_i18n.EN["login.username"]).fill("sasaki")
    page.get_by_label(console_i18n.EN["login.password"]).fill(PASSWORD)
    page.get_by_role("button", name=console_i18n.EN["login.submit"]).click()
    page.wait_for_url(f"{base}/console/")


def test_an_officer_holds_a_sellers_open_consignments_from_the_overview(
        live: Live, browser_context: Callable[..., Any]) -> None:  # noqa: F811 - the imported fixture
    page = browser_context().new_page()
    _log_in(page, live.base)
    page.goto(f"{live.base}/console/ecommerce?group=seller&lang=en")
    chart = page.locator("figure.chart-wrap svg[role=img]")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300
    page.locator(f'tr[data-key="{live.seller}"] td.num a').first.click()  # the open count: the seller's open list
    page.wait_for_url(f"**/console/ecommerce/consignments?seller={live.seller}&status=open")
    rows = page.locator("[data-testid=ec-consignments] tbody tr")
    assert rows.count() == 3
    for cid in live.inspected[:2]:
        page.locator(f'tr[data-id="{cid}"] input[name=ids]').check()
    page.get_by_label(EN["ec.action"]).select_option("hold")
    page.get_by_label(EN["ec.reason"]).fill("seller under investigation")
    page.get_by_role("button", name=EN["ec.bulk.apply"]).click()
    page.wait_for_load_state()
    assert page.get_by_text(EN["ec.done"].format(done=2, skipped=0)).is_visible()
    assert sorted(live.statuses()) == sorted([lifecycle.HELD, lifecycle.HELD, lifecycle.INSPECTION])


def test_the_value_references_chart_and_its_filter(live: Live,
                                                   browser_context: Callable[..., Any]) -> None:  # noqa: F811
    page = browser_context().new_page()
    _log_in(page, live.base)
    page.goto(f"{live.base}/console/ecommerce?lang=en")
    page.get_by_role("link", name=EN["ec.vr.nav"]).click()
    page.wait_for_url("**/console/ecommerce/value-refs")
    chart = page.get_by_role("img", name=EN["ec.vr.chart"])
    assert chart.is_visible() and chart.locator("g.band").count() == 3
    assert page.locator("[data-testid=vr-bands] tbody tr").count() == 3
    page.get_by_label(EN["ec.vr.filter"]).fill("6109")
    page.get_by_role("button", name=EN["ec.vr.show"]).click()
    page.wait_for_url("**/console/ecommerce/value-refs?hs6=6109")
    assert page.locator("[data-testid=vr-bands] tbody tr").count() == 1
    assert page.locator("[data-testid=vr-bands] tbody tr td").first.inner_text() == "610910"
    page.goto(f"{live.base}/console/ecommerce/value-refs?lang=ja")
    assert page.get_by_role("heading", name=i18n.JA["ec.vr.title"]).is_visible()



def test_an_officer_records_an_inspection_result_and_sees_the_hit_rates(
        live: Live, browser_context: Callable[..., Any]) -> None:  # noqa: F811 - the imported fixture
    page = browser_context().new_page()
    _log_in(page, live.base)
    cid = live.inspected[2]
    page.goto(f"{live.base}/console/ecommerce/consignments/{cid}?lang=en")
    assert page.get_by_test_id("ec-pending").is_visible()
    page.get_by_label(EN["ec.action"]).select_option("release")
    page.get_by_label(EN["ec.result"], exact=True).select_option("no_discrepancy")
    page.get_by_label(EN["ec.reason"]).fill("x-ray clear")
    page.get_by_role("button", name=EN["ec.bulk.apply"]).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("ec-result").inner_text() == EN["ec.result.recorded"].format(
        result=EN["ec.result.no_discrepancy"])
    assert live.statuses()[2] == lifecycle.RELEASED
    page.get_by_role("link", name=EN["ec.insp.nav"]).click()
    page.wait_for_url("**/console/ecommerce/inspections")
    chart = page.get_by_role("img", name=EN["ec.insp.chart"])
    assert chart.is_visible() and chart.locator("g.bar").count() >= 1
    row = page.locator("[data-testid=insp-rows] tbody tr", has_text="Browser: inspect seller")
    assert row.locator("td").nth(1).inner_text() == "1" and row.locator("td").nth(3).inner_text() == "0.0%"
