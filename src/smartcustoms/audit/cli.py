"""`smartcustoms audit ...`"""

from __future__ import annotations

import typer

from smartcustoms.audit import service
from smartcustoms.db import unit_of_work

app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check the chain, then every import and export declaration against what the chain sealed; exit 1 naming the
    first problem."""
    from smartcustoms.declarations.service import verify_contents as verify_imports
    from smartcustoms.exports.service import verify_contents as verify_exports

    checked: list[int] = []
    content_problem: str | None = None
    with unit_of_work() as session:
        count, problem, head = service.verify(session)
        if problem is None:
            for check in (verify_imports, verify_exports):
                n, content_problem = check(session)
                checked.append(n)
                if content_problem is not None:
                    break
    if problem is not None:
        typer.echo(f"audit chain BROKEN at entry {problem.seq}: {problem.reason} ({count} entries intact before it)",
                   err=True)
        raise typer.Exit(1)
    if content_problem is not None:
        typer.echo(f"audit chain intact ({count} entries) but records were changed: {content_problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {count} entries, head {head}; {checked[0]} import and {checked[1]} export "
               "declarations match their seals")
