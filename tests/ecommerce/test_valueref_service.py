"""Value references on a real database: the refresh from stored parcels, its window, and the intake's signal."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.audit.models import AuditEntry
from smartcustoms.cli import app
from smartcustoms.db import make_engine, utcnow
from smartcustoms.declarations.flows import declaration_date
from smartcustoms.ecommerce import valueref, valueref_service
from smartcustoms.ecommerce.bandchart import yen
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.generate import QUOTE_RATES, jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.models import Consignment, Manifest, ValueReference
from smartcustoms.ecommerce.pipeline import Intake
from smartcustoms.identity import service as identity
from smartcustoms.settings import get_settings
from tests.ecommerce.conftest import consignment, goods, prepare


@pytest.fixture()
def db(new_database_url: Callable[[], str], tmp_path: Path) -> Iterator[tuple[Engine, int, str]]:
    """A database of its own (the shared one must not get references), with rates and a carrier."""
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "Value Test Express", "VALUE-EXP", "broker")
        tid, url = t.id, engine.url.render_as_string(hide_password=False)
    yield engine, tid, url
    engine.dispose()


def _ingest(engine: Engine, tid: int, lines: list[bytes]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    ingest(engine, Intake.open(engine, tid, "VALUE-EXP", "jsonl", "cli"), lines, "jsonl", results.extend)
    return results


def _expected(lines: list[bytes], accepted: set[str]) -> dict[str, list[float]]:
    """The log unit values per key, from the generated records themselves (quoted at the demo rates, which the
    test database has too)."""
    out: dict[str, list[float]] = defaultdict(list)
    for line in lines:
        rec = orjson.loads(line)
        if rec["parcel_id"] not in accepted:
            continue
        for g in rec["goods"]:
            if g["hs_code"]:
                yen = float(Decimal(g["value"]) * QUOTE_RATES[g["currency"]]) / g["quantity"]
                out[valueref.key(g["hs_code"], "PCE")].append(math.log(yen))
    return out


def test_a_refresh_gives_each_subheading_the_band_of_its_stored_lines_in_the_window(
        db: tuple[Engine, int, str]) -> None:
    engine, tid, _ = db
    lines = list(jsonl_lines(1500, 31))
    results = _ingest(engine, tid, lines)
    accepted = {r["parcel_id"] for r in results if r["result"] == "accepted"}
    # A manifest received 200 days ago is outside a 90-day window.
    old = [x.replace(b'"parcel_id":"P', b'"parcel_id":"OLD') for x in jsonl_lines(200, 32)]
    old_id = _ingest(engine, tid, old)[0]["consignment_id"].rsplit("-", 1)[0]
    with Session(engine) as s, s.begin():
        s.execute(update(Manifest).where(Manifest.id == old_id).values(received_at=utcnow() - timedelta(days=200)))
    today = declaration_date(utcnow())
    with Session(engine) as s, s.begin():
        done, stored_now = valueref_service.refresh(s, today, 90, 30, 1_000_000, 1_000_000, actor="test")
    assert stored_now and (done.manifests, done.consignments, done.step) == (1, len(accepted), 1)
    expected = {k: v for k, v in _expected(lines, accepted).items() if len(v) >= 30}
    assert len(expected) >= 10 and done.lines >= sum(len(v) for v in expected.values())
    with Session(engine) as s:
        stored = {valueref.key(r.hs6, r.unit): r for r in s.scalars(select(ValueReference))}
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ecommerce.value_refs_refreshed")).one()
    assert set(stored) == set(expected)
    for k, logs in expected.items():
        mid = statistics.median(logs)
        assert stored[k].lines == len(logs)
        assert stored[k].median_log == pytest.approx(mid, abs=1e-9)
        assert stored[k].spread == pytest.approx(
            max(valueref.SPREAD_FLOOR, valueref.MAD_TO_SD * statistics.median(abs(x - mid) for x in logs)), abs=1e-9)
        assert (stored[k].window_from, stored[k].window_to) == (today - timedelta(days=89), today)
    assert orjson.loads(entry.payload)["bands"] == len(expected)
    # A window with nothing in it stores nothing: the bands stay (an outage must not switch the signal off).
    with Session(engine) as s, s.begin():
        empty, stored_now = valueref_service.refresh(s, today - timedelta(days=300), 30, 30, 1000, 1000, actor="t")
    assert not stored_now and empty.bands == [] and empty.manifests == 0
    with Session(engine) as s:
        assert valueref_service.count(s) == len(expected)


def test_a_large_window_is_read_every_kth_line_and_each_band_is_a_bounded_sample(db: tuple[Engine, int, str]) -> None:
    engine, tid, _ = db
    lines = list(jsonl_lines(3000, 34))
    results = _ingest(engine, tid, lines)
    accepted = [r for r in results if r["result"] == "accepted"]
    today = declaration_date(utcnow())
    with Session(engine) as s:
        done = valueref_service.compute(s, today, 7, 30, 40, 1000)
    # 3,000 accepted over a limit of 1,000: every third line of the manifest.
    assert done.step == 3 and done.consignments == sum(1 for r in accepted if r["line"] % 3 == 0)
    read = {r["parcel_id"] for r in accepted if r["line"] % 3 == 0}
    expected = {k: v for k, v in _expected(lines, read).items() if len(v) >= 30}
    assert {valueref.key(b.hs6, b.unit) for b in done.bands} == set(expected)
    assert all(b.lines == min(40, len(expected[valueref.key(b.hs6, b.unit)])) for b in done.bands)
    assert done.lines == sum(len(v) for v in _expected(lines, read).values()) and done.skipped > 0  # no-code lines


def test_the_intake_reads_the_bands_again_only_after_a_refresh(db: tuple[Engine, int, str]) -> None:
    engine, _, _ = db
    today = declaration_date(utcnow())
    with Session(engine) as s:
        assert valueref_service.bands_for(s) == {}
    with Session(engine) as s, s.begin():
        valueref_service.save(s, [valueref.Band("392690", "PCE", 40, math.log(900), 0.4)], today, today, "test")
    with Session(engine) as s:
        first = valueref_service.bands_for(s)
        assert valueref_service.bands_for(s) is first and list(first) == ["392690:PCE"]
    with Session(engine) as s, s.begin():
        valueref_service.save(s, [valueref.Band("610910", "PCE", 40, math.log(1800), 0.4)], today, today, "test")
    with Session(engine) as s:
        assert list(valueref_service.bands_for(s)) == ["610910:PCE"]


def test_a_line_far_below_its_band_sends_the_parcel_to_lane_2_and_the_rest_is_unchanged(
        db: tuple[Engine, int, str]) -> None:
    engine, tid, _ = db
    cheap = consignment("CHEAP", goods=[goods("1", "CNY"), goods("900", "JPY")])  # a phone case at ¥21
    fair = consignment("FAIR", goods=[goods("45", "CNY")])  # ¥945
    before = _ingest(engine, tid, [orjson.dumps(consignment("EARLY", goods=[goods("1", "CNY")])) + b"\n"])
    assert before[0]["lane"] == 1  # no references yet: nothing is judged
    with Session(engine) as s, s.begin():
        band = valueref.Band("392690", "PCE", 400, math.log(900), 0.4)
        valueref_service.save(s, [band], declaration_date(utcnow()), declaration_date(utcnow()), actor="test")
    results = _ingest(engine, tid, [orjson.dumps(c) + b"\n" for c in (cheap, fair)])
    assert [(r["parcel_id"], r["lane"], r["status"]) for r in results] == [("CHEAP", 2, "review"),
                                                                           ("FAIR", 1, "released")]
    with Session(engine) as s:
        c = s.scalars(select(Consignment).where(Consignment.parcel_id == "CHEAP")).one()
    reasons = orjson.loads(c.lane_reasons)
    assert [(x["kind"], x["lane"], x["lines"]) for x in reasons] == [("value", 2, [1])]
    assert reasons[0]["matched"] == {"hs_code": ["392690"], "unit_value_jpy": [21], "median_jpy": [900],
                                     "z": [round((math.log(21) - math.log(900)) / 0.4, 2)]}
    assert c.total_tax_jpy == 0 and c.value_jpy == 921  # a signal only: the value and tax stay as declared


def test_the_cut_the_intake_applies_is_the_setting(db: tuple[Engine, int, str], monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    engine, tid, _ = db
    today = declaration_date(utcnow())
    with Session(engine) as s, s.begin():
        valueref_service.save(s, [valueref.Band("392690", "PCE", 400, math.log(900), 0.4)], today, today, "test")
    # ¥378 against ¥900: z = ln(378/900)/0.4 = −2.17, flagged at a cut of −2 only.
    results = _ingest(engine, tid, [orjson.dumps(consignment("AT-3", goods=[goods("18", "CNY")])) + b"\n"])
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_UNDERVALUATION_Z", "-2")
    get_ecommerce_settings.cache_clear()
    again = _ingest(engine, tid, [orjson.dumps(consignment("AT-2", goods=[goods("18", "CNY")])) + b"\n"])
    assert (results[0]["lane"], again[0]["lane"]) == (1, 2)
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_UNDERVALUATION_Z", "0")  # half of all honest lines: refused
    get_ecommerce_settings.cache_clear()
    with pytest.raises(ValueError, match="undervaluation_z"):
        get_ecommerce_settings()


def test_the_cli_refreshes_and_shows_the_bands(db: tuple[Engine, int, str], monkeypatch: pytest.MonkeyPatch) -> None:
    engine, tid, url = db
    _ingest(engine, tid, list(jsonl_lines(600, 33)))
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", url)
    get_settings.cache_clear()  # the intake above read the settings before the URL was set
    r = CliRunner().invoke(app, ["ecommerce", "value-refs", "--days", "7"])
    assert r.exit_code == 0, r.output
    with Session(engine) as s:
        rows = list(s.scalars(select(ValueReference).order_by(ValueReference.hs6)))
    assert rows and f"{len(rows)} band(s) stored" in r.output
    for row in rows:
        line = next(x for x in r.output.splitlines() if row.hs6 in x)  # the band's row of the table
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        assert row.seen is not None and row.seen >= row.lines
        assert cells[2:] == [f"{row.seen:,}", f"{row.lines:,}", yen(math.exp(row.median_log)),
                             yen(math.exp(row.median_log - 3 * row.spread))], line
    r = CliRunner().invoke(app, ["ecommerce", "value-refs", "--days", "0"])
    assert r.exit_code == 2 and "--days" in r.output
    r = CliRunner().invoke(app, ["ecommerce", "value-refs", "--until", "2099-01-01"])
    assert r.exit_code == 2 and "--until" in r.output and "after today" in r.output
    # A window without parcels: exit 1, the stored bands stay and the message says which.
    r = CliRunner().invoke(app, ["ecommerce", "value-refs", "--until", "2020-01-01", "--days", "1"])
    assert r.exit_code == 1 and "nothing stored" in r.output and f"the {len(rows)} band(s) stored" in r.output
    with Session(engine) as s:
        assert valueref_service.count(s) == len(rows)


def test_two_refreshes_at_once_run_one_after_the_other(db: tuple[Engine, int, str]) -> None:
    """On PostgreSQL both deleted nothing and the second's inserts met the first's keys (UniqueViolation); the
    table lock makes the second wait for the first's commit. SQLite's one writer serialises them anyway."""
    import threading

    engine, _, _ = db
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    today = declaration_date(utcnow())
    first = [valueref.Band("392690", "PCE", 40, math.log(900), 0.4)]
    second = [valueref.Band("392690", "PCE", 50, math.log(950), 0.4), valueref.Band("610910", "PCE", 40, 7.5, 0.4)]
    errors: list[BaseException] = []
    with Session(engine) as a:
        a.begin()
        assert valueref_service.save(a, first, today, today, "first")

        def other() -> None:
            try:
                with Session(engine) as b, b.begin():
                    valueref_service.save(b, second, today, today, "second")
            except BaseException as exc:  # reported below
                errors.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join(timeout=1.0)
        assert t.is_alive()  # waiting for the first's lock
        a.commit()
    t.join(timeout=30)
    assert not t.is_alive() and errors == []
    with Session(engine) as s:
        assert {k: b.lines for k, b in valueref_service.load_bands(s).items()} == {"392690:PCE": 50, "610910:PCE": 40}
