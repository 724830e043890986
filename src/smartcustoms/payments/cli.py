"""`smartcustoms payments ...`: daily reconciliation, refund delivery, the SANDBOX payment agent."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from smartcustoms.cli_errors import platform_errors
from smartcustoms.errors import FieldError, ValidationFailed
from smartcustoms.payments.config import SANDBOX_SECRET

app = typer.Typer(help="Cashless payment: reconciliation, refunds, the sandbox payment agent.", no_args_is_help=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("a date as YYYY-MM-DD") from None


@app.command("reconcile")
def reconcile_cmd(
    day: Annotated[str, typer.Option("--date", help="Japanese calendar day to reconcile (YYYY-MM-DD)")],
    settlements: Annotated[Path, typer.Option("--settlements", help="the agent's settlement CSV for that day",
                                              exists=True, dir_okay=False, readable=True)],
    out: Annotated[Path | None, typer.Option("--out", help="write the report as CSV here")] = None,
    actor: Annotated[str, typer.Option(help="who runs it (audit trail)")] = "cli",
) -> None:
    """Match the agent's settlements of a day against the platform's payments and refunds; list differences."""
    from smartcustoms.db import unit_of_work
    from smartcustoms.payments import reconcile, service

    d = _day(day)
    with platform_errors(), unit_of_work() as session:
        try:
            text = settlements.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed([FieldError("settlements", "a UTF-8 CSV file", "not_utf8")]) from None
        run = service.reconcile_day(session, d, text, actor=actor)
        report = run.report
    totals = report["totals"]
    console = Console()
    table = Table(title=f"Reconciliation {d.isoformat()} (run {run.id})")
    table.add_column("")
    table.add_column("agent", justify="right")
    table.add_column("platform", justify="right")
    table.add_row("paid (¥)", f"{totals['agent_paid_jpy']:,}", f"{totals['platform_paid_jpy']:,}")
    table.add_row("refunded (¥)", f"{totals['agent_refunded_jpy']:,}", f"{totals['platform_refunded_jpy']:,}")
    console.print(table)
    console.print(f"matched {totals['matched']} · amount differences {totals['amount_differences']} · "
                  f"missing at platform {totals['missing_at_platform']} · missing at agent "
                  f"{totals['missing_at_agent']} · net difference ¥{totals['net_difference_jpy']:,}")
    for section in ("amount_differences", "missing_at_platform", "missing_at_agent"):
        for r in report[section]:
            # markup=False: the agent's ids are data, not rich markup ("[/x]" would crash the report)
            console.print(f"  {section}: {r['transaction_id']} {r['type']} order {r['order_id']}", markup=False)
    if out is not None:
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=reconcile.REPORT_COLUMNS)
            w.writeheader()
            w.writerows(reconcile.report_rows(report))
        console.print(f"report written to {out}")
    if not report["balanced"]:
        raise typer.Exit(1)


@app.command("send-refunds")
def send_refunds() -> None:
    """Send refund requests the agent has not accepted yet (it was unreachable when they were made)."""
    from smartcustoms.db import unit_of_work
    from smartcustoms.payments import agent_client

    with unit_of_work() as session:
        results = agent_client.send_pending_refunds(session)
    for refund_id, problem in results:
        typer.echo(f"{refund_id}: {'sent' if problem is None else problem}")
    if not results:
        typer.echo("no refund waiting")


@app.command("sandbox-agent")
def sandbox_agent(
    platform_url: Annotated[str, typer.Option(help="base URL of the platform")] = "http://127.0.0.1:8000",
    secret: Annotated[str, typer.Option(help="shared HMAC secret (SMARTCUSTOMS_PAYMENT_AGENT_SECRET)",
                                        envvar="SMARTCUSTOMS_PAYMENT_AGENT_SECRET")] = SANDBOX_SECRET,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8700,
    ledger: Annotated[Path, typer.Option(help="the sandbox's ledger (JSON lines)")] = Path(
        "var/sandbox-agent-ledger.jsonl"),
    duplicates: Annotated[bool, typer.Option("--duplicates", help="send every callback twice (demo)")] = False,
    delay_paid: Annotated[float, typer.Option(help="hold paid callbacks this many seconds (demo: a refund "
                                                    "overtakes them)")] = 0.0,
) -> None:
    """Run the SANDBOX payment agent (no real money): pay pages, signed callbacks, refunds, settlement files."""
    import uvicorn

    from smartcustoms.payments.sandbox_agent import SandboxAgent, create_agent_app

    agent = SandboxAgent(platform_url, secret, ledger=ledger, duplicates=duplicates, delay_paid_s=delay_paid)
    typer.echo(f"SANDBOX payment agent — no real money — on http://{host}:{port}/ (platform {platform_url})")
    uvicorn.run(create_agent_app(agent), host=host, port=port, log_level="info")


@app.command("sandbox-settlements")
def sandbox_settlements(
    day: Annotated[str, typer.Option("--date", help="Japanese calendar day (YYYY-MM-DD)")],
    ledger: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = Path("var/sandbox-agent-ledger.jsonl"),
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """Write the SANDBOX agent's settlement file of a day from its ledger."""
    from smartcustoms.payments.sandbox_agent import SandboxAgent

    text = SandboxAgent("http://unused", "unused", ledger=ledger).settlement_csv(_day(day))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"{text.count(chr(10)) - 1} settlement rows written to {out} at {datetime.now().isoformat()}")
