"""`smartcustoms tariff load` and `smartcustoms rates load`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smartcustoms.cli_errors import platform_errors
from smartcustoms.db import unit_of_work
from smartcustoms.reference import service as reference
from smartcustoms.tariff import service

tariff = typer.Typer(help="The tariff schedule (duty rates).", no_args_is_help=True)
rates = typer.Typer(help="Customs weekly exchange rates.", no_args_is_help=True)


@tariff.command("load")
def load_tariff(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Load duty rates from CSV (hs_code,duty_rate,valid_from,valid_to,source[,specific_jpy,specific_unit])."""
    with platform_errors():
        rows = service.parse_tariff_csv(path)
        with unit_of_work() as session:
            n = service.load_tariff(session, rows)
    typer.echo(f"{n} tariff rate(s) loaded from {path}")


@rates.command("load")
def load_rates(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Load weekly exchange rates from CSV (currency,valid_from,valid_to,rate_jpy,source)."""
    with platform_errors():
        rows = reference.parse_rates_csv(path)
        with unit_of_work() as session:
            n = reference.load_rates(session, rows)
    typer.echo(f"{n} exchange rate(s) loaded from {path}")
