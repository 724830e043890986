"""E-commerce manifest intake throughput, latency and memory, against a raw bulk insert of the same rows.

    .venv/bin/python benchmarks/ecommerce_ingest.py --count 100000 --backend sqlite
    .venv/bin/python benchmarks/ecommerce_ingest.py --count 100000 --backend postgresql \
        --database-url postgresql://postgres@127.0.0.1:54329/postgres

Generates COUNT consignments (seeded, with anomalies), then, on a fresh database with illustrative weekly rates,
an illustrative tariff line for every code the generator uses that no simplified band covers, three selectivity
profiles (one of them a 5% random sample) and value references computed from --history consignments of another
seed (before the clock), ingests them end to end in manifests of
--manifest-size through the same pipeline the API uses (check, value, assess, profiles, split detection, lane,
persist, audit, results), in process (with the intake's worker process, SMARTCUSTOMS_ECOMMERCE_WORKERS).
Prints consignments/s, CPU seconds (this process and the worker), p50/p99 per-manifest and per-chunk latency,
and RSS of this process plus the worker (after 10%, 50% and 100% of the run, to show whether memory is flat;
peak of each). The raw bulk insert copies the stored rows into a second fresh database with the same schema
and settings in the same chunk size, the fast way (SQLite: one prepared INSERT executemany per chunk; PostgreSQL:
binary COPY into the table, as the intake): by default each manifest's rows right after that manifest (--raw
interleaved: on a shared machine both rates then meet the same load; the copy is outside the pipeline's clock and
CPU figures), or all rows after the run (--raw after). It prints that rate (reading the
rows back is not timed) and the ratio. Finally posts the first --http-count consignments to a real server
(uvicorn subprocess) and prints the HTTP rate. For PostgreSQL, --database-url names a server; the script creates
(and drops) its own databases there. Say which server you measured (the shared test server runs fsync=off).
With a server on this machine it also prints the server processes' CPU per consignment, and for every backend
the share of time the machine's cores were idle during the pipeline (what is left to win by overlapping work).
It starts with the machine's reference figures (machine_reference.py): the shared machines' speed changes from
day to day, and rates from two sessions compare only next to them. Last, where the generator's seeded anomalies
went (lanes and the kinds of reason that sent them there), against the clean parcels.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

# The intake's worker process is spawned and re-imports this script as __mp_main__: it needs none of this
# (and its memory counts in the figures).
if __name__ != "__mp_main__":
    import httpx
    import orjson
    from machine_reference import describe as machine_reference
    from sqlalchemy import Engine, select, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    from smartcustoms import migrate
    from smartcustoms.db import make_engine, utcnow
    from smartcustoms.declarations.flows import declaration_date
    from smartcustoms.demo import demo_rates_csv, load_demo_tariff
    from smartcustoms.ecommerce import officer, valueref_service, workers
    from smartcustoms.ecommerce.config import get_ecommerce_settings
    from smartcustoms.ecommerce.generate import jsonl_lines
    from smartcustoms.ecommerce.intake import ingest
    from smartcustoms.ecommerce.models import Consignment, Manifest
    from smartcustoms.ecommerce.pipeline import COLUMNS, Intake, _insert_sql, borrowed_session, copy_types
    from smartcustoms.identity import service as identity
    from smartcustoms.reference import service as reference
    from smartcustoms.risk import service as risk


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak RSS since the start, or since the last reset_peak_rss (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start the peak RSS afresh (Linux: clear_refs 5), so that generating the file (the generator keeps every
    repeat consignee it made, ~110 MB at 1M) does not count as the intake's memory."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def worker_usage() -> dict[str, float]:
    """RSS now, peak RSS and CPU seconds of the intake's worker processes together."""
    out = {"rss_mb": 0.0, "peak_rss_mb": 0.0, "cpu_s": 0.0}
    for pid in workers.pids():
        for k, v in workers.usage(pid).items():
            out[k] += v
    return out


def server_cpu_s() -> float:
    """CPU seconds of the PostgreSQL server processes on this machine (0 when it runs elsewhere): with a local
    server, its work for the intake shares the same cores."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                head, _, rest = f.read().rpartition(")")
            if not head.endswith("(postgres"):
                continue
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def machine_idle_s() -> float:
    """Idle CPU seconds of the whole machine so far (all cores; /proc/stat)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")


