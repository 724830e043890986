"""`smartcustoms audit ...`"""

from __future__ import annotations

import typer

from smartcustoms.audit import service
from smartcustoms.db import unit_of_work

app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check the whole chain; exit 1 naming the first bad entry when it is broken."""
    with unit_of_work() as session:
        count, problem, head = service.verify(session)
    if problem is not None:
        typer.echo(f"audit chain BROKEN at entry {problem.seq}: {problem.reason} ({count} entries intact before it)",
                   err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {count} entries, head {head}")
