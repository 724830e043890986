"""`smartcustoms rules ...`: selectivity profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from smartcustoms.cli_errors import platform_errors
from smartcustoms.db import unit_of_work
from smartcustoms.risk import service

app = typer.Typer(help="Selectivity profiles that choose review lanes.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Unique profile name")],
    lane: Annotated[int, typer.Option(help="1 release, 2 documents, 3 inspection")],
    reason: Annotated[str, typer.Option(help="Why this profile exists (shown to officers)")],
    hs_prefix: Annotated[str | None, typer.Option(help="HS code prefix, 2-9 digits")] = None,
    origin: Annotated[str | None, typer.Option(help="Origin country (ISO alpha-2)")] = None,
    importer: Annotated[str | None, typer.Option(help="Importer code")] = None,
    consignor: Annotated[str | None, typer.Option(help="Consignor name contains")] = None,
    min_value: Annotated[int | None, typer.Option(help="Declaration customs value from (JPY)")] = None,
    max_value: Annotated[int | None, typer.Option(help="Declaration customs value up to (JPY)")] = None,
    aeo: Annotated[bool | None, typer.Option("--aeo/--non-aeo", help="Only AEO / only non-AEO importers")] = None,
    rate_mismatch: Annotated[bool, typer.Option("--rate-mismatch", help="Claimed rate differs from tariff")] = False,
    random_rate: Annotated[str | None, typer.Option(help="Random sampling rate, e.g. 0.02")] = None,
    aeo_random_rate: Annotated[str | None, typer.Option(help="Rate for AEO importers (default 1/4)")] = None,
    valid_from: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    valid_to: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Add a selectivity profile; its criteria must all match for a hit."""
    spec = service.ProfileSpec(
        name=name, lane=lane, reason=reason, hs_prefix=hs_prefix, origin_country=origin, importer_code=importer,
        consignor_name=consignor, min_value_jpy=min_value, max_value_jpy=max_value, aeo=aeo,
        rate_mismatch=rate_mismatch, random_rate=random_rate, aeo_random_rate=aeo_random_rate,
        valid_from=valid_from.date() if valid_from else None, valid_to=valid_to.date() if valid_to else None,
    )
    with platform_errors(), unit_of_work() as session:
        p = service.create_profile(session, spec, "cli")
        pid = p.id
    typer.echo(f"profile {pid} added")


@app.command("list")
def list_profiles() -> None:
    """List profiles with their criteria."""
    with unit_of_work() as session:
        for p in service.list_profiles(session):
            d = service.profile_dict(p)
            crit = ", ".join(f"{k}={v}" for k, v in d.items()
                             if k not in ("id", "name", "lane", "reason", "active") and v not in (None, False))
            typer.echo(f"{p.id}\tlane {p.lane}\t{'active' if p.active else 'disabled'}\t{p.name}\t{crit}")


@app.command("disable")
def disable(profile_id: int) -> None:
    """Disable a profile (kept, so past hits stay explainable)."""
    with platform_errors(), unit_of_work() as session:
        service.set_active(session, profile_id, False, "cli")
    typer.echo(f"profile {profile_id} disabled")


@app.command("enable")
def enable(profile_id: int) -> None:
    """Re-enable a profile."""
    with platform_errors(), unit_of_work() as session:
        service.set_active(session, profile_id, True, "cli")
    typer.echo(f"profile {profile_id} enabled")
