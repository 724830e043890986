"""Daily reconciliation: the agent's settlement file against what the platform booked."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.cli import app as cli_app
from smartcustoms.errors import ValidationFailed
from smartcustoms.payments import reconcile, service
from tests.payments.helpers import deliver, event, new_order

DAY = date(2026, 3, 2)
AT = "2026-03-02T03:00:00+00:00"  # 12:00 JST on DAY


def _csv(rows: list[tuple[str, str, str, int, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(reconcile.COLUMNS)
    w.writerows(rows)
    return out.getvalue()


def test_matched_missing_and_differences_with_totals(session: Session) -> None:
    ok, short, extra = new_order(session, 1_000), new_order(session, 2_000), new_order(session, 3_000)
    deliver(session, event(ok.id, amount=1_000, transaction_id="T-OK", settled_at=AT))
    deliver(session, event(short.id, amount=1_500, transaction_id="T-SHORT", settled_at=AT))  # discrepancy
    deliver(session, event(extra.id, amount=3_000, transaction_id="T-PLATFORM-ONLY", settled_at=AT))
    deliver(session, event(ok.id, "refunded", 400, transaction_id="T-REF", settled_at=AT))
    # a payment settled the day after (JST) is not part of DAY
    late = new_order(session, 5_000)
    deliver(session, event(late.id, amount=5_000, transaction_id="T-LATE", settled_at="2026-03-02T15:30:00+00:00"))
    text = _csv([("T-OK", ok.id, "paid", 1_000, AT), ("T-SHORT", short.id, "paid", 1_500, AT),
                 ("T-AGENT-ONLY", "x", "paid", 700, AT), ("T-REF", ok.id, "refunded", 400, AT)])
    report = service.reconcile_day(session, DAY, text, actor="test").report
    t = report["totals"]
    assert {(r["transaction_id"], r["type"]) for r in report["matched"]} == {("T-OK", "paid"), ("T-REF", "refunded")}
    [diff] = report["amount_differences"]
    assert diff["transaction_id"] == "T-SHORT" and diff["difference_jpy"] == 1_500
    assert diff["platform_outcome"] == "discrepancy"
    assert [r["transaction_id"] for r in report["missing_at_platform"]] == ["T-AGENT-ONLY"]
    assert [r["transaction_id"] for r in report["missing_at_agent"]] == ["T-PLATFORM-ONLY"]
    assert (t["agent_paid_jpy"], t["platform_paid_jpy"]) == (1_000 + 1_500 + 700, 1_000 + 3_000)
    assert (t["agent_refunded_jpy"], t["platform_refunded_jpy"]) == (400, 400)
    assert t["net_difference_jpy"] == (3_200 - 400) - (4_000 - 400)
    assert report["balanced"] is False
    sections = [r["section"] for r in reconcile.report_rows(report)]
    assert sections.count("matched") == 2 and "missing_at_agent" in sections


@pytest.mark.parametrize(("text", "field"), [
    ("transaction_id,order_id,type\n", "settlements"),
    (_csv([("T", "o", "paid", -5, AT)]), "settlements[line 2].amount_jpy"),  # type: ignore[list-item]
    (_csv([("T", "o", "bonus", 5, AT)]), "settlements[line 2].type"),
    (_csv([("T", "o", "paid", 5, "2026-03-02 12:00")]), "settlements[line 2].settled_at"),
    (_csv([("T", "o", "paid", 5, AT), ("T", "o", "paid", 5, AT)]), "settlements[line 3].transaction_id"),
])
def test_bad_settlement_file_names_line_and_field(text: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        reconcile.parse_settlements(text)
    assert field in [e.field for e in exc.value.errors]


def test_cli_reconcile_writes_csv_and_fails_when_unbalanced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           new_database_url: object) -> None:
    from smartcustoms import migrate
    from smartcustoms.db import make_engine, unit_of_work

    url = new_database_url()  # type: ignore[operator]
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as s:
        order = new_order(s, 2_500)
        deliver(s, event(order.id, amount=2_500, transaction_id="T-1", settled_at=AT))
    engine.dispose()
    good = tmp_path / "settle.csv"
    good.write_text(_csv([("T-1", order.id, "paid", 2_500, AT)]), encoding="utf-8")
    out = tmp_path / "report.csv"
    runner = CliRunner()
    r = runner.invoke(cli_app, ["payments", "reconcile", "--date", DAY.isoformat(), "--settlements", str(good),
                                "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(x["section"], x["transaction_id"]) for x in rows] == [("matched", "T-1")]
    bad = tmp_path / "bad.csv"
    bad.write_text(_csv([("T-1", order.id, "paid", 2_400, AT)]), encoding="utf-8")
    r = runner.invoke(cli_app, ["payments", "reconcile", "--date", DAY.isoformat(), "--settlements", str(bad)])
    assert r.exit_code == 1 and "amount_differences" in r.output
    broken = tmp_path / "broken.csv"
    broken.write_text("nonsense\n", encoding="utf-8")
    r = runner.invoke(cli_app, ["payments", "reconcile", "--date", DAY.isoformat(), "--settlements", str(broken)])
    assert r.exit_code == 2 and "missing column" in r.output



@pytest.mark.parametrize(("now", "day"), [
    (datetime(2026, 11, 24, 14, 59, tzinfo=UTC), date(2026, 11, 23)),  # 23:59 JST on the 24th
    (datetime(2026, 11, 24, 15, 0, tzinfo=UTC), date(2026, 11, 24)),  # midnight JST: the 25th has begun in Japan
    (datetime(2026, 11, 25, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo")), date(2026, 11, 24)),
])
def test_the_day_offered_is_yesterday_in_japan_whatever_the_clock_s_zone(now: datetime, day: date) -> None:
    assert reconcile.previous_day(now) == day


def test_the_day_offered_needs_a_clock_with_its_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        reconcile.previous_day(datetime(2026, 11, 24, 16, 0))
