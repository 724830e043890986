"""Officer pages: aggregates per manifest, platform and seller with a chart, drill-down, audited bulk decisions."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from smartcustoms.app import create_app
from smartcustoms.audit import service as audit
from smartcustoms.console.views import JST
from smartcustoms.db import make_engine
from smartcustoms.ecommerce import valueref_service
from smartcustoms.ecommerce.models import Consignment, Manifest
from smartcustoms.ecommerce.valueref import Band
from smartcustoms.risk import service as risk
from smartcustoms.settings import get_settings
from smartcustoms.tariff.notes import say
from tests.console.helpers import csrf_of
from tests.ecommerce.conftest import consignment, goods, login_officer, prepare
from tests.ecommerce.test_pipeline import jl, run


@pytest.fixture()
def manifest(ec_engine: Engine, submitter: Any) -> dict[str, Any]:
    """A manifest whose seller 'Inspect Me Ltd' is selected for inspection by a profile, plus lane-1 parcels."""
    tag = submitter[1]
    with Session(ec_engine) as s, s.begin():
        if not any(p.name == "EC test: inspect seller" for p in risk.active_profiles(s)):
            risk.create_profile(s, risk.ProfileSpec("EC test: inspect seller", 3, "seller under investigation",
                                                    consignor_name="Inspect Me Ltd"), "test")
    bad = {"id": f"BAD-{tag}", "name": "Inspect Me Ltd", "country": "CN"}
    records = [consignment(f"{tag}-{i}", platform="Qoo10", seller=bad) for i in range(3)]
    records += [consignment(f"{tag}-ok{i}", platform="Qoo10") for i in range(2)]
    records.append(consignment(f"{tag}-tax", personal_use=False, goods=[goods("20000", hs="392690")]))
    results, summary = run(ec_engine, submitter, jl(*records))
    return {"results": results, "summary": summary, "seller": bad["id"]}


def test_overview_groups_chart_and_languages(officer_client: TestClient, manifest: dict[str, Any]) -> None:
    mid = manifest["summary"]["manifest_id"]
    page = officer_client.get("/console/ecommerce?group=manifest&lang=en")
    assert page.status_code == 200 and mid in page.text and "<svg" in page.text
    row = re.search(rf'<tr data-key="{mid}">(.*?)</tr>', page.text, re.S)
    assert row is not None and ">6<" in row.group(1) and ">3<" in row.group(1)  # 6 consignments, 3 in lane 3
    seller = officer_client.get("/console/ecommerce?group=seller&lang=ja")
    assert "販売者別" in seller.text and "Inspect Me Ltd" in seller.text
    assert officer_client.get("/console/ecommerce?group=nonsense").status_code == 422


def test_drill_down_and_consignment_page(officer_client: TestClient, manifest: dict[str, Any]) -> None:
    listing = officer_client.get(f"/console/ecommerce/consignments?seller={manifest['seller']}&status=open")
    assert listing.status_code == 200 and listing.text.count('name="ids"') == 3
    taxed = next(r for r in manifest["results"] if r["parcel_id"].endswith("-tax"))
    page = officer_client.get(f"/console/ecommerce/consignments/{taxed['consignment_id']}?lang=en")
    assert page.status_code == 200 and f"¥{taxed['total_tax_jpy']:,}" in page.text and "392690" in page.text
    total = re.search(r'data-testid="ec-assessment-total">(.*?)</tr>', page.text, re.S)
    assert total is not None and f"¥{taxed['duty_jpy']:,}" in total.group(1)
    assert f"¥{taxed['consumption_tax_jpy']:,}" in total.group(1) and "before rounding" in page.text
    ja = officer_client.get(f"/console/ecommerce/consignments/{taxed['consignment_id']}?lang=ja").text
    assert "端数処理前" in ja and re.search(r"<td>(簡易税率|実行関税率|税率なし（無税で計算）)</td>", ja)

    def notes(html: str) -> list[str]:
        return [unescape(n) for cell in re.findall(r"<td><ul>(.*?)</ul></td>", html, re.S)
                for n in re.findall(r"<li>(.*?)</li>", cell, re.S)]

    shown = notes(page.text)
    assert shown and notes(ja) == [say(n, "ja") for n in shown] != shown  # the notes in the page's language
    assert officer_client.get("/console/ecommerce/consignments/nope").status_code == 404
    missing = officer_client.get("/console/ecommerce/consignments/nope?lang=ja").text
    assert "not found" not in missing and "nope" not in missing.split("<main", 1)[-1].split("</h1>", 1)[-1]


def test_bulk_release_of_a_group_is_audited_per_consignment(officer_client: TestClient, ec_engine: Engine,
                                                            manifest: dict[str, Any]) -> None:
    url = f"/console/ecommerce/consignments?seller={manifest['seller']}&status=open"
    token = csrf_of(officer_client.get(url).text)
    missing = officer_client.post(f"/console/ecommerce/actions?seller={manifest['seller']}",
                                  data={"csrf_token": token, "action": "release", "reason": " ", "scope": "all"})
    assert missing.status_code == 422
    # The seller's parcels are in lane 3: all matching releases none of them before its inspection has a result.
    r = officer_client.post(f"/console/ecommerce/actions?seller={manifest['seller']}&status=open",
                            data={"csrf_token": token, "action": "release", "reason": "documents checked",
                                  "scope": "all", "back": url}, follow_redirects=False)
    assert r.status_code == 303 and "0 consignment(s) changed" in officer_client.get(url + "&lang=en").text
    with Session(ec_engine) as s, s.begin():
        assert {c.status for c in s.scalars(select(Consignment).where(
            Consignment.seller_id == manifest["seller"]))} == {"inspection"}
        s.execute(update(Consignment).where(Consignment.seller_id == manifest["seller"])
                  .values(inspection_result="no_discrepancy"))
    r = officer_client.post(f"/console/ecommerce/actions?seller={manifest['seller']}&status=open",
                            data={"csrf_token": token, "action": "release", "reason": "documents checked",
                                  "scope": "all", "back": url}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    with Session(ec_engine) as s:
        rows = s.scalars(select(Consignment).where(Consignment.seller_id == manifest["seller"])).all()
        assert [c.status for c in rows] == ["released"] * 3
        assert all(c.decided_by and c.decision_reason == "documents checked" for c in rows)
        entries = audit.history(s, "ecommerce_consignment", rows[0].id)
        assert [e.action for e in entries] == ["ecommerce.release"]
        assert orjson.loads(entries[0].payload)["reason"] == "documents checked"
    flash = officer_client.get(url)
    assert "3 consignment(s) changed" in flash.text


def test_selected_actions_skip_what_does_not_apply(officer_client: TestClient, ec_engine: Engine,
                                                  manifest: dict[str, Any]) -> None:
    lane3 = [r["consignment_id"] for r in manifest["results"] if r["lane"] == 3]
    lane1 = [r["consignment_id"] for r in manifest["results"] if r["lane"] == 1][:1]
    token = csrf_of(officer_client.get("/console/ecommerce/consignments").text)
    r = officer_client.post("/console/ecommerce/actions", data={
        "csrf_token": token, "action": "inspect", "reason": "x-ray", "ids": [lane3[0], *lane1]})
    assert r.status_code == 200 and "1 consignment(s) changed; 1 skipped" in r.text
    with Session(ec_engine) as s:
        c = s.get(Consignment, lane3[0])
        assert c is not None and c.status == "inspection_ordered"


def test_a_release_from_a_page_shown_before_another_officer_held_the_parcel_is_not_made(
        officer_client: TestClient, ec_engine: Engine, manifest: dict[str, Any]) -> None:
    lane3 = [r["consignment_id"] for r in manifest["results"] if r["lane"] == 3]
    url = f"/console/ecommerce/consignments?seller={manifest['seller']}&status=open&lang=en"
    page = officer_client.get(url).text
    seen = re.findall(r'name="seen" value="([^"]+)"', page)
    assert sorted(x.rsplit(":", 2)[0] for x in seen) == sorted(lane3)  # every row says the state it shows
    with Session(ec_engine) as s, s.begin():  # another officer holds the first one meanwhile
        s.execute(update(Consignment).where(Consignment.id == lane3[0]).values(status="held"))
    r = officer_client.post("/console/ecommerce/actions", data={
        "csrf_token": csrf_of(page), "action": "release", "reason": "fine", "ids": lane3[:2], "seen": seen,
        "inspection_result": "no_discrepancy",
        "back": url}, follow_redirects=True)
    assert "1 consignment(s) changed; 0 skipped" in r.text and "1 more were not decided" in r.text
    with Session(ec_engine) as s:
        assert [s.get_one(Consignment, i).status for i in lane3[:2]] == ["held", "released"]
    detail = officer_client.get(f"/console/ecommerce/consignments/{lane3[0]}").text
    assert f'name="seen" value="{lane3[0]}:held:3"' in detail
    # Held again after an inspection order in between: the same status, another lane than the page showed.
    with Session(ec_engine) as s, s.begin():
        s.execute(update(Consignment).where(Consignment.id == lane3[2]).values(status="held", lane=2))
    page = officer_client.get(url).text
    with Session(ec_engine) as s, s.begin():
        s.execute(update(Consignment).where(Consignment.id == lane3[2]).values(status="held", lane=3))
    r = officer_client.post("/console/ecommerce/actions", data={
        "csrf_token": csrf_of(page), "action": "release", "reason": "fine", "ids": [lane3[2]],
        "inspection_result": "no_discrepancy",
        "seen": re.findall(r'name="seen" value="([^"]+)"', page)}, follow_redirects=True)
    assert "0 consignment(s) changed" in r.text and "1 more were not decided" in r.text


def test_a_page_past_the_end_after_its_rows_were_decided_goes_to_the_last_page(
        officer_client: TestClient, manifest: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce import console

    monkeypatch.setattr(console, "PAGE", 2)
    url = f"/console/ecommerce/consignments?seller={manifest['seller']}&status=open"
    page2 = officer_client.get(f"{url}&page=2")
    ids = re.findall(r'name="ids" value="([^"]+)"', page2.text)
    assert len(ids) == 1  # three open: two on page 1, one on page 2
    officer_client.post("/console/ecommerce/actions", data={
        "csrf_token": csrf_of(page2.text), "action": "release", "reason": "checked", "ids": ids,
        "inspection_result": "no_discrepancy"})
    r = officer_client.get(f"{url}&page=2", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("page=1")
    assert officer_client.get(f"{url}&page=2").text.count('name="ids"') == 2


def test_a_filtered_overview_says_so_and_its_links_keep_the_filter(officer_client: TestClient,
                                                                  manifest: dict[str, Any]) -> None:
    page = officer_client.get("/console/ecommerce?group=seller&lane=1&lang=en").text
    assert 'data-testid="ec-filtered"' in page and "Lane 1 (released)" in page
    links = re.findall(r'href="(/console/ecommerce/consignments\?[^"]+)"', page)
    assert links and all("lane=1" in x for x in links if "seller=" in x)
    released = officer_client.get("/console/ecommerce?group=seller&status=released&lang=en").text
    assert "status=released" not in " ".join(re.findall(r'<td class="num">(.*?)</td>', released))
    unfiltered = officer_client.get("/console/ecommerce?group=seller&lang=en").text
    assert 'data-testid="ec-filtered"' not in unfiltered
    row = re.search(rf'<tr data-key="{manifest["seller"]}">(.*?)</tr>', unfiltered, re.S)
    assert row is not None and f"seller={manifest['seller']}&amp;status=open" in row.group(1)


def test_refusals_and_history_speak_japanese(officer_client: TestClient, manifest: dict[str, Any]) -> None:
    lane3 = [r["consignment_id"] for r in manifest["results"] if r["lane"] == 3]
    token = csrf_of(officer_client.get("/console/ecommerce/consignments").text)
    r = officer_client.post("/console/ecommerce/actions?lang=ja", data={
        "csrf_token": token, "action": "hold", "reason": "x"})
    assert r.status_code == 422 and "貨物を選択するか" in r.text and "select consignments" not in r.text
    zw = officer_client.post("/console/ecommerce/actions?lang=ja", data={
        "csrf_token": token, "action": "hold", "reason": "偽造品\u200bの疑い", "ids": [lane3[0]]})
    assert zw.status_code == 422 and "制御文字や不可視文字は使えません" in zw.text  # not "enter a reason"
    bad = officer_client.get("/console/ecommerce/consignments?seller=a%01b&lang=ja")
    assert bad.status_code == 422 and "制御文字や不可視文字は使えません" in bad.text and "販売者" in bad.text
    officer_client.post("/console/ecommerce/actions", data={
        "csrf_token": token, "action": "hold", "reason": "偽造品の疑い", "ids": [lane3[0]]})
    detail = officer_client.get(f"/console/ecommerce/consignments/{lane3[0]}?lang=ja").text
    history = re.search(r'data-testid="ec-history">(.*?)</ul>', detail, re.S)
    assert history is not None and "保留" in history.group(1) and "偽造品の疑い" in history.group(1)
    assert "ecommerce.hold" not in history.group(1)


def test_actions_need_the_csrf_token(officer_client: TestClient, manifest: dict[str, Any]) -> None:
    r = officer_client.post("/console/ecommerce/actions", data={"action": "release", "reason": "x",
                                                                "ids": [manifest["results"][0]["consignment_id"]]})
    assert r.status_code == 403


def test_pages_need_a_login(ec_client: TestClient) -> None:
    r = ec_client.get("/console/ecommerce", follow_redirects=False)
    assert r.status_code == 303 and "/console/login" in r.headers["location"]


def test_pages_and_results_are_read_while_a_chunk_is_being_committed(
        officer_client: TestClient, ec_engine: Engine, submitter: Any, manifest: dict[str, Any]) -> None:
    """A bulk intake holds the application's connection (and on SQLite the write lock) while it stores a chunk.
    Officers' pages and the submitter's result reads do not wait for it: they read the last committed state."""
    mid = manifest["summary"]["manifest_id"]
    bearer = {"Authorization": f"Bearer {submitter[2]}"}
    with ec_engine.begin() as w:  # the application's one SQLite connection, its write lock taken
        w.execute(update(Manifest).where(Manifest.id == mid).values(lines=Manifest.lines + 1000))
        page = officer_client.get("/console/ecommerce?group=manifest&lang=en")
        row = re.search(rf'<tr data-key="{mid}">(.*?)</tr>', page.text, re.S)
        assert page.status_code == 200 and row is not None and ">6<" in row.group(1)
        listing = officer_client.get(f"/console/ecommerce/consignments?seller={manifest['seller']}&status=open")
        assert listing.status_code == 200 and listing.text.count('name="ids"') == 3
        one = manifest["results"][0]
        detail = officer_client.get(f"/console/ecommerce/consignments/{one['consignment_id']}")
        assert detail.status_code == 200 and one["parcel_id"] in detail.text
        summary = officer_client.get(f"/api/v1/manifests/{mid}", headers=bearer)
        assert summary.status_code == 200 and summary.json()["lines"] == 6  # not the uncommitted 1,006
        results = officer_client.get(f"/api/v1/manifests/{mid}/results", headers=bearer)
        assert [r["line"] for r in results.json()["results"]] == [r["line"] for r in manifest["results"]]
        parcel = officer_client.get(f"/api/v1/parcels/{one['parcel_id']}", headers=bearer)
        assert parcel.json()["consignment_id"] == one["consignment_id"]
        assert officer_client.get("/api/v1/manifests", headers=bearer).json()[0]["manifest_id"] == mid
    after = officer_client.get(f"/api/v1/manifests/{mid}", headers=bearer).json()
    assert after["lines"] == 1006


@pytest.mark.parametrize("query", ["status=open", "status=open&lane=3", "status=open&lane=2"])
def test_the_open_list_from_the_menu_shows_the_first_open_consignments_in_order(
        officer_client: TestClient, ec_engine: Engine, manifest: dict[str, Any], query: str) -> None:
    """The officers' queue as the menu links it (every open consignment, or one lane's), through the reading
    session: the page lists the first open consignments, lane 3 first, then the oldest."""
    from smartcustoms.ecommerce import lifecycle
    from smartcustoms.ecommerce.console import PAGE

    c = Consignment
    lane = re.search(r"lane=(\d)", query)
    with Session(ec_engine) as s:
        expected = list(s.scalars(select(c.id).where(c.status.in_(lifecycle.OPEN),
                                                      *([c.lane == int(lane.group(1))] if lane else []))
                                  .order_by(c.lane.desc(), c.received_at, c.id).limit(PAGE)))
    page = officer_client.get(f"/console/ecommerce/consignments?{query}&lang=en")
    assert page.status_code == 200
    assert re.findall(r'<input type="checkbox" name="ids" value="([^"]+)"', page.text) == expected
    if "lane=2" not in query:
        assert len(expected) >= 3  # this manifest's lane-3 parcels at least


def test_acting_on_all_matching_over_the_limit_says_that_more_remain(
        officer_client: TestClient, ec_engine: Engine, manifest: dict[str, Any], monkeypatch: Any) -> None:
    from smartcustoms.ecommerce.config import get_ecommerce_settings

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_BULK_ACTION", "2")
    get_ecommerce_settings.cache_clear()
    url = f"/console/ecommerce/consignments?seller={manifest['seller']}&status=open"
    token = csrf_of(officer_client.get(url).text)
    texts = []
    for _ in range(2):
        officer_client.post(f"/console/ecommerce/actions?seller={manifest['seller']}&status=open",
                            data={"csrf_token": token, "action": "hold", "reason": "sampling", "scope": "all",
                                  "back": url}, follow_redirects=False)
        texts.append(officer_client.get(url).text)
    assert "2 consignment(s) changed" in texts[0] and "More remain beyond the limit" in texts[0]
    assert "1 consignment(s) changed: every one matching" in texts[1] and "More remain" not in texts[1]
    with Session(ec_engine) as s:
        rows = s.scalars(select(Consignment).where(Consignment.seller_id == manifest["seller"])).all()
        assert [c.status for c in rows] == ["held"] * 3


def test_refused_filters_and_pages_say_so_in_the_pages_own_words(officer_client: TestClient,
                                                                 manifest: dict[str, Any]) -> None:
    for url in ("/console/ecommerce?group=seller&status=foo&lang=en", "/console/ecommerce/consignments?lane=4&lang=en",
                "/console/ecommerce/consignments?page=abc&lang=en",
                "/console/ecommerce/consignments?page=1e3&lang=en"):
        r = officer_client.get(url)
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html"), url
        assert "a filter or the page number is not valid" in r.text and "decision was not recorded" not in r.text, url
    r = officer_client.get("/console/ecommerce/consignments?lane=4&lang=ja")  # the lines under it in Japanese too
    assert r.status_code == 422 and "<li>区分: 審査区分は1・2・3のいずれかです。</li>" in r.text
    for page in ("-7", "99999999999999999999", "%2B3", "0000000005", "-"):  # whole numbers, brought within range
        assert officer_client.get(f"/console/ecommerce/consignments?page={page}&lang=en").status_code == 200, page
    r = officer_client.get("/console/ecommerce/consignments/NOPE-1?lang=en")
    assert r.status_code == 404 and "No such consignment" in r.text and "Declaration" not in r.text
    r = officer_client.get("/console/ecommerce/consignments?consignee=JC-77&lane=2&lang=en")
    assert 'name="consignee" value="JC-77"' in r.text  # kept when lane or status change


def test_a_split_group_larger_than_the_page_shows_says_so_and_links_to_all(
        officer_client: TestClient, ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce import officer

    tag = submitter[1]
    parcels = [consignment(f"{tag}-G{i}", personal_use=False, goods=[goods("4000")],
                           seller={"id": f"SPLIT-{tag}", "name": "Split Co", "country": "CN"},
                           consignee={"name": "Tanaka Ren", "address": "Osaka", "id": None}) for i in range(4)]
    results, _ = run(ec_engine, submitter, jl(*parcels))
    group = results[-1]["split_group"]
    url = f"/console/ecommerce/consignments/{results[0]['consignment_id']}?lang=en"
    page = officer_client.get(url)
    assert page.text.count(f"{tag}-G") >= 4 and 'data-testid="ec-split-more"' not in page.text
    monkeypatch.setattr(officer, "SPLIT_MEMBERS_SHOWN", 2)
    page = officer_client.get(url)
    table = re.search(r'data-testid="ec-split">(.*?)</table>', page.text, re.S)
    assert table is not None and table.group(1).count("<tr>") == 3  # the header and 2 members
    more = re.search(r'data-testid="ec-split-more"><a href="([^"]+)">([^<]+)<', page.text)
    assert more is not None and more.group(1) == f"/console/ecommerce/consignments?split_group={group}"
    assert "first 2" in more.group(2)
    listing = officer_client.get(more.group(1).replace("&amp;", "&"))
    assert all(f"{tag}-G{i}" in listing.text for i in range(4))


@pytest.fixture()
def refs_client(new_database_url: Callable[[], str], tmp_path: Path) -> Iterator[tuple[TestClient, Engine]]:
    """A logged-in officer on a database of its own (the shared one must not get value references)."""
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    with TestClient(create_app(engine)) as c:
        yield login_officer(c, engine), engine
    engine.dispose()


def _bands() -> list[Band]:
    return [Band("392690", "PCE", 1200, math.log(800), 0.5, 1200), Band("610910", "PCE", 90, math.log(2500), 0.4, 90),
            Band("610910", "KGM", 40, math.log(3000), 0.6, 40), Band("851830", "PCE", 4000, math.log(12000), 0.7,
                                                                        4000)]


def test_the_value_references_page_charts_and_lists_each_band(refs_client: tuple[TestClient, Engine]) -> None:
    client, engine = refs_client
    page = client.get("/console/ecommerce/value-refs?lang=en")
    assert page.status_code == 200 and 'data-testid="vr-none"' in page.text and "<svg" not in page.text
    today = datetime.now(JST).date()
    with Session(engine) as s, s.begin():
        assert valueref_service.save(s, _bands(), today - timedelta(days=89), today, actor="test")
    page = client.get("/console/ecommerce/value-refs?lang=en")
    assert f"Window {(today - timedelta(days=89)).isoformat()} to {today.isoformat()}" in page.text
    assert 'data-testid="vr-stale"' not in page.text and "z-score -3" in page.text
    rows = re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', page.text, re.S)
    assert [k for k, _ in rows] == ["392690:PCE", "610910:KGM", "610910:PCE", "851830:PCE"]
    for (key, row), band in zip(rows, sorted(_bands(), key=lambda b: (b.hs6, b.unit)), strict=True):
        seen, sample, median, cut = re.findall(r'<td class="num">([^<]+)</td>', row)[:4]
        assert key == f"{band.hs6}:{band.unit}" and seen == sample == f"{band.lines:,}"
        assert median == f"¥{math.exp(band.median_log):,.0f}"
        assert cut == f"¥{math.exp(band.median_log - 3 * band.spread):,.0f}"
    chart = re.search(r'data-testid="vr-chart">(<svg.*?</svg>)', page.text, re.S)
    assert chart is not None and chart.group(1).count('class="band"') == 4
    only = client.get("/console/ecommerce/value-refs?hs6=6109&lang=ja")
    assert "品目別の単価参照値" in only.text and re.findall(r'<tr data-key="([^"]+)"', only.text) == [
        "610910:KGM", "610910:PCE"]
    for bad in ("6", "61091011", "61a"):
        r = client.get(f"/console/ecommerce/value-refs?hs6={bad}&lang=en")
        assert r.status_code == 422 and "2 to 6 digits of an HS code" in r.text, bad


def test_the_value_references_page_says_when_the_daily_refresh_has_stopped(
        refs_client: tuple[TestClient, Engine]) -> None:
    client, engine = refs_client
    last = datetime.now(JST).date() - timedelta(days=10)
    with Session(engine) as s, s.begin():
        valueref_service.save(s, _bands(), last - timedelta(days=89), last, actor="test")
    page = client.get("/console/ecommerce/value-refs?lang=en")
    stale = re.search(r'data-testid="vr-stale">([^<]+)<', page.text)
    assert stale is not None and f"end on {last.isoformat()}, 10 days ago" in stale.group(1)
    assert "<svg" in page.text  # still shown: the intake still uses them


def test_the_platforms_lane_reasons_are_said_in_the_officers_language(
        officer_client: TestClient, ec_engine: Engine, submitter: Any) -> None:
    results, _ = run(ec_engine, submitter, jl(consignment(f"{submitter[1]}-gift",
                                                          goods=[goods("3000", description="Gift")])))
    url = f"/console/ecommerce/consignments/{results[0]['consignment_id']}"
    assert results[0]["lane"] == 2
    ja = re.search(r'data-testid="ec-reasons">(.*?)</ul>', officer_client.get(url + "?lang=ja").text, re.S)
    en = re.search(r'data-testid="ec-reasons">(.*?)</ul>', officer_client.get(url + "?lang=en").text, re.S)
    assert ja is not None and "品名が不明確" in ja.group(1) and "欄 1「Gift」" in ja.group(1)
    assert "vague goods description" not in ja.group(1)
    assert en is not None and "vague goods description" in en.group(1) and "品名" not in en.group(1)
    with Session(ec_engine) as s, s.begin():  # a reason stored by an older version as plain text
        s.execute(update(Consignment).where(Consignment.id == results[0]["consignment_id"])
                  .values(lane_reasons=orjson.dumps(["legacy text reason", None]).decode()))
    for lang in ("ja", "en"):
        assert officer_client.get(f"{url}?lang={lang}").status_code == 200


def test_the_busiest_bands_are_charted_by_the_lines_of_the_window_and_small_values_keep_their_sen(
        refs_client: tuple[TestClient, Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce import console

    client, engine = refs_client
    monkeypatch.setattr(console, "BANDS_CHARTED", 2)
    today = datetime.now(JST).date()
    # Every sample is at its cap (5,000): only the lines of the window tell the busiest bands apart.
    bands = [Band(f"1000{i:02d}", "PCE", 5000, math.log(100), 0.5, 5000 + i) for i in range(6)]
    bands.append(Band("950300", "PCE", 30, math.log(0.4), 0.25, 30))
    with Session(engine) as s, s.begin():
        valueref_service.save(s, bands, today - timedelta(days=89), today, actor="test")
    page = client.get("/console/ecommerce/value-refs?lang=en").text
    chart = re.search(r'data-testid="vr-chart">(<svg.*?</svg>)', page, re.S)
    assert chart is not None and re.findall(r'<g class="band" data-key="([^"]+)"', chart.group(1)) == [
        "100004:PCE", "100005:PCE"]
    row = re.search(r'<tr data-key="950300:PCE">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]+)</td>', row.group(1))
    assert cells[:3] == ["30", "30", "¥0.40"] and cells[3] == f"¥{0.4 * math.exp(-0.75):.2f}"
    busy = re.search(r'<tr data-key="100005:PCE">(.*?)</tr>', page, re.S)
    assert busy is not None and re.findall(r'<td class="num">([^<]+)</td>', busy.group(1))[:2] == ["5,005", "5,000"]


def test_the_value_references_page_says_when_the_server_refreshes_them_and_how_its_last_run_ended(
        refs_client: tuple[TestClient, Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.orm import sessionmaker

    from smartcustoms.ecommerce import scheduled
    from smartcustoms.ecommerce.config import EcommerceSettings, get_ecommerce_settings
    from smartcustoms.housekeeping.models import ScheduledRun
    from smartcustoms.housekeeping.runner import Housekeeper, Sessions

    client, engine = refs_client

    def schedule(lang: str) -> str:
        page = client.get(f"/console/ecommerce/value-refs?lang={lang}").text
        found = re.search(r'<p data-testid="vr-schedule">(.*?)</p>', page, re.S)
        assert found is not None
        return found.group(1)

    first = schedule("en")
    assert "The server refreshes them every day at 03:30, Japan time." in first and "vr-last-run" not in first
    factory = sessionmaker(engine, expire_on_commit=False)
    done = Housekeeper(scheduled.jobs(EcommerceSettings(sweep_every_minutes=0)), Sessions(factory, factory)).run_due()
    en, ja = schedule("en"), schedule("ja")
    assert 'data-status="done"' in en and "Last scheduled run: started" in en and ", done." in en
    assert done[scheduled.VALUE_REFS] in en  # the run's own line, escaped
    assert "毎日 03:30（日本時間）" in ja and "前回の定時実行" in ja and "完了" in ja
    assert done[scheduled.VALUE_REFS] not in ja  # the English log line stays off the Japanese page
    with Session(engine) as s, s.begin():
        s.execute(update(ScheduledRun).values(outcome="skipped: the references were computed at 2026-11-24T07:38"
                                                     ":23+00:00, after this slot"))
    assert 'data-status="skipped"' in schedule("en") and "省略" in schedule("ja")
    assert "skipped: the references" not in schedule("ja")
    with Session(engine) as s, s.begin():
        s.execute(update(ScheduledRun).values(outcome="failed: OperationalError: <disk full>"))
    failed = schedule("ja")
    assert 'data-status="failed"' in failed and "失敗" in failed and "&lt;disk full&gt;" in failed
    with Session(engine) as s, s.begin():
        s.execute(update(ScheduledRun).values(finished_at=None))
    assert 'data-status="running"' in schedule("en")
    # Given back at a shutdown (housekeeping/runner.py): still shown, as interrupted.
    from smartcustoms.housekeeping.runner import INTERRUPTED

    with Session(engine) as s, s.begin():
        s.execute(update(ScheduledRun).values(slot_at=None, finished_at=datetime.now(JST), outcome=INTERRUPTED))
    assert 'data-status="interrupted"' in schedule("en") and "サーバー停止で中断" in schedule("ja")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_VALUE_REF_REFRESH_AT", "off")
    get_ecommerce_settings.cache_clear()
    assert "The server does not refresh them" in schedule("en") and "smartcustoms ecommerce value-refs" in schedule(
        "en")
    # Housekeeping switched off as a whole: the same, whatever the time of day set.
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_VALUE_REF_REFRESH_AT", "03:30")
    monkeypatch.setenv("SMARTCUSTOMS_HOUSEKEEPING", "false")
    get_ecommerce_settings.cache_clear()
    get_settings.cache_clear()
    assert "The server does not refresh them" in schedule("en")


def test_an_inspection_result_is_recorded_from_the_consignment_page_and_counted_in_the_hit_rates(
        officer_client: TestClient, manifest: dict[str, Any]) -> None:
    lane3 = sorted(r["consignment_id"] for r in manifest["results"] if r["lane"] == 3)
    url = f"/console/ecommerce/consignments/{lane3[0]}"
    page = officer_client.get(url + "?lang=en").text
    assert 'data-testid="ec-pending"' in page and 'name="inspection_result"' in page
    before = officer_client.get("/console/ecommerce/inspections?lang=en&days=30").text

    def counts(html: str) -> tuple[int, int]:
        m = re.search(r"last 30 days: ([\d,]+) inspected, ([\d,]+) with a discrepancy", html)
        assert m is not None, html
        return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))

    # A release without the result is refused, in the page's language, and changes nothing.
    refused = officer_client.post("/console/ecommerce/actions?lang=ja", data={
        "csrf_token": csrf_of(page), "action": "release", "reason": "異常なし", "ids": [lane3[0]], "back": url})
    assert refused.status_code == 422 and "検査結果" in refused.text and "required to release" not in refused.text
    r = officer_client.post("/console/ecommerce/actions", data={
        "csrf_token": csrf_of(page), "action": "hold", "reason": "counterfeit logo", "ids": [lane3[0]],
        "inspection_result": "discrepancy", "back": url}, follow_redirects=False)
    assert r.status_code == 303
    shown = officer_client.get(url + "?lang=ja").text
    assert 'data-result="discrepancy"' in shown and "検査結果：異常あり" in shown
    assert 'name="inspection_result"' not in shown  # nothing pending any more
    assert re.search(r'data-testid="ec-history">.*保留.*検査結果: 異常あり', shown, re.S)

    after = officer_client.get("/console/ecommerce/inspections?lang=en&days=30").text
    assert (counts(after)[0] - counts(before)[0], counts(after)[1] - counts(before)[1]) == (1, 1)
    row = re.search(r"<tr><td>EC test: inspect seller</td>(.*?)</tr>", after, re.S)
    assert row is not None and 'data-testid="insp-chart"' in after and "<svg" in after
    assert re.search(r"\d+\.\d% – \d+\.\d%", row.group(1))  # its 95 % interval
    ja = officer_client.get("/console/ecommerce/inspections?lang=ja").text
    assert "的中率" in ja and "過去90日" in ja
    bad = officer_client.get("/console/ecommerce/inspections?lang=ja&days=abc")
    assert bad.status_code == 422 and "日数は1〜3660の整数です" in bad.text


def test_the_hit_rates_say_a_selection_finds_more_only_when_the_difference_is_clear(
        officer_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a random sample finding 5 % (10 of 200): 3 of 3 is clearly more, 1 of 3 (33 %) is not clear yet —
    the page said "higher" for any share above the sample's."""
    from smartcustoms.ecommerce import hitrate, officer

    def rates(session: Any, days: int) -> hitrate.HitRates:
        out = hitrate.HitRates(rows=[hitrate.HitRow(("random", 9, "Sample"), None, 200, 10),
                                     hitrate.HitRow(("rule", 1, "Sure"), None, 3, 3),
                                     hitrate.HitRow(("rule", 2, "Few"), None, 3, 1)], inspected=206,
                               discrepancies=14)
        out.drawn = out.rows[0]
        return out

    monkeypatch.setattr(officer, "inspection_results", rates)
    for lang, higher, unclear in (("en", "higher", "not clear yet"), ("ja", "上回る", "差は明らかでない")):
        page = officer_client.get(f"/console/ecommerce/inspections?lang={lang}").text
        sure = re.search(r"<tr><td>Sure</td>(.*?)</tr>", page, re.S)
        few = re.search(r"<tr><td>Few</td>(.*?)</tr>", page, re.S)
        assert sure and few
        assert 'data-against="higher"' in sure.group(1) and higher in sure.group(1)
        assert 'data-against="unclear"' in few.group(1) and unclear in few.group(1)
