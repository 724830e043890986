"""`smartcustoms travellers ...`: QR signing keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Passenger declarations: QR signing keys for the e-gates.", no_args_is_help=True)


@app.command("keygen")
def keygen() -> None:
    """Create a new Ed25519 signing key and make it the active one (older keys keep verifying their QR codes)."""
    from smartcustoms.travellers import keys

    kid = keys.generate()
    typer.echo(f"new active key {kid} in {keys.keys_dir()}")


@app.command("public-key")
def public_key(
    fmt: Annotated[str, typer.Option("--format", help="pem (active key) or jwks (all published keys)")] = "pem",
) -> None:
    """Print the public key(s) gates use to verify QR codes offline (creates a key on first use)."""
    from smartcustoms.travellers import keys

    ring = keys.load()
    if fmt == "jwks":
        typer.echo(json.dumps({"keys": keys.public_jwks(ring)}, indent=2))
    elif fmt == "pem":
        active = next(k for k in keys.public_jwks(ring) if k["kid"] == ring.active_kid)
        typer.echo(f"# key id {ring.active_kid}")
        typer.echo(str(active["pem"]).rstrip())
    else:
        raise typer.BadParameter("pem or jwks", param_hint="--format")
