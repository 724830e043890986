"""`smartcustoms exports ...` commands."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from smartcustoms.cli import app
from smartcustoms.exports import control_data
from tests.conftest import shared_data

runner = CliRunner()


def test_build_control_data_reproduces_the_shipped_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    order = shared_data("export-control", "export-trade-control-order-2026-02-14.xml")
    ru = shared_data("export-control", "meti-russia-export-prohibition.yml")
    third = shared_data("export-control", "meti-third-country-export-prohibition.yml")
    r = runner.invoke(app, ["exports", "build-control-data", "--order", str(order), "--prohibition", str(ru),
                            "--prohibition", str(third), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    built = json.loads((tmp_path / control_data.ORDER_JSON).read_text(encoding="utf-8"))
    assert built == control_data.order()
    lists = json.loads((tmp_path / control_data.ENTITIES_JSON).read_text(encoding="utf-8"))
    assert lists == control_data.prohibition_lists()


def test_changed_format_is_refused_and_nothing_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "order.xml"
    bad.write_text("<Law><LawBody/></Law>", encoding="utf-8")
    ru = shared_data("export-control", "meti-russia-export-prohibition.yml")
    out = tmp_path / "out"
    r = runner.invoke(app, ["exports", "build-control-data", "--order", str(bad), "--prohibition", str(ru),
                            "--out", str(out)])
    assert r.exit_code == 2 and "nothing was written" in r.output and not out.exists()


def test_check_goods() -> None:
    r = runner.invoke(app, ["exports", "check-goods", "--hs", "845811", "--description", "CNC lathe",
                            "--destination", "cn"])
    assert r.exit_code == 0 and "item 6" in r.output and "FEFTA art. 48" in r.output
    clean = runner.invoke(app, ["exports", "check-goods", "--hs", "610910", "--description", "T-shirts",
                                "--destination", "US"])
    assert clean.exit_code == 0 and "no goods or destination hit" in clean.output
    bad = runner.invoke(app, ["exports", "check-goods", "--hs", "999999", "--description", "x", "--destination", "US"])
    assert bad.exit_code == 2
    assert runner.invoke(app, ["exports", "control-data"]).exit_code == 0
