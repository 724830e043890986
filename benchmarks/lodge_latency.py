"""Lodgement latency and throughput through a real server (prints figures; not a test).

    .venv/bin/python benchmarks/lodge_latency.py --count 2000 --clients 8 [--database-url postgresql://...]

Starts `smartcustoms serve` on a fresh database (a temporary SQLite file by default), creates a trader
and a few selectivity profiles, lodges COUNT declarations of 1-5 lines from CLIENTS concurrent clients
(each with its own Idempotency-Key), and prints lodgements per second and p50/p95/p99 latency, then
runs `audit verify` and prints how long it took.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "smartcustoms.cli"]
CODES = ["851830", "847130", "420221", "610910", "620520", "640399", "090121", "930200", "850440", "392690"]
ORIGINS = ["CN", "US", "KR", "VN", "IT", "DE", "TH", "TW"]


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return subprocess.run([*CLI, *args], env=env, input=stdin, capture_output=True, text=True, check=True).stdout


def fresh_pg_database(server_url: str) -> str:
    """A new empty database on the server, so every run starts from the same state."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from smartcustoms.db import make_engine

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def body(rng: random.Random) -> dict[str, object]:
    lines = [
        {"hs_code": rng.choice(CODES), "description": "goods", "quantity": rng.randint(1, 500), "unit": "PCE",
         "net_mass_kg": round(rng.uniform(0.1, 800), 3), "customs_value": str(rng.randint(5_000, 5_000_000)),
         "origin_country": rng.choice(ORIGINS), "duty_rate": rng.choice(["0", "0.05", "0.14"]),
         "consumption_tax": rng.choice(["standard", "standard", "reduced"])}
        for _ in range(rng.randint(1, 5))
    ]
    return {"importer": {"code": f"IMP-{rng.randint(1, 300)}", "name": "Importer", "country": "JP"},
            "consignor": {"name": f"Seller {rng.randint(1, 900)}", "country": lines[0]["origin_country"]},
            "transport_mode": rng.choice(["air", "sea"]), "office": "TYO", "currency": "JPY",
            "personal_use": False, "lines": lines}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--model", default=None, help="A model directory to register and activate (scores every lodgement)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    if url.startswith("postgresql"):
        url = fresh_pg_database(url)
    env = {**os.environ, "SMARTCUSTOMS_DATABASE_URL": url, "SMARTCUSTOMS_ENV": "development",
           "SMARTCUSTOMS_HOUSEKEEPING": "false"}  # no scheduled jobs in the measured server
    cli(env, "db", "upgrade")
    key = cli(env, "traders", "create", "Bench Importer").strip().splitlines()[-1]
    cli(env, "rules", "add", "--name", "arms", "--lane", "3", "--reason", "weapons", "--hs-prefix", "93")
    cli(env, "rules", "add", "--name", "leather", "--lane", "2", "--reason", "leather", "--hs-prefix", "4202")
    cli(env, "rules", "add", "--name", "sample", "--lane", "3", "--reason", "sample", "--random-rate", "0.02")
    if args.model:
        import json

        env["SMARTCUSTOMS_MODELS_DIR"] = str(Path(tmp) / "models")
        cli(env, "risk", "register", args.model)
        cli(env, "risk", "activate", json.loads((Path(args.model) / "metadata.json").read_text())["version"])
    port = args.port
    if not port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        rng = random.Random(7)
        bodies = [body(rng) for _ in range(args.count)]
        latencies: list[float] = []
        lanes = {1: 0, 2: 0, 3: 0}

        def send(i: int, client: httpx.Client) -> None:
            t0 = time.perf_counter()
            r = client.post(f"{base}/api/v1/import-declarations", json=bodies[i],
                            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"bench-{i}"})
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
            lanes[r.json()["lane"]] += 1

        clients = [httpx.Client(timeout=60) for _ in range(args.clients)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda i: send(i, clients[i % args.clients]), range(args.count)))
        wall = time.perf_counter() - t0
        q = statistics.quantiles(latencies, n=100)
        backend = url.split(":", 1)[0]
        model = "yes" if args.model else "no"
        print(f"backend={backend} declarations={args.count} clients={args.clients} model={model}")
        print(f"throughput={args.count / wall:.1f} lodgements/s wall={wall:.2f}s")
        print(f"latency_ms p50={q[49] * 1000:.1f} p95={q[94] * 1000:.1f} p99={q[98] * 1000:.1f}")
        print(f"lanes={lanes}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    t0 = time.perf_counter()
    out = cli(env, "audit", "verify")
    print(f"audit_verify_s={time.perf_counter() - t0:.2f} ({out.strip()})")


if __name__ == "__main__":
    main()
