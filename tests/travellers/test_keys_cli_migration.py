"""Key rotation and the travellers CLI (migration 0006 is tested with the whole chain in tests/test_migrations.py)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import smartcustoms.models_registry  # noqa: F401  (registers every table)
from smartcustoms.cli import app as cli
from smartcustoms.travellers import codec, keys
from tests.travellers.helpers import body
from tests.travellers.test_api import declare, gate


def test_rotation_keeps_old_codes_valid(client: TestClient, traveller_keys: Path) -> None:
    old = declare(client, body(passport_number="ROT000001"))
    new_kid = keys.generate(traveller_keys)
    fresh = declare(client, body(passport_number="ROT000002"))
    assert fresh["key_id"] == new_kid != old["key_id"]
    published = {k["kid"] for k in client.get("/api/v1/gate-keys").json()["keys"]}
    assert {old["key_id"], new_kid} <= published
    assert gate(client, old["qr_payload"], passport="ROT000001")["decision"] == "green"
    assert gate(client, fresh["qr_payload"], passport="ROT000002")["decision"] == "green"


def test_published_key_verifies_offline(client: TestClient) -> None:
    out = declare(client, body())
    jwk = next(k for k in client.get("/api/v1/gate-keys").json()["keys"] if k["kid"] == out["key_id"])
    public = load_pem_public_key(jwk["pem"].encode())
    claims = codec.decode(out["qr_payload"], {out["key_id"]: public}).claims  # type: ignore[dict-item]
    assert claims["i"] == out["id"] and claims["p"] == codec.passport_digest(out["id"], "TR1234567")
    assert "TR1234567" not in json.dumps(claims)


def test_cli_keygen_and_public_key(traveller_keys: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["travellers", "--help"]).exit_code == 0
    made = runner.invoke(cli, ["travellers", "keygen"])
    assert made.exit_code == 0, made.output
    kid = made.output.split()[3]
    pem = runner.invoke(cli, ["travellers", "public-key"])
    assert pem.exit_code == 0 and kid in pem.output and "BEGIN PUBLIC KEY" in pem.output
    jwks = json.loads(runner.invoke(cli, ["travellers", "public-key", "--format", "jwks"]).output)
    assert kid in {k["kid"] for k in jwks["keys"]}
    assert runner.invoke(cli, ["travellers", "public-key", "--format", "xml"]).exit_code != 0
    assert all((traveller_keys / f"{k['kid']}.pem").stat().st_mode & 0o077 == 0 for k in jwks["keys"])
