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
        done = valueref_service.refresh(s, today, 90, 30, 1_000_000, actor="test")
    assert (done.manifests, done.consignments) == (1, len(accepted))
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
    # A refresh replaces every band: a window with nothing in it leaves none.
    with Session(engine) as s, s.begin():
        valueref_service.refresh(s, today - timedelta(days=300), 30, 30, 1000, actor="test")
    with Session(engine) as s:
        assert valueref_service.count(s) == 0


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
        assert row.hs6 in r.output and f"{round(math.exp(row.median_log)):,}" in r.output
    r = CliRunner().invoke(app, ["ecommerce", "value-refs", "--days", "0"])
    assert r.exit_code == 2 and "--days" in r.output
