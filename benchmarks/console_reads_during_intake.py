"""How long officers' pages and submitters' result reads take while a bulk e-commerce intake runs on the same server.

    .venv/bin/python benchmarks/console_reads_during_intake.py --count 60000
    .venv/bin/python benchmarks/console_reads_during_intake.py --count 60000 --backend postgresql \
        --database-url postgresql://postgres@127.0.0.1:54329/postgres

Starts a real server (uvicorn subprocess, the intake's worker process inside it) on a fresh database with
illustrative weekly rates and the three selectivity profiles of benchmarks/ecommerce_ingest.py, logs an officer in
through the console's form, then, while one client posts COUNT generated consignments in manifests of
--manifest-size (streamed NDJSON, one manifest after the other), a second client requests in turn the e-commerce
overview, the open consignments' list, the console's dashboard and the submitter's manifest summary, every
--interval seconds. Prints, per page, the number of requests and p50 / p90 / p99 / max latency, before the intake
(idle server) and during it, and the intake's rate. The pages share the server with the intake, as they do in
production; on 2 cores they also share the cores.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if __name__ == "__main__":
    import httpx
    from ecommerce_ingest import drop_database, fresh_database, manifests, pct, prepare, read_range
    from sqlalchemy.orm import Session

    from smartcustoms.ecommerce.generate import jsonl_lines
    from smartcustoms.identity import service as identity

PASSWORD = "bench-officer-pass-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def pages(mid: str | None) -> list[tuple[str, str, bool]]:
    """(name, path, as the submitter) of the pages read in turn."""
    out = [("e-commerce overview", "/console/ecommerce?group=manifest", False),
           ("open consignments", "/console/ecommerce/consignments?status=open", False),
           ("console dashboard", "/console/", False)]
    if mid:
        out.append(("manifest summary (API)", f"/api/v1/manifests/{mid}", True))
    return out


def read_loop(base: str, key: str, interval: float, stop: threading.Event, first_manifest: list[str],
              lat: dict[str, list[float]]) -> None:
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as officer, \
            httpx.Client(base_url=base, timeout=120) as submitter:
        token = CSRF.search(officer.get("/console/login").text)
        assert token is not None
        r = officer.post("/console/login", data={"username": "bench-officer", "password": PASSWORD,
                                                 "csrf_token": token.group(1)})
        assert r.status_code == 200 and "/console/login" not in str(r.url), (r.status_code, r.url)
        while not stop.is_set():
            for name, path, as_submitter in pages(first_manifest[0] if first_manifest else None):
                client = submitter if as_submitter else officer
                t = time.perf_counter()
                resp = client.get(path, headers={"Authorization": f"Bearer {key}"} if as_submitter else None)
                elapsed = time.perf_counter() - t
                assert resp.status_code == 200, (path, resp.status_code)
                lat.setdefault(name, []).append(elapsed)
                stop.wait(interval)
                if stop.is_set():
                    break


def summary(title: str, lat: dict[str, list[float]]) -> None:
    print(title)
    for name, values in lat.items():
        ms = [v * 1000 for v in values]
        print(f"  {name:26s} {len(ms):5d} requests: p50 {pct(ms, 50):6.0f} ms, p90 {pct(ms, 90):6.0f} ms, "
              f"p99 {pct(ms, 99):6.0f} ms, max {max(ms):6.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=60000)
    ap.add_argument("--manifest-size", type=int, default=10000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server (its own database is created)")
    ap.add_argument("--interval", type=float, default=0.1, help="seconds between two page reads")
    ap.add_argument("--idle-seconds", type=float, default=5.0, help="reads on the idle server first")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sc-reads-"))
    url = fresh_database(args.backend, args.database_url, tmp, "reads")
    engine, _bench_trader, key = prepare(url, tmp)
    with Session(engine) as s, s.begin():
        identity.create_officer(s, "bench-officer", PASSWORD, "officer")
    engine.dispose()
    path = tmp / "manifest.jsonl"
    with path.open("wb") as out:
        for line in jsonl_lines(args.count, args.seed):
            out.write(line if isinstance(line, bytes) else line.encode())
    port = 19000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    # No scheduled jobs in the measured server (a catch-up refresh would read the parcels in the middle).
    env = {**os.environ, "SMARTCUSTOMS_DATABASE_URL": url, "SMARTCUSTOMS_ENV": "test",
           "SMARTCUSTOMS_HOUSEKEEPING": "false"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "smartcustoms.app:create_app", "--factory",
                               "--port", str(port), "--log-level", "warning"], env=env)
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        first: list[str] = []
        idle: dict[str, list[float]] = {}
        stop = threading.Event()
        reader = threading.Thread(target=read_loop, args=(base, key, args.interval, stop, first, idle))
        reader.start()
        time.sleep(args.idle_seconds)
        stop.set()
        reader.join()
        busy: dict[str, list[float]] = {}
        stop = threading.Event()
        reader = threading.Thread(target=read_loop, args=(base, key, args.interval, stop, first, busy))
        reader.start()
        done = 0
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=600) as client:
            for a, b in manifests(path, args.manifest_size):
                with client.stream("POST", "/api/v1/manifests", content=read_range(path, a, b),
                                   headers={"Authorization": f"Bearer {key}",
                                            "Content-Type": "application/x-ndjson"}) as r:
                    r.raise_for_status()
                    if not first:
                        first.append(r.headers["X-Manifest-Id"])
                    for line in r.iter_lines():
                        done += '"result":"accepted"' in line or '"result":"repeat"' in line
        wall = time.perf_counter() - t0
        stop.set()
        reader.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{args.backend}: {args.count:,} consignments over HTTP in manifests of {args.manifest_size:,}: "
          f"{done:,} accepted in {wall:,.1f} s = {done / wall:,.0f}/s")
    summary(f"page reads on the idle server (every {args.interval:g} s, {args.idle_seconds:g} s):", idle)
    summary(f"page reads during the intake (every {args.interval:g} s):", busy)
    if args.database_url:
        drop_database(args.database_url, url)


if __name__ == "__main__":
    main()
