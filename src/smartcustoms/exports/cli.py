"""`smartcustoms exports ...`: the export-control data shipped in the package, and a goods pre-check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smartcustoms.exports import control_data, goods

app = typer.Typer(help="Export declarations: export-control data and goods checks.", no_args_is_help=True)
DATA_DIR = Path(__file__).parent / "data"


@app.command("build-control-data")
def build_control_data(
    order: Annotated[Path, typer.Option(help="Export Trade Control Order, e-Gov law XML")],
    prohibition: Annotated[list[Path], typer.Option(help="METI export prohibition list (YAML); repeat per list")],
    out: Annotated[Path, typer.Option(help="Where to write the JSON data")] = DATA_DIR,
) -> None:
    """Rebuild the shipped export-control data from the official files (refused if their format changed)."""
    for p in [order, *prohibition]:
        if not p.is_file():
            typer.echo(f"error: {p}: no such file", err=True)
            raise typer.Exit(2)
    try:
        counts = control_data.build(order, list(prohibition), out)
    except (control_data.FormatChanged, KeyError, ValueError) as exc:
        typer.echo(f"error: {exc}; nothing was written", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Appended Table 1 rows: {counts['items']}; export prohibition entities: {counts['entities']} -> {out}")


@app.command("control-data")
def show_control_data() -> None:
    """What the shipped export-control data holds, with its sources."""
    o = control_data.order()
    typer.echo(f"order: {o['source']}")
    typer.echo(f"  catch-all item 16 HS chapters: {', '.join(str(c) for c in o['catch_all_chapters'])}")
    typer.echo(f"  Appended Table 3 (no catch-all): {', '.join(o['white_countries'])}")
    typer.echo(f"  Appended Table 3-2 (UN arms embargo): {', '.join(o['un_arms_embargo_countries'])}")
    rules = control_data.list_item_rules()
    unverified = sum(1 for r in rules if not r.verified)
    typer.echo(f"list items 1-15 keyword/HS rows: {len(rules)} ({unverified} unverified, our own mapping)")
    for r in control_data.destination_rules():
        typer.echo(f"destination {r.country}: {r.effect}{'' if r.verified else ' (unverified)'}: {r.source}")
    for lst in control_data.prohibition_lists():
        typer.echo(f"{lst['list_code']} version {lst['version']}: {len(lst['entities'])} entities ({lst['file']})")


@app.command("check-goods")
def check_goods(
    hs_code: Annotated[str, typer.Option("--hs", help="HS code of the line")],
    description: Annotated[str, typer.Option(help="Goods description")],
    destination: Annotated[str, typer.Option(help="Destination country (ISO alpha-2)")],
    licence: Annotated[list[str] | None, typer.Option(help="Licence reference; repeat")] = None,
) -> None:
    """Pre-check one line against the Export Trade Control Order and the destination rules (no party screening)."""
    from smartcustoms.reference import codes

    problem = codes.hs_problem(hs_code)
    if problem or not codes.is_country(destination.upper()):
        typer.echo(f"error: {problem or f'unknown country code {destination!r}'}", err=True)
        raise typer.Exit(2)
    line = goods.GoodsLine(1, codes.normalise_hs(hs_code), description, tuple(licence or ()))
    findings = goods.check([line], destination.upper(), control_data.tables())
    if not findings:
        typer.echo("no goods or destination hit")
    for f in findings:
        typer.echo(f"{f.kind} {f.entry_id} [{f.effect}]: {f.reason} {f.licence_question}")
