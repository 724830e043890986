"""How every CLI command reports a platform error: the message and each field, then exit status 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from smartcustoms.errors import SmartCustomsError


def report(exc: SmartCustomsError) -> typer.Exit:
    """Print a platform error with its fields and return the exit to raise."""
    typer.echo(f"error: {exc.message}", err=True)
    for e in exc.errors:
        typer.echo(f"  {e.field}: {e.reason}", err=True)
    return typer.Exit(2)


@contextmanager
def platform_errors() -> Iterator[None]:
    """Turn a SmartCustomsError raised inside the block into a clear message and exit status 2."""
    try:
        yield
    except SmartCustomsError as exc:
        raise report(exc) from exc
