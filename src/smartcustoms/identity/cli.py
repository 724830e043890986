"""`smartcustoms traders ...` and `smartcustoms officers ...`"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from smartcustoms.cli_errors import platform_errors
from smartcustoms.db import unit_of_work
from smartcustoms.identity import service

traders = typer.Typer(help="Traders (importers, customs brokers) and their API keys.", no_args_is_help=True)
officers = typer.Typer(help="Customs officers who use the console.", no_args_is_help=True)


@traders.command("create")
def create_trader(
    name: str,
    code: Annotated[str | None, typer.Option(help="Trader code (importer/broker code); generated if omitted")] = None,
    kind: Annotated[str, typer.Option(help="importer or broker")] = "importer",
    aeo: Annotated[bool, typer.Option("--aeo", help="Flag as Authorised Economic Operator")] = False,
) -> None:
    """Register a trader and issue its first API key (printed alone on the last line)."""
    with platform_errors(), unit_of_work() as session:
        trader = service.create_trader(session, name, code, kind, aeo)
        key = service.issue_api_key(session, trader)
        code_out = trader.code
    typer.echo(f"trader {code_out} created ({kind}{', AEO' if aeo else ''}); API key (shown once):")
    typer.echo(key)


@traders.command("list")
def list_traders() -> None:
    """List traders."""
    with unit_of_work() as session:
        for t in service.list_traders(session):
            status = "active" if t.active else "inactive"
            typer.echo(f"{t.code}\t{t.kind}\t{'AEO' if t.aeo else '-'}\t{status}\t{t.name}")


@traders.command("issue-key")
def issue_key(code: str) -> None:
    """Issue another API key for a trader (printed alone on the last line)."""
    with platform_errors(), unit_of_work() as session:
        key = service.issue_api_key(session, service.get_trader(session, code))
    typer.echo(key)


@traders.command("revoke-key")
def revoke_key(
    code: str, prefix: Annotated[str | None, typer.Option(help="Revoke only the key starting with this")] = None
) -> None:
    """Revoke a trader's API keys (all, or one by its first 12 characters)."""
    with platform_errors(), unit_of_work() as session:
        n = service.revoke_api_keys(session, code, prefix)
    typer.echo(f"{n} key(s) revoked")


@traders.command("set-aeo")
def set_aeo(code: str, off: Annotated[bool, typer.Option("--off", help="Remove the AEO flag")] = False) -> None:
    """Flag a trader as AEO (or remove the flag with --off)."""
    with platform_errors(), unit_of_work() as session:
        service.set_aeo(session, code, not off)
    typer.echo(f"{code.upper()}: AEO {'removed' if off else 'set'}")


@officers.command("create")
def create_officer(
    username: str, role: Annotated[str, typer.Option(help="officer, supervisor or admin")] = "officer"
) -> None:
    """Create an officer; the password is read from stdin (first line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    with platform_errors(), unit_of_work() as session:
        service.create_officer(session, username, password, role)
    typer.echo(f"officer {username} created with role {role}")


@officers.command("list")
def list_officers() -> None:
    """List officers."""
    with unit_of_work() as session:
        for o in service.list_officers(session):
            typer.echo(f"{o.username}\t{o.role}\t{'active' if o.active else 'disabled'}")


@officers.command("set-role")
def set_role(username: str, role: str) -> None:
    """Change an officer's role."""
    with platform_errors(), unit_of_work() as session:
        service.set_officer_role(session, username, role)
    typer.echo(f"{username}: role {role}")


@officers.command("disable")
def disable(username: str, enable: Annotated[bool, typer.Option("--enable")] = False) -> None:
    """Disable an officer's login (or re-enable it with --enable)."""
    with platform_errors(), unit_of_work() as session:
        service.set_officer_active(session, username, enable)
    typer.echo(f"{username}: {'enabled' if enable else 'disabled'}")
