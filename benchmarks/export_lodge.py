"""Export lodgement latency with party screening against every default watch list (prints figures; not a test).

    .venv/bin/python benchmarks/export_lodge.py --count 300 [--database-url postgresql://...]

Builds a fresh database (temporary SQLite by default), loads the shipped default watch lists, and lodges COUNT export
declarations in-process (flows.lodge + commit, one transaction each): consignee and end user drawn from the
synthetic non-matching names of ../shared/data/name-matching, every 10th end user a listed METI End User List name.
Prints p50/p95/p99 lodgement latency, lane shares, and how many clean exports were flagged (screening false
positives on synthetic names) and how many listed end users were found.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SMARTCUSTOMS_SHARED_DATA", ROOT.parent / "shared" / "data"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["SMARTCUSTOMS_DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.db"
    os.environ.setdefault("SMARTCUSTOMS_ENV", "test")
    from rich.progress import track

    from smartcustoms import migrate
    from smartcustoms.db import unit_of_work
    from smartcustoms.errors import ValidationFailed
    from smartcustoms.exports import flows
    from smartcustoms.exports.schemas import ExportDeclarationIn
    from smartcustoms.identity import service as identity
    from smartcustoms.screening import service as screening
    from smartcustoms.screening.defaults import load_defaults

    migrate.upgrade()
    t0 = time.perf_counter()
    with unit_of_work() as s:
        load_defaults(s, actor="bench")
        identity.create_trader(s, "Bench Exporter", "BENCH-EXP", "broker")
    with unit_of_work() as s:
        screening.loaded_index(s)  # build the in-memory index once, as a running server would
    print(f"default lists loaded and indexed in {time.perf_counter() - t0:.1f} s")

    synth_path = SHARED / "name-matching" / "synthetic-non-matches-global.csv"
    with synth_path.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        col = next(c for c in reader.fieldnames or [] if "name" in c.lower())
        synthetic = [r[col] for r in reader][: args.count * 2]
    with (SHARED / "watchlists" / "meti-end-user-list-2025-09-29.csv").open(encoding="utf-8") as fh:
        listed = [r[2].split("\n")[0].strip() for r in list(csv.reader(fh))[1:] if len(r) > 2 and r[2].strip()]

    refused: list[str] = []
    times, lanes, clean_flagged, listed_found, listed_total = [], {1: 0, 2: 0, 3: 0}, 0, 0, 0
    for i in track(range(args.count), description="lodging"):
        is_listed = i % 10 == 9
        end_user = listed[i % len(listed)] if is_listed else synthetic[2 * i + 1]
        body = {"exporter": {"code": "BENCH-EXP", "name": "Sakura Seiki K.K.", "country": "JP"},
                "consignee": {"name": synthetic[2 * i], "country": "SG"},
                "end_user": {"name": end_user, "country": "SG"}, "destination_country": "SG",
                "transport_mode": "sea", "office": "YOK-SEA",
                "lines": [{"hs_code": "610910", "description": "Cotton T-shirts", "quantity": 10, "unit": "PCE",
                           "value": "100000"}]}
        parsed = ExportDeclarationIn.model_validate(body)
        start = time.perf_counter()
        try:
            with unit_of_work() as s:
                trader = identity.get_trader(s, "BENCH-EXP")
                d = flows.lodge(s, parsed, trader)
                party_hits = [h for h in d.hits if h.kind == "party"]
                lane = d.lane
        except ValidationFailed as exc:  # e.g. a synthetic name made only of honorifics: refused with 422
            refused.append(f"{exc.errors[0].field}: {body['consignee']['name']} / {end_user}")
            continue
        times.append(time.perf_counter() - start)
        lanes[lane] += 1
        if is_listed:
            listed_total += 1
            listed_found += any(h.party_role == "end_user" for h in party_hits)
        elif party_hits:
            clean_flagged += 1
    times_ms = sorted(t * 1000 for t in times)
    q = statistics.quantiles(times_ms, n=100)
    n_clean = len(times) - listed_total
    print(f"exports lodged: {args.count} on {os.environ['SMARTCUSTOMS_DATABASE_URL'].split(':')[0]}; "
          f"cores: {os.cpu_count()}; python {sys.version.split()[0]}")
    print(f"lodge latency ms: p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  max {times_ms[-1]:.1f}")
    print(f"lanes: {lanes}")
    print(f"synthetic (clean) exports flagged by party screening: {clean_flagged}/{n_clean} "
          f"({clean_flagged / max(n_clean, 1):.1%}; 2 synthetic names each)")
    print(f"listed end users found: {listed_found}/{listed_total}")
    print(f"refused with 422 (unusable party name): {len(refused)} {refused[:3]}")


if __name__ == "__main__":
    main()
