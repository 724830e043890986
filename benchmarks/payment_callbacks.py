"""Payment callback throughput and latency through a real server, with duplicates (prints figures; not a test).

    .venv/bin/python benchmarks/payment_callbacks.py --orders 500 --copies 3 --clients 8 [--database-url postgresql://...]

Starts `smartcustoms serve` on a fresh database (a temporary SQLite file by default), creates ORDERS payment orders,
then sends each order's signed `paid` callback COPIES times (the duplicates an agent's retries produce) from CLIENTS
concurrent clients in shuffled order. Prints callbacks per second, p50/p95/p99 latency, and checks that every order
was paid exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lodge_latency import fresh_pg_database

SECRET = "benchmark-agent-secret"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()

    from sqlalchemy import func, select

    from smartcustoms import migrate
    from smartcustoms.db import make_engine, unit_of_work
    from smartcustoms.payments import protocol, service
    from smartcustoms.payments.models import PaymentEvent, PaymentOrder

    tmp = tempfile.mkdtemp()
    url = fresh_pg_database(args.database_url) if args.database_url else f"sqlite:///{tmp}/bench.db"
    env = {**os.environ, "SMARTCUSTOMS_HOUSEKEEPING": "false",
           "SMARTCUSTOMS_DATABASE_URL": url, "SMARTCUSTOMS_PAYMENT_AGENT_SECRET": SECRET,
           "SMARTCUSTOMS_ENV": "test"}
    os.environ.update({"SMARTCUSTOMS_PAYMENT_AGENT_SECRET": SECRET, "SMARTCUSTOMS_ENV": "test"})
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as s:
        ids = [service.create_order(s, kind="passenger", reference=f"BENCH-{i}", amount_jpy=1_000 + i,
                                    due_date=date.today() + timedelta(days=7), payer_name="Bench",
                                    actor="bench").id for i in range(args.orders)]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "smartcustoms.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        bodies = []
        for i, oid in enumerate(ids):
            raw = json.dumps({"event_id": f"evt-{uuid.uuid4().hex}", "order_id": oid, "type": "paid",
                              "amount_jpy": 1_000 + i, "settled_at": datetime.now(UTC).isoformat(),
                              "transaction_id": f"TX-{i}"}).encode()
            bodies += [raw] * args.copies
        random.Random(7).shuffle(bodies)
        client = httpx.Client(timeout=60)

        def send(raw: bytes) -> float:
            stamp = str(int(time.time()))
            t0 = time.perf_counter()
            r = client.post(f"{base}/api/v1/payments/callbacks", content=raw, headers={
                "Content-Type": "application/json", protocol.TIMESTAMP_HEADER: stamp,
                protocol.SIGNATURE_HEADER: protocol.sign(SECRET, stamp, raw)})
            assert r.status_code == 200, r.text
            return (time.perf_counter() - t0) * 1000

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            lat = sorted(pool.map(send, bodies))
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    with unit_of_work(engine) as s:
        paid = s.scalar(select(func.count()).select_from(PaymentOrder).where(PaymentOrder.status == "paid"))
        events = s.scalar(select(func.count()).select_from(PaymentEvent))
    q = statistics.quantiles(lat, n=100)
    print(f"backend: {url.split(':')[0]}  orders: {args.orders}  copies: {args.copies}  clients: {args.clients}")
    print(f"callbacks: {len(bodies)} in {wall:.2f} s = {len(bodies) / wall:.0f}/s")
    print(f"latency ms: p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  max {lat[-1]:.1f}")
    print(f"orders paid: {paid}/{args.orders}  event rows: {events} (one per event id: {events == args.orders})")


if __name__ == "__main__":
    main()
