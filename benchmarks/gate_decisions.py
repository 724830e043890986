"""E-gate decision latency and throughput through a real server (prints figures; not a test).

    .venv/bin/python benchmarks/gate_decisions.py [--gates 100] [--decisions 3000] [--interval 1.0]
        [--closed] [--workers 1] [--database-url postgresql://...]

Seeds DECISIONS distinct passenger declarations (75% within the allowances, 20% over, 5% presented with a
tampered QR) on a fresh database (a temporary SQLite file by default; a new database on a PostgreSQL server
when --database-url names one), starts `smartcustoms serve`, and runs GATES concurrent gate clients (asyncio +
httpx), each presenting its share of the declarations:
- open loop (default): each gate presents one traveller every INTERVAL seconds (jittered), as real gates do;
  latency is then the server's answer time under that arrival rate;
- closed loop (--closed): each gate sends the next request as soon as the previous answer arrives; this
  measures the most decisions per second and the queueing latency at saturation.
Prints p50/p95/p99 per decision kind (green / red / bad signature) and overall as the gates saw them, the time the
server spent deciding (Server-Timing: signature, checks, claim, record, commit), decisions per second, and the CPU
time per decision of the server and of the load generator (on 2 shared cores the generator competes with the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

CLI = [sys.executable, "-m", "smartcustoms.cli"]


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


def seed(url: str, count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, qr payload, passport) for COUNT new declarations, committed in batches."""
    from smartcustoms import migrate
    from smartcustoms.db import make_engine, unit_of_work
    from smartcustoms.travellers import service
    from smartcustoms.travellers.schemas import PassengerDeclarationIn

    engine = make_engine(url)
    migrate.upgrade(engine)
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    jobs: list[tuple[str, str, str]] = []
    done = 0
    while done < count:
        with unit_of_work(engine) as s:
            for _ in range(min(200, count - done)):
                roll = rng.random()
                over = 0.75 <= roll < 0.95
                goods = {"alcohol_bottles": rng.randint(4, 6) if over else rng.randint(0, 3),
                         "cigarettes": rng.choice([0, 200]),
                         "other_goods": [{"description": "Watch", "value_jpy": rng.randint(50_000, 150_000)},
                                         {"description": "Bag", "value_jpy": rng.randint(40_000, 150_000 if over
                                                                                         else 50_000)}]}
                passport = f"BM{done:07d}"
                body = {"family_name": "Bench", "given_name": "Traveller", "nationality": "JP",
                        "passport_number": passport, "date_of_birth": date(1980, 1, 1).isoformat(),
                        "flight": "NH204", "arrival_date": today.isoformat(), "goods": goods}
                d = service.declare(s, PassengerDeclarationIn.model_validate(body), actor="benchmark")
                payload = d.qr_payload
                kind = "over" if d.counter_reasons else "clean"
                if roll >= 0.95:
                    kind = "tampered"
                    i = len(payload) - 5
                    payload = payload[:i] + ("A" if payload[i] != "A" else "B") + payload[i + 1:]
                jobs.append((kind, payload, passport))
                done += 1
        print(f"  seeded {done}/{count}", end="\r", flush=True)
    print()
    engine.dispose()
    return jobs