def fresh_database(backend: str, server: str | None, tmp: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / name}.db"
    assert server, "--database-url is required for postgresql"
    db = f"bench_ec_{name}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    return make_url(server).set(database=db).render_as_string(hide_password=False)


@contextmanager
def ingested(backend: str, server: str | None, workdir: Path | None, count: int, seed: int, name: str
             ) -> Iterator[Engine]:
    """A fresh database (the server's own, dropped after) holding `count` generated consignments ingested through
    the pipeline in manifests of 10,000: the set-up of the benchmarks that measure what officers read."""
    tmp = Path(tempfile.mkdtemp(dir=workdir))
    url = fresh_database(backend, server, tmp, name)
    engine, trader_id, _ = prepare(url, tmp)
    try:
        path = tmp / "m.jsonl"
        with path.open("wb") as f:
            for line in jsonl_lines(count, seed):
                f.write(line)
        figures = pipeline_run(engine, trader_id, path, 10_000)
        print(f"ingested {figures['lines']:,.0f} consignments at {figures['rate']:,.0f}/s")
        yield engine
    finally:
        engine.dispose()
        if backend == "postgresql" and server:
            drop_database(server, url)


def drop_database(server: str, url: str) -> None:
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, tmp: Path) -> tuple[Engine, int, str]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    rates = tmp / "rates.csv"
    rates.write_text(demo_rates_csv(date.today()), "utf-8")
    with Session(engine) as s, s.begin():
        reference.load_rates(s, reference.parse_rates_csv(rates), actor="bench")
        # A tariff line for every code the generator uses (illustrative rates), as a production database holds the
        # whole schedule: without it every parcel taxed at the schedule's rate goes to lane 2 for "no rate".
        load_demo_tariff(s, actor="bench")
        for spec in (risk.ProfileSpec("Leather bags", 2, "undervaluation and IP risk", hs_prefix="4202"),
                     risk.ProfileSpec("Firearms", 3, "weapons control", hs_prefix="93"),
                     risk.ProfileSpec("Random sample", 3, "compliance measurement", random_rate="0.05")):
            risk.create_profile(s, spec, "bench")
        trader = identity.create_trader(s, "Bench Express", "BENCH-EXPRESS", "broker")
        # The HTTP run submits as another carrier: the same parcel ids are new consignments for it, not repeats.
        http_trader = identity.create_trader(s, "Bench Post", "BENCH-POST", "broker")
        key = identity.issue_api_key(s, http_trader)
        return engine, trader.id, key


def manifests(path: Path, size: int) -> list[tuple[int, int]]:
    """Byte ranges of consecutive manifests of `size` lines."""
    out, start, pos, n = [], 0, 0, 0
    with path.open("rb") as f:
        for line in f:
            pos += len(line)
            n += 1
            if n == size:
                out.append((start, pos))
                start, n = pos, 0
    if n:
        out.append((start, pos))
    return out


def read_range(path: Path, start: int, end: int, block: int = 1 << 20):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        f.seek(start)
        left = end - start
        while left > 0:
            data = f.read(min(block, left))
            left -= len(data)
            yield data


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def reference_bands(engine: Engine, tmp: Path, count: int, seed: int) -> str:
    """The value references the intake compares goods lines with, as a production database holds them from the
    weeks before: `count` consignments of another seed ingested into a side SQLite database in this process (a
    borrowed session: not through the worker, whose peak memory the run reports), refreshed there, and the bands
    stored in the benchmark's database; before the clock."""
    side_engine, side_trader, _ = prepare(f"sqlite:///{tmp / 'history.db'}", tmp)
    lines = jsonl_lines(count, seed)
    settings = get_ecommerce_settings()
    with Session(side_engine) as s, s.begin():
        while block := list(itertools.islice(lines, 10_000)):
            intake = Intake.open(side_engine, side_trader, "BENCH-EXPRESS", "jsonl", "cli", None,
                                 borrowed_session(s))
            ingest(side_engine, intake, block, "jsonl", lambda _results: None)
        done = valueref_service.compute(s, declaration_date(utcnow()), settings.value_ref_days,
                                        settings.value_ref_min_lines, settings.value_ref_sample,
                                        settings.value_ref_max_consignments)
    side_engine.dispose()
    with Session(engine) as s, s.begin():
        valueref_service.save(s, done.bands, done.window_from, done.window_to, actor="bench")
    return (f"value references: {len(done.bands)} bands from {done.lines:,} goods lines of {count:,} history "
            f"consignments (seed {seed})")


