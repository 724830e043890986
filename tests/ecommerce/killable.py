"""A server in its own process on a fresh database, to be killed with SIGKILL (test_kill, test_submit)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from smartcustoms.db import make_engine
from smartcustoms.identity import service as identity
from tests.ecommerce.conftest import prepare

CHUNK = 300  # rows per committed chunk in the server, so that a kill lands between commits


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    """uvicorn serving the app on `url`'s database (the environment's settings, chunks of CHUNK rows)."""
    env = {**os.environ, "SMARTCUSTOMS_DATABASE_URL": url, "SMARTCUSTOMS_ENV": "test",
           "SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS": str(CHUNK)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "smartcustoms.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def fresh_database(url: str, tmp_path: Path) -> tuple[str, int, str]:
    """Prepare the database at `url` with one carrier; (url, its trader id, its API key)."""
    engine = make_engine(url)
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "Kill Test Express", "KILL-EXPRESS", "broker")
        key = identity.issue_api_key(s, t)
        tid = t.id
    engine.dispose()
    return url, tid, key
