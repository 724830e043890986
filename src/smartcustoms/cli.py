"""Typer root: one command group per domain, plus db, serve and demo."""

from __future__ import annotations

from typing import Annotated

import typer

from smartcustoms.audit.cli import app as audit_app
from smartcustoms.ecommerce.cli import app as ecommerce_app
from smartcustoms.exports.cli import app as exports_app
from smartcustoms.identity.cli import officers, traders
from smartcustoms.payments.cli import app as payments_app
from smartcustoms.risk.cli import app as rules_app
from smartcustoms.risk.model_cli import app as risk_app
from smartcustoms.screening.cli import screening_app, watchlists_app
from smartcustoms.tariff.cli import rates, tariff
from smartcustoms.travellers.cli import app as travellers_app

app = typer.Typer(help="smartcustoms: customs clearance and risk management.", no_args_is_help=True)
db = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(traders, name="traders")
app.add_typer(officers, name="officers")
app.add_typer(rules_app, name="rules")
app.add_typer(risk_app, name="risk")
app.add_typer(tariff, name="tariff")
app.add_typer(rates, name="rates")
app.add_typer(audit_app, name="audit")
app.add_typer(exports_app, name="exports")
app.add_typer(payments_app, name="payments")
app.add_typer(screening_app, name="screening")
app.add_typer(watchlists_app, name="watchlists")
app.add_typer(ecommerce_app, name="ecommerce")
app.add_typer(travellers_app, name="travellers")


@db.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from smartcustoms import migrate
    from smartcustoms.settings import get_settings

    migrate.upgrade(revision=revision)
    typer.echo(f"database at {migrate.current()} ({_safe_url(get_settings().database_url)})")


@db.command("current")
def db_current() -> None:
    """Print the migration the database is at."""
    from smartcustoms import migrate

    typer.echo(migrate.current() or "empty")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the API and the officer console (the database must be migrated: `smartcustoms db upgrade`)."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from smartcustoms import migrate
    from smartcustoms.settings import get_settings

    # Decision: refuse to serve a database the code does not match (after an upgrade of the package without
    # `db upgrade`), rather than answer 500 wherever a new table or column is met. Migrating stays the operator's
    # step: `serve` may run in several processes, and a migration wants one.
    where = _safe_url(get_settings().database_url)
    try:
        gap = migrate.behind()
    except SQLAlchemyError as exc:
        typer.echo(f"error: cannot read the database {where}: {str(exc).splitlines()[0]}", err=True)
        raise typer.Exit(1) from None
    if gap is not None:
        at, newest = gap
        if at is not None and not migrate.known(at):
            typer.echo(f"error: the database {where} is at migration {at}, which this version of smartcustoms "
                       f"(migrations up to {newest}) does not know: a newer version migrated it; serve it with that "
                       "version", err=True)
        else:
            typer.echo(f"error: the database {where} is at migration {at or 'none (empty)'}; this version of "
                       f"smartcustoms needs {newest}: run `smartcustoms db upgrade` first", err=True)
        raise typer.Exit(1)
    uvicorn.run("smartcustoms.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info")


@app.command("demo")
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed only, do not start the server")] = False,
) -> None:
    """Migrate, load demo data (once), print the console URL and demo logins, and serve."""
    from smartcustoms import demo as demo_data
    from smartcustoms import migrate

    migrate.upgrade()
    info = demo_data.seed()
    typer.echo("")
    typer.echo(f"  smartcustoms console:  http://{host}:{port}/console/")
    typer.echo(f"  API docs (OpenAPI):    http://{host}:{port}/docs")
    typer.echo(f"  traveller declaration: http://{host}:{port}/travellers/")
    for username, (role, password) in demo_data.DEMO_OFFICERS.items():
        typer.echo(f"  {role:<10} login: {username} / {password}")
    if info.api_key:
        typer.echo(f"  demo trader API key:   {info.api_key}")
    else:
        typer.echo("  demo trader API key:   issued at first seed; `smartcustoms traders issue-key DEMO-IMPORTER`")
    typer.echo(f"  demo declarations:     {info.declarations}")
    typer.echo(f"  payment agent (SANDBOX, no real money), in a second terminal:\n"
               f"    smartcustoms payments sandbox-agent --platform-url http://{host}:{port}")
    typer.echo("")
    if not no_serve:
        serve(host=host, port=port, workers=1)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
