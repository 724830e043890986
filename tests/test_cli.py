"""The CLI contract acceptance scripts rely on, run as real processes against a fresh database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from smartcustoms.db import make_engine
from tests.declarations.helpers import answer_1111, auth

CLI = [sys.executable, "-m", "smartcustoms.cli"]


@pytest.fixture()
def env(new_database_url: Callable[[], str]) -> dict[str, str]:
    return {**os.environ, "SMARTCUSTOMS_DATABASE_URL": new_database_url(), "SMARTCUSTOMS_ENV": "test"}


def run(env: dict[str, str], *args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([*CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
    if ok:
        assert p.returncode == 0, p.stderr + p.stdout
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_refuses_a_database_that_is_not_migrated_to_this_version(env: dict[str, str]) -> None:
    empty = run(env, "serve", "--port", str(free_port()), ok=False)
    assert empty.returncode == 1 and "none (empty)" in empty.stderr and "smartcustoms db upgrade" in empty.stderr
    run(env, "db", "upgrade", "--revision", "0016_scheduled_runs")
    behind = run(env, "serve", "--port", str(free_port()), ok=False)
    assert behind.returncode == 1 and "at migration 0016_scheduled_runs" in behind.stderr
    from smartcustoms import migrate

    assert migrate.head() in behind.stderr and migrate.head() != "0016_scheduled_runs"
    engine = make_engine(env["SMARTCUSTOMS_DATABASE_URL"])
    with engine.begin() as c:  # as a newer version would leave it
        c.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    newer = run(env, "serve", "--port", str(free_port()), ok=False)
    assert newer.returncode == 1 and "does not know" in newer.stderr and "db upgrade" not in newer.stderr


def test_admin_cli_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "db", "upgrade")
    key = run(env, "traders", "create", "Example Importer K.K.", "--code", "EXIMP").stdout.strip().splitlines()[-1]
    assert key.startswith("sck_") and " " not in key
    run(env, "officers", "create", "tanaka", "--role", "supervisor", stdin="a long password\n")
    bad = run(env, "officers", "create", "suzuki", "--role", "chief", stdin="a long password\n", ok=False)
    assert bad.returncode != 0 and "role" in bad.stderr
    run(env, "traders", "set-aeo", "EXIMP")
    run(env, "rules", "add", "--name", "arms", "--lane", "3", "--reason", "weapons", "--hs-prefix", "93")
    assert "arms" in run(env, "rules", "list").stdout
    tariff = tmp_path / "tariff.csv"
    tariff.write_text("hs_code,duty_rate,valid_from,valid_to,source\n851830,0.14,2020-01-01,,test schedule\n")
    assert "1 tariff rate" in run(env, "tariff", "load", str(tariff)).stdout
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,valid_from,valid_to,rate_jpy,source\nUSD,2026-11-15,,150.5,test\n")
    assert "1 exchange rate" in run(env, "rates", "load", str(rates)).stdout
    broken = tmp_path / "broken.csv"
    broken.write_text("currency,valid_from,valid_to,rate_jpy,source\nUSD,not-a-date,,1,x\n")
    refused = run(env, "rates", "load", str(broken), ok=False)
    assert refused.returncode != 0 and "row 2" in refused.stderr

    # Serve, lodge over HTTP with the printed key, stop.
    port = free_port()
    server = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        r = httpx.post(f"{base}/api/v1/import-declarations", json=answer_1111(), headers=auth(key))
        assert r.status_code == 201, r.text
        assert r.json()["assessment"]["duty_jpy"] == 92400
        assert httpx.get(f"{base}/openapi.json").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)

    run(env, "traders", "revoke-key", "EXIMP")
    intact = run(env, "audit", "verify")
    assert "intact" in intact.stdout

    engine = make_engine(env["SMARTCUSTOMS_DATABASE_URL"])
    # An edited declaration is caught against the digest its audit entry sealed.
    with engine.begin() as conn:
        conn.execute(text("UPDATE import_declarations SET total_jpy = 1"))
    edited = run(env, "audit", "verify", ok=False)
    assert edited.returncode != 0 and "records were changed" in edited.stderr
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET payload = '{\"rate\":\"0\"}' WHERE seq = 3"))
    engine.dispose()
    tampered = run(env, "audit", "verify", ok=False)
    assert tampered.returncode != 0
    assert "entry 3" in tampered.stderr


@pytest.mark.parametrize("group", ["", "db", "traders", "officers", "rules", "tariff", "rates", "audit", "risk"])
def test_help_for_every_group_and_command(group: str) -> None:
    from typer.main import get_command
    from typer.testing import CliRunner

    from smartcustoms.cli import app

    runner = CliRunner()
    args = [group] if group else []
    top = runner.invoke(app, [*args, "--help"])
    assert top.exit_code == 0, top.output
    assert "Usage" in top.output
    command = get_command(app)
    sub = command.commands[group] if group else None  # type: ignore[attr-defined]
    for name in getattr(sub, "commands", {}) if sub else []:
        r = runner.invoke(app, [group, name, "--help"])
        assert r.exit_code == 0 and "Usage" in r.output, (group, name, r.output)


def test_usage_error_is_a_message_not_a_traceback() -> None:
    from typer.testing import CliRunner

    from smartcustoms.cli import app

    r = CliRunner().invoke(app, ["officers", "create"])
    assert r.exit_code == 2 and "Traceback" not in r.output and "USERNAME" in r.output


def test_demo_seeds_once_and_its_audit_trail_verifies(env: dict[str, str]) -> None:
    first = run(env, "demo", "--no-serve")
    assert "officer-demo-pass" in first.stdout and "sck_" in first.stdout
    assert "demo declarations:     6" in first.stdout
    assert "payments sandbox-agent --platform-url http://127.0.0.1:8000" in first.stdout
    again = run(env, "demo", "--no-serve")
    assert "demo declarations:     6" in again.stdout  # a second run seeds nothing more
    verified = re.search(r"(\d+) import and (\d+) export declarations match their seals",
                         run(env, "audit", "verify").stdout)
    assert verified is not None and verified.group(1) == "6" and int(verified.group(2)) >= 1