def pipeline_run(engine: Engine, trader_id: int, path: Path, size: int,
                 raw: RawCopy | None = None) -> dict[str, float]:
    """Ingest the file in manifests of `size`; with `raw`, each manifest's stored rows are also bulk-inserted into
    the raw database right after it (outside the pipeline's clock and CPU figures), so both rates meet the same
    load of the shared machine."""
    ranges = manifests(path, size)
    manifest_s: list[float] = []
    chunk_s: list[float] = []
    samples: dict[str, float] = {}
    accepted = lines = 0
    # The worker process starts with a server's first manifest; here before the clock (its start is ~2 s CPU).
    if get_ecommerce_settings().workers:
        workers.wait_ready()
    w0 = worker_usage()["cpu_s"]
    elapsed = cpu = server = idle = 0.0
    for i, (a, b) in enumerate(ranges):
        server0, idle0 = server_cpu_s(), machine_idle_s()
        start = last = time.perf_counter()
        cpu0 = time.process_time()
        intake = Intake.open(engine, trader_id, "BENCH-EXPRESS", "jsonl", "cli")

        def on_results(results: list[dict[str, object]]) -> None:
            nonlocal last
            now = time.perf_counter()
            chunk_s.append(now - last)
            last = now

        summary = ingest(engine, intake, read_range(path, a, b), "jsonl", on_results)
        manifest_s.append(time.perf_counter() - start)
        elapsed += manifest_s[-1]
        cpu += time.process_time() - cpu0
        server += server_cpu_s() - server0
        idle += machine_idle_s() - idle0
        accepted += int(summary["accepted"])
        lines += int(summary["lines"])
        for mark in (0.1, 0.5):
            if f"{mark:.0%}" not in samples and (i + 1) / len(ranges) >= mark:
                samples[f"{mark:.0%}"] = rss_mb()
                samples[f"w{mark:.0%}"] = worker_usage()["rss_mb"]
        if raw is not None:
            raw.copy(str(summary["manifest_id"]))
        print(f"\r  manifest {i + 1}/{len(ranges)}: {lines:,} lines, {lines / elapsed:,.0f}/s"
              + (f"; raw insert {raw.rate():,.0f} rows/s" if raw is not None else ""),
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    samples["100%"] = rss_mb()
    w = worker_usage()
    samples["w100%"] = w["rss_mb"]
    return {"lines": lines, "accepted": accepted, "seconds": elapsed, "cpu": cpu,
            "worker_cpu": w["cpu_s"] - w0, "worker_peak": w["peak_rss_mb"], "server_cpu": server, "idle": idle,
            "rate": lines / elapsed, "manifest_p50": pct(manifest_s, 50), "manifest_p99": pct(manifest_s, 99),
            "chunk_p50": pct(chunk_s, 50), "chunk_p99": pct(chunk_s, 99), **{f"rss_{k}": v for k, v in samples.items()}}


class RawCopy:
    """The raw bulk insert: the stored rows, in the same chunks, into a fresh database of the same schema and
    settings, the fast way; only the insert itself is timed."""

    def __init__(self, src: Engine, dst: Engine, chunk: int) -> None:
        self.src, self.dst, self.chunk = src, dst, chunk
        self.seconds, self.rows = 0.0, 0

    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")

    def copy(self, manifest_id: str | None = None) -> None:
        """One manifest's rows (None: every manifest's)."""
        with Session(self.src) as s, Session(self.dst) as d, d.begin():
            for m in s.scalars(select(Manifest).where(Manifest.id == manifest_id) if manifest_id
                               else select(Manifest)):
                s.expunge(m)
                d.merge(m)
        seconds, rows = raw_insert(self.src, self.dst, self.chunk, manifest_id)
        self.seconds += seconds
        self.rows += rows


def raw_insert(src: Engine, dst: Engine, chunk: int, manifest_id: str | None) -> tuple[float, int]:
    """Copy the rows (of one manifest, or all) chunk by chunk; the seconds spent inserting and the rows."""
    cols = [Consignment.__table__.c[c] for c in COLUMNS]
    timed = 0.0
    rows_total = 0
    with src.connect() as read, dst.connect() as write:
        sql = _insert_sql(write.dialect.name)
        raw = write.connection.dbapi_connection
        assert raw is not None
        query = select(*cols).order_by(Consignment.id)
        if manifest_id:
            query = query.where(Consignment.manifest_id == manifest_id)
        result = read.execution_options(yield_per=chunk).execute(query)
        for part in result.partitions(chunk):
            # Values exactly as the intake binds them (times as the dialect stores them).
            rows = [tuple(r) for r in part]
            if write.dialect.name == "sqlite":
                rows = [r[:-2] + (str(r[-2].replace(tzinfo=None)) if r[-2] else None,
                                  str(r[-1].replace(tzinfo=None)) if r[-1] else None) for r in rows]
            t = time.perf_counter()
            cur = raw.cursor()
            if write.dialect.name == "sqlite":
                cur.execute("BEGIN IMMEDIATE")
                cur.executemany(sql, rows)
                cur.execute("COMMIT")
            else:
                # The fastest way into PostgreSQL: COPY straight into the table in binary form, as the intake
                # does (no conflict handling needed).
                names = ", ".join(COLUMNS)
                with cur.copy(f"COPY ecommerce_consignments ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(copy_types())
                    for row in rows:
                        copy.write_row(row)
                raw.commit()
            timed += time.perf_counter() - t
            rows_total += len(rows)
    return timed, rows_total


def overview_times(engine: Engine) -> dict[str, tuple[float, float]]:
    """Seconds (best of 3) of the officers' unfiltered overview per kind: from the running totals the intake keeps,
    and counting every consignment (the way before migration 0010). Both must give the same rows."""
    out: dict[str, tuple[float, float]] = {}
    for kind in ("manifest", "platform", "seller"):
        times: dict[str, float] = {}
        rows: dict[str, object] = {}
        for name, fn in (("kept", officer.groups), ("counted", officer.groups_counted)):
            for _ in range(3):
                with Session(engine) as s:
                    t = time.perf_counter()
                    rows[name] = fn(s, kind, {})
                    times[name] = min(times.get(name, 1e9), time.perf_counter() - t)
        assert rows["kept"] == rows["counted"], f"the {kind} totals differ from the consignments counted"
        out[kind] = (times["kept"], times["counted"])
    return out


def targeting(engine: Engine, path: Path) -> dict[str, Counter[str]]:
    """Where the generator's seeded anomalies went: per truth (`clean` or the anomaly), the consignments stored,
    in lane 2, in lane 3 and flagged as a split group, and for every kind of lane reason the consignments it
    sent to lane 2 or 3. Only the anomalies' parcel ids are held (a few % of the file)."""
    truth: dict[str, str] = {}
    with path.open("rb") as f:
        for line in f:
            rec = orjson.loads(line)
            if rec["_truth"]["anomaly"]:
                truth[rec["parcel_id"]] = rec["_truth"]["anomaly"]
    out: dict[str, Counter[str]] = defaultdict(Counter)
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=20_000).execute(
            select(Consignment.parcel_id, Consignment.lane, Consignment.split_group, Consignment.lane_reasons))
        for parcel_id, lane, group, reasons in rows:
            c = out[truth.get(parcel_id, "clean")]
            c["stored"] += 1
            c[f"lane {lane}"] += 1
            c["split-flagged"] += group is not None
            if lane > 1:
                for kind in {h["kind"] for h in orjson.loads(reasons)}:
                    c[f"reason {kind}"] += 1
    return out


def http_run(url: str, key: str, path: Path, count: int, size: int) -> dict[str, float]:
    port = 18000 + os.getpid() % 1000
    # No scheduled jobs in the measured server (a catch-up refresh would read the parcels in the middle).
    env = {**os.environ, "SMARTCUSTOMS_DATABASE_URL": url, "SMARTCUSTOMS_ENV": "test",
           "SMARTCUSTOMS_HOUSEKEEPING": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "smartcustoms.app:create_app", "--factory", "--port",
                             str(port), "--log-level", "warning"], env=env)
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        ranges = manifests(path, size)
        lines_done = results = repeats = 0
        latencies = []
        t0 = time.perf_counter()
        with httpx.Client(timeout=600) as client:
            for a, b in ranges:
                if lines_done >= count:
                    break
                start = time.perf_counter()
                # Each manifest with an Idempotency-Key, as `smartcustoms ecommerce submit` sends it.
                with client.stream("POST", f"http://127.0.0.1:{port}/api/v1/manifests",
                                   content=read_range(path, a, b),
                                   headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"bench-{a}",
                                            "Content-Type": "application/x-ndjson"}) as r:
                    r.raise_for_status()
                    for line in r.iter_lines():
                        results += 1
                        repeats += '"result":"repeat"' in line
                latencies.append(time.perf_counter() - start)
                lines_done += size
            elapsed = time.perf_counter() - t0
            # A retry of the first manifest with its key: its stored results replayed, nothing recorded.
            a, b = ranges[0]
            start = time.perf_counter()
            replayed = 0
            with client.stream("POST", f"http://127.0.0.1:{port}/api/v1/manifests", content=read_range(path, a, b),
                               headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"bench-{a}",
                                        "Content-Type": "application/x-ndjson"}) as r:
                r.raise_for_status()
                assert r.headers.get("idempotent-replayed") == "true"
                for _ in r.iter_lines():
                    replayed += 1
            replay_seconds = time.perf_counter() - start
        results -= 2 * len(latencies)  # the manifest line and the summary of each
        return {"lines": results, "seconds": elapsed, "rate": results / elapsed,
                "manifest_p99": pct(latencies, 99), "repeats": repeats, "replayed": replayed - 2,
                "replay_seconds": replay_seconds}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--database-url", help="PostgreSQL server URL (databases are created and dropped there)")
    ap.add_argument("--manifest-size", type=int, default=10_000)
    ap.add_argument("--http-count", type=int, default=20_000, help="consignments sent over HTTP (0: skip)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--history", type=int, default=50_000,
                    help="consignments (seed + 1000) the value references are computed from before the run (0: no "
                         "references, no undervaluation signal)")
    ap.add_argument("--workdir", help="where to keep the generated file and SQLite databases (default: a temp dir)")
    ap.add_argument("--raw", choices=("interleaved", "after"), default="interleaved",
                    help="raw bulk insert of each manifest's rows right after it (the same load on a shared "
                         "machine; default) or of all rows after the whole run")
    args = ap.parse_args()
    os.environ.setdefault("SMARTCUSTOMS_ENV", "test")
    chunk = get_ecommerce_settings().chunk_rows
    # The machine's speed first (the figures below compare across sessions only relative to it).
    print(machine_reference(), flush=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmpdir:
        tmp = Path(tmpdir)
        path = tmp / "manifest.jsonl"
        t = time.perf_counter()
        with path.open("wb") as f:
            for line in jsonl_lines(args.count, args.seed):
                f.write(line)
        print(f"generated {args.count:,} consignments ({path.stat().st_size / 2**20:,.0f} MiB) in "
              f"{time.perf_counter() - t:,.1f} s", flush=True)
        url_a = fresh_database(args.backend, args.database_url, tmp, "pipeline")
        url_b = fresh_database(args.backend, args.database_url, tmp, "raw")
        try:
            engine, trader_id, key = prepare(url_a, tmp)
            raw_engine, _, _ = prepare(url_b, tmp)
            copier = RawCopy(engine, raw_engine, chunk)
            if args.history:
                print(reference_bands(engine, tmp, args.history, args.seed + 1000), flush=True)
            rss_before, generation_peak = rss_mb(), peak_rss_mb()
            reset = reset_peak_rss()
            p = pipeline_run(engine, trader_id, path, args.manifest_size,
                             copier if args.raw == "interleaved" else None)
            peak = peak_rss_mb()
            workers.shutdown()
            if args.raw == "after":
                copier.copy()
            raw = {"rows": copier.rows, "seconds": copier.seconds, "rate": copier.rate()}
            overview = overview_times(engine)
            aim = targeting(engine, path)
            h = http_run(url_a, key, path, args.http_count, args.manifest_size) if args.http_count else None
            raw_engine.dispose()
            engine.dispose()
        finally:
            if args.backend == "postgresql" and args.database_url:
                drop_database(args.database_url, url_a)
                drop_database(args.database_url, url_b)
    load = os.getloadavg()
    print(f"backend {args.backend}; {os.cpu_count()} CPUs; load average at the end {load[0]:.1f} {load[1]:.1f}; "
          f"chunk {chunk} rows; manifests of {args.manifest_size:,}; "
          f"{get_ecommerce_settings().workers} worker process(es); cycle collector thresholds {gc.get_threshold()} "
          "here, the worker's from the same SMARTCUSTOMS_ECOMMERCE_GC_THRESHOLD")
    cpu = p["cpu"] + p["worker_cpu"]
    print(f"pipeline: {p['lines']:,} lines ({p['accepted']:,} accepted) in {p['seconds']:,.1f} s wall "
          f"({p['cpu']:,.1f} s CPU here + {p['worker_cpu']:,.1f} s in the worker = "
          f"{cpu / max(p['lines'], 1) * 1e6:,.0f} µs CPU per consignment) = {p['rate']:,.0f} consignments/s")
    if args.backend == "postgresql" and p["server_cpu"]:
        print(f"  the PostgreSQL server on this machine: {p['server_cpu']:,.1f} s CPU = "
              f"{p['server_cpu'] / max(p['lines'], 1) * 1e6:,.0f} µs per consignment")
    print(f"  the machine's cores were idle {p['idle'] / (p['seconds'] * (os.cpu_count() or 1)):.0%} of the time")
    busiest = max(p["cpu"], p["worker_cpu"])
    print(f"  CPU-bound estimate on 2 idle cores (lines / CPU of the busier process): "
          f"{p['lines'] / busiest if busiest else float('nan'):,.0f} consignments/s (ignores waits; an upper bound)")
    print(f"  per manifest p50 {p['manifest_p50']:.2f} s, p99 {p['manifest_p99']:.2f} s; "
          f"per chunk p50 {p['chunk_p50'] * 1000:.0f} ms, p99 {p['chunk_p99'] * 1000:.0f} ms")
    print(f"  peak RSS of this process while generating the file and opening the databases: {generation_peak:.0f} MB "
          + ("(not counted below: the peak was reset before the pipeline)" if reset else "(counted below)"))
    print(f"  RSS here + worker: before {rss_before:.0f} MB, after 10% {p.get('rss_10%', 0):.0f} + "
          f"{p.get('rss_w10%', 0):.0f} MB, 50% {p.get('rss_50%', 0):.0f} + {p.get('rss_w50%', 0):.0f} MB, "
          f"100% {p['rss_100%']:.0f} + {p['rss_w100%']:.0f} MB; peak RSS {peak:.0f} + {p['worker_peak']:.0f} = "
          f"{peak + p['worker_peak']:.0f} MB")
    print(f"raw bulk insert of the same {raw['rows']:,} rows ({args.raw}): {raw['seconds']:,.1f} s = "
          f"{raw['rate']:,.0f} rows/s")
    print(f"ratio pipeline / raw insert: {p['rate'] / raw['rate']:.1%}")
    for kind, (kept, counted) in overview.items():
        print(f"officers' overview per {kind} (100 groups, best of 3): {kept * 1000:,.0f} ms from the running "
              f"totals, {counted * 1000:,.0f} ms counting every consignment")
    print("where the seeded anomalies went (lane 2 = documents, lane 3 = inspection; a parcel counts once per kind "
          "of reason that sent it there):")
    for kind in ("clean", "undervaluation", "misdescribed", "split"):
        c = aim.get(kind, Counter())
        n = max(c["stored"], 1)
        reasons = ", ".join(f"{k.removeprefix('reason ')} {v / n:.1%}" for k, v in sorted(c.items())
                            if k.startswith("reason "))
        print(f"  {kind:14s} {c['stored']:>9,} stored: lane 2 {c['lane 2'] / n:5.1%}, lane 3 {c['lane 3'] / n:5.1%}, "
              f"split-flagged {c['split-flagged'] / n:5.1%}; sent by {reasons or 'nothing'}")
    if h:
        print(f"HTTP (uvicorn subprocess, streamed): {h['lines']:,} results in {h['seconds']:,.1f} s = "
              f"{h['rate']:,.0f} consignments/s ({h['repeats']:,} repeats), p99 per manifest {h['manifest_p99']:.2f} s "
              "(each sent with an Idempotency-Key)")
        print(f"  a retry of the first manifest with its Idempotency-Key: {h['replayed']:,} stored results replayed "
              f"in {h['replay_seconds']:.2f} s = {h['replayed'] / h['replay_seconds']:,.0f} lines/s")


if __name__ == "__main__":
    main()