class RawGate:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams: far less CPU per request than httpx, so that on a
    small machine the figures measure the server rather than the load generator."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n{extra}\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        data = await self.reader.readexactly(int(hdrs.get("content-length", "0")))
        return status, hdrs, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_gates(base: str, jobs: list[tuple[str, str, str]], gates: int, interval: float, closed: bool,
                    rng: random.Random, client_kind: str) -> tuple[dict[str, list[float]], float, dict[str, int]]:
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=gates, max_keepalive_connections=gates)
    host, port = base.removeprefix("http://").split(":")

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def send(raw: RawGate | None, g: int, payload: str, passport: str) -> tuple[str, float]:
            body = {"qr_payload": payload, "passport_number": passport, "face_match": True}
            headers = {"X-Gate-Id": f"BENCH-{g:03d}"}
            for attempt in range(3):
                try:
                    if raw is not None:
                        status, hdrs, data = await raw.post("/api/v1/gate-decisions", json.dumps(body).encode(),
                                                            headers)
                    else:
                        r = await client.post("/api/v1/gate-decisions", headers=headers, json=body)
                        status, hdrs, data = r.status_code, dict(r.headers), r.content
                    break
                except (httpx.TransportError, OSError, asyncio.IncompleteReadError):
                    # the same gate asking again gets its recorded decision back (see travellers/gate.py)
                    outcomes["transport_retry"] += 1
                    if raw is not None:
                        await raw.close()
                        raw.writer = None
                    if attempt == 2:
                        raise
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {data[:200]!r}")
            server_ms = float(hdrs.get("server-timing", "dur=0").rsplit("dur=", 1)[1])
            return json.loads(data)["decision"], server_ms

        async def gate(g: int) -> None:
            mine = jobs[g::gates]
            raw = RawGate(host, int(port)) if client_kind == "raw" else None
            await asyncio.sleep(0 if closed else rng.random() * interval)
            for kind, payload, passport in mine:
                t0 = time.perf_counter()
                decision, server_ms = await send(raw, g, payload, passport)
                elapsed = time.perf_counter() - t0
                outcomes[f"{kind}->{decision}"] += 1
                latencies[decision if kind != "tampered" else "bad_signature"].append(elapsed)
                latencies["all"].append(elapsed)
                latencies["server_decide"].append(server_ms / 1000)
                if not closed:
                    await asyncio.sleep(max(interval * (0.5 + rng.random()) - elapsed, 0))
            if raw is not None:
                await raw.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(gate(g) for g in range(gates)))
        wall = time.perf_counter() - t0
    return latencies, wall, dict(outcomes)


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc; 0 elsewhere)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gates", type=int, default=100)
    ap.add_argument("--decisions", type=int, default=3000)
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between travellers at one gate (open loop)")
    ap.add_argument("--closed", action="store_true", help="closed loop: each gate sends as fast as answers come")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--client", choices=("httpx", "raw"), default="httpx",
                    help="httpx.AsyncClient, or a minimal asyncio HTTP/1.1 client that leaves more CPU to the server")
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    if url.startswith("postgresql"):
        url = fresh_pg_database(url)
    os.environ.update({"SMARTCUSTOMS_DATABASE_URL": url, "SMARTCUSTOMS_ENV": "development",
                       "SMARTCUSTOMS_TRAVELLER_KEYS_DIR": str(Path(tmp) / "keys"),
                       "SMARTCUSTOMS_TRAVELLER_RANDOM_RATE": "0.02"})
    rng = random.Random(11)
    t0 = time.perf_counter()
    jobs = seed(url, args.decisions, rng)
    print(f"seeded {len(jobs)} declarations in {time.perf_counter() - t0:.1f}s")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # uvicorn as `smartcustoms serve` runs it, with keep-alive longer than a gate's pause between travellers
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "smartcustoms.app:create_app", "--factory",
                               "--port", str(port), "--workers", str(args.workers), "--timeout-keep-alive", "30",
                               "--log-level", "warning"],
                              env={**os.environ, "SMARTCUSTOMS_HOUSEKEEPING": "false"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        httpx.get(f"{base}/api/v1/gate-keys")  # warm the key ring
        cpu0, own0 = server_cpu_s(server.pid), time.process_time()
        latencies, wall, outcomes = asyncio.run(run_gates(base, jobs, args.gates, args.interval, args.closed, rng,
                                                              args.client))
        cpu = server_cpu_s(server.pid) - cpu0
        own = time.process_time() - own0
    finally:
        server.terminate()
        server.wait(timeout=30)
    mode = ("closed" if args.closed else f"open interval={args.interval}s") + f" client={args.client}"
    print(f"backend={url.split(':', 1)[0]} gates={args.gates} decisions={len(jobs)} workers={args.workers} "
          f"mode={mode} load_avg={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}")
    print(f"throughput={len(jobs) / wall:.1f} decisions/s wall={wall:.2f}s")
    print(f"cpu_ms_per_decision server={cpu * 1000 / len(jobs):.2f} gate_clients={own * 1000 / len(jobs):.2f}"
          " (server: uvicorn processes incl. workers; clients: this process)")
    for kind in ("all", "green", "red", "bad_signature", "server_decide"):
        xs = latencies.get(kind, [])
        if len(xs) < 2:
            continue
        q = statistics.quantiles(xs, n=100)
        print(f"latency_ms {kind:<13} n={len(xs):<5} p50={q[49] * 1000:.1f} p95={q[94] * 1000:.1f} "
              f"p99={q[98] * 1000:.1f} max={max(xs) * 1000:.1f}")
    print(f"outcomes={dict(sorted(outcomes.items()))}")


if __name__ == "__main__":
    main()
